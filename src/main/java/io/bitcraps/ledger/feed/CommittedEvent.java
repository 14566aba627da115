package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.domain.LedgerEvent;

import java.util.Objects;

/**
 * One committed event as a subscriber receives it: the domain event and its chain hash
 * ({@code hash_n = SHA-256(hash_{n-1} ‖ frame_n)}), which a subscriber may store beside its seq.
 * The hash array is shared with other subscribers, so the accessor hands out a copy.
 */
public record CommittedEvent(LedgerEvent event, byte[] chainHash) {
    public CommittedEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(chainHash, "chainHash");
    }

    public long seq() {
        return event.seq();
    }

    /** A copy of the chain hash at this event's seq. */
    @Override
    public byte[] chainHash() {
        return chainHash.clone();
    }

    /** The array itself, for this package's checkpoints (never handed to a subscriber). */
    byte[] chainHashShared() {
        return chainHash;
    }
}
