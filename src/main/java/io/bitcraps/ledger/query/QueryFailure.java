package io.bitcraps.ledger.query;

/** A read failed at the storage level (after the busy retries); the ledger itself is unaffected. */
public final class QueryFailure extends RuntimeException {
    public QueryFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
