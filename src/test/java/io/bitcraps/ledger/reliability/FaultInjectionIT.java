package io.bitcraps.ledger.reliability;

import io.bitcraps.ledger.api.BackupResult;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.TestFaults;
import io.bitcraps.ledger.crash.Reliability;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.backup.Backups;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.health.HealthCheck;
import io.bitcraps.ledger.health.HealthStatus;
import io.bitcraps.ledger.health.HealthThresholds;
import io.bitcraps.ledger.store.FaultInjector;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Fault injection (issue 7, item 2): storage that fails under a running ledger with several
 * producers. Each fault must give a typed error to exactly the submissions it hit, lose nothing
 * that was acknowledged (checked in the file afterwards and by the audit), never halt the
 * ledger, and clear by itself: the same open ledger accepts writes again once the fault is gone.
 * <p>
 * Scenarios: an I/O error on COMMIT (through the test hook), a full disk through the size cap, a
 * tiny tmpfs that really runs out of space (root only), backup targets that cannot be written,
 * and a native-library temp directory that cannot be created (child JVM). Randomized parts print
 * their seed; replay with {@code -Dfaults.seed=…}.
 */
class FaultInjectionIT {
    private static final int SQLITE_IOERR = 10;
    private static final int SQLITE_FULL = 13;
    private static final int IO_CYCLES = Integer.getInteger("faults.ioCycles", 5);
    /** Commits the tiny-file-system scenario waits for after the remount; raise it to run the grown disk longer. */
    private static final int ACKS_AFTER_GROW = Integer.getInteger("faults.acksAfterGrow", 100);

    private static final AtomicInteger SCENARIOS = new AtomicInteger();
    private static final AtomicLong FAULTS = new AtomicLong();
    private static final AtomicLong FAILED_FUTURES = new AtomicLong();
    private static final AtomicLong ACKNOWLEDGED = new AtomicLong();
    private static final AtomicLong LOST = new AtomicLong();
    private static final List<String> SKIPPED = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final List<String> RAN = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Mounting a tmpfs and chattr +i need root; a non-root run skips those scenarios and says so. */
    private static final boolean ROOT = isRoot();

    @TempDir
    Path dir;

    @AfterAll
    static void summary() {
        System.out.printf("FaultInjectionIT: %d scenarios, %d faults injected, %d submissions failed with a typed error,"
                        + " %d acknowledged, %d acknowledged events lost%s%n",
                SCENARIOS.get(), FAULTS.get(), FAILED_FUTURES.get(), ACKNOWLEDGED.get(), LOST.get(),
                SKIPPED.isEmpty() ? "" : "; skipped: " + SKIPPED);
        // docs/reliability.md states which scenarios ran in the run that generated it, and which were skipped and why
        Reliability.line("Fault injection: scenarios that ran and were skipped (running as " + (ROOT ? "root" : "non-root user "
                        + System.getProperty("user.name")) + ")", RAN.size(), "ran: " + (RAN.isEmpty() ? "none" : String.join("; ", RAN)),
                "skipped: " + (SKIPPED.isEmpty() ? "none" : String.join("; ", SKIPPED)));
    }

    /** Whether this JVM runs with uid 0 (from /proc/self/status, so it holds under sudo or a container too). */
    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[2].equals("0")); // the effective uid
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static LedgerConfig.Builder config(Path db) {
        return LedgerConfig.builder(db)
                .backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO);
    }

    private static void waitUntil(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        waitUntil(condition, limit, what, () -> "");
    }

    /** As above; on a timeout the message ends with {@code state}, what the writer was doing. */
    private static void waitUntil(BooleanSupplier condition, Duration limit, String what,
                                  java.util.function.Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what + state.get());
            }
            Thread.sleep(10);
        }
    }

    // ---------------------------------------------------------------- (a) I/O error on COMMIT

    @Test
    void anIoErrorOnCommitFailsOnlyTheBatchesItHitsAndTheLedgerResumesByItselfWhenItClears() throws Exception {
        long seed = Long.getLong("faults.seed", System.nanoTime());
        System.out.println("FaultInjectionIT I/O error on COMMIT: seed " + seed + " (replay: -Dfaults.seed=" + seed + ")");
        Random onWriter = new Random(seed); // used by the injector only, which runs on the committing thread only
        SQLiteErrorCode[] kinds = {SQLiteErrorCode.SQLITE_IOERR, SQLiteErrorCode.SQLITE_IOERR_WRITE, SQLiteErrorCode.SQLITE_IOERR_FSYNC};
        AtomicBoolean diskBad = new AtomicBoolean();
        AtomicInteger injected = new AtomicInteger();
        Set<Integer> injectedCodes = ConcurrentHashMap.newKeySet();
        FaultInjector injector = (first, last) -> {
            if (diskBad.get() && onWriter.nextInt(4) != 0) { // while the disk is bad, 3 commits in 4 fail
                SQLiteErrorCode code = kinds[onWriter.nextInt(kinds.length)];
                injected.incrementAndGet();
                injectedCodes.add(code.code);
                throw new SQLiteException("[" + code.name() + "] disk I/O error (injected before COMMIT)", code);
            }
        };
        Path db = dir.resolve("io-error.db");
        Producers producers;
        long clearedAt;
        try (Ledger ledger = Ledger.open(TestFaults.inject(config(db), injector).build())) {
            producers = Producers.start(ledger, "io", 4, 24);
            waitUntil(() -> producers.ackCount() >= 50, Duration.ofSeconds(120), "commits before the first fault");
            // each cycle: the disk goes bad until 20 commits have failed, then comes back; the ledger must
            // resume by itself every time (no reopen, no call): the producers' next submissions commit
            for (int cycle = 0; cycle < IO_CYCLES; cycle++) {
                int injectedBefore = injected.get();
                diskBad.set(true);
                waitUntil(() -> injected.get() >= injectedBefore + 20, Duration.ofSeconds(120), "20 failed commits");
                assertThat(ledger.haltReason()).as("an I/O error never halts the ledger").isNull();
                diskBad.set(false);
                long acksAtClear = producers.ackCount();
                waitUntil(() -> producers.ackCount() >= acksAtClear + 40, Duration.ofSeconds(120), "commits after the fault cleared");
            }
            clearedAt = System.nanoTime();
            producers.stop();

            assertThat(producers.unexpected).isEmpty();
            assertThat(injected.get()).as("faults injected").isPositive();
            assertThat(producers.failures).as("submissions hit by a failed commit").isNotEmpty();
            for (Producers.Failure f : producers.failures) {
                assertThat(f.error()).isInstanceOf(LedgerException.StorageFailure.class);
                LedgerException.StorageFailure sf = (LedgerException.StorageFailure) f.error();
                assertThat(sf.code()).isEqualTo("STORAGE_FAILURE");
                assertThat(sf.sqliteResultCode()).as("the SQLite result code travels with the error").isIn(injectedCodes);
                assertThat(sf.sqliteResultCode() & 0xff).isEqualTo(SQLITE_IOERR);
                assertThat(sf.getMessage()).contains("rolled back", "IO_ERROR", "disk I/O error");
            }
            // the flag was off before clearedAt, and a batch's fault is decided at its COMMIT, after its submissions
            assertThat(producers.failures.stream().filter(f -> f.submittedNanos() > clearedAt))
                    .as("no failure once the fault had cleared").isEmpty();
            // each fault fails its batch, and with the pipelined commit also the batch decided on top of it
            assertThat(ledger.stats().failedBatches()).as("failed batches per injected fault: one, or two with the pipeline")
                    .isBetween((long) injected.get(), 2L * injected.get());
            assertThat(ledger.haltReason()).isNull();
            assertThat(ledger.view().seq()).as("the view holds exactly the acknowledged submissions").isEqualTo(producers.ackCount());

            // a failed batch wrote nothing, so every failed submission can be retried under its key: each lands once
            int failed = producers.failures.size();
            assertThat(producers.resubmitFailures()).isEqualTo(failed);
            assertThat(ledger.view().seq()).isEqualTo(producers.ackCount());
        }
        long lost = Producers.assertAllAcknowledgedInFile(producers.acks, LedgerFile.bySeq(db), 0);
        LedgerFile.assertIntact(db);
        record("I/O error on COMMIT (test hook; SQLITE_IOERR, _WRITE, _FSYNC), 4 producers, " + IO_CYCLES + " bad/good cycles",
                injected.get(), "each hit submission fails with STORAGE_FAILURE and its SQLite code; no halt; resumes by itself"
                        + " after every cycle; failed keys retried, each once; file and audit intact; seed " + seed,
                producers.failures.size(), producers.ackCount(), lost);
        System.out.printf("FaultInjectionIT I/O error on COMMIT: %d faults injected (codes %s), %d submissions failed with"
                        + " STORAGE_FAILURE and were retried once each, %d acknowledged, 0 lost, audit intact%n",
                injected.get(), injectedCodes, producers.failures.size(), producers.ackCount());
    }

    // ---------------------------------------------------------------- (b) disk full through the size cap

    @Test
    void aFullDiskUnderConcurrentProducersFailsTheBatchesThatDoNotFitAndWritesResumeOnceRoomIsMade() throws Exception {
        Path db = dir.resolve("full.db");
        Producers producers;
        long roomMadeAt;
        long failedBatches;
        try (Ledger ledger = Ledger.open(config(db).maxDatabaseBytes(1 << 20).build())) {
            producers = Producers.start(ledger, "full", 4, 64);
            waitUntil(() -> producers.failureCount() >= 24, Duration.ofSeconds(120), "the 1 MiB cap to be reached");
            assertThat(ledger.haltReason()).as("a full disk never halts the ledger").isNull();
            assertThat(ledger.health().check("writer").status()).isEqualTo(HealthStatus.UP);

            long cap = ledger.setMaxDatabaseBytes(64L << 20).get(30, TimeUnit.SECONDS);
            roomMadeAt = System.nanoTime();
            assertThat(cap).isGreaterThanOrEqualTo(64L << 20);
            long acksAtRoom = producers.ackCount();
            try {
                waitUntil(() -> producers.ackCount() >= acksAtRoom + 100, Duration.ofSeconds(120), "commits after room was made",
                        () -> "; acks " + acksAtRoom + " -> " + producers.ackCount() + ", failures after the room was made: "
                                + producers.failures.stream().filter(f -> f.submittedNanos() > roomMadeAt).limit(3)
                                .map(f -> f.key() + " " + f.error()).toList() + ", unexpected " + producers.unexpected
                                + ", writer " + ledger.stats() + ", halt " + ledger.haltReason());
            } finally {
                producers.stop(); // never leave producers running into the next test
            }

            assertThat(producers.unexpected).isEmpty();
            for (Producers.Failure f : producers.failures) {
                assertThat(f.error()).isInstanceOf(LedgerException.StorageFailure.class);
                LedgerException.StorageFailure sf = (LedgerException.StorageFailure) f.error();
                assertThat(sf.sqliteResultCode() & 0xff).as(sf.getMessage()).isEqualTo(SQLITE_FULL);
                assertThat(sf.getMessage()).contains("rolled back", "FULL");
            }
            assertThat(producers.failures.stream().filter(f -> f.submittedNanos() > roomMadeAt))
                    .as("no failure for submissions made after the room was made").isEmpty();
            failedBatches = ledger.stats().failedBatches();
            assertThat(failedBatches).isPositive();
            assertThat(ledger.haltReason()).isNull();
            assertThat(ledger.view().seq()).isEqualTo(producers.ackCount());
            producers.resubmitFailures();
        }
        long lost = Producers.assertAllAcknowledgedInFile(producers.acks, LedgerFile.bySeq(db), 0);
        LedgerFile.assertIntact(db);
        record("disk full (max_page_count cap of 1 MiB), 4 producers", failedBatches,
                "batches that do not fit fail with STORAGE_FAILURE/SQLITE_FULL; no halt; writes resume once the cap is raised"
                        + " at run time; failed keys retried, each once; file and audit intact",
                producers.failures.size(), producers.ackCount(), lost);
        System.out.printf("FaultInjectionIT disk full (1 MiB cap, 4 producers): %d batches failed with SQLITE_FULL,"
                        + " %d submissions failed and were retried once each, %d acknowledged, 0 lost, audit intact%n",
                failedBatches, producers.failures.size(), producers.ackCount());
    }

    // ---------------------------------------------------------------- (c) a tiny file system

    @Test
    void aTinyFileSystemThatRunsOutOfSpaceFailsBatchesWithSqliteFullAndWritesResumeWhenItGrows() throws Exception {
        Path mnt = Files.createDirectories(dir.resolve("tiny-fs"));
        String mountProblem = ROOT ? mount(mnt, "size=2m") : "not root: mounting a tmpfs needs root";
        if (mountProblem != null) {
            SKIPPED.add("tiny file system (" + mountProblem + ")");
            Reliability.line("Fault: tiny file system (2 MiB tmpfs, real ENOSPC; needs root and mount)", 0,
                    "SKIPPED: " + mountProblem, "not run");
        }
        assumeTrue(mountProblem == null, "cannot mount a tmpfs here, so the tiny-filesystem scenario is skipped: " + mountProblem);
        try {
            Path db = mnt.resolve("ledger.db");
            Producers producers;
            long grownAt;
            long failedBatches;
            HealthCheck diskWhenFull;
            HealthCheck diskWhenGrown;
            String whenFull;
            String afterRun;
            HealthThresholds thresholds = new HealthThresholds(512L << 10, 512L << 20, null, 1_000, Duration.ofSeconds(10));
            try (Ledger ledger = Ledger.open(config(db).healthThresholds(thresholds).build())) {
                producers = Producers.start(ledger, "tmpfs", 4, 64);
                waitUntil(() -> producers.failureCount() >= 24, Duration.ofSeconds(120), "the 2 MiB tmpfs to fill up");
                assertThat(ledger.haltReason()).as("ENOSPC never halts the ledger").isNull();
                diskWhenFull = ledger.health().check("disk");

                whenFull = fsSnapshot(mnt);
                exec("mount", "-o", "remount,size=64m", mnt.toString());
                grownAt = System.nanoTime();
                long acksAtGrow = producers.ackCount();
                try {
                    waitUntil(() -> producers.ackCount() >= acksAtGrow + ACKS_AFTER_GROW, Duration.ofSeconds(120), "commits after the tmpfs grew");
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; when full: " + whenFull + "; now: " + fsSnapshot(mnt), e);
                }
                producers.stop();
                diskWhenGrown = ledger.health().check("disk");

                assertThat(producers.unexpected).isEmpty();
                for (Producers.Failure f : producers.failures) {
                    assertThat(f.error()).isInstanceOf(LedgerException.StorageFailure.class);
                    LedgerException.StorageFailure sf = (LedgerException.StorageFailure) f.error();
                    assertThat(sf.sqliteResultCode() & 0xff).as(sf.getMessage()).isEqualTo(SQLITE_FULL);
                }
                assertThat(producers.failures.stream().filter(f -> f.submittedNanos() > grownAt))
                        .as("no failure for submissions made after the file system grew").isEmpty();
                failedBatches = ledger.stats().failedBatches();
                assertThat(ledger.haltReason()).isNull();
                assertThat(ledger.view().seq()).isEqualTo(producers.ackCount());
                afterRun = fsSnapshot(mnt);
                try {
                    producers.resubmitFailures();
                } catch (Exception e) {
                    throw new AssertionError("a failed submission retried after the file system grew did not commit ("
                            + producers.ackCount() + " acknowledged); when full: " + whenFull + "; before the retries: "
                            + afterRun + "; now: " + fsSnapshot(mnt), e);
                }
            }
            assertThat(diskWhenFull.status()).as(diskWhenFull.detail()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(diskWhenGrown.status()).as(diskWhenGrown.detail()).isEqualTo(HealthStatus.UP);
            long lost = Producers.assertAllAcknowledgedInFile(producers.acks, LedgerFile.bySeq(db), 0);
            LedgerFile.assertIntact(db);
            record("tiny file system (2 MiB tmpfs, real ENOSPC; needs root and mount)", failedBatches,
                    "STORAGE_FAILURE/SQLITE_FULL; health disk DEGRADED when full, UP after remount to 64 MiB; writes resume by"
                            + " themselves; failed keys retried, each once; file and audit intact",
                    producers.failures.size(), producers.ackCount(), lost);
            System.out.printf("FaultInjectionIT tiny tmpfs (2 MiB, ENOSPC): %d batches failed with SQLITE_FULL, %d submissions"
                            + " failed and were retried, %d acknowledged, 0 lost, audit intact; health disk when full: %s%n",
                    failedBatches, producers.failures.size(), producers.ackCount(), diskWhenFull.detail());
            System.out.println("FaultInjectionIT tiny tmpfs files: when full: " + whenFull + "; after the run: " + afterRun);
        } finally {
            unmount(mnt);
        }
    }

    // ---------------------------------------------------------------- (d) an unusable backup target

    /** One way to make the backup directory unusable, and the repair. */
    private record BrokenTarget(String name, String skip, ThrowingRunnable breakIt, ThrowingRunnable repair, String expectInMessage) {}

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aBackupTargetThatCannotBeWrittenFailsTheBackupCleanlyWhileTheWriterKeepsCommitting() throws Exception {
        Path db = dir.resolve("backed-up.db");
        Path backups = dir.resolve("backups");
        List<BrokenTarget> targets = new ArrayList<>();
        targets.add(new BrokenTarget("the backup directory path is a regular file", null,
                () -> Files.writeString(backups, "not a directory"), () -> Files.delete(backups), "exists and is not a directory"));
        String chattr = !ROOT ? "not root: chattr +i needs root"
                : Files.isExecutable(Path.of("/usr/bin/chattr")) || Files.isExecutable(Path.of("/bin/chattr")) ? null
                : "chattr is not installed";
        targets.add(new BrokenTarget("the backup directory is immutable (chattr +i)", chattr,
                () -> {
                    Files.createDirectories(backups);
                    exec("chattr", "+i", backups.toString());
                },
                () -> exec("chattr", "-i", backups.toString()), "Operation not permitted"));
        String mountProblem = ROOT ? probeMount() : "not root: mounting a tmpfs needs root";
        targets.add(new BrokenTarget("the backup directory is a full 64 KiB tmpfs", mountProblem,
                () -> {
                    Files.createDirectories(backups);
                    String problem = mount(backups, "size=64k");
                    assertThat(problem).isNull();
                },
                () -> exec("mount", "-o", "remount,size=64m", backups.toString()), "full"));
        targets.add(new BrokenTarget("the backup directory is a read-only file system", mountProblem,
                () -> exec("mount", "-o", "remount,ro", backups.toString()),
                () -> {
                    exec("mount", "-o", "remount,rw", backups.toString());
                }, "Read-only file system"));

        int backupFaults = 0;
        Producers producers;
        try (Ledger ledger = Ledger.open(config(db).backupDir(backups).build())) {
            producers = Producers.start(ledger, "bk", 2, 64);
            waitUntil(() -> producers.ackCount() >= 600, Duration.ofSeconds(120), "a database larger than the 64 KiB target to back up");
            try {
                for (BrokenTarget t : targets) {
                    if (t.skip() != null) {
                        SKIPPED.add("backup target: " + t.name() + " (" + t.skip() + ")");
                        System.out.println("FaultInjectionIT backup: skipped \"" + t.name() + "\": " + t.skip());
                        continue;
                    }
                    t.breakIt().run();
                    Set<String> before = listing(backups);
                    long failuresBefore = ledger.backupStatus().failures();
                    long acksBefore = producers.ackCount();
                    String message = null;
                    for (int attempt = 0; attempt < 3; attempt++) {
                        BackupFailure e = catchBackupFailure(ledger);
                        message = e.getMessage();
                        assertThat(message).as(t.name()).contains(backups.toString()).contains(t.expectInMessage());
                        assertThat(listing(backups)).as("%s: a failed backup leaves nothing behind", t.name()).isEqualTo(before);
                        backupFaults++;
                        Thread.sleep(100);
                    }
                    assertThat(ledger.backupStatus().failures()).isEqualTo(failuresBefore + 3);
                    assertThat(ledger.backupStatus().lastError()).isEqualTo(message);
                    HealthCheck health = ledger.health().check("backup");
                    assertThat(health.status()).as(health.detail()).isEqualTo(HealthStatus.DEGRADED);
                    assertThat(health.detail()).contains("the last backup failed", message);
                    // the target is still broken: the writer must keep committing regardless
                    waitUntil(() -> producers.ackCount() >= acksBefore + 20, Duration.ofSeconds(120),
                            t.name() + ": commits while the backup target is broken");
                    long acksDuring = producers.ackCount() - acksBefore;
                    assertThat(producers.failures).as("no write failed because a backup did").isEmpty();
                    System.out.printf("FaultInjectionIT backup: %s -> BackupFailure x3 (\"%s\"); %d commits acknowledged meanwhile%n",
                            t.name(), message, acksDuring);

                    t.repair().run();
                    BackupResult ok = ledger.backup();
                    assertThat(ok.file()).exists();
                    assertThat(Backups.verify(ok.file(), null).seq()).isEqualTo(ok.seq());
                    assertThat(ledger.backupStatus().lastError()).isNull();
                    assertThat(ledger.health().check("backup").status()).isEqualTo(HealthStatus.UP);
                }
            } finally {
                // leave the temp dir removable whatever happened
                if (chattr == null) {
                    execQuietly("chattr", "-i", backups.toString());
                }
                if (mountProblem == null) {
                    unmount(backups);
                }
            }
            producers.stop();
            assertThat(producers.unexpected).isEmpty();
            assertThat(producers.failures).isEmpty();
        }
        long lost = Producers.assertAllAcknowledgedInFile(producers.acks, LedgerFile.bySeq(db), 0);
        LedgerFile.assertIntact(db);
        record("backup target unusable (" + targets.stream().filter(t -> t.skip() == null).map(BrokenTarget::name)
                        .collect(java.util.stream.Collectors.joining("; ")) + ")", backupFaults,
                "BackupFailure naming the target and the cause; no file left behind; health backup DEGRADED; writer kept"
                        + " committing; next backup after the repair verifies",
                0, producers.ackCount(), lost);
        System.out.printf("FaultInjectionIT backup targets: %d failed backups over %d kinds of target, %d writes acknowledged"
                + " meanwhile, 0 lost%n", backupFaults, targets.stream().filter(t -> t.skip() == null).count(), producers.ackCount());
    }

    private static BackupFailure catchBackupFailure(Ledger ledger) {
        try {
            BackupResult r = ledger.backup();
            throw new AssertionError("the backup should have failed, but wrote " + r.file());
        } catch (BackupFailure e) {
            return e;
        }
    }

    private static Set<String> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of("<" + (Files.exists(dir) ? "not a directory" : "absent") + ">");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }

    // ---------------------------------------------------------------- (e) native-library temp directory

    private ChildJvm.Result ingestWithNativeDir(Path nativeDir, Path db) throws Exception {
        Path input = dir.resolve("small.jsonl");
        Files.writeString(input, "{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":5,\"reference\":\"r\"}\n"
                + "{\"type\":\"deposit\",\"player\":\"bob\",\"amount\":7,\"reference\":\"r\"}\n");
        ProcessBuilder pb = ChildJvm.ledger(dir, "ingest", "--db", db.toString(), "--input", input.toString());
        List<String> cmd = pb.command();
        cmd.removeIf(a -> a.startsWith("-Dorg.sqlite.tmpdir="));
        cmd.add(1, "-Dorg.sqlite.tmpdir=" + nativeDir);
        Path out = dir.resolve("native.out");
        Path err = dir.resolve("native.err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        // a guard against a hang only: the child needs a second or two
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("ingest hung with an unusable native-library directory");
        }
        return new ChildJvm.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /**
     * sqlite-jdbc unpacks its native library into {@code org.sqlite.tmpdir}; when it cannot, no
     * connection opens. {@code ingest} must say so in one line naming that directory (not blame the
     * database, not print the loader's stack traces), exit 2 without a receipt, and leave no database.
     * Two ways to break it: a path under a regular file (works for any user), and an existing
     * directory made read-only (chattr +i as root, chmod 555 otherwise).
     */
    @Test
    void aNativeLibraryTempDirectoryThatCannotBeWrittenMakesIngestExitWithCode2AndOneClearLine() throws Exception {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "a regular file where sqlite-jdbc wants a directory");
        List<String> tried = new ArrayList<>();
        check(blocker.resolve("sqlite-native"), "under a regular file", "does not exist and cannot be created", tried);

        Path readOnly = Files.createDirectories(dir.resolve("read-only-native"));
        boolean root = ROOT;
        String chattr = Files.isExecutable(Path.of("/usr/bin/chattr")) || Files.isExecutable(Path.of("/bin/chattr")) ? "chattr" : null;
        if (root && chattr != null) {
            exec("chattr", "+i", readOnly.toString());
            try {
                check(readOnly, "read-only directory (chattr +i)", "", tried);
            } finally {
                execQuietly("chattr", "-i", readOnly.toString());
            }
        } else if (!root) {
            Files.setPosixFilePermissions(readOnly, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
            try {
                check(readOnly, "read-only directory (chmod 555)", "which is not writable", tried);
            } finally {
                Files.setPosixFilePermissions(readOnly, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        } else {
            SKIPPED.add("native temp dir read-only (root without chattr: permissions do not stop root)");
        }
        record("native-library temp directory unusable (child JVM, -Dorg.sqlite.tmpdir: " + String.join("; ", tried) + ")",
                tried.size(), "ingest exits 2 within the hang guard with one stderr line naming the directory and the native"
                        + " library, no stack trace, no receipt, no database file", 0, 0, 0);
    }

    private void check(Path nativeDir, String how, String reason, List<String> tried) throws Exception {
        Path db = dir.resolve("native-" + tried.size() + ".db");
        ChildJvm.Result run = ingestWithNativeDir(nativeDir, db);
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(2);
        assertThat(run.stdout()).as("no receipt: nothing was acknowledged").isEmpty();
        assertThat(db).as("no database was created").doesNotExist();
        List<String> lines = run.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(run.stderr()).hasSize(1);
        assertThat(lines.get(0)).startsWith("ledger ingest: cannot open " + db + ": SQLite's native library could not be loaded")
                .contains("org.sqlite.tmpdir (" + nativeDir).contains(reason);
        tried.add(how);
        System.out.printf("FaultInjectionIT native temp dir %s: exit 2, \"%s\"%n", how, lines.get(0));
    }

    // ---------------------------------------------------------------- helpers

    /** Adds a scenario to the class summary and prints its row of docs/reliability.md. */
    private static void record(String scenario, long faults, String checked, long failedFutures, long acknowledged, long lost) {
        SCENARIOS.incrementAndGet();
        RAN.add(scenario);
        FAULTS.addAndGet(faults);
        FAILED_FUTURES.addAndGet(failedFutures);
        ACKNOWLEDGED.addAndGet(acknowledged);
        LOST.addAndGet(lost);
        Reliability.line("Fault: " + scenario, faults, checked, lost + " acknowledged events lost (" + acknowledged
                + " receipts checked in the file), " + failedFutures + " submissions failed with a typed error");
    }

    /** Free space of the file system at {@code mnt} and the size of every file there, for failure messages. */
    static String fsSnapshot(Path mnt) {
        StringBuilder b = new StringBuilder();
        try {
            java.nio.file.FileStore fs = Files.getFileStore(mnt);
            b.append("fs total=").append(fs.getTotalSpace() >> 10).append("K free=").append(fs.getUsableSpace() >> 10).append("K files:");
            try (Stream<Path> files = Files.list(mnt)) {
                files.sorted().forEach(f -> {
                    try {
                        b.append(' ').append(f.getFileName()).append('=').append(Files.size(f));
                    } catch (IOException e) {
                        b.append(' ').append(f.getFileName()).append("=?");
                    }
                });
            }
        } catch (IOException e) {
            b.append("snapshot failed: ").append(e);
        }
        return b.toString();
    }

    /** Mounts a tmpfs; returns null on success or why it could not. */
    private static String mount(Path at, String options) {
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", at.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "mount did not finish";
            }
            return p.exitValue() == 0 ? null : "mount exited " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return "cannot run mount: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private String probeMount() throws IOException {
        Path probe = Files.createDirectories(dir.resolve("mount-probe"));
        String problem = mount(probe, "size=64k");
        if (problem == null) {
            unmount(probe);
        }
        return problem;
    }

    private static void unmount(Path at) {
        execQuietly("umount", at.toString());
    }

    private static void exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
    }

    private static void execQuietly(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // best effort clean-up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
