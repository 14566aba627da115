package io.bitcraps.ledger.domain;

/**
 * The one unchecked error hierarchy of the ledger. Four cases, four treatments:
 * <ul>
 *   <li>{@link Rejected}: the command was refused by the rules; nothing was written.</li>
 *   <li>{@link Overloaded}: the ring stayed full past the submit timeout; nothing was written.</li>
 *   <li>{@link StorageFailure}: the batch hit an I/O error or a full disk and was rolled back;
 *       the writer goes on with the next batch.</li>
 *   <li>{@link LedgerHalted}: corruption or a broken invariant; writes stop, reads go on.</li>
 * </ul>
 * Every case has a stable {@link #code()} for machines and the facts in its message for people.
 */
public abstract sealed class LedgerException extends RuntimeException
        permits Rejected, LedgerException.Overloaded, LedgerException.StorageFailure, LedgerException.LedgerHalted {

    protected LedgerException(String message, Throwable cause, boolean stackTrace) {
        super(message, cause, true, stackTrace);
    }

    /** Stable, upper-snake-case code, e.g. {@code INSUFFICIENT_FUNDS}. */
    public abstract String code();

    /** The ring stayed full for the whole submit timeout. Retry later or shed load. */
    public static final class Overloaded extends LedgerException {
        public Overloaded(int ringSize, long timeoutMillis) {
            super("ring of " + ringSize + " slots stayed full for " + timeoutMillis + " ms; nothing was written", null, false);
        }

        @Override
        public String code() {
            return "OVERLOADED";
        }
    }

    /**
     * The batch that held the command could not be committed (I/O error, disk full, busy past
     * the timeout) and was rolled back. The command was not written; resubmitting it is safe.
     */
    public static final class StorageFailure extends LedgerException {
        private final int sqliteResultCode;

        public StorageFailure(String message, int sqliteResultCode, Throwable cause) {
            super(message, cause, true);
            this.sqliteResultCode = sqliteResultCode;
        }

        /** SQLite's result code (primary or extended), or -1 when the failure did not come from SQLite. */
        public int sqliteResultCode() {
            return sqliteResultCode;
        }

        @Override
        public String code() {
            return "STORAGE_FAILURE";
        }
    }

    /**
     * The ledger stopped accepting writes because its storage is corrupt or an invariant broke.
     * Reads of the last published view continue. An operator must audit and recover.
     */
    public static final class LedgerHalted extends LedgerException {
        public LedgerHalted(String reason, Throwable cause) {
            super("ledger halted, writes refused: " + reason, cause, true);
        }

        @Override
        public String code() {
            return "LEDGER_HALTED";
        }
    }
}
