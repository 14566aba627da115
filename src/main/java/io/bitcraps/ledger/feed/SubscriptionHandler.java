package io.bitcraps.ledger.feed;

/**
 * Receives a subscription's deliveries, one at a time, on the subscription's own thread.
 * Returning normally acknowledges the batch: the subscription's checkpoint may then move past
 * it. Throwing (anything but a {@link VirtualMachineError}) asks for the same batch again, after
 * a backoff that doubles from 100 ms up to 30 s; the writer never waits for a handler.
 */
@FunctionalInterface
public interface SubscriptionHandler {
    void onBatch(CommittedBatch batch) throws Exception;

    /**
     * Called on the subscription's thread when it is live and no batch came for a moment (about
     * 20 ms): a handler that groups the effects of several batches (one transaction for many, say)
     * finishes the group here, so that nothing it acknowledged stays pending while the ledger is
     * idle. A throw counts as a failed attempt in the status; the next idle moment calls it again.
     */
    default void onIdle() throws Exception {
    }
}
