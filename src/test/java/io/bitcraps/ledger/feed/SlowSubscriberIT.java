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

    /** Blocked on the first batch, read from the log: it reads the log again once released. */
    @Test
    void aSubscriberBlockedWhileCatchingUpNeitherStopsTheWriterNorMissesAnything() throws Exception {
        blockedSubscriber(false);
    }

    /**
     * Blocked on a batch taken live from the queue: the queue overflows, and only that mark sends
     * it back to the log (no later batch comes to show a gap).
     */
    @Test
    void aSubscriberBlockedWhileLiveNeitherStopsTheWriterNorMissesAnything() throws Exception {
        blockedSubscriber(true);
    }

    private void blockedSubscriber(boolean live) throws Exception {
        LedgerConfig config = LedgerConfig.builder(dir.resolve("ledger.db")).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).subscriptionQueueBatches(QUEUE_BATCHES).build();
        long blockAt = live ? 2 : 1;
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Recorder recorder = new Recorder((b, n) -> {
            if (b.fromSeq() == blockAt && blocked.getCount() > 0) {
                blocked.countDown();
                assertThat(release.await(2, TimeUnit.MINUTES)).as("released").isTrue();
            }
        });
        try (Ledger ledger = Ledger.open(config)) {
            ok(ledger.submit(new Deposit("alice", 1, "first")));
            Subscription s = ledger.subscribe("slow", From.beginning(), recorder);
            if (live) {
                assertThat(s.awaitPosition(1, Duration.ofSeconds(30))).isTrue();
                awaitLive(s);
                ok(ledger.submit(new Deposit("alice", 1, "second")));
            }
            assertThat(blocked.await(30, TimeUnit.SECONDS)).as("the handler holds seq " + blockAt).isTrue();

            long commitsBefore = ledger.stats().commits();
            for (int i = 0; i < BATCHES; i++) {
                ok(ledger.submit(new Deposit("bob", 1, "while-blocked-" + i))); // each waited for: one batch each
            }
            // the writer committed every batch while the handler still held its batch
            assertThat(ledger.stats().commits() - commitsBefore).isEqualTo(BATCHES);
            assertThat(recorder.callCount()).isEqualTo((int) blockAt);
            assertThat(s.position()).isEqualTo(blockAt - 1);
            assertThat(s.lag()).isEqualTo(BATCHES + 1);
            assertThat(s.status().fallbacks()).as("the queue of " + QUEUE_BATCHES + " overflowed").isPositive();

            release.countDown();
            long head = ledger.view().seq();
            assertThat(s.awaitPosition(head, Duration.ofSeconds(60))).isTrue();
            assertThat(recorder.seqs()).isEqualTo(StoredLog.oneTo(head));
            StoredLog.assertDeliveriesAreTheBatches(recorder.acknowledged(), dir.resolve("ledger.db"), false);

            // and it goes live again: the next batch comes through the queue
            awaitLive(s);
            ok(ledger.submit(new Deposit("carol", 1, "after")));
            assertThat(s.awaitPosition(head + 1, Duration.ofSeconds(30))).isTrue();
            assertThat(recorder.seqs()).isEqualTo(StoredLog.oneTo(head + 1));
        }
    }

    private static void awaitLive(Subscription s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!s.status().live() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(s.status().live()).as("live after catching up").isTrue();
    }
}
