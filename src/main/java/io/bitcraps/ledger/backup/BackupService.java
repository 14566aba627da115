package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.domain.BackupFailure;
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
 * retention policy. The schedule wakes every {@code interval} and takes a full backup only when the
 * newest backup in the directory is {@code fullInterval} old: with a journal archive that is daily
 * (the archive, which holds every committed batch, is the increment in between, as in Litestream),
 * without one it equals the interval (there is no increment). One backup at a time; it runs on the caller's thread or the scheduler's
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
    private final Duration fullInterval;
    private final Duration keep;
    private final int keepMin;
    private final long maxBytes;
    private final Clock clock;
    private final Observer observer;
    private final ScheduledExecutorService scheduler;
    private volatile Status status = new Status(null, null, null, 0, null, 0, 0, 0);

    /**
     * @param interval     how often the schedule wakes (zero: no schedule, only {@link #backupNow})
     * @param fullInterval the age of the newest backup at which a scheduled run takes a full backup
     * @param maxBytes     cap on the bytes of all backups, 0 for none (see {@link Retention#apply})
     */
    public BackupService(Path db, Path dir, HeadSigner signer, Duration interval, Duration fullInterval, Duration keep,
                         int keepMin, long maxBytes, Clock clock, Observer observer) {
        this.db = db;
        this.dir = dir;
        this.signer = signer;
        this.fullInterval = fullInterval;
        this.keep = keep;
        this.keepMin = keepMin;
        this.maxBytes = maxBytes;
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
            runScheduled();
        } catch (BackupFailure e) {
            LOG.error("scheduled backup failed: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("scheduled backup failed unexpectedly", e);
        }
    }

    /**
     * One scheduled run: a full backup when the newest verified backup in the directory (whoever
     * took it: the schedule, {@code Ledger.backup()}, the CLI, a run before a restart) is at least
     * {@code fullInterval} old, or there is none; otherwise nothing. Returns the backup, or null.
     */
    public synchronized Backups.Result runScheduled() throws BackupFailure {
        Retention.Backup newest = null;
        try {
            newest = Retention.newestVerified(dir);
        } catch (IOException e) {
            LOG.warn("cannot list {} ({}); taking a full backup", dir, e.getMessage());
        }
        // the stamp in the name is truncated to the second: a backup is never judged younger than it is
        if (newest != null && clock.instant().isBefore(newest.takenAt().plus(fullInterval))) {
            return null;
        }
        return backupNow();
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
            List<Path> removed = Retention.apply(dir, keep, keepMin, maxBytes, clock.instant());
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
