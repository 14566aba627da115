package io.bitcraps.ledger.crash;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.backup.Backups;
import io.bitcraps.ledger.backup.JournalArchive;
import io.bitcraps.ledger.backup.Retention;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.bitcraps.ledger.support.Fixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The crash campaign: a child JVM runs {@code tools/ledger ingest} (with a journal archive and an
 * HMAC key) on a stream of keyed commands, and is killed with SIGKILL at a random moment of one of
 * four situations: under load, while another process takes a backup, while checkpoints are being
 * forced, or within a second of its start (while it opens, loads, heals). After every kill:
 * <ul>
 *   <li>every receipt the child printed is in the log under its key and seq, and seqs have no gap;</li>
 *   <li>every finished backup verifies (a backup process killed mid-way leaves no backup, and its
 *       orphaned temp files are removed by the next backup);</li>
 *   <li>the ledger reopens (tail chain, read model invariants, archive reconciled), and resubmitting
 *       every fed-but-unacknowledged command under its key leaves each key exactly once;</li>
 *   <li>periodically and at the end, a full audit with the key is intact, and the archive ends at the head.</li>
 * </ul>
 * Everything is derived from the seed; a failure message names the seed and the cycle.
 */
final class CrashCampaign {
    enum Scenario { LOAD, BACKUP, CHECKPOINT, RESTART }

    /** The figures of a run, for the report. */
    record Result(long seed, int cycles, Map<Scenario, Integer> perScenario, long acknowledged, long resubmitted,
                  long backupsVerified, long backupProcessesKilled, long audits, long events) {}

    private static final JsonMapper JSON = JsonMapper.shared();

    private final Path dir;
    private final Path db;
    private final Path archive;
    private final Path backups;
    private final Path key;
    private final long seed;
    private final Random random;
    private final int auditEvery;
    private final Map<String, Long> acknowledged = new HashMap<>();
    private final Map<Scenario, Integer> perScenario = new EnumMap<>(Scenario.class);
    private long resubmitted;
    private long backupsVerified;
    private long backupKills;
    private long audits;
    private final List<String> backupFailures = java.util.Collections.synchronizedList(new ArrayList<>());
    private boolean logFirst;

    /** Runs the writer with the log-first commit: the child with --log-first, the reopen likewise. */
    CrashCampaign logFirst() {
        this.logFirst = true;
        return this;
    }

    CrashCampaign(Path dir, long seed, int auditEvery) throws IOException {
        this.dir = dir;
        this.db = dir.resolve("ledger.db");
        this.archive = dir.resolve("archive");
        this.backups = dir.resolve("backups");
        this.key = dir.resolve("hmac.key");
        Fixtures.writeKey(key, "crash-campaign-hmac-key-0123456789");
        this.seed = seed;
        this.random = new Random(seed);
        this.auditEvery = auditEvery;
    }

    Result run(int cycles) throws Exception {
        Scenario[] order = Scenario.values();
        for (int cycle = 0; cycle < cycles; cycle++) {
            Scenario scenario = order[cycle % order.length]; // every situation equally often; the moments are random
            perScenario.merge(scenario, 1, Integer::sum);
            String where = "seed " + seed + " cycle " + cycle + " (" + scenario + ")";
            Map<String, Long> printed = new HashMap<>();
            List<String> fed = new ArrayList<>();
            killDuring(scenario, cycle, printed, fed);
            acknowledged.putAll(printed);
            verifyAfterKill(where);
            reopenAndResubmit(cycle, fed, printed, where);
            if ((cycle + 1) % auditEvery == 0 || cycle == cycles - 1) {
                auditFull(where);
            }
        }
        long events;
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            events = EventReader.maxSeq(c);
        }
        return new Result(seed, cycles, perScenario, acknowledged.size(), resubmitted, backupsVerified, backupKills, audits,
                events);
    }

    private void killDuring(Scenario scenario, int cycle, Map<String, Long> printed, List<String> fed) throws Exception {
        List<String> args = new ArrayList<>(List.of("ingest", "--db", db.toString(), "--archive", archive.toString(),
                "--key", key.toString()));
        if (scenario == Scenario.CHECKPOINT) {
            args.addAll(List.of("--checkpoint-every", "20"));
        }
        args.add(logFirst ? "--log-first" : "--no-log-first");
        Process child = ChildJvm.ledger(dir, args.toArray(String[]::new))
                .redirectError(dir.resolve("ingest-" + cycle + ".err").toFile()).start();
        CountDownLatch firstReceipt = new CountDownLatch(1);
        Thread reader = new Thread(() -> readReceipts(child, printed, firstReceipt), "receipts");
        reader.start();
        Thread feeder = new Thread(() -> feed(child.getOutputStream(), cycle, fed), "feeder");
        feeder.start();
        Process backup = null;
        if (scenario == Scenario.RESTART) {
            Thread.sleep(random.nextInt(1_000)); // while the JVM starts, opens, loads, reconciles the archive
        } else {
            if (!firstReceipt.await(90, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new AssertionError("seed " + seed + " cycle " + cycle + ": no receipt within 90 s: "
                        + Files.readString(dir.resolve("ingest-" + cycle + ".err")));
            }
            if (scenario == Scenario.BACKUP && random.nextBoolean()) {
                // another process backs up (it may itself be killed mid-way below)
                backup = ChildJvm.ledger(dir, "backup", "--db", db.toString(), "--dir", backups.toString(), "--key",
                        key.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("backup-" + cycle + ".out").toFile())
                        .start();
                Thread.sleep(300 + random.nextInt(900)); // the backup JVM starts, then snapshots and verifies
            } else if (scenario == Scenario.BACKUP) {
                // a backup from this JVM: the writer dies while the snapshot is being taken or verified
                Thread backupThread = new Thread(() -> {
                    try {
                        Backups.take(db, backups, null, java.time.Clock.systemUTC());
                    } catch (BackupFailure e) {
                        backupFailures.add(e.getMessage());
                    }
                }, "campaign-backup");
                backupThread.start();
                Thread.sleep(random.nextInt(400));
                child.destroyForcibly();
                backupThread.join(60_000);
            } else {
                Thread.sleep(100 + random.nextInt(900));
            }
        }
        child.destroyForcibly();
        if (backup != null) {
            if (random.nextBoolean()) {
                backup.destroyForcibly();
                backupKills++;
            }
            backup.waitFor(60, TimeUnit.SECONDS);
        }
        child.waitFor(30, TimeUnit.SECONDS);
        feeder.join(10_000);
        reader.join(10_000);
    }

    /** Keyed commands: deposits, and every seventh an atomic deposit-then-withdrawal; all always accepted. */
    static Command.Deposit deposit(int cycle, int n) {
        return new Command.Deposit("c" + (n % 17), 1 + n % 40, "crash-" + cycle);
    }

    static List<Command> commandsFor(int cycle, int n) {
        if (n % 7 == 6) {
            return List.of(new Command.Deposit("c" + (n % 17), 3, "grp-" + cycle), new Command.Withdraw("c" + (n % 17), 2, "grp-" + cycle));
        }
        return List.of(deposit(cycle, n));
    }

    static String keyOf(int cycle, int n) {
        return "k" + cycle + "-" + n;
    }

    static String lineFor(int cycle, int n) {
        String k = keyOf(cycle, n);
        if (n % 7 == 6) {
            return "{\"type\":\"atomic\",\"key\":\"" + k + "\",\"commands\":["
                    + "{\"type\":\"deposit\",\"player\":\"c" + (n % 17) + "\",\"amount\":3,\"reference\":\"grp-" + cycle + "\"},"
                    + "{\"type\":\"withdraw\",\"player\":\"c" + (n % 17) + "\",\"amount\":2,\"reference\":\"grp-" + cycle + "\"}]}";
        }
        Command.Deposit d = deposit(cycle, n);
        return "{\"type\":\"deposit\",\"player\":\"" + d.player() + "\",\"amount\":" + d.amount() + ",\"reference\":\""
                + d.reference() + "\",\"key\":\"" + k + "\"}";
    }

    private static void feed(OutputStream stdin, int cycle, List<String> fed) {
        try (OutputStream out = stdin) {
            for (int n = 0; n < 2_000; n++) {
                out.write((lineFor(cycle, n) + "\n").getBytes(StandardCharsets.UTF_8));
                synchronized (fed) {
                    fed.add(keyOf(cycle, n));
                }
                if (n % 32 == 0) {
                    out.flush();
                }
            }
        } catch (IOException expected) {
            // killed: the pipe broke
        }
    }

    private static void readReceipts(Process child, Map<String, Long> printed, CountDownLatch first) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode r;
                try {
                    r = JSON.readTree(line);
                } catch (RuntimeException torn) {
                    continue; // the kill may cut the last line: it was never fully printed
                }
                if (!"ok".equals(r.get("status").stringValue())) {
                    throw new AssertionError("unexpected receipt " + line);
                }
                long seq = r.has("seq") ? r.get("seq").longValue() : r.get("seqs").get(0).longValue();
                synchronized (printed) {
                    printed.put(r.get("key").stringValue(), seq);
                }
                first.countDown();
            }
        } catch (IOException ignored) {
            // the kill closed the stream
        }
    }

    private void verifyAfterKill(String where) throws Exception {
        if (!Files.exists(db)) {
            if (!acknowledged.isEmpty()) {
                throw new AssertionError(where + ": the database is gone");
            }
            return;
        }
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            long max = EventReader.maxSeq(c);
            long count;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM events")) {
                rs.next();
                count = rs.getLong(1);
            }
            if (count != max) {
                throw new AssertionError(where + ": seqs have gaps (" + count + " rows, max seq " + max + ")");
            }
            // one pass over the keyed events: the log-first layout keeps no index over the keys
            Map<String, Long> logged = new HashMap<>();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT idem_key, seq FROM events WHERE idem_key IS NOT NULL ORDER BY seq")) {
                while (rs.next()) {
                    logged.put(rs.getString(1), rs.getLong(2));
                }
            }
            for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
                if (!e.getValue().equals(logged.get(e.getKey()))) {
                    throw new AssertionError(where + ": acknowledged " + e.getKey() + " at seq " + e.getValue()
                            + " is not in the log");
                }
            }
        }
        verifyBackups(where);
    }

    private void verifyBackups(String where) throws Exception {
        if (!backupFailures.isEmpty()) {
            throw new AssertionError(where + ": a backup beside the dying writer failed: " + backupFailures);
        }
        if (!Files.isDirectory(backups)) {
            return;
        }
        for (Retention.Backup b : Retention.list(backups)) {
            try {
                boolean signed = Files.readString(b.file().resolveSibling(b.file().getFileName() + ".manifest.json"))
                        .contains("\"hmac\"");
                Backups.verify(b.file(), signed ? HeadSigner.readKey(key) : null);
                backupsVerified++;
            } catch (BackupFailure e) {
                throw new AssertionError(where + ": a finished backup does not verify: " + e.getMessage(), e);
            }
            Files.delete(b.file()); // verified once is enough; keep the directory small
            Files.deleteIfExists(b.file().resolveSibling(b.file().getFileName() + ".manifest.json"));
        }
    }

    /** Reopens the ledger, resubmits everything fed but not acknowledged, checks each key is there once. */
    private void reopenAndResubmit(int cycle, List<String> fed, Map<String, Long> printed, String where) throws Exception {
        List<String> keys;
        synchronized (fed) {
            keys = new ArrayList<>(fed);
        }
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).archiveDir(archive).hmacKeyFile(key).logFirstCommit(logFirst)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            List<java.util.concurrent.CompletableFuture<?>> retries = new ArrayList<>();
            for (String k : keys) {
                if (!printed.containsKey(k)) {
                    int n = Integer.parseInt(k.substring(k.indexOf('-') + 1));
                    retries.add(ledger.submitAtomically(commandsFor(cycle, n), k));
                    resubmitted++;
                }
            }
            for (var f : retries) {
                f.join();
            }
        }
        try (Connection c = LedgerDatabase.openReadOnly(db);
             Statement st = c.createStatement();
             ResultSet dup = st.executeQuery("SELECT idem_key, count(*) FROM events WHERE idem_key LIKE 'k" + cycle
                     + "-%' GROUP BY idem_key HAVING count(*) > 1")) {
            if (dup.next()) {
                throw new AssertionError(where + ": key " + dup.getString(1) + " is in the log " + dup.getLong(2) + " times");
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM events WHERE idem_key LIKE 'k" + cycle + "-%'")) {
                rs.next();
                if (rs.getLong(1) != keys.size()) {
                    throw new AssertionError(where + ": " + keys.size() + " keys were fed and resubmitted, the log holds "
                            + rs.getLong(1));
                }
            }
        }
    }

    private void auditFull(String where) throws Exception {
        AuditReport r = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, HeadSigner.readKey(key), null), n -> { });
        audits++;
        if (!r.intact()) {
            throw new AssertionError(where + ": audit not intact: " + r.problems());
        }
        long archived = JournalArchive.batchesAfter(archive, 0).stream().mapToLong(b -> b.lastSeq()).max().orElse(0);
        if (archived != r.headSeq()) {
            throw new AssertionError(where + ": the archive ends at seq " + archived + ", the head is at " + r.headSeq());
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.count(); // touches the directory listing so a vanished work dir fails loudly here
        }
    }
}
