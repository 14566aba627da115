package io.bitcraps.ledger.store;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.sql.SQLException;

/**
 * Sorts SQLite errors into the treatments the ledger gives them: a busy database is retried, a
 * full disk or an I/O error fails the batch, corruption stops writing.
 */
public enum SqliteFailure {
    BUSY, FULL, IO_ERROR, CORRUPT, CONSTRAINT, OTHER;

    // primary result codes, see https://sqlite.org/rescode.html
    private static final int SQLITE_BUSY = 5;
    private static final int SQLITE_LOCKED = 6;
    private static final int SQLITE_IOERR = 10;
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_FULL = 13;
    private static final int SQLITE_CANTOPEN = 14;
    private static final int SQLITE_CONSTRAINT = 19;
    private static final int SQLITE_NOTADB = 26;

    public static SqliteFailure classify(SQLException e) {
        int primary = resultCode(e) & 0xff;
        return switch (primary) {
            case SQLITE_BUSY, SQLITE_LOCKED -> BUSY;
            case SQLITE_FULL -> FULL;
            case SQLITE_IOERR, SQLITE_CANTOPEN -> IO_ERROR;
            case SQLITE_CORRUPT, SQLITE_NOTADB -> CORRUPT;
            case SQLITE_CONSTRAINT -> CONSTRAINT;
            default -> OTHER;
        };
    }

    /** SQLite's (possibly extended) result code, or -1 when the exception did not come from SQLite. */
    public static int resultCode(SQLException e) {
        if (e instanceof SQLiteException se) {
            SQLiteErrorCode code = se.getResultCode();
            return code == null ? e.getErrorCode() : code.code;
        }
        return e.getErrorCode() == 0 ? -1 : e.getErrorCode();
    }
}
