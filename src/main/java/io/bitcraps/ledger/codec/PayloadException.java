package io.bitcraps.ledger.codec;

/** A payload or frame that does not decode: truncated, tampered, unknown field, wrong version. */
public final class PayloadException extends RuntimeException {
    public PayloadException(String message) {
        super(message);
    }

    public PayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
