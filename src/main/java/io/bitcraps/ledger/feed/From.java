package io.bitcraps.ledger.feed;

/**
 * Where a subscription starts. Every option delivers in seq order from its start onward; they
 * differ in what the start is:
 * <ul>
 *   <li>{@link #checkpoint()}: after the seq stored under the subscription's name (seq 1 when none
 *       is stored). A stored checkpoint must be in the log with the same chain hash, or subscribing
 *       fails with {@link SubscriptionException.CheckpointNotInLog}.</li>
 *   <li>{@link #beginning()}: seq 1.</li>
 *   <li>{@link #now()}: after the last event committed when the subscription starts; nothing
 *       older is delivered.</li>
 *   <li>{@link #seq(long)} / {@link #after(long)}: an explicit position, ignoring (and, once
 *       something is delivered, replacing) the stored checkpoint. A subscriber that keeps its own
 *       checkpoint in the same transaction as its effects passes {@code after(itsCheckpoint)} and
 *       gets exactly-once processing. A start inside a committed batch delivers that batch from
 *       the start onward ({@link CommittedBatch#whole()} is false for that one delivery).</li>
 * </ul>
 */
public sealed interface From {
    static From checkpoint() {
        return StoredCheckpoint.INSTANCE;
    }

    static From beginning() {
        return new Seq(1);
    }

    static From now() {
        return Now.INSTANCE;
    }

    /** Delivers from {@code firstSeq} (at least 1) onward. */
    static From seq(long firstSeq) {
        return new Seq(firstSeq);
    }

    /** Delivers what follows {@code seq}: {@code after(0)} is the beginning. */
    static From after(long seq) {
        if (seq < 0 || seq == Long.MAX_VALUE) {
            throw new IllegalArgumentException("From.after takes a seq in 0.." + (Long.MAX_VALUE - 1) + ", got " + seq);
        }
        return new Seq(seq + 1);
    }

    /** The position stored under the subscription's name. */
    enum StoredCheckpoint implements From {
        INSTANCE;

        @Override
        public String toString() {
            return "From.checkpoint()";
        }
    }

    /** The head of the log when the subscription starts. */
    enum Now implements From {
        INSTANCE;

        @Override
        public String toString() {
            return "From.now()";
        }
    }

    /** An explicit first seq to deliver. */
    record Seq(long firstSeq) implements From {
        public Seq {
            if (firstSeq < 1) {
                throw new IllegalArgumentException("the first seq to deliver is at least 1, got " + firstSeq);
            }
        }

        @Override
        public String toString() {
            return "From.seq(" + firstSeq + ")";
        }
    }
}
