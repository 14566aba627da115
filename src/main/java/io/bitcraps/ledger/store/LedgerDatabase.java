package io.bitcraps.ledger.store;

import io.bitcraps.ledger.internal.FileModes;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.UUID;

/**
 * Opens ledger databases. The writer connection gets the pragmas of the design (WAL, the
 * durability mode's {@code synchronous}, busy timeout, cache, temp store, mmap, journal size limit)
 * and reads every one back: a pragma that did not take is a refusal to open, not a warning.
 * Read-only connections are read-only at the driver level and {@code query_only} besides.
 */
public final class LedgerDatabase {
    private LedgerDatabase() {}

    public static String url(Path path) {
        return "jdbc:sqlite:" + path.toAbsolutePath();
    }

    /** The writer's connection, migrated and with the ledger id in place. The caller holds the writer lock. */
    public static Connection openWriter(StoreOptions o) throws SQLException, IOException {
        Path parent = o.path().toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        // SQLite would create the file with the umask's mode, and gives the -wal and -shm the mode of the
        // database file: creating it empty with the configured mode first covers all three
        boolean created = FileModes.createIfAbsent(o.path(), o.fileMode());
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setPageSize(StoreOptions.PAGE_BYTES);
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(o.durability() == Durability.FULL ? SQLiteConfig.SynchronousMode.FULL
                : SQLiteConfig.SynchronousMode.NORMAL);
        cfg.setBusyTimeout(o.busyTimeoutMillis());
        cfg.setCacheSize(-o.cacheKibibytes());
        cfg.setTempStore(SQLiteConfig.TempStore.MEMORY);
        cfg.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, Long.toString(o.mmapBytes()));
        cfg.setPragma(SQLiteConfig.Pragma.JOURNAL_SIZE_LIMIT, Long.toString(o.journalSizeLimitBytes()));
        cfg.setPragma(SQLiteConfig.Pragma.MAX_PAGE_COUNT, Long.toString(o.maxPageCount()));
        cfg.setWalAutocheckpoint(WRITER_AUTOCHECKPOINT_PAGES);
        Connection conn;
        try {
            conn = connect(cfg, o.path());
        } catch (SQLException | RuntimeException e) {
            if (created) {
                // SQLite never opened it (no native library, say): leave no empty database behind
                Files.deleteIfExists(o.path());
            }
            throw e;
        }
        try {
            expectPragma(conn, "journal_mode", "wal");
            expectPragma(conn, "synchronous", Integer.toString(o.durability().synchronousPragma()));
            expectPragma(conn, "busy_timeout", Integer.toString(o.busyTimeoutMillis()));
            expectPragma(conn, "cache_size", Integer.toString(-o.cacheKibibytes()));
            expectPragma(conn, "temp_store", "2");
            expectPragma(conn, "mmap_size", Long.toString(o.mmapBytes()));
            expectPragma(conn, "journal_size_limit", Long.toString(o.journalSizeLimitBytes()));
            expectPragma(conn, "wal_autocheckpoint", Integer.toString(WRITER_AUTOCHECKPOINT_PAGES));
            Migrations.migrate(conn);
            ensureLedgerId(conn);
            return conn;
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    /**
     * A connection for {@link Migrations#migrateTo}, which, unlike {@link #openWriter}, leaves the
     * schema at the version it finds. Only an existing ledger database (one with
     * {@code schema_migrations}, at version 0 or more) is opened; its history must verify. The caller
     * holds the writer lock.
     */
    public static Connection openForMigration(Path path) throws SQLException {
        if (!Files.isRegularFile(path)) {
            throw new SQLException("no ledger database at " + path);
        }
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.setBusyTimeout(5_000);
        Connection conn = connect(cfg, path);
        try {
            expectPragma(conn, "journal_mode", "wal");
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")) {
                if (!rs.next()) {
                    throw new SchemaMismatch(path + " is not a ledger database (no schema_migrations)");
                }
            }
            Migrations.verify(conn);
            return conn;
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    /**
     * Opens a connection; when sqlite-jdbc cannot load its native library, says so and names the
     * directory it unpacks the library into, instead of the driver's bare "Error opening
     * connection", which blames the database.
     */
    public static Connection connect(SQLiteConfig cfg, Path path) throws SQLException {
        try {
            return cfg.createConnection(url(path));
        } catch (SQLException e) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof org.sqlite.NativeLibraryNotFoundException || t instanceof UnsatisfiedLinkError) {
                    throw new SQLException(nativeLibraryProblem(t), e);
                }
            }
            throw e;
        }
    }

    private static String nativeLibraryProblem(Throwable cause) {
        String property = System.getProperty("org.sqlite.tmpdir") != null ? "org.sqlite.tmpdir" : "java.io.tmpdir";
        String dirName = System.getProperty(property);
        String why = "";
        if (dirName != null) {
            Path dir = Path.of(dirName);
            if (!Files.exists(dir)) {
                why = ", which does not exist and cannot be created";
            } else if (!Files.isDirectory(dir)) {
                why = ", which is not a directory";
            } else if (!Files.isWritable(dir)) {
                why = ", which is not writable";
            }
        }
        return "SQLite's native library could not be loaded: sqlite-jdbc unpacks it into " + property + " ("
                + dirName + why + "); point -Dorg.sqlite.tmpdir at a writable directory that allows executables ("
                + cause.getMessage() + ")";
    }

    /**
     * Pages of WAL (16 MiB) at which the writer checkpoints by itself, right after a COMMIT. This is
     * what bounds the WAL file. The background {@link Checkpointer} copies pages but cannot rewind
     * the WAL under steady writes: SQLite restarts the WAL only when a write transaction begins with
     * every frame already copied, and a commit made while a PASSIVE checkpoint runs on another
     * connection leaves frames behind it, so the WAL keeps growing until this threshold. The writer's
     * own checkpoint runs between its COMMIT and its next BEGIN, so the next batch does rewind it; it
     * copies only what the background checkpointer has not. At 16,384 pages (64 MiB) the WAL alone
     * could fill a disk with less room than that, and then nothing could make room again (a
     * checkpoint needs space in the database file to empty the WAL): every later commit failed with
     * SQLITE_FULL, although the disk had grown (FaultInjectionIT, tiny file system).
     */
    public static final int WRITER_AUTOCHECKPOINT_PAGES = 4_096;

    /**
     * A connection that only runs checkpoints (see {@link Checkpointer}). Same file, same
     * synchronous level, so a checkpoint forces the database file as the durability mode says.
     */
    static Connection checkpointConnection(StoreOptions o) throws SQLException {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setSynchronous(o.durability() == Durability.FULL ? SQLiteConfig.SynchronousMode.FULL
                : SQLiteConfig.SynchronousMode.NORMAL);
        cfg.setBusyTimeout(o.busyTimeoutMillis());
        cfg.setPragma(SQLiteConfig.Pragma.JOURNAL_SIZE_LIMIT, Long.toString(o.journalSizeLimitBytes()));
        return connect(cfg, o.path());
    }

    /**
     * A read-only connection for tools and readers. It works beside a running writer (WAL readers
     * never block it) and on a stopped database. Refuses a database this code cannot read.
     */
    public static Connection openReadOnly(Path path) throws SQLException {
        if (!Files.isRegularFile(path)) {
            throw new SQLException("no ledger database at " + path);
        }
        Connection conn = connect(readOnlyConfig(5_000), path);
        try {
            // belt and braces: the driver opened read-only; query_only also refuses writes in SQL
            try (Statement st = conn.createStatement()) {
                st.execute("PRAGMA query_only = 1");
            }
            expectPragma(conn, "query_only", "1");
            int applied = Migrations.verify(conn);
            if (applied == 0) {
                throw new SchemaMismatch(path + " is not a ledger database (no schema_migrations)");
            }
            return conn;
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    /** The driver settings of every read-only connection; pools use the same through {@link SQLiteConfig#toProperties()}. */
    public static SQLiteConfig readOnlyConfig(int busyTimeoutMillis) {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        cfg.setBusyTimeout(busyTimeoutMillis);
        cfg.setTempStore(SQLiteConfig.TempStore.MEMORY);
        cfg.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, "268435456");
        return cfg;
    }

    public static String ledgerId(Connection conn) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM ledger_meta WHERE name='ledger_id'");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SchemaMismatch("ledger_meta has no ledger_id");
            }
            return rs.getString(1);
        }
    }

    public static void expectPragma(Connection conn, String pragma, String expected) throws SQLException {
        String actual = readPragma(conn, pragma);
        if (!expected.equalsIgnoreCase(actual)) {
            throw new SQLException("PRAGMA " + pragma + " reads back " + actual + ", expected " + expected
                    + "; refusing to run with settings that did not take");
        }
    }

    public static String readPragma(Connection conn, String pragma) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + pragma)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The topic a standby replica follows ({@code cdc.Standby}), or null for a ledger that is not one. */
    public static String standbyOf(Connection conn) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM ledger_meta WHERE name = 'standby_of'");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static void ensureLedgerId(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT OR IGNORE INTO ledger_meta(name, value) VALUES ('ledger_id', ?), ('created_at', ?)")) {
                ps.setString(1, UUID.randomUUID().toString());
                ps.setString(2, Instant.now().toString());
                ps.executeUpdate();
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }

    /**
     * The views file beside the ledger database {@code db} (the read model a subscriber keeps,
     * package {@code views}); named here so that tools below {@code views} find it too.
     */
    public static java.nio.file.Path viewsFileOf(java.nio.file.Path db) {
        return db.resolveSibling(db.getFileName() + ".views");
    }
}
