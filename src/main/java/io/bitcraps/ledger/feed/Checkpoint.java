package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.store.StoredCheckpoint;

import java.time.Instant;

/**
 * A subscription's stored checkpoint: the last seq its handler acknowledged (as last written; a
 * crash may leave it up to {@link Subscriptions#CHECKPOINT_INTERVAL} behind), the chain hash at
 * that seq, and when it was written.
 */
public record Checkpoint(String name, long seq, byte[] chainHash, Instant updatedAt) {
    static Checkpoint of(StoredCheckpoint c) {
        if (c == null) {
            return null;
        }
        long micros = c.updatedMicros();
        return new Checkpoint(c.name(), c.seq(), c.hash(),
                Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L));
    }

    @Override
    public byte[] chainHash() {
        return chainHash.clone();
    }
}
