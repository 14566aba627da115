package io.bitcraps.ledger.domain;

/**
 * The one definition of what an id, a reference and an idempotency key may contain. Ids become
 * account names ({@code player:<id>}) and SQL parameters, so the charset is narrow: letters,
 * digits, {@code _ . -}. References are free text for humans, so printable ASCII with spaces.
 */
public final class Ids {
    private Ids() {}

    public static String requireId(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new Rejected.InvalidId(field, value, "must not be empty");
        }
        if (value.length() > Limits.ID_LENGTH_MAX) {
            throw new Rejected.InvalidId(field, value, "is longer than " + Limits.ID_LENGTH_MAX + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-';
            if (!ok) {
                throw new Rejected.InvalidId(field, value,
                        "has character U+" + String.format("%04X", (int) c) + " at " + i + "; allowed: letters, digits, _ . -");
            }
        }
        return value;
    }

    public static String requireReference(String value) {
        return requirePrintable("reference", value, Limits.REFERENCE_LENGTH_MAX, true);
    }

    public static String requireKey(String value) {
        return requirePrintable("idempotency key", value, Limits.IDEMPOTENCY_KEY_LENGTH_MAX, false);
    }

    private static String requirePrintable(String field, String value, int lengthMax, boolean spaceAllowed) {
        if (value == null || value.isEmpty()) {
            throw new Rejected.InvalidId(field, value, "must not be empty");
        }
        if (value.length() > lengthMax) {
            throw new Rejected.InvalidId(field, value, "is longer than " + lengthMax + " characters");
        }
        char low = spaceAllowed ? ' ' : '!';
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < low || c > '~') {
                throw new Rejected.InvalidId(field, value,
                        "has character U+" + String.format("%04X", (int) c) + " at " + i + "; allowed: printable ASCII");
            }
        }
        return value;
    }

    /** A short, safe rendering of untrusted text for error messages. */
    static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), 80) + 2).append('"');
        for (int i = 0; i < value.length() && i < 72; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (value.length() > 72) {
            out.append("…(").append(value.length()).append(" chars)");
        }
        return out.append('"').toString();
    }
}
