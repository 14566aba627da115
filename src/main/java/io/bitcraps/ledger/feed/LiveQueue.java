package io.bitcraps.ledger.feed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hand-off from the writer to one subscription, bounded in batches and in events.
 * <p>
 * Concurrency: one producer, the writer thread ({@link #offer}), which must never wait; one
 * consumer, the subscription's thread; {@link #wake} from any thread. When a batch does not fit, the queue is marked
 * overflowed and refuses everything until the consumer takes the mark ({@link #takeOverflow}),
 * which empties it: the consumer then reads from the log, which holds every batch the queue lost.
 * A batch dropped between the mark's reset and the queue's emptying was committed before the
 * consumer's next log read begins, so it is in that read; batches offered after it begins may
 * repeat what the read delivers and are skipped by seq.
 */
final class LiveQueue {
    private final ArrayBlockingQueue<LiveBatch> queue;
    private final long eventsMax;
    private final AtomicLong queuedEvents = new AtomicLong();
    private volatile boolean overflowed;
    private volatile long overflows;

    LiveQueue(int batchesMax, long eventsMax) {
        this.queue = new ArrayBlockingQueue<>(batchesMax);
        this.eventsMax = eventsMax;
    }

    /**
     * Writer thread only. Never blocks. A batch larger than the event bound is still taken when the
     * queue is empty, so that a live subscriber keeps up with large batches. Returns false when
     * the batch was dropped.
     */
    boolean offer(LiveBatch batch) {
        if (overflowed) {
            return false;
        }
        int n = batch.eventCount();
        // only this thread adds, so the count can only be lower by the time the batch is in; a lone
        // wake marker does not count as something queued
        boolean empty = queue.isEmpty() || (wakePending.get() && queue.size() == 1);
        if ((!empty && queuedEvents.get() + n > eventsMax) || !queue.offer(batch)) {
            overflows++;
            overflowed = true;
            return false;
        }
        queuedEvents.addAndGet(n);
        return true;
    }

    /** Not a batch: what {@link #wake} puts in an empty queue so that a waiting {@link #poll} returns at once. */
    private static final LiveBatch WAKE = new LiveBatch(0, 0, 0, null, List.of(), List.of());
    /** A marker is in the queue: any number of threads waking at once put in one. */
    private final java.util.concurrent.atomic.AtomicBoolean wakePending = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Any thread. Makes a consumer waiting in {@link #poll} return now (with null, as if it had
     * waited in vain). Only into an empty queue (a queued batch wakes the consumer anyway), and one
     * marker at a time, so it takes at most one slot, and only of an empty queue: it does not count
     * toward the event bound, but a writer that fills every other slot before the consumer takes it
     * overflows one batch early, which sends the subscription to the log (nothing is lost).
     */
    void wake() {
        if (queue.isEmpty() && wakePending.compareAndSet(false, true) && !queue.offer(WAKE)) {
            wakePending.set(false); // the writer filled it meanwhile: a batch wakes the consumer anyway
        }
    }

    /** The next batch, waiting at most {@code timeoutMillis}; null when none came (or {@link #wake} was called). */
    LiveBatch poll(long timeoutMillis) throws InterruptedException {
        LiveBatch b = queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (b == WAKE) {
            wakePending.set(false);
            return null;
        }
        if (b != null) {
            queuedEvents.addAndGet(-b.eventCount());
        }
        return b;
    }

    /** True (and the queue emptied) when batches were dropped since the last call: read the log next. */
    boolean takeOverflow() {
        if (!overflowed) {
            return false;
        }
        overflowed = false;
        discardQueued();
        return true;
    }

    /** Drops what is queued (the consumer is about to read the log, which holds all of it). */
    void discardQueued() {
        List<LiveBatch> drained = new ArrayList<>();
        queue.drainTo(drained);
        long n = 0;
        for (LiveBatch b : drained) {
            if (b == WAKE) {
                wakePending.set(false);
            }
            n += b.eventCount();
        }
        queuedEvents.addAndGet(-n);
    }

    /** How many times a batch did not fit: each sent the subscription back to the log. */
    long overflows() {
        return overflows;
    }

    int size() {
        return queue.size();
    }
}
