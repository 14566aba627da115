package io.bitcraps.ledger.store;

/** The database's schema history does not match this code: refused before anything is written. */
public final class SchemaMismatch extends IllegalStateException {
    public SchemaMismatch(String message) {
        super(message);
    }
}
