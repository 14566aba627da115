package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.backup.BackupService;
import io.bitcraps.ledger.backup.Backups;
import io.bitcraps.ledger.ingest.CommandRing;
import io.bitcraps.ledger.ingest.CommitListener;
import io.bitcraps.ledger.ingest.CommitNotice;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The ledger's meters, when a {@link MeterRegistry} is configured. The writer's hot path is not
 * touched: counters are functions over the writer's own counts, read at scrape time; the batch
 * size and commit latency are recorded once per commit by a listener. Reader-pool meters come
 * from HikariCP's own Micrometer tracker.
 * <pre>
 *   ledger.appends, ledger.commits                 counters (events, commits)
 *   ledger.rejections{code=…}                      counter per rejection code
 *   ledger.batch.size                              summary of events per commit
 *   ledger.commit.latency                          timer, COMMIT round trip
 *   ledger.ring.backlog                            gauge, submissions waiting
 *   ledger.backup.duration, ledger.backup.failures timer, counter
 * </pre>
 */
final class LedgerMetrics implements CommitListener, BackupService.Observer {
    private static final List<String> REJECTION_CODES = List.of("INSUFFICIENT_FUNDS", "UNKNOWN_ACCOUNT", "UNKNOWN_GAME",
            "GAME_EXISTS", "GAME_CLOSED", "GAME_HAS_OPEN_BETS", "UNKNOWN_BET", "DUPLICATE_BET", "BET_NOT_OPEN",
            "INVALID_AMOUNT", "INVALID_DICE", "INVALID_ID", "INVALID_BET", "INVALID_SETTLEMENT", "INVALID_COMMAND",
            "IDEMPOTENCY_CONFLICT", "LIMIT_EXCEEDED");

    private final DistributionSummary batchSize;
    private final Timer commitLatency;
    private final Timer backupDuration;
    private final Counter backupFailures;

    /** The meters fed by commit notices and backups: made before the ring, whose listeners they are among. */
    LedgerMetrics(MeterRegistry registry) {
        batchSize = DistributionSummary.builder("ledger.batch.size").description("events per commit")
                .publishPercentiles(0.5, 0.99).register(registry);
        commitLatency = Timer.builder("ledger.commit.latency").description("BEGIN to COMMIT of one batch")
                .publishPercentiles(0.5, 0.99, 0.999).register(registry);
        backupDuration = Timer.builder("ledger.backup.duration").description("one verified backup").register(registry);
        backupFailures = Counter.builder("ledger.backup.failures").description("backups that failed").register(registry);
    }

    /** The meters read from the writer's ring: registered once the ring exists. */
    void ring(MeterRegistry registry, CommandRing ring) {
        FunctionCounter.builder("ledger.appends", ring, r -> r.stats().events()).description("events committed")
                .register(registry);
        FunctionCounter.builder("ledger.commits", ring, r -> r.stats().commits()).description("batches committed")
                .register(registry);
        for (String code : REJECTION_CODES) {
            FunctionCounter.builder("ledger.rejections", ring, r -> {
                LongAdder n = r.rejectionsByCode().get(code);
                return n == null ? 0 : n.sum();
            }).tag("code", code).description("commands refused by the rules").register(registry);
        }
        Gauge.builder("ledger.ring.backlog", ring, CommandRing::backlog).description("submissions waiting in the ring")
                .register(registry);
    }

    private MultiGauge healthStatus;
    private MultiGauge subscriptionLag;
    private java.util.function.Supplier<io.bitcraps.ledger.health.HealthReport> latestHealth;
    private java.util.function.Supplier<java.util.List<io.bitcraps.ledger.feed.SubscriptionStatus>> subscriptions;

    /**
     * The meters read from the ledger's state: failed batches, a halted writer, free disk, and, refreshed by
     * {@link #refresh} (before each scrape of the endpoint, and after each {@code Ledger.health()}), the status of each
     * health check (0 UP, 1 DEGRADED, 2 DOWN) and each subscription's lag in events.
     */
    void ledgerState(MeterRegistry registry, CommandRing ring, java.nio.file.Path db,
                     java.util.function.Supplier<io.bitcraps.ledger.health.HealthReport> latestHealth,
                     java.util.function.Supplier<java.util.List<io.bitcraps.ledger.feed.SubscriptionStatus>> subscriptions) {
        FunctionCounter.builder("ledger.batches.failed", ring, r -> r.stats().failedBatches())
                .description("batches whose commit failed (their submitters were told)").register(registry);
        Gauge.builder("ledger.writer.halted", ring, r -> r.haltReason() == null ? 0 : 1)
                .description("1 when the writer is halted (evidence of corruption; reads go on), else 0").register(registry);
        java.nio.file.Path dir = db.toAbsolutePath().getParent();
        // a strong reference: nothing else holds the path, and a gauge's weak one would read NaN after a GC
        Gauge.builder("ledger.disk.free", dir, LedgerMetrics::usableBytes).strongReference(true).baseUnit("bytes")
                .description("space free for the database's directory").register(registry);
        this.healthStatus = MultiGauge.builder("ledger.health.status")
                .description("each health check: 0 UP, 1 DEGRADED, 2 DOWN").register(registry);
        this.subscriptionLag = MultiGauge.builder("ledger.subscription.lag").baseUnit("events")
                .description("events committed and not yet acknowledged by the subscription").register(registry);
        this.latestHealth = latestHealth;
        this.subscriptions = subscriptions;
    }

    private static double usableBytes(java.nio.file.Path dir) {
        try {
            return java.nio.file.Files.getFileStore(dir).getUsableSpace();
        } catch (java.io.IOException e) {
            return Double.NaN;
        }
    }

    /** Sets the health and subscription gauges from the latest health report and the running subscriptions. */
    synchronized void refresh() {
        if (healthStatus == null) {
            return;
        }
        io.bitcraps.ledger.health.HealthReport report = latestHealth.get();
        if (report != null) {
            java.util.List<MultiGauge.Row<?>> rows = new java.util.ArrayList<>();
            for (io.bitcraps.ledger.health.HealthCheck c : report.checks()) {
                rows.add(MultiGauge.Row.of(io.micrometer.core.instrument.Tags.of("check", c.name()), c.status().ordinal()));
            }
            healthStatus.register(rows, true);
        }
        java.util.List<MultiGauge.Row<?>> lags = new java.util.ArrayList<>();
        for (io.bitcraps.ledger.feed.SubscriptionStatus s : subscriptions.get()) {
            lags.add(MultiGauge.Row.of(io.micrometer.core.instrument.Tags.of("name", s.name()), s.lag()));
        }
        subscriptionLag.register(lags, true);
    }

    /** The in-process Kafka relay's lag, as health reports it (events; ms; -1 events while it has not reached the topic). */
    static void relay(MeterRegistry registry, io.bitcraps.ledger.cdc.LiveRelay relay) {
        Gauge.builder("ledger.relay.lag.events", relay, r -> r.status().lagEvents())
                .description("committed events not yet visible in the Kafka topic (-1: not connected yet)").register(registry);
        Gauge.builder("ledger.relay.lag", relay, r -> r.status().lagMillis()).baseUnit("milliseconds")
                .description("how long the oldest event the topic lacks has been committed").register(registry);
        FunctionCounter.builder("ledger.relay.transactions", relay, r -> r.status().transactions())
                .description("Kafka transactions the relay committed").register(registry);
        FunctionCounter.builder("ledger.relay.retries", relay, r -> r.status().retries())
                .description("relay failures retried (broker unreachable, timeouts)").register(registry);
    }

    @Override
    public void onCommit(CommitNotice notice) {
        batchSize.record(notice.eventCount());
        commitLatency.record(notice.commitNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void backupTaken(Backups.Result result) {
        backupDuration.record(result.durationNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void backupFailed(BackupFailure failure, long durationNanos) {
        backupDuration.record(durationNanos, TimeUnit.NANOSECONDS);
        backupFailures.increment();
    }

    /** An observer that records nothing, for a ledger without metrics. */
    static final BackupService.Observer NO_BACKUP_METRICS = new BackupService.Observer() {
        @Override
        public void backupTaken(Backups.Result result) {
        }

        @Override
        public void backupFailed(BackupFailure failure, long durationNanos) {
        }
    };

}
