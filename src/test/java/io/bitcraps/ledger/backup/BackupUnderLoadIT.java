package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.BackupResult;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.health.HealthReport;
import io.bitcraps.ledger.health.HealthStatus;
import io.bitcraps.ledger.api.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acceptance test of online backups: eight producers write at full speed while backups are
 * taken, through {@code ledger.backup()} and once through {@link Backups#take} on the file (as
 * {@code tools/ledger backup} does from another process). Every backup must restore to exactly
 * the live events 1..N of its manifest, N must be a batch boundary, and the writer must keep
 * committing while the backup runs (the longest gap between commits is printed).
 * <p>
 * In the same run, plain file copies of the live {@code .db} (what the seed design did) are shown
 * to miss acknowledged events: they are still in the WAL. That is why backups are not copies.
 * <p>
 * The mix of commands is random; the seed is printed. Replay with {@code -Dledger.backupload.seed=<seed>}.
 */
class BackupUnderLoadIT {
    private static final int PRODUCERS = 8;
    private static final int WINDOW = 64; // submissions in flight per producer
    private static final int PLAYERS_PER_PRODUCER = 16;

    @TempDir
    Path dir;

    /** Commit instants (System.nanoTime), written only by the writer thread, read after {@code commits}. */
    private final long[] commitTimes = new long[1 << 22];
    private volatile int commits;

    private record Taken(String how, Backups.Result result, long startNanos, long endNanos, long ackedBefore, long ackedAfter) {}

    private record PlainCopy(Path file, long ackedBefore, long maxSeqInCopy, String error) {
        boolean missesCommits() {
            return error != null || maxSeqInCopy < ackedBefore;
        }
    }

    @Test
    void backupsUnderFullLoadRestoreToExactlyTheLiveEventsUpToABatchBoundaryWhileAPlainCopyMissesCommits() throws Exception {
        long seed = Long.getLong("ledger.backupload.seed", System.nanoTime());
        Durability durability = Durability.valueOf(System.getProperty("ledger.backupload.durability", "FULL"));
        System.out.println("BackupUnderLoadIT seed=" + seed + " durability=" + durability
                + " (replay: -Dledger.backupload.seed=" + seed + ")");
        Path db = dir.resolve("live.db");
        Path backupDir = dir.resolve("backups");
        Path directDir = dir.resolve("direct-backups");
        Path copies = dir.resolve("plain-copies");
        Files.createDirectories(copies);

        List<Taken> taken = new ArrayList<>();
        List<PlainCopy> plain = new ArrayList<>();
        List<HealthReport> health = new ArrayList<>();
        LongAdder accepted = new LongAdder();
        LongAdder rejected = new LongAdder();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        String ledgerId;
        long finalSeq;

        LedgerConfig config = LedgerConfig.builder(db).durability(durability).backupDir(backupDir)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO)
                .commitListener(notice -> {
                    int n = commits;
                    if (n < commitTimes.length) {
                        commitTimes[n] = System.nanoTime();
                        commits = n + 1;
                    }
                }).build();
        try (Ledger ledger = Ledger.open(config)) {
            ledgerId = ledger.ledgerId();
            ok(ledger.submit(new FundHouse(1_000_000_000_000L, "bankroll")));
            for (int t = 0; t < PRODUCERS; t++) {
                ok(ledger.submit(new OpenGame("g" + t, "table" + t)));
                for (int p = 0; p < PLAYERS_PER_PRODUCER; p++) {
                    ok(ledger.submit(new Deposit(player(t, p), 1_000_000, "seed-" + t + "-" + p)));
                }
            }

            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < PRODUCERS; t++) {
                int id = t;
                Thread th = new Thread(() -> produce(ledger, id, new Random(seed + id), stop, accepted, rejected, unexpected),
                        "producer-" + t);
                producers.add(th);
                th.start();
            }
            try {
                // let the log grow so a backup takes long enough for commits to happen during it
                Thread.sleep(2_000);
                for (int i = 0; i < 5; i++) {
                    if (i < 3) {
                        taken.add(timed("ledger.backup() #" + (i + 1), ledger, () -> withManifestFromDisk(ledger.backup())));
                    } else if (i == 3) {
                        // as tools/ledger backup does from another process: only the file, no ledger object
                        taken.add(timed("Backups.take on the file", ledger,
                                () -> Backups.take(db, directDir, null, Clock.systemUTC())));
                    }
                    plain.add(plainCopy(ledger, db, copies.resolve("copy-" + i + ".db")));
                    // health under load: a busy writer must never read as a broken chain (DOWN halts writes)
                    health.add(ledger.health());
                    Thread.sleep(300);
                }
                // the seed design's plain copy: try up to 5, one of them must miss acknowledged events
                for (int i = plain.size(); i < 5 && plain.stream().noneMatch(PlainCopy::missesCommits); i++) {
                    plain.add(plainCopy(ledger, db, copies.resolve("copy-" + i + ".db")));
                }
            } finally {
                stop.set(true);
                for (Thread th : producers) {
                    th.join(TimeUnit.SECONDS.toMillis(60));
                }
            }
            finalSeq = ledger.view().seq();
            assertThat(ledger.haltReason()).as("the writer was never halted").isNull();
        }

        System.out.printf(Locale.ROOT, "load: %,d accepted, %,d rejected, head seq %,d, %,d commits%n",
                accepted.sum(), rejected.sum(), finalSeq, commits);
        for (HealthReport h : health) {
            assertThat(h.status()).as("health under load: %s", h.checks()).isNotEqualTo(HealthStatus.DOWN);
            assertThat(h.check("chain").status()).isEqualTo(HealthStatus.UP);
        }
        assertThat(unexpected).as("only business rejections under load, no storage failure or overload").isEmpty();
        assertThat(commits).as("commit times fit the buffer").isLessThan(commitTimes.length);

        int commitCount = commits;
        // for scale: the longest gap between commits while no backup ran (after the first backup started)
        long baseline = 0;
        for (int i = 1; i < commitCount; i++) {
            long a = commitTimes[i - 1];
            long b = commitTimes[i];
            boolean duringBackup = taken.stream().anyMatch(t -> b >= t.startNanos() && a <= t.endNanos());
            if (a >= taken.get(0).startNanos() && !duringBackup) {
                baseline = Math.max(baseline, b - a);
            }
        }
        System.out.printf(Locale.ROOT, "longest gap between commits outside backups (same period): %.1f ms%n", baseline / 1e6);
        for (Taken t : taken) {
            Manifest m = t.result().manifest();
            long n = m.seq();
            Gap gap = longestGap(commitCount, t.startNanos(), t.endNanos());
            System.out.printf(Locale.ROOT, "%-26s seq %,9d  %6.0f ms  %,5d commits during it, longest gap between commits %.1f ms%n",
                    t.how(), n, (t.endNanos() - t.startNanos()) / 1e6, gap.commitsDuring, gap.longestNanos / 1e6);
            // consistent: at least everything acknowledged before the call, nothing that did not exist after it
            assertThat(n).as(t.how() + ": seq between the acknowledged seq before and after").isBetween(t.ackedBefore(), t.ackedAfter());
            assertThat(EventLogs.isBatchBoundary(db, n)).as(t.how() + ": seq %d is the last seq of a live batch", n).isTrue();
            // the writer did not stop for the backup
            assertThat(gap.commitsDuring).as(t.how() + ": the writer committed while the backup ran").isPositive();

            Path file = t.result().file();
            assertThat(file.getFileName().toString()).matches("ledger-\\d{8}-\\d{6}-seq" + n + "\\.db");
            assertThat(t.result().manifestFile().getFileName().toString()).isEqualTo(file.getFileName() + ".manifest.json");
            Manifest onDisk = Manifest.parse(Files.readString(t.result().manifestFile(), StandardCharsets.UTF_8));
            assertThat(onDisk).isEqualTo(m);
            assertThat(m.file()).isEqualTo(file.getFileName().toString());
            assertThat(m.ledgerId()).isEqualTo(ledgerId);
            assertThat(m.headHash()).as("manifest head = live hash of seq %d", n).isEqualTo(EventLogs.hashAt(db, n));
            assertThat(m.sha256()).isEqualTo(EventLogs.sha256(file));
            assertThat(m.bytes()).isEqualTo(Files.size(file));
            assertThat(m.hmac()).as("no key configured").isNull();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(t.result().manifestFile())))
                    .isEqualTo("rw-------");

            Path restored = dir.resolve("restored-" + taken.indexOf(t)).resolve("ledger.db");
            Restore.Result r = Restore.restore(file.getParent(), file.getFileName().toString(), restored, false, null,
                    Long.MAX_VALUE, Long.MAX_VALUE, null);
            assertThat(r.seq()).isEqualTo(n);
            assertThat(r.archived()).isZero();
            EventLogs.assertSameEvents(db, restored, n);
        }
        for (Path d : List.of(backupDir, directDir)) {
            assertThat(EventLogs.filesStartingWith(d, ".partial-")).as("temp files left in %s", d).isEmpty();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).as("%s is private", d).isEqualTo("rwx------");
        }
        // three backups, three manifests, and beside each backup whose manifest says so its views file
        for (Path d : List.of(backupDir, directDir)) {
            List<Path> files = EventLogs.filesStartingWith(d, "ledger-");
            for (Path f : files.stream().filter(f -> f.toString().endsWith(".db")).toList()) {
                boolean withViews = Backups.verify(f, null).hasViews();
                assertThat(f.resolveSibling(Manifest.viewsFileNameFor(f.getFileName().toString())).toFile().exists())
                        .as("the views file of %s", f).isEqualTo(withViews);
            }
            assertThat(files.stream().filter(f -> !f.toString().endsWith(".views")).count()).as("backups and manifests in %s", d)
                    .isEqualTo(d.equals(backupDir) ? 6 : 2);
        }

        for (PlainCopy c : plain) {
            System.out.printf(Locale.ROOT, "plain copy %s: acknowledged seq %,d before copying, the copy %s%n",
                    c.file().getFileName(), c.ackedBefore(),
                    c.error() != null ? "cannot be opened: " + c.error()
                            : String.format(Locale.ROOT, "ends at seq %,d (%,d acknowledged events missing)", c.maxSeqInCopy(),
                            Math.max(0, c.ackedBefore() - c.maxSeqInCopy())));
        }
        assertThat(plain).as("a plain copy of the live .db misses acknowledged events").anyMatch(PlainCopy::missesCommits);
    }

    private static String player(int producer, int p) {
        return "p" + producer + "-" + p;
    }

    /** One producer: windows of WINDOW submissions, waited for together, until told to stop. */
    private static void produce(Ledger ledger, int id, Random random, AtomicBoolean stop, LongAdder accepted, LongAdder rejected,
                                ConcurrentLinkedQueue<Throwable> unexpected) {
        long n = 0;
        List<CompletableFuture<Receipt>> window = new ArrayList<>(WINDOW);
        while (!stop.get()) {
            window.clear();
            for (int i = 0; i < WINDOW; i++, n++) {
                String player = player(id, random.nextInt(PLAYERS_PER_PRODUCER));
                int kind = random.nextInt(10);
                CompletableFuture<Receipt> f;
                if (kind < 3) {
                    f = ledger.submit(new Deposit(player, 1 + random.nextInt(1_000), "d" + id + "-" + n));
                } else if (kind < 5) {
                    // sometimes more than the player holds: a rejection, which the writer must shrug off
                    f = ledger.submit(new Withdraw(player, 1 + random.nextInt(random.nextInt(50) == 0 ? 10_000_000 : 2_000),
                            "w" + id + "-" + n));
                } else {
                    // a bet, its roll and its settlement in one transaction: a group a batch never splits
                    String game = "g" + id;
                    String bet = "b" + id + "-" + n;
                    long stake = 1 + random.nextInt(500);
                    int d1 = 1 + random.nextInt(6);
                    int d2 = 1 + random.nextInt(6);
                    boolean win = random.nextBoolean();
                    List<Command> group = List.of(new PlaceBet(game, bet, player, BetType.FIELD, null, stake),
                            new RecordRoll(game, d1, d2),
                            new SettleBet(game, bet, win ? Outcome.WIN : Outcome.LOSE, win ? stake : 0));
                    f = ledger.submitAtomically(group);
                }
                window.add(f);
            }
            for (CompletableFuture<Receipt> f : window) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                    accepted.increment();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Rejected) {
                        rejected.increment();
                    } else {
                        unexpected.add(e.getCause());
                    }
                } catch (Exception e) {
                    unexpected.add(e);
                    return;
                }
            }
        }
    }

    @FunctionalInterface
    private interface BackupCall {
        Backups.Result take() throws BackupFailure;
    }

    /** The api's result with the manifest as written beside the backup, which the checks below read field by field. */
    private static Backups.Result withManifestFromDisk(BackupResult r) throws BackupFailure {
        try {
            return new Backups.Result(r.file(), r.manifestFile(),
                    Manifest.parse(Files.readString(r.manifestFile(), StandardCharsets.UTF_8)), r.durationNanos());
        } catch (java.io.IOException e) {
            throw new BackupFailure("reading " + r.manifestFile() + ": " + e.getMessage(), e);
        }
    }

    private static Taken timed(String how, Ledger ledger, BackupCall call) throws BackupFailure {
        long before = ledger.view().seq();
        long start = System.nanoTime();
        Backups.Result r = call.take();
        long end = System.nanoTime();
        return new Taken(how, r, start, end, before, ledger.view().seq());
    }

    /**
     * What the seed design did: copy the live database file alone. The acknowledged seq is read
     * right before the copy starts; every event up to it is committed, so a faithful copy would hold it.
     */
    private static PlainCopy plainCopy(Ledger ledger, Path db, Path copy) throws Exception {
        long acked = ledger.view().seq();
        Files.copy(db, copy);
        SQLiteConfig ro = new SQLiteConfig();
        ro.setReadOnly(true);
        try (Connection c = ro.createConnection("jdbc:sqlite:" + copy.toAbsolutePath());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(max(seq), 0) FROM events")) {
            rs.next();
            return new PlainCopy(copy, acked, rs.getLong(1), null);
        } catch (java.sql.SQLException e) {
            return new PlainCopy(copy, acked, -1, e.getMessage());
        }
    }

    private record Gap(int commitsDuring, long longestNanos) {}

    /** Commits inside [start, end], and the longest stretch of that interval without one. */
    private Gap longestGap(int count, long start, long end) {
        long previous = start;
        long longest = 0;
        int during = 0;
        for (int i = 0; i < count; i++) {
            long t = commitTimes[i];
            if (t < start) {
                continue;
            }
            if (t > end) {
                break;
            }
            during++;
            longest = Math.max(longest, t - previous);
            previous = t;
        }
        longest = Math.max(longest, end - previous);
        return new Gap(during, longest);
    }
}
