package io.bitcraps.ledger.api;

import io.bitcraps.ledger.backup.BackupFailure;
import io.bitcraps.ledger.backup.BackupService;
import io.bitcraps.ledger.backup.Backups;
import io.bitcraps.ledger.ingest.CommandRing;
import io.bitcraps.ledger.ingest.CommitListener;
import io.bitcraps.ledger.ingest.CommitNotice;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
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

    LedgerMetrics(MeterRegistry registry, CommandRing ring) {
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
        batchSize = DistributionSummary.builder("ledger.batch.size").description("events per commit")
                .publishPercentiles(0.5, 0.99).register(registry);
        commitLatency = Timer.builder("ledger.commit.latency").description("BEGIN to COMMIT of one batch")
                .publishPercentiles(0.5, 0.99, 0.999).register(registry);
        backupDuration = Timer.builder("ledger.backup.duration").description("one verified backup").register(registry);
        backupFailures = Counter.builder("ledger.backup.failures").description("backups that failed").register(registry);
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
