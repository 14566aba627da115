package io.bitcraps.ledger.store;

/**
 * A named subscription's durable position: the last seq its handler acknowledged, the chain hash
 * of the event at that seq (so that a log restored to an earlier point, or forked, is noticed),
 * and when it was written (microseconds since the epoch, UTC).
 */
public record StoredCheckpoint(String name, long seq, byte[] hash, long updatedMicros) {}
