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
}
