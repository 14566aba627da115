package io.bitcraps.ledger.domain;

import java.time.Instant;
import java.util.stream.LongStream;

/**
 * Proof that a submission is durable: the seqs its events got and the ledger's timestamp.
 * A single command has {@code firstSeq == lastSeq}; an atomic group spans a contiguous range.
 * Retrying with the same idempotency key and the same content returns an equal receipt.
 */
public record Receipt(long firstSeq, long lastSeq, long timestampMicros) {
    public Receipt {
        if (firstSeq < 1 || lastSeq < firstSeq) {
            throw new IllegalArgumentException("bad seq range " + firstSeq + ".." + lastSeq);
        }
    }

    /** The seq of a single command, or the last seq of an atomic group. */
    public long seq() {
        return lastSeq;
    }

    public long[] seqs() {
        return LongStream.rangeClosed(firstSeq, lastSeq).toArray();
    }

    public Instant timestamp() {
        return Instant.EPOCH.plusNanos(Math.multiplyExact(timestampMicros, 1000L));
    }
}
