package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.BackupStatus;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.Command.Deposit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retention policy: keep every backup younger than {@code keep} and always the newest
 * {@code keepMin}; delete the rest, each with its manifest; never touch a file that is not a
 * backup. Ages come from the UTC stamp in the names, so the tests name files like real backups
 * and pass "now". Then the schedule: a {@link BackupService} with a 1 s interval takes backups on
 * its own, applies the policy, and reports them in its status.
 */
class RetentionTest {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration WEEK = Duration.ofDays(7);

    @TempDir
    Path dir;

    /** A file named like a backup taken at {@code now - age}, with its manifest. */
    private static Path backup(Path dir, Duration age, long seq) throws IOException {
        return backup(dir, STAMP.format(NOW.minus(age)), seq, "");
    }

    private static Path backup(Path dir, String stamp, long seq, String suffix) throws IOException {
        Path db = dir.resolve("ledger-" + stamp + "-seq" + seq + suffix + ".db");
        Files.writeString(db, "backup " + stamp + " " + seq);
        Files.writeString(dir.resolve(Manifest.fileNameFor(db.getFileName().toString())), "{}");
        return db;
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Set<String> withManifests(List<Path> backups) {
        Set<String> out = new TreeSet<>();
        for (Path p : backups) {
            out.add(p.getFileName().toString());
            out.add(Manifest.fileNameFor(p.getFileName().toString()));
        }
        return out;
    }

    @Test
    void removesExactlyTheBackupsOlderThanKeepBeyondTheNewestKeepMinAndLeavesOtherFilesAlone() throws Exception {
        List<Path> young = List.of(backup(dir, Duration.ofHours(1), 900), backup(dir, Duration.ofDays(1), 800),
                backup(dir, Duration.ofDays(3), 700), backup(dir, Duration.ofDays(7).minusSeconds(1), 600),
                // exactly at the cutoff: not older than keep, so kept
                backup(dir, WEEK, 500));
        List<Path> old = List.of(backup(dir, WEEK.plusSeconds(1), 400), backup(dir, Duration.ofDays(8), 300),
                backup(dir, Duration.ofDays(30), 200), backup(dir, Duration.ofDays(365), 100));
        // files that only look like backups, or sit beside them, are never touched, however old
        List<String> strangers = List.of("notes.txt", "ledger-20200101-000000-seq5.db.bak", "ledger-foo.db",
                ".partial-0b1c.db", "other-20200101-000000-seq1.db", "ledger-20200101-000000-seq7.db.manifest.json",
                "ledger-2020-01-01-seq8.db", "ledger-20200101-000000-seqX.db");
        for (String s : strangers) {
            Files.writeString(dir.resolve(s), "not a backup");
        }
        Files.createDirectory(dir.resolve("ledger-20200101-000000-seq9.db")); // a directory, not a file
        Set<String> before = names(dir);

        List<Path> removed = Retention.apply(dir, WEEK, 3, NOW);

        assertThat(removed).containsExactlyInAnyOrderElementsOf(old);
        Set<String> expected = new TreeSet<>(before);
        expected.removeAll(withManifests(old));
        assertThat(names(dir)).isEqualTo(expected);
        assertThat(names(dir)).containsAll(withManifests(young)).containsAll(strangers)
                .contains("ledger-20200101-000000-seq9.db");
    }

    /** Like {@link #backup(Path, Duration, long)}, with a backup file of exactly {@code bytes} bytes and a 2-byte manifest. */
    private static Path sizedBackup(Path dir, Duration age, long seq, int bytes) throws IOException {
        Path db = backup(dir, age, seq);
        Files.write(db, new byte[bytes]);
        return db;
    }

    @Test
    void aByteCapDeletesTheOldestBackupsBeyondItEvenBelowKeepMinButNeverTheNewestVerified() throws Exception {
        // five daily backups of 1,000 bytes (+ a 2-byte manifest each), all younger than the week kept by age
        Path d1 = sizedBackup(dir, Duration.ofDays(1), 500, 1_000);
        Path d2 = sizedBackup(dir, Duration.ofDays(2), 400, 1_000);
        Path d3 = sizedBackup(dir, Duration.ofDays(3), 300, 1_000);
        Path d4 = sizedBackup(dir, Duration.ofDays(4), 200, 1_000);
        Path d5 = sizedBackup(dir, Duration.ofDays(5), 100, 1_000);

        // no cap: age and count keep all five
        assertThat(Retention.apply(dir, WEEK, 3, 0, NOW)).isEmpty();
        // 2,500 bytes hold two backups (2,004 bytes), not three (3,006): the three oldest go, below keepMin 3
        assertThat(Retention.apply(dir, WEEK, 3, 2_500, NOW)).containsExactly(d5, d4, d3);
        assertThat(names(dir)).isEqualTo(withManifests(List.of(d1, d2)));

        // a cap smaller than one backup: everything goes except the newest verified backup
        assertThat(Retention.apply(dir, WEEK, 3, 10, NOW)).containsExactly(d2);
        assertThat(names(dir)).isEqualTo(withManifests(List.of(d1)));
        assertThat(Retention.apply(dir, WEEK, 3, 10, NOW)).as("stable").isEmpty();
    }

    @Test
    void theNewestVerifiedBackupIsTheNewestWithAManifestAndSurvivesAnyCap() throws Exception {
        Path verified = sizedBackup(dir, Duration.ofDays(2), 200, 1_000);
        Path older = sizedBackup(dir, Duration.ofDays(3), 100, 1_000);
        // newer, but without its manifest: nothing vouches for it, so it does not count as the newest verified
        Path unverified = sizedBackup(dir, Duration.ofHours(1), 300, 1_000);
        Files.delete(dir.resolve(Manifest.fileNameFor(unverified.getFileName().toString())));

        assertThat(Retention.newestVerified(dir).file()).isEqualTo(verified);
        assertThat(Retention.apply(dir, WEEK, 1, 1, NOW)).containsExactlyInAnyOrder(older, unverified);
        assertThat(names(dir)).isEqualTo(withManifests(List.of(verified)));
    }

    @Test
    void keepsTheNewestKeepMinEvenWhenAllOfThemAreOlderThanKeep() throws Exception {
        // a ledger whose backups stopped long ago: the newest ones are all that is left; never delete them
        Path newest = backup(dir, Duration.ofDays(10), 40);
        Path second = backup(dir, Duration.ofDays(20), 30);
        Path third = backup(dir, Duration.ofDays(30), 20);
        Path fourth = backup(dir, Duration.ofDays(40), 10);

        assertThat(Retention.apply(dir, WEEK, 2, NOW)).containsExactlyInAnyOrder(third, fourth);
        assertThat(names(dir)).isEqualTo(withManifests(List.of(newest, second)));

        // run again: the policy is stable, the two newest stay
        assertThat(Retention.apply(dir, WEEK, 2, NOW)).isEmpty();
        // more to keep than there are: nothing goes
        assertThat(Retention.apply(dir, Duration.ZERO, 5, NOW)).isEmpty();
        assertThat(names(dir)).isEqualTo(withManifests(List.of(newest, second)));
    }

    @Test
    void ordersBackupsOfTheSameSecondBySeqAndKeepsTheNewest() throws Exception {
        // two backups stamped in the same second: the higher seq is the newer one
        String stamp = STAMP.format(NOW.minus(Duration.ofDays(9)));
        Path a = backup(dir, stamp, 50, "");
        Path b = backup(dir, stamp, 60, "");
        assertThat(Retention.list(dir)).extracting(Retention.Backup::file).containsExactly(b, a);
        assertThat(Retention.apply(dir, WEEK, 1, NOW)).containsExactly(a);
        assertThat(names(dir)).isEqualTo(withManifests(List.of(b)));
        // a second backup at the same seq in the same second gets a "-2" suffix; it is a backup like any other
        Path b2 = backup(dir, stamp, 60, "-2");
        assertThat(Retention.list(dir)).extracting(Retention.Backup::file).containsExactlyInAnyOrder(b, b2);
        assertThat(Retention.apply(dir, WEEK, 1, NOW)).hasSize(1).containsAnyOf(b, b2);
        assertThat(Retention.list(dir)).hasSize(1);
    }

    @Test
    void randomSetsOfBackupsLoseExactlyWhatAnIndependentModelOfThePolicySays() throws Exception {
        long seed = Long.getLong("ledger.retention.seed", System.nanoTime());
        System.out.println("RetentionTest seed=" + seed + " (replay: -Dledger.retention.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            Path d = dir.resolve("round-" + round);
            Files.createDirectories(d);
            int n = random.nextInt(12);
            Duration keep = Duration.ofHours(random.nextInt(24 * 10));
            int keepMin = 1 + random.nextInt(5);
            record B(Path file, long ageSeconds, long seq) {}
            List<B> all = new ArrayList<>();
            Set<String> used = new HashSet<>();
            for (int i = 0; i < n; i++) {
                long ageSeconds = random.nextInt(3) == 0 ? keep.getSeconds() + random.nextInt(3) - 1 // around the cutoff
                        : random.nextLong(Duration.ofDays(20).getSeconds());
                long seq = 1 + random.nextInt(1_000_000);
                if (!used.add(ageSeconds + "/" + seq)) {
                    continue;
                }
                all.add(new B(backup(d, Duration.ofSeconds(Math.max(0, ageSeconds)), seq), Math.max(0, ageSeconds), seq));
            }
            // the model: newest first (youngest, then higher seq); the first keepMin stay; the rest stay if not older than keep
            all.sort(Comparator.comparingLong(B::ageSeconds).thenComparing(Comparator.comparingLong(B::seq).reversed()));
            Set<Path> expectRemoved = new HashSet<>();
            for (int i = keepMin; i < all.size(); i++) {
                if (all.get(i).ageSeconds() > keep.getSeconds()) {
                    expectRemoved.add(all.get(i).file());
                }
            }
            String context = "seed " + seed + ", round " + round + ", keep " + keep + ", keepMin " + keepMin + ", backups "
                    + all.stream().map(x -> x.ageSeconds() + "s/seq" + x.seq()).toList();
            assertThat(new HashSet<>(Retention.apply(d, keep, keepMin, NOW))).as(context).isEqualTo(expectRemoved);
            List<Path> kept = all.stream().map(B::file).filter(p -> !expectRemoved.contains(p)).toList();
            assertThat(names(d)).as(context).isEqualTo(withManifests(kept));
            assertThat(kept.size()).as(context).isGreaterThanOrEqualTo(Math.min(keepMin, all.size()));
        }
    }

    @Test
    void aOneSecondScheduleTakesBackupsByItselfReportsThemInItsStatusAndAppliesRetention() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path backupDir = dir.resolve("scheduled");
        // keep nothing by age, at least 2: the schedule's retention must leave exactly the newest two
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupDir(backupDir).backupInterval(Duration.ofSeconds(1))
                .backupRetention(Duration.ZERO, 2).healthInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new Deposit("alice", 100, "cage-1")));
            waitUntil(() -> ledger.backupStatus().successes() >= 3, "three scheduled backups");
            ok(ledger.submit(new Deposit("alice", 5, "cage-2")));
            long seqNow = ledger.view().seq();
            long before = ledger.backupStatus().successes();
            waitUntil(() -> ledger.backupStatus().successes() > before && ledger.backupStatus().lastSeq() == seqNow,
                    "a scheduled backup at seq " + seqNow);

            BackupStatus st = ledger.backupStatus();
            System.out.println("scheduled backups: " + st);
            assertThat(st.lastError()).isNull();
            assertThat(st.failures()).isZero();
            assertThat(st.lastSuccess()).isNotNull().isAfterOrEqualTo(st.lastAttempt());
            assertThat(st.lastFile()).exists().hasParent(backupDir);
            assertThat(st.lastFile().getFileName().toString()).endsWith("-seq" + seqNow + ".db");
            assertThat(Backups.verify(st.lastFile(), null).seq()).isEqualTo(seqNow);
        }
        // closed: no further backup can appear, so the directory is stable to count
        List<Retention.Backup> left = Retention.list(backupDir);
        assertThat(left).as("retention after each scheduled backup keeps the newest 2").hasSize(2);
        Set<String> expected = withManifests(left.stream().map(Retention.Backup::file).toList());
        for (Retention.Backup b : left) { // a log-first ledger's backup carries its views file, when the manifest says so
            if (Backups.verify(b.file(), null).hasViews()) {
                expected.add(Manifest.viewsFileNameFor(b.file().getFileName().toString()));
            }
        }
        assertThat(names(backupDir)).as("nothing of a deleted backup is left, its views file included").isEqualTo(expected);
    }

    @Test
    void aScheduledBackupThatFailsIsReportedInTheStatusAndLeavesNothingBehind() throws Exception {
        Path backupDir = dir.resolve("scheduled");
        List<String> failures = new CopyOnWriteArrayList<>();
        BackupService.Observer observer = new BackupService.Observer() {
            @Override
            public void backupTaken(Backups.Result result) {
                failures.add("unexpected success " + result.file());
            }

            @Override
            public void backupFailed(BackupFailure failure, long durationNanos) {
                failures.add(failure.getMessage());
            }
        };
        // no database at all: every scheduled attempt fails
        try (BackupService service = new BackupService(dir.resolve("missing.db"), backupDir, null, Duration.ofSeconds(1),
                Duration.ofSeconds(1), WEEK, 3, 0, Clock.systemUTC(), observer)) {
            waitUntil(() -> service.status().failures() >= 2, "two failed scheduled attempts");
            BackupService.Status st = service.status();
            assertThat(st.successes()).isZero();
            assertThat(st.lastSuccess()).isNull();
            assertThat(st.lastAttempt()).isNotNull();
            assertThat(st.lastError()).contains("no ledger database", "missing.db");
        }
        assertThat(failures).isNotEmpty().allSatisfy(m -> assertThat(m).contains("no ledger database"));
        assertThat(EventLogs.filesStartingWith(backupDir, "")).as("no partial file").isEmpty();
    }

    /** Polls every 50 ms for up to 30 s: the schedule runs on its own thread. */
    private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 30 s for " + what);
            }
            Thread.sleep(50);
        }
    }
}
