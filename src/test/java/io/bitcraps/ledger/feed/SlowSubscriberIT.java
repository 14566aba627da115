package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A subscriber blocked in its handler does not hold the writer back: the writer commits many more
 * batches than the subscription's queue holds, and once released the subscriber catches up from
 * the log with no gap and no duplicate. Asserted by counts, never by timing.
 */
class SlowSubscriberIT {
    private static final int QUEUE_BATCHES = 4;
    private static final int BATCHES = 200;

    @TempDir
    Path dir;

    @Test
    void aBlockedSubscriberNeitherStopsTheWriterNorMissesAnythingOnceReleased() throws Exception {
        LedgerConfig config = LedgerConfig.builder(dir.resolve("ledger.db")).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).subscriptionQueueBatches(QUEUE_BATCHES).build();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Recorder recorder = new Recorder((b, n) -> {
            if (n == 1) {
                blocked.countDown();
                assertThat(release.await(2, TimeUnit.MINUTES)).as("released").isTrue();
            }
        });
        try (Ledger ledger = Ledger.open(config)) {
            ok(ledger.submit(new Deposit("alice", 1, "first")));
            Subscription s = ledger.subscribe("slow", From.beginning(), recorder);
            assertThat(blocked.await(30, TimeUnit.SECONDS)).as("the handler holds the first batch").isTrue();

            long commitsBefore = ledger.stats().commits();
            for (int i = 0; i < BATCHES; i++) {
                ok(ledger.submit(new Deposit("bob", 1, "while-blocked-" + i))); // each waited for: one batch each
            }
            // the writer committed every batch while the handler still held the first one
            assertThat(ledger.stats().commits() - commitsBefore).isEqualTo(BATCHES);
            assertThat(recorder.callCount()).isEqualTo(1);
            assertThat(recorder.acknowledged()).isEmpty();
            assertThat(s.position()).isZero();
            assertThat(s.lag()).isEqualTo(BATCHES + 1);
            assertThat(s.status().fallbacks()).as("the queue of " + QUEUE_BATCHES + " overflowed").isPositive();

            release.countDown();
            long head = ledger.view().seq();
            assertThat(s.awaitPosition(head, Duration.ofSeconds(60))).isTrue();
            assertThat(recorder.seqs()).isEqualTo(StoredLog.oneTo(head));
            StoredLog.assertDeliveriesAreTheBatches(recorder.acknowledged(), dir.resolve("ledger.db"), false);

            // and it goes live again: the next batch comes through the queue
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!s.status().live() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(s.status().live()).as("live after catching up").isTrue();
            ok(ledger.submit(new Deposit("carol", 1, "after")));
            assertThat(s.awaitPosition(head + 1, Duration.ofSeconds(30))).isTrue();
            assertThat(recorder.seqs()).isEqualTo(StoredLog.oneTo(head + 1));
        }
    }
}
