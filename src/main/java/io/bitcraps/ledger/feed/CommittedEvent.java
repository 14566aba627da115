package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.domain.LedgerEvent;

import java.util.Objects;

/**
 * One committed event as a subscriber receives it: the domain event, its chain hash
 * ({@code hash_n = SHA-256(hash_{n-1} ‖ frame_n)}), which a subscriber may store beside its seq,
 * and its payload exactly as the log stores it (Smile), for a subscriber that rebuilds the log
 * elsewhere byte for byte (the Kafka relay). The arrays are shared with other subscribers, so the
 * accessors hand out copies.
 */
public record CommittedEvent(LedgerEvent event, byte[] chainHash, byte[] payload) {
    public CommittedEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(chainHash, "chainHash");
        Objects.requireNonNull(payload, "payload");
    }

    public long seq() {
        return event.seq();
    }

    /** A copy of the chain hash at this event's seq. */
    @Override
    public byte[] chainHash() {
        return chainHash.clone();
    }

    /** A copy of the stored payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The array itself, for this package's checkpoints (never handed to a subscriber). */
    byte[] chainHashShared() {
        return chainHash;
    }
}
