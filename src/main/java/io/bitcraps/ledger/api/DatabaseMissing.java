package io.bitcraps.ledger.api;

/**
 * {@link Ledger#open} found no database file where a ledger evidently existed, and will not start
 * a new, empty one in its place without {@link LedgerConfig.Builder#allowCreateOverEvidence}.
 * The message says what showed the ledger existed and how to bring it back.
 */
public final class DatabaseMissing extends IllegalStateException {
    public DatabaseMissing(String message) {
        super(message);
    }
}
