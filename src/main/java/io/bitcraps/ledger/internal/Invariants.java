package io.bitcraps.ledger.internal;

/**
 * Checks that stay on without {@code -ea}. A failed check means the ledger's own logic or its
 * storage is wrong; callers on the writer treat it as fail-stop.
 */
public final class Invariants {
    private Invariants() {}

    public static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new InvariantViolation(String.format(format, args));
        }
    }

    /** Thrown when a check fails. Unchecked and deliberately not a domain error. */
    public static final class InvariantViolation extends IllegalStateException {
        public InvariantViolation(String message) {
            super(message);
        }
    }
}
