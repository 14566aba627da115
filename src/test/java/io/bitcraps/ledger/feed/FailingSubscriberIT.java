package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.health.HealthCheck;
import io.bitcraps.ledger.health.HealthReport;
import io.bitcraps.ledger.health.HealthStatus;
import io.bitcraps.ledger.health.HealthThresholds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler that throws gets the same batch again, with a backoff that doubles (measured between
 * the attempts); health names the subscription
 * DEGRADED (attempts, since when, last error) while the writer goes on committing; once the
 * handler recovers, delivery continues with no gap.
 */
class FailingSubscriberIT {
    private static final int FAILURES = 3;

    @TempDir
    Path dir;

    @Test
    void aThrowingHandlerIsRetriedWithTheSameBatchReportedDegradedAndRecovers() throws Exception {
        LedgerConfig config = LedgerConfig.builder(dir.resolve("ledger.db")).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).healthThresholds(HealthThresholds.defaults().withMinFreeBytes(0)).build();
        AtomicBoolean failing = new AtomicBoolean(true);
        int[] failuresLeft = {FAILURES};
        List<Long> attemptsAt = new java.util.concurrent.CopyOnWriteArrayList<>();
        Recorder recorder = new Recorder((b, n) -> {
            if (b.fromSeq() <= 3 && b.toSeq() >= 3) {
                attemptsAt.add(System.nanoTime());
            }
            // the batch holding seq 3 fails FAILURES times, then, once the test lets it, succeeds
            if (b.fromSeq() <= 3 && b.toSeq() >= 3 && (failuresLeft[0]-- > 0 || failing.get())) {
                throw new IllegalStateException("views database is down (call " + n + ")");
            }
        });
        try (Ledger ledger = Ledger.open(config)) {
            for (int i = 0; i < 5; i++) {
                ok(ledger.submit(new Deposit("alice", 1, "before-" + i)));
            }
            Subscription s = ledger.subscribe("statements", From.beginning(), recorder);
            waitFor(() -> s.status().failedAttempts() >= FAILURES, "three failed attempts");
            // with backoff: the k-th failure is followed by at least 100 ms << (k - 1) before the next attempt
            // (a lower bound only: a loaded machine may wait longer, never shorter)
            waitFor(() -> attemptsAt.size() >= FAILURES + 1, "the attempt after the third failure");
            for (int k = 1; k <= FAILURES; k++) {
                long gapMillis = TimeUnit.NANOSECONDS.toMillis(attemptsAt.get(k) - attemptsAt.get(k - 1));
                long backoffMillis = Subscriptions.RETRY_FIRST.toMillis() << (k - 1);
                assertThat(gapMillis).as("wait after failure " + k + " (backoff " + backoffMillis + " ms)")
                        .isGreaterThanOrEqualTo(backoffMillis - 2);
            }

            // the writer keeps committing while the subscriber fails
            long commitsBefore = ledger.stats().commits();
            for (int i = 0; i < 20; i++) {
                ok(ledger.submit(new Deposit("bob", 1, "meanwhile-" + i)));
            }
            assertThat(ledger.stats().commits() - commitsBefore).isEqualTo(20);
            assertThat(s.position()).isEqualTo(2);

            HealthReport report = ledger.health();
            HealthCheck check = report.check("subscription statements");
            assertThat(check).as("health names the subscription: " + report.checks()).isNotNull();
            assertThat(check.status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(check.detail()).contains("failing since", "failed attempt(s)", "views database is down",
                    "23 event(s) behind the head (seq 25)");
            assertThat(report.status()).isNotEqualTo(HealthStatus.DOWN);
            assertThat(s.status().failingSince()).isNotNull();
            assertThat(s.status().lastError()).contains("IllegalStateException", "seq 3..3");

            failing.set(false);
            assertThat(s.awaitPosition(25, Duration.ofSeconds(60))).isTrue();
            // every call after the first two was the batch of seq 3, until it went through
            List<CommittedBatch> calls = recorder.calls();
            int retries = 0;
            for (int i = 2; i < calls.size() && calls.get(i).fromSeq() == 3; i++) {
                retries++;
                assertThat(calls.get(i)).isEqualTo(calls.get(2));
            }
            assertThat(retries).isGreaterThan(FAILURES);
            assertThat(recorder.seqs()).isEqualTo(StoredLog.oneTo(25));
            assertThat(ledger.health().check("subscription statements").status()).isEqualTo(HealthStatus.UP);
            assertThat(s.status().failing()).isFalse();
        }
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 30 s for " + what).isNegative();
            Thread.sleep(10);
        }
    }
}
