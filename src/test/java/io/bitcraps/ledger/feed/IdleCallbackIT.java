package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SubscriptionHandler#onIdle}: a live subscription calls it when no batch comes, so a
 * handler that groups batches (the views file) finishes its group while the ledger is idle; a
 * throw from it is a failed attempt in the status, and the next idle moment tries again.
 */
class IdleCallbackIT {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    Path dir;

    private Ledger open() {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build());
    }

    @Test
    void theViewsFileCommitsWhatItAppliedWhenTheLedgerGoesIdleWithNobodyWaiting() throws Exception {
        try (Ledger ledger = open()) {
            Receipt r = ok(ledger.submit(new Deposit("alice", 10, "one")));
            // nobody waits (no awaitViews): only the idle callback can commit this last batch
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (ledger.viewsSeq() < r.lastSeq() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(ledger.viewsSeq()).as("the views' watermark after an idle moment").isEqualTo(r.lastSeq());
            assertThat(ledger.accounts().balance(io.bitcraps.ledger.domain.Account.player("alice"))).hasValue(10);
        }
    }

    @Test
    void anOnIdleThatThrowsIsAFailedAttemptAndIsCalledAgainUntilItWorks() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger failuresLeft = new AtomicInteger(3);
        AtomicLong delivered = new AtomicLong();
        SubscriptionHandler handler = new SubscriptionHandler() {
            @Override
            public void onBatch(CommittedBatch batch) {
                delivered.set(batch.toSeq());
            }

            @Override
            public void onIdle() {
                calls.incrementAndGet();
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("flush refused");
                }
            }
        };
        try (Ledger ledger = open()) {
            Subscription s = ledger.subscribe("grouping", From.beginning(), handler);
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (s.status().failedAttempts() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            SubscriptionStatus failing = s.status();
            assertThat(failing.failedAttempts()).isPositive();
            assertThat(failing.lastError()).contains("onIdle", "flush refused");
            // the writer is not held up by it
            Receipt r = ok(ledger.submit(new Deposit("bob", 5, "two")));
            assertThat(s.awaitPosition(r.lastSeq(), Duration.ofSeconds(30))).isTrue();
            while ((failuresLeft.get() >= 0 || s.status().failedAttempts() > 0) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(s.status().failedAttempts()).as("after an onIdle that worked").isZero();
            assertThat(calls.get()).isGreaterThan(3);
            assertThat(delivered.get()).isEqualTo(r.lastSeq());
        }
    }
}
