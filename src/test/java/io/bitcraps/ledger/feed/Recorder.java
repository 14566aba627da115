package io.bitcraps.ledger.feed;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handler that keeps every delivery it acknowledged, in order, and counts every call (a call
 * that throws is not kept). {@code before} runs first on each call: it may block, sleep or throw.
 */
final class Recorder implements SubscriptionHandler {
    interface Before {
        void call(CommittedBatch batch, int call) throws Exception;
    }

    private final List<CommittedBatch> acknowledged = Collections.synchronizedList(new ArrayList<>());
    private final List<CommittedBatch> calls = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger callCount = new AtomicInteger();
    private final Before before;

    Recorder() {
        this((b, n) -> { });
    }

    Recorder(Before before) {
        this.before = before;
    }

    @Override
    public void onBatch(CommittedBatch batch) throws Exception {
        int n = callCount.incrementAndGet();
        calls.add(batch);
        before.call(batch, n);
        acknowledged.add(batch);
    }

    List<CommittedBatch> acknowledged() {
        synchronized (acknowledged) {
            return List.copyOf(acknowledged);
        }
    }

    /** Every call, including those that threw. */
    List<CommittedBatch> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    int callCount() {
        return callCount.get();
    }

    /** The seqs of every acknowledged event, in delivery order. */
    List<Long> seqs() {
        List<Long> out = new ArrayList<>();
        for (CommittedBatch b : acknowledged()) {
            for (CommittedEvent e : b.events()) {
                out.add(e.seq());
            }
        }
        return out;
    }
}
