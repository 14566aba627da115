package io.bitcraps.ledger.feed;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LiveQueue#wake}: a consumer waiting for a batch returns at once, with no batch; one marker
 * at most, only into an empty queue, never delivered as a batch and not counted against the event
 * bound.
 */
class LiveQueueWakeTest {
    private static LiveBatch batch(long seq) {
        return new LiveBatch(seq, seq, 0, null, List.of(), List.of());
    }

    @Test
    void aWaitingConsumerReturnsAtOnceWithNoBatch() throws Exception {
        LiveQueue q = new LiveQueue(4, 100);
        CompletableFuture<LiveBatch> polled = CompletableFuture.supplyAsync(() -> {
            try {
                return q.poll(TimeUnit.MINUTES.toMillis(10)); // far longer than the test may take
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!polled.isDone() && System.nanoTime() < deadline) {
            q.wake();
            Thread.sleep(1);
        }
        assertThat(polled).as("the poll of 10 minutes returned within 10 s").isDone();
        assertThat(polled.get()).isNull();
    }

    @Test
    void theMarkerGoesOnlyIntoAnEmptyQueueAndIsNeverDeliveredAsABatch() throws Exception {
        LiveQueue q = new LiveQueue(4, 100);
        q.wake();                                   // into the empty queue: one marker
        assertThat(q.offer(batch(1))).isTrue();
        q.wake();                                   // not empty: nothing added
        q.wake();
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.poll(0)).as("the marker: a poll that returns at once, with no batch").isNull();
        assertThat(q.poll(0)).extracting(LiveBatch::firstSeq).isEqualTo(1L);
        assertThat(q.poll(0)).isNull();
        assertThat(q.size()).isZero();
    }

    @Test
    void aLoneMarkerDoesNotMakeABigBatchOverflow() throws Exception {
        LiveQueue q = new LiveQueue(4, 10);
        q.wake();
        q.wake(); // one marker only
        assertThat(q.size()).isEqualTo(1);
        // larger than the event bound: taken only by an empty queue, and a lone marker is "empty"
        LiveBatch big = new LiveBatch(1, 20, 0, null, java.util.Collections.nCopies(20, null),
                java.util.Collections.nCopies(20, null));
        assertThat(q.offer(big)).isTrue();
        assertThat(q.poll(0)).isNull();
        assertThat(q.poll(0)).isSameAs(big);
        q.wake();
        assertThat(q.takeOverflow()).isFalse();
        q.discardQueued();
        assertThat(q.size()).isZero();
        q.wake(); // the discarded marker no longer counts as pending: a new one goes in
        assertThat(q.size()).isEqualTo(1);
    }
}
