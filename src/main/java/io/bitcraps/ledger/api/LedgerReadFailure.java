package io.bitcraps.ledger.api;

/**
 * A {@link LedgerReader} could not read its file: it is not a ledger this code can read, or SQLite failed
 * underneath (the message names the file and the cause). Nothing was written.
 */
public final class LedgerReadFailure extends RuntimeException {
    public LedgerReadFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
