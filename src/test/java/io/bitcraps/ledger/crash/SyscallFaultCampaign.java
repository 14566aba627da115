package io.bitcraps.ledger.crash;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * System-call fault injection under a real writer: a child JVM runs {@code tools/ledger ingest}
 * under {@code fiu-run -x} (libfiu's POSIX preload), fed keyed commands on stdin. While it writes,
 * the parent switches libfiu failure points on and off with {@code fiu-ctrl}, so {@code pwrite}
 * (SQLite's unix VFS writes WAL frames with pwrite64) and {@code fsync} (SQLite syncs the WAL at
 * every {@code synchronous=FULL} commit) fail inside COMMIT itself, not before it as
 * {@code store.FaultInjector} does. Only those two calls are failed, and only for bounded windows:
 * they are how SQLite writes and syncs its files, while the JVM's own output (receipts, logs) goes
 * through write(2), which stays untouched. A child that dies of anything but the test's SIGKILL, or
 * leaves a JVM crash report, fails the campaign.
 * <p>
 * Each cycle ends one of three ways: SIGKILL while faults are on (the last failed batch's WAL
 * frames may still be in the file: the "COMMIT errored but the batch is durable" case, seen after a
 * restart), SIGKILL after the faults cleared, or stdin closed and a clean exit. Then, in this JVM
 * and without faults:
 * <ul>
 *   <li>every receipt printed in any cycle is in the log under its key and seq; seqs have no gap;</li>
 *   <li>every command whose line said STORAGE_FAILURE (or another retryable code) is looked up:
 *       found means the failed batch turned out durable;</li>
 *   <li>the ledger reopens, every fed-but-unacknowledged command is resubmitted under its key: a key
 *       already in the log must get its original receipt back, any other is written now; afterwards
 *       every fed key is in the log exactly once;</li>
 *   <li>periodically and at the end, a full audit with the HMAC key is intact.</li>
 * </ul>
 * Everything random is derived from the seed; failure messages name the seed and the cycle.
 */
final class SyscallFaultCampaign {
    enum Ending { KILL_WHILE_FAULTY, KILL_AFTER_FAULTS, CLEAN_EXIT }

    /** A libfiu failure point and the probability range a window draws from. */
    private record Point(String name, double minProbability, double maxProbability) {}

    // pwrite failures are drawn rarer than fsync ones: one commit writes many frames, one failed write fails it
    private static final List<Point> POINTS = List.of(
            new Point("posix/io/sync/fsync", 0.3, 1.0),
            new Point("posix/io/rw/pwrite", 0.02, 0.2));

    /** The figures of a run, for the report. */
    record Result(long seed, int cycles, Map<Ending, Integer> endings, long faultWindows, long failedBatches,
                  long failedCheckpoints, long acknowledged, Map<String, Long> failuresByCode,
                  Map<String, Long> failuresBySqliteCode, long failedThenDurable, long failedThenWrittenNow,
                  long unansweredResubmitted, long durableDespiteCommitError, List<String> haltReasons,
                  List<String> durableFailureEvidence, long audits, long events) {}

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Pattern SQLITE_CODE = Pattern.compile("SQLITE_[A-Z_]+");
    private static final Pattern BATCH_RANGE = Pattern.compile("seq (\\d+)\\.\\.(\\d+)");
    /** Codes after which resubmitting under the same key is the documented answer. */
    private static final Set<String> RETRYABLE = Set.of("STORAGE_FAILURE", "LEDGER_HALTED", "OVERLOADED");
    private static final Duration FIRST_RECEIPT_LIMIT = Duration.ofSeconds(90);
    /** A cycle keeps adding windows until a fault was seen in a receipt line, at most this long. */
    private static final Duration FAULT_SEEN_LIMIT = Duration.ofSeconds(30);
    private static final int LINES_MAX = 200_000;

    private final Path dir;
    private final Path db;
    private final Path key;
    private final Path fifoPrefix;
    private final long seed;
    private final Random random;
    private final int auditEvery;
    private final Map<String, Long> acknowledged = new HashMap<>();
    private final Map<Ending, Integer> endings = new EnumMap<>(Ending.class);
    private final Map<String, Long> failuresByCode = new TreeMap<>();
    private final Map<String, Long> failuresBySqliteCode = new TreeMap<>();
    private final List<String> haltReasons = new ArrayList<>();
    private final List<String> durableFailureEvidence = new ArrayList<>();
    private long faultWindows;
    private long failedBatches;
    private long failedCheckpoints;
    private long failedThenDurable;
    private long failedThenWrittenNow;
    private long unansweredResubmitted;
    private long durableDespiteCommitError;
    private long audits;

    SyscallFaultCampaign(Path dir, long seed, int auditEvery) throws IOException {
        this.dir = dir;
        this.db = dir.resolve("ledger.db");
        this.key = dir.resolve("hmac.key");
        // the control FIFOs live in the test's directory: a SIGKILLed child leaves its pair behind
        this.fifoPrefix = dir.resolve("fiu-ctrl");
        io.bitcraps.ledger.support.Fixtures.writeKey(key, "syscall-fault-campaign-hmac-key-0123");
        this.seed = seed;
        this.random = new Random(seed);
        this.auditEvery = auditEvery;
    }

    Result run(int cycles) throws Exception {
        Ending[] order = Ending.values();
        for (int cycle = 0; cycle < cycles; cycle++) {
            Ending ending = order[cycle % order.length]; // every ending equally often; windows and moments are random
            endings.merge(ending, 1, Integer::sum);
            String where = "seed " + seed + " cycle " + cycle + " (" + ending + ")";
            Cycle c = new Cycle(cycle, where);
            runChild(c, ending);
            acknowledged.putAll(c.printed);
            verifyAfterChild(c);
            reopenAndResubmit(c);
            if ((cycle + 1) % auditEvery == 0 || cycle == cycles - 1) {
                auditFull(where);
            }
        }
        long events;
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            events = EventReader.maxSeq(conn);
        }
        return new Result(seed, cycles, endings, faultWindows, failedBatches, failedCheckpoints, acknowledged.size(),
                failuresByCode, failuresBySqliteCode, failedThenDurable, failedThenWrittenNow, unansweredResubmitted,
                durableDespiteCommitError, haltReasons, durableFailureEvidence, audits, events);
    }

    /** What one child run printed and was fed. */
    private final class Cycle {
        final int n;
        final String where;
        final Path err;
        final List<String> fed = Collections.synchronizedList(new ArrayList<>());
        // read by the test thread while the reader thread adds: iteration must not need a lock
        final Map<String, Long> printed = new java.util.concurrent.ConcurrentHashMap<>();
        /** key → the rejected receipt line, for every retryable failure. */
        final Map<String, String> failed = new java.util.concurrent.ConcurrentHashMap<>();
        final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        final Set<String> batchRanges = Collections.synchronizedSet(new HashSet<>());
        final CountDownLatch firstReceipt = new CountDownLatch(1);
        volatile long lines;
        long logEndAfterChild;
        volatile boolean stopFeeding;
        /** The child's writer halted: every later line is refused at once, so feeding more only fills memory. */
        volatile boolean halted;

        Cycle(int n, String where) {
            this.n = n;
            this.where = where;
            this.err = dir.resolve("ingest-" + n + ".err");
        }

        int failedCount() {
            return failed.size();
        }
    }

    private void runChild(Cycle c, Ending ending) throws Exception {
        ProcessBuilder pb = Fiu.underFiu(ChildJvm.ledger(dir, "ingest", "--db", db.toString(), "--key", key.toString()), fifoPrefix);
        Process child = pb.redirectError(c.err.toFile()).start();
        Thread reader = new Thread(() -> readReceipts(child, c), "receipts");
        reader.start();
        Thread feeder = new Thread(() -> feed(child.getOutputStream(), c), "feeder");
        feeder.start();
        try {
            if (!c.firstReceipt.await(FIRST_RECEIPT_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError(c.where + ": no receipt within " + FIRST_RECEIPT_LIMIT.toSeconds() + " s: "
                        + tail(c.err));
            }
            int windows = 2 + random.nextInt(3);
            long faultSeenDeadline = System.nanoTime() + FAULT_SEEN_LIMIT.toNanos();
            for (int w = 0; ; w++) {
                boolean planned = w < windows;
                if (!planned && c.failedCount() > 0) {
                    break;
                }
                if (!planned && System.nanoTime() - faultSeenDeadline > 0) {
                    throw new AssertionError(c.where + ": " + w + " fault windows, yet no receipt line showed a failure"
                            + " within " + FAULT_SEEN_LIMIT.toSeconds() + " s (" + c.printed.size() + " acknowledged); is"
                            + " libfiu's preload active in the child? " + tail(c.err));
                }
                assertAlive(child, c);
                // past the planned windows, fsync fails every time: a window is then sure to fail a commit if one runs
                List<String> on = enableWindow(child, !planned);
                faultWindows++;
                Thread.sleep(150 + random.nextInt(350));
                boolean last = planned && w == windows - 1 || !planned;
                if (ending == Ending.KILL_WHILE_FAULTY && last && c.failedCount() > 0) {
                    child.destroyForcibly(); // the faults are still on: the last batches died inside failing COMMITs
                    break;
                }
                for (String name : on) {
                    fiuCtrl(child, "disable name=" + name);
                }
                Thread.sleep(100 + random.nextInt(300));
            }
            if (ending == Ending.KILL_AFTER_FAULTS) {
                awaitAckOrHalt(c, Duration.ofSeconds(20));
                Thread.sleep(random.nextInt(300));
                child.destroyForcibly();
            } else if (ending == Ending.CLEAN_EXIT) {
                c.stopFeeding = true;
                feeder.join(30_000);
                if (!child.waitFor(120, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                    throw new AssertionError(c.where + ": ingest did not exit within 120 s of the end of its input: " + tail(c.err));
                }
                if (child.exitValue() != 0) {
                    throw new AssertionError(c.where + ": ingest exited " + child.exitValue() + " after the faults: " + tail(c.err));
                }
            }
        } finally {
            c.stopFeeding = true;
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
            feeder.join(10_000);
            reader.join(10_000);
        }
        if (ending == Ending.CLEAN_EXIT) {
            // a clean exit answers every line it read: nothing may be left without a receipt
            long answered = c.printed.size() + c.failed.size();
            if (answered != c.fed.size()) {
                throw new AssertionError(c.where + ": " + c.fed.size() + " lines fed, " + answered + " answered");
            }
        }
        if (!c.unexpected.isEmpty()) {
            throw new AssertionError(c.where + ": unexpected receipt lines, e.g. " + c.unexpected.subList(0,
                    Math.min(3, c.unexpected.size())));
        }
        failedBatches += c.batchRanges.size();
        String stderr = Files.exists(c.err) ? Files.readString(c.err) : "";
        failedCheckpoints += stderr.lines().filter(l -> l.contains("checkpoint failed")).count();
        // BatchWriter.recoverFromFailedCommit logs this when COMMIT errored yet the batch is in the log
        durableDespiteCommitError += stderr.lines().filter(l -> l.contains("is durable; treating the batch as committed")).count();
        if (stderr.contains("A fatal error has been detected by the Java Runtime") || stderr.contains("hs_err_pid")) {
            throw new AssertionError(c.where + ": the child JVM itself crashed under the injected faults: " + tail(c.err));
        }
    }

    /** Switches on a random non-empty set of failure points (all of them at full strength when {@code sure}). */
    private List<String> enableWindow(Process child, boolean sure) throws Exception {
        List<String> on = new ArrayList<>();
        int mask = sure ? 1 : 1 + random.nextInt((1 << POINTS.size()) - 1);
        for (int i = 0; i < POINTS.size(); i++) {
            if ((mask & (1 << i)) != 0) {
                Point p = POINTS.get(i);
                double probability = sure ? 1.0 : p.minProbability() + random.nextDouble() * (p.maxProbability() - p.minProbability());
                fiuCtrl(child, String.format(java.util.Locale.ROOT, "enable_random name=%s,probability=%.3f", p.name(), probability));
                on.add(p.name());
            }
        }
        return on;
    }

    private void fiuCtrl(Process child, String command) throws Exception {
        try {
            Fiu.ctrl(child, fifoPrefix, command);
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
        }
    }

    private void assertAlive(Process child, Cycle c) throws IOException {
        if (!child.isAlive()) {
            throw new AssertionError("seed " + seed + ": the child exited " + child.exitValue() + " while faults were being"
                    + " switched" + (c == null ? "" : ": " + tail(c.err)));
        }
    }

    /** After the faults cleared: waits for one more acknowledgement or a halted line, whichever comes; never fails on time. */
    private static void awaitAckOrHalt(Cycle c, Duration limit) throws InterruptedException {
        long acks = c.printed.size();
        long deadline = System.nanoTime() + limit.toNanos();
        while (c.printed.size() == acks && System.nanoTime() - deadline < 0 && !c.halted) {
            Thread.sleep(10);
        }
    }

    private void feed(OutputStream stdin, Cycle c) {
        try (OutputStream out = stdin) {
            for (int n = 0; n < LINES_MAX && !c.stopFeeding; n++) {
                if (c.halted) {
                    // keep the child's input open (it must stay alive for the rest of the cycle) but feed
                    // no more: a halted writer refuses every line at once, and the answers only fill memory
                    out.flush();
                    Thread.sleep(10);
                    n--;
                    continue;
                }
                out.write((CrashCampaign.lineFor(c.n, n) + "\n").getBytes(StandardCharsets.UTF_8));
                c.fed.add(CrashCampaign.keyOf(c.n, n));
                if (n % 32 == 0) {
                    out.flush();
                }
            }
        } catch (IOException expected) {
            // killed: the pipe broke
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readReceipts(Process child, Cycle c) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode r;
                try {
                    r = JSON.readTree(line);
                } catch (RuntimeException torn) {
                    continue; // the kill may cut the last line: it was never fully printed
                }
                c.lines++;
                String status = r.path("status").asString("");
                String k = r.path("key").isString() ? r.get("key").stringValue() : null;
                if ("ok".equals(status) && k != null) {
                    c.printed.put(k, r.has("seqs") ? r.get("seqs").get(0).longValue() : r.get("seq").longValue());
                } else if ("rejected".equals(status) && k != null && RETRYABLE.contains(r.path("code").asString(""))) {
                    String code = r.get("code").stringValue();
                    String message = r.path("message").asString("");
                    c.failed.put(k, code + ": " + message);
                    if ("LEDGER_HALTED".equals(code)) {
                        c.halted = true;
                    }
                    synchronized (this) {
                        failuresByCode.merge(code, 1L, Long::sum);
                        Matcher m = SQLITE_CODE.matcher(message);
                        failuresBySqliteCode.merge(m.find() ? m.group() : "(no SQLite code)", 1L, Long::sum);
                        if ("LEDGER_HALTED".equals(code) && haltReasons.stream().noneMatch(h -> h.endsWith(message))) {
                            haltReasons.add(c.where + ": " + message);
                        }
                    }
                    Matcher range = BATCH_RANGE.matcher(message);
                    if ("STORAGE_FAILURE".equals(code) && range.find()) {
                        c.batchRanges.add(range.group());
                    }
                } else {
                    c.unexpected.add(line);
                }
                c.firstReceipt.countDown();
            }
        } catch (IOException ignored) {
            // the kill closed the stream
        }
    }

    private void verifyAfterChild(Cycle c) throws Exception {
        if (!Files.exists(db)) {
            if (!acknowledged.isEmpty()) {
                throw new AssertionError(c.where + ": the database is gone");
            }
            return;
        }
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            long max = EventReader.maxSeq(conn);
            c.logEndAfterChild = max;
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM events")) {
                rs.next();
                if (rs.getLong(1) != max) {
                    throw new AssertionError(c.where + ": seqs have gaps (" + rs.getLong(1) + " rows, max seq " + max + ")");
                }
            }
            Map<String, Long> inLog = keysInLog(conn);
            {
                for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
                    Long seq = inLog.get(e.getKey());
                    if (seq == null || seq.longValue() != e.getValue()) {
                        throw new AssertionError(c.where + ": acknowledged " + e.getKey() + " at seq " + e.getValue()
                                + " is " + (seq == null ? "not in the log" : "at seq " + seq));
                    }
                }
            }
        }
    }

    /**
     * Every idempotency key of the log with its seq, in one scan: the log-first layout keeps no
     * index over the keys (the writer holds a window of them in memory), so a query per key would
     * scan the whole log each time.
     */
    private static Map<String, Long> keysInLog(Connection conn) throws Exception {
        Map<String, Long> keys = new HashMap<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT idem_key, seq FROM events WHERE idem_key IS NOT NULL")) {
            while (rs.next()) {
                keys.put(rs.getString(1), rs.getLong(2));
            }
        }
        return keys;
    }

    /**
     * Reopens the ledger (no faults now) and resubmits everything fed but not acknowledged. A failed
     * key that is already in the log must get that very seq back: its batch failed, yet turned out
     * durable. Afterwards every fed key of this cycle is in the log exactly once.
     */
    private void reopenAndResubmit(Cycle c) throws Exception {
        List<String> keys;
        synchronized (c.fed) {
            keys = new ArrayList<>(new LinkedHashSet<>(c.fed));
        }
        Map<String, Long> alreadyThere = new HashMap<>();
        if (Files.exists(db)) {
            try (Connection conn = LedgerDatabase.openReadOnly(db)) {
                Map<String, Long> inLog = keysInLog(conn);
                for (String k : keys) {
                    if (!c.printed.containsKey(k)) {
                        Long seq = inLog.get(k);
                        if (seq != null) {
                            alreadyThere.put(k, seq);
                        }
                    }
                }
            }
        }
        Map<String, CompletableFuture<Receipt>> retries = new HashMap<>();
        List<String> durable = new ArrayList<>();
        java.util.LongSummaryStatistics durableSeqs = new java.util.LongSummaryStatistics();
        for (Map.Entry<String, Long> e : alreadyThere.entrySet()) {
            String line = c.failed.get(e.getKey());
            if (line == null) {
                continue; // fed, never answered before the kill: its batch may have committed unseen
            }
            // the child never retries, so a failed key can only be in the log through its own failed batch
            Matcher range = BATCH_RANGE.matcher(line);
            if (range.find() && (e.getValue() < Long.parseLong(range.group(1)) || e.getValue() > Long.parseLong(range.group(2)))) {
                throw new AssertionError(c.where + ": " + e.getKey() + " failed in the batch " + range.group()
                        + " but is in the log at seq " + e.getValue());
            }
        }
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).hmacKeyFile(key)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            if (ledger.haltReason() != null) {
                throw new AssertionError(c.where + ": the reopened ledger is halted: " + ledger.haltReason());
            }
            for (String k : keys) {
                if (!c.printed.containsKey(k)) {
                    int n = Integer.parseInt(k.substring(k.indexOf('-') + 1));
                    retries.put(k, ledger.submitAtomically(CrashCampaign.commandsFor(c.n, n), k));
                }
            }
            for (Map.Entry<String, CompletableFuture<Receipt>> e : retries.entrySet()) {
                String k = e.getKey();
                Receipt r;
                try {
                    r = e.getValue().get(120, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException ex) {
                    throw new AssertionError(c.where + ": resubmitting " + k + " without faults failed: " + ex.getCause(), ex);
                }
                Long before = alreadyThere.get(k);
                if (before != null && r.firstSeq() != before) {
                    throw new AssertionError(c.where + ": " + k + " was in the log at seq " + before
                            + " before the retry, the retry got seq " + r.firstSeq());
                }
                if (c.failed.containsKey(k)) {
                    if (before != null && c.failed.get(k).contains("STORAGE_FAILURE")) {
                        // STORAGE_FAILURE promises "not applied"; only a halt may leave the outcome open
                        throw new AssertionError(c.where + ": " + k + " was answered \"" + abbreviate(c.failed.get(k))
                                + "\" but is in the log at seq " + before + " after the kill");
                    }
                    if (before != null) {
                        failedThenDurable++;
                        durable.add(k);
                        durableSeqs.accept(before);
                    } else {
                        failedThenWrittenNow++;
                    }
                } else {
                    unansweredResubmitted++;
                }
                acknowledged.put(k, r.firstSeq());
            }
        }
        if (!durable.isEmpty()) {
            Collections.sort(durable);
            String evidence = c.where + ": " + durable.size() + " keys answered STORAGE_FAILURE (\"" + abbreviate(c.failed.get(durable.get(0)))
                    + "\") are in the log after the kill at seqs " + durableSeqs.getMin() + ".." + durableSeqs.getMax() + " (log end "
                    + c.logEndAfterChild + "), e.g. " + durable.get(0) + " at seq " + alreadyThere.get(durable.get(0))
                    + "; each retry got that receipt back";
            durableFailureEvidence.add(evidence);
            System.out.println("SyscallFaultIT FINDING " + evidence);
        }
        try (Connection conn = LedgerDatabase.openReadOnly(db);
             Statement st = conn.createStatement();
             ResultSet dup = st.executeQuery("SELECT idem_key, count(*) FROM events WHERE idem_key LIKE 'k" + c.n
                     + "-%' GROUP BY idem_key HAVING count(*) > 1")) {
            if (dup.next()) {
                throw new AssertionError(c.where + ": key " + dup.getString(1) + " is in the log " + dup.getLong(2) + " times");
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM events WHERE idem_key LIKE 'k" + c.n + "-%'")) {
                rs.next();
                if (rs.getLong(1) != keys.size()) {
                    throw new AssertionError(c.where + ": " + keys.size() + " keys were fed and resubmitted, the log holds "
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
    }

    private static String abbreviate(String s) {
        return s.length() <= 160 ? s : s.substring(0, 160) + "…";
    }

    private static String tail(Path file) throws IOException {
        if (!Files.exists(file)) {
            return "(no stderr)";
        }
        List<String> lines = Files.readAllLines(file);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
