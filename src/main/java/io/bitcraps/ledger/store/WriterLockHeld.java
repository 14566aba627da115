package io.bitcraps.ledger.store;

/** Another writer holds the database; only one process may write a ledger at a time. */
public final class WriterLockHeld extends IllegalStateException {
    public WriterLockHeld(String message) {
        super(message);
    }
}
