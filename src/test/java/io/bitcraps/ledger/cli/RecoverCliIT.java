package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.WriterLock;
import io.bitcraps.ledger.store.WriterLockHeld;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code tools/ledger recover} in the documented flow, and what {@code ingest} does where a ledger
 * used to be. Every command runs in a child JVM through the CLI entry point, as an operator runs it.
 */
class RecoverCliIT {
    private static final JsonMapper JSON = JsonMapper.shared();

    @TempDir
    Path dir;
    /** Where the child JVMs leave their captured output, apart from the ledger's files. */
    Path work;

    @BeforeEach
    void workDir() throws IOException {
        work = Files.createDirectories(dir.resolve("work"));
    }

    private static LedgerConfig.Builder config(Path db) {
        return LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
    }

    /** A ledger of {@code before} deposits, a backup into {@code backups}, then {@code after} more deposits. */
    private static long writeWithBackup(LedgerConfig.Builder config, int before, int after) throws Exception {
        try (Ledger ledger = Ledger.open(config.build())) {
            ok(ledger.submit(new FundHouse(1_000_000, "bankroll")));
            for (int i = 0; i < before; i++) {
                ok(ledger.submit(new Deposit("p" + (i % 3), 10 + i, "before-" + i)));
            }
            ledger.backup();
            for (int i = 0; i < after; i++) {
                ok(ledger.submit(new Deposit("p" + (i % 3), 10 + i, "after-" + i)));
            }
            return ledger.view().seq();
        }
    }

    private static String deposit(String reference) {
        return "{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":5,\"reference\":\"" + reference + "\"}\n";
    }

    /** Name → SHA-256 of the database, its -wal and its -shm (absent ones are left out). */
    private static Map<String, String> databaseFiles(Path db) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String suffix : new String[]{"", "-wal", "-shm"}) {
            Path p = db.resolveSibling(db.getFileName() + suffix);
            if (Files.exists(p)) {
                out.put(p.getFileName().toString(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }

    /** The files once a live writer's background work has settled: two looks 1.2 s apart agree. */
    private static Map<String, String> settled(Path db) throws Exception {
        Map<String, String> last = databaseFiles(db);
        for (int i = 0; i < 10; i++) {
            Thread.sleep(1_200);
            Map<String, String> now = databaseFiles(db);
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static long seqOf(String receiptLine) {
        JsonNode r = JSON.readTree(receiptLine);
        assertThat(r.get("status").stringValue()).as(receiptLine).isEqualTo("ok");
        return r.get("seq").longValue();
    }

    private static long headOf(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return EventReader.maxSeq(c);
        }
    }

    private static long damagedCopies(Path db) throws IOException {
        try (Stream<Path> files = Files.list(db.getParent())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(db.getFileName() + ".damaged-") && !n.endsWith("-wal") && !n.endsWith("-shm"))
                    .count();
        }
    }

    @Test
    void recoverWhileTheHaltedWriterIsStillAliveRefusesNamingItAndTouchesNothing() throws Exception {
        Path db = dir.resolve("floor").resolve("ledger.db");
        Path archive = dir.resolve("archive");
        Path backups = dir.resolve("backups");
        long head = writeWithBackup(config(db).archiveDir(archive).backupDir(backups), 10, 10);

        // the writer process: it opens the ledger, commits a line, and stays alive holding the lock
        ProcessBuilder pb = ChildJvm.ledger(work, "ingest", "--db", db.toString(), "--archive", archive.toString());
        pb.redirectError(work.resolve("writer.err").toFile());
        Process writer = pb.start();
        try {
            OutputStream stdin = writer.getOutputStream();
            BufferedReader stdout = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
            stdin.write(deposit("live-1").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            String receipt = stdout.readLine();
            assertThat(receipt).as("the writer's receipt; its stderr: %s", Files.readString(work.resolve("writer.err")))
                    .isNotNull();
            assertThat(seqOf(receipt)).isEqualTo(head + 1);
            Path lockFile = WriterLock.lockFileOf(db);
            Map<String, String> before = settled(db);
            assertThat(before).containsKeys("ledger.db", "ledger.db-wal", "ledger.db-shm");

            ChildJvm.Result recover = ChildJvm.run(work, "recover", "--db", db.toString(), "--dir", backups.toString(),
                    "--archive", archive.toString());

            assertThat(recover.exitCode()).as("exit code; stdout %s stderr %s", recover.stdout(), recover.stderr()).isEqualTo(2);
            assertThat(recover.stderr()).contains("pid " + writer.pid());
            assertThat(databaseFiles(db)).as("database, -wal and -shm untouched").isEqualTo(before);
            assertThat(damagedCopies(db)).as("nothing moved aside").isZero();
            assertThat(lockFile).exists();
            assertThatThrownBy(() -> WriterLock.acquire(db).close())
                    .as("the live writer still holds the lock")
                    .isInstanceOf(WriterLockHeld.class).hasMessageContaining("pid " + writer.pid());

            // and the writer goes on writing where it was
            stdin.write(deposit("live-2").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            assertThat(seqOf(stdout.readLine())).isEqualTo(head + 2);
            stdin.close();
            assertThat(writer.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(writer.exitValue()).isZero();
        } finally {
            writer.destroyForcibly().waitFor();
        }
        assertThat(headOf(db)).isEqualTo(head + 2);
    }

    @Test
    void aRecoverThatFailsAfterMovingTheDatabaseAsidePutsItBackAsItWas() throws Exception {
        Path live = dir.resolve("live").resolve("ledger.db");
        Path backups = dir.resolve("backups");
        Path crashed = dir.resolve("crashed").resolve("ledger.db");
        Files.createDirectories(crashed.getParent());
        try (Ledger ledger = Ledger.open(config(live).backupDir(backups).build())) {
            ok(ledger.submit(new FundHouse(1_000_000, "bankroll")));
            for (int i = 0; i < 5; i++) {
                ok(ledger.submit(new Deposit("p", 10, "before-" + i)));
            }
            ledger.backup();
            for (int i = 0; i < 200; i++) {
                ok(ledger.submit(new Deposit("p", 10, "after-" + i)));
            }
            // a crash image: the database with a -wal holding commits not yet checkpointed, and its -shm
            for (String suffix : new String[]{"", "-wal", "-shm"}) {
                Files.copy(live.resolveSibling("ledger.db" + suffix), crashed.resolveSibling("ledger.db" + suffix));
            }
        }
        // the operator points recover at the wrong archive: the backup verifies, the move happens,
        // and only then does the archive turn out not to continue the backup
        Path otherArchive = dir.resolve("other-archive");
        try (Ledger other = Ledger.open(config(dir.resolve("other").resolve("ledger.db")).archiveDir(otherArchive).build())) {
            for (int i = 0; i < 30; i++) {
                ok(other.submit(new Deposit("x", 1, "x-" + i)));
            }
        }
        Map<String, String> before = databaseFiles(crashed);
        assertThat(before).containsKeys("ledger.db", "ledger.db-wal", "ledger.db-shm");

        ChildJvm.Result failed = ChildJvm.run(work, "recover", "--db", crashed.toString(), "--dir", backups.toString(),
                "--archive", otherArchive.toString());

        assertThat(failed.exitCode()).as("stdout %s stderr %s", failed.stdout(), failed.stderr()).isEqualTo(2);
        assertThat(failed.stderr()).contains("another history", "put back");
        Map<String, String> after = databaseFiles(crashed);
        assertThat(after).as("database, -wal and -shm back in place, byte for byte").isEqualTo(before);
        assertThat(damagedCopies(crashed)).as("no half-done move left behind").isZero();

        // the put-back database is still the crashed ledger, and the right recover still works on it
        assertThat(headOf(crashed)).isEqualTo(206);
        ChildJvm.Result good = ChildJvm.run(work, "recover", "--db", crashed.toString(), "--dir", backups.toString());
        assertThat(good.exitCode()).as("stdout %s stderr %s", good.stdout(), good.stderr()).isEqualTo(1);
        assertThat(good.stdout()).contains("lost: seq 7..206");
        assertThat(damagedCopies(crashed)).isOne();
    }

    /** The ways a database that is gone can still show that it existed. */
    enum Evidence { LOCK_FILE, ARCHIVE, BACKUP_MANIFEST, DAMAGED_COPY }

    private void aDeletedLedgerIsNotRecreatedEmpty(Evidence evidence) throws Exception {
        Path home = dir.resolve(evidence.name().toLowerCase());
        Path db = home.resolve("ledger.db");
        Path archive = home.resolve("archive");
        LedgerConfig.Builder cfg = config(db).backupDir(evidence == Evidence.BACKUP_MANIFEST ? home.resolve("backups")
                : dir.resolve("elsewhere-" + evidence));
        if (evidence == Evidence.ARCHIVE) {
            cfg.archiveDir(archive);
        }
        if (evidence == Evidence.DAMAGED_COPY) {
            Files.createDirectories(home);
            Files.writeString(home.resolve("ledger.db.damaged-20261201-101500"), "kept for the investigation");
        } else {
            writeWithBackup(cfg, 3, 2);
            Files.delete(db);
            if (evidence != Evidence.LOCK_FILE) {
                Files.delete(WriterLock.lockFileOf(db));
            }
        }
        Path input = work.resolve("one-" + evidence + ".jsonl");
        Files.writeString(input, deposit("first"));
        String[] ingest = evidence == Evidence.ARCHIVE
                ? new String[]{"ingest", "--db", db.toString(), "--input", input.toString(), "--archive", archive.toString()}
                : new String[]{"ingest", "--db", db.toString(), "--input", input.toString()};

        ChildJvm.Result refused = ChildJvm.run(work, ingest);

        assertThat(refused.exitCode()).as("%s: stdout %s stderr %s", evidence, refused.stdout(), refused.stderr())
                .isEqualTo(2);
        assertThat(refused.stderr()).contains(db.toString(), "recover", "restore", "--allow-create-over-evidence");
        assertThat(db).as("no new, empty ledger in its place").doesNotExist();

        String[] withFlag = Stream.concat(Stream.of(ingest), Stream.of("--allow-create-over-evidence")).toArray(String[]::new);
        if (evidence == Evidence.ARCHIVE) {
            // the flag allows a new ledger, never a new ledger on the old one's archive, which it cannot continue
            ChildJvm.Result stillRefused = ChildJvm.run(work, withFlag);
            assertThat(stillRefused.exitCode()).as(stillRefused.stderr()).isEqualTo(2);
            assertThat(stillRefused.stderr()).contains("new, empty archive directory");
            assertThat(db).doesNotExist();
            withFlag[withFlag.length - 2] = home.resolve("archive-2").toString();
        }
        ChildJvm.Result created = ChildJvm.run(work, withFlag);
        assertThat(created.exitCode()).as("%s: stderr %s", evidence, created.stderr()).isZero();
        assertThat(seqOf(created.stdout().lines().findFirst().orElseThrow())).isEqualTo(1);
    }

    @Test
    void aDeletedLedgerWhoseLockFileRemainsIsNotRecreatedEmpty() throws Exception {
        aDeletedLedgerIsNotRecreatedEmpty(Evidence.LOCK_FILE);
    }

    @Test
    void aDeletedLedgerWhoseArchiveRemainsIsNotRecreatedEmpty() throws Exception {
        aDeletedLedgerIsNotRecreatedEmpty(Evidence.ARCHIVE);
    }

    @Test
    void aDeletedLedgerWhoseBackupsRemainIsNotRecreatedEmpty() throws Exception {
        aDeletedLedgerIsNotRecreatedEmpty(Evidence.BACKUP_MANIFEST);
    }

    @Test
    void aPathWithADamagedCopyBesideItIsNotGivenANewEmptyLedger() throws Exception {
        aDeletedLedgerIsNotRecreatedEmpty(Evidence.DAMAGED_COPY);
    }

    @Test
    void aFreshPathAndALockFileLeftByAFailedFirstOpenStillJustWork() throws Exception {
        Path input = work.resolve("one.jsonl");
        Files.writeString(input, deposit("first"));
        Path fresh = dir.resolve("fresh").resolve("ledger.db");
        ChildJvm.Result first = ChildJvm.run(work, "ingest", "--db", fresh.toString(), "--input", input.toString());
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        // a first open that died before it made the database leaves a lock file naming only its holder
        Path failed = dir.resolve("failed-first-open").resolve("ledger.db");
        Files.createDirectories(failed.getParent());
        Files.writeString(WriterLock.lockFileOf(failed), "pid 4242 on somehost since 2026-12-01T10:15:00Z (4242@somehost)");
        ChildJvm.Result second = ChildJvm.run(work, "ingest", "--db", failed.toString(), "--input", input.toString());
        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(seqOf(second.stdout().lines().findFirst().orElseThrow())).isEqualTo(1);
    }
}
