package io.bitcraps.ledger.api;

/**
 * {@link SchemaMigration#migrate} refused the walk, and wrote nothing it had not finished: {@link #code()} says why
 * ({@code DOWN_STEP_REFUSED}: a down step would lose what the events cannot give back, and nothing was written;
 * {@code WRITER_LOCK_HELD}: the ledger is open, its message names the process; {@code SCHEMA_MISMATCH}: the database's
 * schema history does not match this code).
 */
public final class MigrationRefused extends IllegalStateException {
    public static final String DOWN_STEP_REFUSED = "DOWN_STEP_REFUSED";
    public static final String WRITER_LOCK_HELD = "WRITER_LOCK_HELD";
    public static final String SCHEMA_MISMATCH = "SCHEMA_MISMATCH";

    private final String code;

    MigrationRefused(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** Stable code for machines, as in {@code {"error":{"code":...}}}. */
    public String code() {
        return code;
    }
}
