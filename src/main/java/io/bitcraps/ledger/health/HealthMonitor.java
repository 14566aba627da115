package io.bitcraps.ledger.health;

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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Health of a running ledger, checked off the writer thread: on demand ({@link #check}) and every
 * {@code interval} on a daemon thread, which keeps the latest report. Reads go through a read-only
 * connection from the reader pool; the writer's figures come from a supplier of snapshots, so this
 * package knows nothing of the ring. A broken chain is not only reported: {@code halt} is called,
 * because a ledger whose file changed under it must stop writing.
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
    private volatile HealthReport latest;

    public HealthMonitor(Path db, HealthThresholds thresholds, Connections connections, Supplier<LedgerSnapshot> ledger,
                         BackupService backups, Consumer<String> halt, Clock clock, Duration interval) {
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

    /** Runs every check now, on the calling thread. */
    public HealthReport check() {
        List<HealthCheck> checks = new ArrayList<>();
        LedgerSnapshot s = ledger.get();
        checks.add(writer(s));
        try (Connection conn = connections.get()) {
            conn.setAutoCommit(false);
            checks.add(DatabaseChecks.integrity(conn));
            HealthCheck chain = DatabaseChecks.chainTail(conn, thresholds.chainTailEvents());
            checks.add(chain);
            if (chain.status() == HealthStatus.DOWN && s.haltReason() == null) {
                halt.accept("health check: " + chain.detail());
            }
            checks.add(DatabaseChecks.lastCommit(conn, clock));
            conn.rollback();
        } catch (SQLException e) {
            checks.add(HealthCheck.down("integrity", "no read-only connection: " + e.getMessage()));
        }
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
        HealthReport report = HealthReport.of(clock.instant(), checks);
        latest = report;
        return report;
    }

    private static HealthCheck writer(LedgerSnapshot s) {
        if (s.haltReason() != null) {
            return HealthCheck.down("writer", s.haltReason() + "; reads continue, writes are refused; audit and recover");
        }
        double seconds = s.lastCommitNanosAgo() / 1e9;
        if (s.ringBacklog() > 0 && s.lastCommitNanosAgo() > Duration.ofSeconds(10).toNanos()) {
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

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** For reports: when the check ran. */
    public Instant now() {
        return clock.instant();
    }
}
