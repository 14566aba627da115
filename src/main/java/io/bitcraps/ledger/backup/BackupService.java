package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.codec.HeadSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Backups of one ledger: on demand ({@link #backupNow}) and on a schedule, each followed by the
 * retention policy. One backup at a time; it runs on the caller's thread or the scheduler's
 * daemon thread, never on the writer's. The outcome of the last attempt is kept for the health
 * report and the metrics.
 */
public final class BackupService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);

    /** The last attempt and the last success; null fields until there is one. */
    public record Status(Instant lastAttempt, Instant lastSuccess, Path lastFile, long lastSeq, String lastError,
                         long lastDurationNanos, long successes, long failures) {}

    /** Told of every attempt: for metrics. */
    public interface Observer {
        void backupTaken(Backups.Result result);

        void backupFailed(BackupFailure failure, long durationNanos);
    }

    private final Path db;
    private final Path dir;
    private final HeadSigner signer;
    private final Duration keep;
    private final int keepMin;
    private final Clock clock;
    private final Observer observer;
    private final ScheduledExecutorService scheduler;
    private volatile Status status = new Status(null, null, null, 0, null, 0, 0, 0);

    public BackupService(Path db, Path dir, HeadSigner signer, Duration interval, Duration keep, int keepMin, Clock clock,
                         Observer observer) {
        this.db = db;
        this.dir = dir;
        this.signer = signer;
        this.keep = keep;
        this.keepMin = keepMin;
        this.clock = clock;
        this.observer = observer;
        if (interval.isZero()) {
            this.scheduler = null;
        } else {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ledger-backup");
                t.setDaemon(true);
                return t;
            });
            long millis = interval.toMillis();
            scheduler.scheduleWithFixedDelay(this::scheduled, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    public Path directory() {
        return dir;
    }

    public Status status() {
        return status;
    }

    private void scheduled() {
        try {
            backupNow();
        } catch (BackupFailure e) {
            LOG.error("scheduled backup failed: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("scheduled backup failed unexpectedly", e);
        }
    }

    /** Takes a verified backup now, then applies retention. */
    public synchronized Backups.Result backupNow() throws BackupFailure {
        Instant attempt = clock.instant();
        long start = System.nanoTime();
        Status before = status;
        try {
            Backups.Result r = Backups.take(db, dir, signer, clock);
            status = new Status(attempt, clock.instant(), r.file(), r.manifest().seq(), null, r.durationNanos(),
                    before.successes() + 1, before.failures());
            observer.backupTaken(r);
            applyRetention();
            return r;
        } catch (BackupFailure e) {
            long took = System.nanoTime() - start;
            status = new Status(attempt, before.lastSuccess(), before.lastFile(), before.lastSeq(), e.getMessage(), took,
                    before.successes(), before.failures() + 1);
            observer.backupFailed(e, took);
            throw e;
        }
    }

    private void applyRetention() {
        try {
            List<Path> removed = Retention.apply(dir, keep, keepMin, clock.instant());
            if (!removed.isEmpty()) {
                LOG.info("retention removed {} old backup(s): {}", removed.size(), removed);
            }
        } catch (IOException e) {
            LOG.warn("retention in {} failed: {}", dir, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
