package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.internal.Hex;

/**
 * Why a subscription could not start, or a checkpoint could not be changed. Each case has a
 * stable {@link #code()} and says in its message what was wrong and the way on. Nothing was
 * started or changed when one is thrown.
 */
public abstract sealed class SubscriptionException extends RuntimeException
        permits SubscriptionException.InvalidName, SubscriptionException.NameInUse, SubscriptionException.Closed,
        SubscriptionException.CheckpointNotInLog, SubscriptionException.StartAheadOfLog {

    protected SubscriptionException(String message) {
        super(message, null, true, false);
    }

    /** Stable, upper-snake-case code, e.g. {@code CHECKPOINT_NOT_IN_LOG}. */
    public abstract String code();

    /** The name is empty, too long, or uses characters outside {@code [A-Za-z0-9._-]}. */
    public static final class InvalidName extends SubscriptionException {
        private final String name;

        public InvalidName(String name, String why) {
            super("subscription name " + (name == null ? "null" : "\"" + name + "\"") + " is not valid: " + why);
            this.name = name;
        }

        public String name() {
            return name;
        }

        @Override
        public String code() {
            return "INVALID_SUBSCRIPTION_NAME";
        }
    }

    /** A subscription of that name is active in this ledger (each name has one reader of its checkpoint). */
    public static final class NameInUse extends SubscriptionException {
        private final String name;

        public NameInUse(String name, String detail) {
            super("subscription \"" + name + "\" is active: " + detail + "; close it first, or use another name");
            this.name = name;
        }

        public String name() {
            return name;
        }

        @Override
        public String code() {
            return "SUBSCRIPTION_ACTIVE";
        }
    }

    /** The ledger is closing or closed: no new subscription, no checkpoint change. */
    public static final class Closed extends SubscriptionException {
        public Closed(String what) {
            super(what);
        }

        @Override
        public String code() {
            return "SUBSCRIPTIONS_CLOSED";
        }
    }

    /**
     * The stored checkpoint names a seq the log does not hold (the ledger was restored to an
     * earlier point, or recovered with less than the subscriber saw), or holds with another chain
     * hash (a restore branched the history onto a new timeline and it grew past that seq again).
     * Either way the subscriber has seen events this log does not have: it is never re-based
     * silently. {@code logHash} is null when the log ends before {@code seq}.
     */
    public static final class CheckpointNotInLog extends SubscriptionException {
        private final String name;
        private final long seq;
        private final byte[] checkpointHash;
        private final byte[] logHash;
        private final long logHeadSeq;

        public CheckpointNotInLog(String name, long seq, byte[] checkpointHash, byte[] logHash, long logHeadSeq) {
            super(message(name, seq, checkpointHash, logHash, logHeadSeq));
            this.name = name;
            this.seq = seq;
            this.checkpointHash = checkpointHash.clone();
            this.logHash = logHash == null ? null : logHash.clone();
            this.logHeadSeq = logHeadSeq;
        }

        private static String message(String name, long seq, byte[] checkpointHash, byte[] logHash, long logHeadSeq) {
            String what = logHash == null
                    ? "is at seq " + seq + " (chain hash " + Hex.of(checkpointHash) + "), but the log ends at seq "
                    + logHeadSeq + " and has no chain hash there"
                    : "is at seq " + seq + " with chain hash " + Hex.of(checkpointHash) + ", but the log's chain hash at seq "
                    + seq + " is " + Hex.of(logHash) + " (the log's head is seq " + logHeadSeq + ")";
            return "the checkpoint of subscription \"" + name + "\" " + what + ": the ledger was restored or recovered to"
                    + " an earlier point, or follows another timeline, and this subscriber has seen events the log does"
                    + " not hold. Undo what it did with them, then reset its checkpoint (Ledger.resetSubscription(\"" + name
                    + "\")) or subscribe with an explicit From.seq(n)";
        }

        public String name() {
            return name;
        }

        public long seq() {
            return seq;
        }

        public byte[] checkpointHash() {
            return checkpointHash.clone();
        }

        /** The log's chain hash at {@link #seq()}, or null when the log ends before it. */
        public byte[] logHash() {
            return logHash == null ? null : logHash.clone();
        }

        public long logHeadSeq() {
            return logHeadSeq;
        }

        @Override
        public String code() {
            return "CHECKPOINT_NOT_IN_LOG";
        }
    }

    /** An explicit start ({@link From#seq(long)}) lies more than one past the log's head. */
    public static final class StartAheadOfLog extends SubscriptionException {
        private final long firstSeq;
        private final long logHeadSeq;

        public StartAheadOfLog(String name, long firstSeq, long logHeadSeq) {
            super("subscription \"" + name + "\" asked to start at seq " + firstSeq + ", but the log ends at seq "
                    + logHeadSeq + " (the first seq not yet committed is " + (logHeadSeq + 1) + "); a position"
                    + " kept by the subscriber that is ahead of the log means the ledger lost or left behind history the"
                    + " subscriber has seen");
            this.firstSeq = firstSeq;
            this.logHeadSeq = logHeadSeq;
        }

        public long firstSeq() {
            return firstSeq;
        }

        public long logHeadSeq() {
            return logHeadSeq;
        }

        @Override
        public String code() {
            return "START_AHEAD_OF_LOG";
        }
    }
}
