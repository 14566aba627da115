package io.bitcraps.ledger.feed;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LiveQueue#wake}: a consumer waiting for a batch returns at once, with no batch; the
 * marker never takes the writer's room and is never delivered as a batch.
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
        while (!polled.isDone()) {
            q.wake();
            Thread.sleep(1);
        }
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
}
