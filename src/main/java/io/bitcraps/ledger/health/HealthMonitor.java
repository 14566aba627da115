package io.bitcraps.ledger.health;

import io.bitcraps.ledger.audit.ChainCheck;
import io.bitcraps.ledger.backup.BackupService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Health of a running ledger, checked off the writer thread: on demand ({@link #check}) and every
 * {@code interval} on a daemon thread, which keeps the latest report. Reads go through a read-only
 * connection from the reader pool; the writer's figures come from a supplier of snapshots, so this
 * package knows nothing of the ring. A broken chain is not only reported: {@code halt} is called,
 * because a ledger whose file changed under it must stop writing; a read that fails is retried
 * and reported, never a reason to halt.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

    /** What the writer and the read side report at one moment. */
    public record LedgerSnapshot(String haltReason, long ringBacklog, int ringSize, long lastCommitNanosAgo,
                                 long viewSeq, long viewTotals, int poolActive, int poolIdle, int poolWaiting,
                                 long archiveLagEvents, String archiveProblem) {}

    /** A source of read-only connections (the reader pool). */
    public interface Connections {
        Connection get() throws SQLException;
    }

    private final Path db;
    private final HealthThresholds thresholds;
    private final Connections connections;
    private final Supplier<LedgerSnapshot> ledger;
    private final BackupService backups;
    private final Consumer<String> halt;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final IntegrityPass integrity;
    private final Supplier<List<HealthCheck>> more;
    private volatile HealthReport latest;
    /** Told of each report whose overall status or any check's status differs from the one before; see {@link #onChange}. */
    private volatile Consumer<HealthReport> onChange = report -> { };
    /** The report last compared, for telling a change (guarded by this). */
    private HealthReport lastCompared;
    /** Checks hold it shared; close takes it exclusively, to wait for the checks in progress. */
    private final ReentrantReadWriteLock running = new ReentrantReadWriteLock();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean closed;

    /** Tries of one database read before a read error is reported. */
    static final int READ_ATTEMPTS = 3;
    /** The pause after the first failed read; it grows fourfold (100 ms, then 400 ms). */
    static final long FIRST_BACKOFF_MILLIS = 100;
    /** How long close waits for a check in progress (a quick_check of a very large file takes seconds). */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    /** A monitor that runs the whole-file {@code quick_check} at every check (small files). */
    public HealthMonitor(Path db, HealthThresholds thresholds, Connections connections, Supplier<LedgerSnapshot> ledger,
                         BackupService backups, Consumer<String> halt, Clock clock, Duration interval) {
        this(db, thresholds, connections, ledger, backups, halt, clock, interval, Duration.ZERO, Duration.ofSeconds(1));
    }

    /**
     * A monitor whose {@code quick_check} pass is due every {@code integrityInterval} (zero: the
     * whole file at every check) and spends at most about {@code integrityBudget} per check; see
     * {@link IntegrityPass}.
     */
    public HealthMonitor(Path db, HealthThresholds thresholds, Connections connections, Supplier<LedgerSnapshot> ledger,
                         BackupService backups, Consumer<String> halt, Clock clock, Duration interval,
                         Duration integrityInterval, Duration integrityBudget) {
        this(db, thresholds, connections, ledger, backups, halt, clock, interval, integrityInterval, integrityBudget,
                List::of);
    }

    /**
     * As above, with checks of parts this package does not know (the subscriptions): {@code more}
     * is asked at every run, after the built-in checks, and must not block.
     */
    public HealthMonitor(Path db, HealthThresholds thresholds, Connections connections, Supplier<LedgerSnapshot> ledger,
                         BackupService backups, Consumer<String> halt, Clock clock, Duration interval,
                         Duration integrityInterval, Duration integrityBudget, Supplier<List<HealthCheck>> more) {
        this.more = more;
        this.integrity = new IntegrityPass(integrityInterval, integrityBudget, clock);
        this.db = db;
        this.thresholds = thresholds;
        this.connections = connections;
        this.ledger = ledger;
        this.backups = backups;
        this.halt = halt;
        this.clock = clock;
        if (interval.isZero()) {
            scheduler = null;
        } else {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ledger-health");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleWithFixedDelay(this::periodic, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The report of the last periodic run, or null before the first one. */
    public HealthReport latest() {
        return latest;
    }

    /**
     * Calls {@code listener} (on the checking thread: the monitor's, or a caller of {@link #check}) with each report
     * whose overall status, or the status of any check, differs from the report before it; the first report counts
     * as a change. Whatever it throws is logged and dropped.
     */
    public void onChange(Consumer<HealthReport> listener) {
        this.onChange = listener == null ? report -> { } : listener;
    }

    private void periodic() {
        try {
            HealthReport r = check();
            if (r.status() != HealthStatus.UP) {
                LOG.warn("health {}: {}", r.status(), r.checks().stream().filter(c -> c.status() != HealthStatus.UP).toList());
            }
        } catch (RuntimeException e) {
            LOG.error("health check failed", e);
        }
    }

    /**
     * Runs every check now, on the calling thread. After {@link #close} it reads nothing and says
     * the monitor is closed.
     */
    public HealthReport check() {
        Lock lock = running.readLock();
        lock.lock();
        HealthReport report;
        try {
            if (closed) {
                return HealthReport.of(clock.instant(), List.of(HealthCheck.down("monitor",
                        "the health monitor is closed (the ledger is closing or closed); no check ran")));
            }
            report = runChecks();
        } finally {
            lock.unlock();
        }
        // outside the check's lock: a listener may be slow, or close the ledger on what it hears
        if (changed(report)) {
            try {
                onChange.accept(report);
            } catch (Throwable t) { // a listener's failure must not stop the periodic checks
                LOG.warn("a health listener threw: {}", t.toString());
            }
        }
        return report;
    }

    private HealthReport runChecks() {
        List<HealthCheck> checks = new ArrayList<>();
        LedgerSnapshot s = ledger.get();
        checks.add(writer(s, thresholds.maxCommitStall()));
        checks.addAll(databaseChecks(s));
        checks.add(s.viewTotals() == 0 ? HealthCheck.up("conservation", "view at seq " + s.viewSeq() + " sums to 0 (I1)")
                : HealthCheck.down("conservation", "view at seq " + s.viewSeq() + " sums to " + s.viewTotals() + " (I1 broken)"));
        checks.add(DatabaseChecks.disk(db, thresholds.minFreeBytes()));
        checks.add(DatabaseChecks.wal(db, thresholds.maxWalBytes()));
        checks.add(ring(s));
        checks.add(HealthCheck.up("readers", s.poolActive() + " active, " + s.poolIdle() + " idle, " + s.poolWaiting()
                + " waiting"));
        checks.add(backup());
        if (s.archiveProblem() != null || s.archiveLagEvents() > 0) {
            checks.add(HealthCheck.degraded("archive", (s.archiveProblem() != null ? s.archiveProblem() + "; " : "")
                    + s.archiveLagEvents() + " committed event(s) not archived; the archive catches up at the next open"));
        }
        checks.addAll(moreChecks());
        return HealthReport.of(clock.instant(), checks);
    }

    /**
     * Makes {@code report} the latest and logs each check whose status changed (WARN when it becomes DEGRADED, ERROR
     * when DOWN, INFO when UP again or gone); true when the listener is to hear of it. A report older than the one last
     * compared (a periodic check and a caller's overlapping) is not announced after it. Synchronized: the monitor
     * thread and callers of check may race.
     */
    private synchronized boolean changed(HealthReport report) {
        HealthReport before = lastCompared;
        if (before != null && report.at().isBefore(before.at())) {
            return false;
        }
        lastCompared = report;
        latest = report;
        boolean changed = before == null || before.status() != report.status();
        if (before != null) {
            for (HealthCheck was : before.checks()) {
                if (report.check(was.name()) == null) {
                    changed = true; // gone: a subscription closed, an archive that caught up
                    if (was.status() != HealthStatus.UP) {
                        LOG.info("health check {} is gone (was {})", was.name(), was.status());
                    }
                }
            }
        }
        for (HealthCheck c : report.checks()) {
            HealthCheck was = before == null ? null : before.check(c.name());
            HealthStatus previous = was == null ? HealthStatus.UP : was.status();
            if (previous != c.status()) {
                changed = true;
                switch (c.status()) {
                    case DOWN -> LOG.error("health check {} is DOWN (was {}): {}", c.name(), previous, c.detail());
                    case DEGRADED -> LOG.warn("health check {} is DEGRADED (was {}): {}", c.name(), previous, c.detail());
                    case UP -> LOG.info("health check {} is UP again (was {}): {}", c.name(), previous, c.detail());
                }
            } else if (was == null && before != null) {
                changed = true; // a check that appeared (a new subscription), UP
            }
        }
        return changed;
    }

    private List<HealthCheck> moreChecks() {
        try {
            return more.get();
        } catch (RuntimeException e) {
            return List.of(HealthCheck.degraded("subscriptions", "their state could not be read: " + e));
        }
    }

    /** What one read of the database found: its checks, and the chain check's result (null if not reached). */
    private record DatabaseRead(List<HealthCheck> checks, ChainCheck.Result chain) {}

    /**
     * The {@code quick_check} pass (bounded, in its own snapshots), then the chain tail, the indexes
     * and the last commit in one read snapshot. A read that
     * fails (a dead pool connection, a busy or briefly failing disk) is tried again, up to
     * {@link #READ_ATTEMPTS} times with a growing pause. Only evidence halts the writer: rows that
     * were read and do not chain, or a head that does not match them. A read error alone is
     * reported DOWN with its reason, and writes go on: the writer halts by itself if its own
     * commits hit the same trouble.
     */
    private List<HealthCheck> databaseChecks(LedgerSnapshot s) {
        List<String> failures = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            List<HealthCheck> got = new ArrayList<>();
            try {
                ChainCheck.Result chain = readDatabase(got);
                if (!chain.ok() && s.haltReason() == null) {
                    halt.accept("health check: " + DatabaseChecks.chainVerdict(chain).detail());
                }
                if (!failures.isEmpty()) {
                    got.replaceAll(c -> c.name().equals("chain") ? new HealthCheck(c.name(), c.status(), c.detail()
                            + " (read again after " + failures.size() + " failed attempt(s): " + failures.get(0) + ")") : c);
                }
                return got;
            } catch (SQLException | RuntimeException e) {
                failures.add(e.getMessage());
                LOG.warn("health check: reading the database failed (attempt {} of {}): {}", attempt, READ_ATTEMPTS,
                        e.getMessage());
                if (attempt == READ_ATTEMPTS || !pause(FIRST_BACKOFF_MILLIS << (2 * (attempt - 1)))) {
                    String why = "cannot read the log tail after " + attempt + (attempt == 1 ? " attempt: " : " attempts: ")
                            + e.getMessage() + "; not halted, a read error is no evidence of damage;"
                            + " check the disk and the reader pool";
                    if (got.stream().noneMatch(c -> c.name().equals("integrity"))) {
                        got.add(HealthCheck.down("integrity", "quick_check not run: " + e.getMessage()));
                    }
                    got.removeIf(c -> c.name().equals("chain") || c.name().equals("indexes") || c.name().equals("last commit"));
                    got.add(HealthCheck.down("chain", why));
                    return got;
                }
            }
        }
    }

    private ChainCheck.Result readDatabase(List<HealthCheck> into) throws SQLException {
        try (Connection conn = connections.get()) {
            conn.setAutoCommit(false);
            // in snapshots of its own, each rolled back, so the cheap checks below read the newest state
            into.add(integrity.run(conn));
            ChainCheck.Result chain = ChainCheck.lastRows(conn, thresholds.chainTailEvents());
            into.add(DatabaseChecks.chainVerdict(chain));
            into.add(DatabaseChecks.indexCheck(conn, thresholds.chainTailEvents()));
            into.add(DatabaseChecks.lastCommit(conn, clock));
            conn.rollback();
            return chain;
        }
    }

    /** Waits between read attempts; false when the monitor is closing, which ends the retries. */
    private boolean pause(long millis) {
        try {
            return !closing.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** DOWN once halted; DEGRADED while submissions wait and nothing committed for longer than {@code maxCommitStall}. */
    static HealthCheck writer(LedgerSnapshot s, Duration maxCommitStall) {
        if (s.haltReason() != null) {
            return HealthCheck.down("writer", s.haltReason() + "; reads continue, writes are refused; audit and recover");
        }
        double seconds = s.lastCommitNanosAgo() / 1e9;
        if (s.ringBacklog() > 0 && s.lastCommitNanosAgo() > maxCommitStall.toNanos()) {
            return HealthCheck.degraded("writer", String.format(Locale.ROOT,
                    "%d submissions waiting and no commit for %.0f s: the disk is stalling", s.ringBacklog(), seconds));
        }
        return HealthCheck.up("writer", String.format(Locale.ROOT, "writing; view at seq %d, last commit %.1f s ago",
                s.viewSeq(), seconds));
    }

    private static HealthCheck ring(LedgerSnapshot s) {
        String text = s.ringBacklog() + " of " + s.ringSize() + " slots in use";
        return s.ringBacklog() * 2 > s.ringSize() ? HealthCheck.degraded("ring", text + "; producers will soon see OVERLOADED")
                : HealthCheck.up("ring", text);
    }

    private HealthCheck backup() {
        if (backups == null) {
            return thresholds.maxBackupAge() == null ? HealthCheck.up("backup", "no backups configured")
                    : HealthCheck.degraded("backup", "no backups configured, but one is expected every "
                    + DatabaseChecks.human(thresholds.maxBackupAge()));
        }
        BackupService.Status st = backups.status();
        if (st.lastError() != null && (st.lastSuccess() == null || st.lastAttempt().isAfter(st.lastSuccess()))) {
            return HealthCheck.degraded("backup", "the last backup failed: " + st.lastError());
        }
        return DatabaseChecks.backups(backups.directory(), thresholds.maxBackupAge(), clock);
    }

    /**
     * Stops the schedule and waits, at most {@link #CLOSE_WAIT}, for a check in progress (a check
     * waiting to retry a read gives up at once), so that after close nothing here reads the
     * database, which the ledger closes next. Checks asked for later read nothing.
     */
    @Override
    public void close() {
        closed = true;
        closing.countDown();
        integrity.stop(); // a quick_check pass step of a large table would otherwise hold close for up to its budget
        if (scheduler != null) {
            scheduler.shutdown(); // a periodic run in progress finishes; none starts
        }
        Lock exclusive = running.writeLock();
        try {
            if (exclusive.tryLock(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                exclusive.unlock();
            } else {
                LOG.warn("a health check still runs after {} s; closing without waiting longer", CLOSE_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** The integrity pass, for tests: what its last run checked and for how long it held each snapshot. */
    IntegrityPass integrityPass() {
        return integrity;
    }

    /** For reports: when the check ran. */
    public Instant now() {
        return clock.instant();
    }
}
