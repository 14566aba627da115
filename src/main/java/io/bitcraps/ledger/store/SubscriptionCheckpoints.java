package io.bitcraps.ledger.store;

import io.bitcraps.ledger.internal.FileModes;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The sidecar file of named subscription checkpoints, {@code <db>.subscriptions}: one row per name
 * with the last seq its handler acknowledged and the chain hash at that seq.
 * <p>
 * Why a file of its own: a checkpoint written into the ledger database would take that file's
 * write lock, and the writer must never wait for a subscriber. Why WAL with
 * {@code synchronous=NORMAL}: a killed process loses nothing committed here, and what a power
 * loss may take (the newest updates) only makes a subscription deliver again from an earlier seq,
 * which at-least-once delivery allows. The file is created with the ledger's file mode.
 * <p>
 * Concurrency: one connection serves every subscription thread of the ledger; the methods are
 * synchronized (each subscription writes a few times per second at most). Only the process that
 * holds the ledger's writer lock writes here; {@link #readAll} is for tools and tests beside it.
 */
public final class SubscriptionCheckpoints implements AutoCloseable {
    /** {@code PRAGMA user_version} of the sidecar this code writes; a newer file is refused. */
    public static final int SCHEMA_VERSION = 1;

    private final Path file;
    private final Connection conn;
    private final PreparedStatement select;
    private final PreparedStatement upsert;
    private final PreparedStatement delete;

    private SubscriptionCheckpoints(Path file, Connection conn) throws SQLException {
        this.file = file;
        this.conn = conn;
        this.select = conn.prepareStatement("SELECT name, seq, hash, updated_ts FROM checkpoints WHERE name = ?");
        this.upsert = conn.prepareStatement("INSERT INTO checkpoints(name, seq, hash, updated_ts) VALUES (?,?,?,?)"
                + " ON CONFLICT(name) DO UPDATE SET seq=excluded.seq, hash=excluded.hash, updated_ts=excluded.updated_ts");
        this.delete = conn.prepareStatement("DELETE FROM checkpoints WHERE name = ?");
    }

    /** The sidecar of the ledger database {@code db}: {@code <db>.subscriptions} beside it. */
    public static Path fileOf(Path db) {
        return db.resolveSibling(db.getFileName() + ".subscriptions");
    }

    /**
     * Opens (creating with {@code mode} when absent) the sidecar of {@code db} for writing. Refuses a
     * file written by newer code. The caller holds the ledger's writer lock.
     */
    public static SubscriptionCheckpoints open(Path db, Set<PosixFilePermission> mode, int busyTimeoutMillis)
            throws SQLException, IOException {
        Path file = fileOf(db.toAbsolutePath());
        // SQLite gives the -wal and -shm the mode of the main file: creating it first with the mode covers all three
        boolean created = FileModes.createIfAbsent(file, mode);
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        cfg.setBusyTimeout(busyTimeoutMillis);
        Connection conn;
        try {
            conn = LedgerDatabase.connect(cfg, file);
        } catch (SQLException | RuntimeException e) {
            if (created) {
                Files.deleteIfExists(file);
            }
            throw e;
        }
        try {
            LedgerDatabase.expectPragma(conn, "journal_mode", "wal");
            LedgerDatabase.expectPragma(conn, "synchronous", "1");
            prepareSchema(conn, file);
            return new SubscriptionCheckpoints(file, conn);
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    private static void prepareSchema(Connection conn, Path file) throws SQLException {
        int version = Integer.parseInt(LedgerDatabase.readPragma(conn, "user_version"));
        if (version > SCHEMA_VERSION) {
            throw new SchemaMismatch(file + " has subscription checkpoint schema " + version + ", newer than this code's "
                    + SCHEMA_VERSION + "; refusing to change it");
        }
        if (version == SCHEMA_VERSION) {
            return;
        }
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                st.execute("CREATE TABLE IF NOT EXISTS checkpoints ("
                        + " name       TEXT PRIMARY KEY,"
                        + " seq        INTEGER NOT NULL CHECK (seq >= 1),"
                        + " hash       BLOB NOT NULL,"             // chain hash of the event at seq
                        + " updated_ts INTEGER NOT NULL"           // microseconds since the epoch, UTC
                        + ") WITHOUT ROWID");
                st.execute("PRAGMA user_version = " + SCHEMA_VERSION);
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }

    /**
     * Every checkpoint stored beside {@code db}, read through a read-only connection; empty when
     * there is no sidecar. For tools and tests; safe beside a running ledger.
     */
    public static List<StoredCheckpoint> readAll(Path db) throws SQLException {
        Path file = fileOf(db.toAbsolutePath());
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try (Connection c = LedgerDatabase.connect(LedgerDatabase.readOnlyConfig(5_000), file)) {
            if (Integer.parseInt(LedgerDatabase.readPragma(c, "user_version")) == 0) {
                return List.of(); // created, never written
            }
            return all(c);
        }
    }

    public Path file() {
        return file;
    }

    /** The checkpoint stored under {@code name}, or null. */
    public synchronized StoredCheckpoint read(String name) throws SQLException {
        select.setString(1, name);
        try (ResultSet rs = select.executeQuery()) {
            return rs.next() ? row(rs) : null;
        }
    }

    /** Stores {@code seq} and its chain hash as {@code name}'s checkpoint (one autocommit statement). */
    public synchronized void write(String name, long seq, byte[] hash, long updatedMicros) throws SQLException {
        if (seq < 1 || hash == null) {
            throw new IllegalArgumentException("a checkpoint names a seq >= 1 and its chain hash, got seq " + seq);
        }
        upsert.setString(1, name);
        upsert.setLong(2, seq);
        upsert.setBytes(3, hash);
        upsert.setLong(4, updatedMicros);
        upsert.executeUpdate();
    }

    /** Forgets {@code name}'s checkpoint; returns what was stored, or null. */
    public synchronized StoredCheckpoint delete(String name) throws SQLException {
        StoredCheckpoint old = read(name);
        delete.setString(1, name);
        delete.executeUpdate();
        return old;
    }

    public synchronized List<StoredCheckpoint> all() throws SQLException {
        return all(conn);
    }

    private static List<StoredCheckpoint> all(Connection c) throws SQLException {
        List<StoredCheckpoint> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name, seq, hash, updated_ts FROM checkpoints ORDER BY name")) {
            while (rs.next()) {
                out.add(row(rs));
            }
        }
        return out;
    }

    private static StoredCheckpoint row(ResultSet rs) throws SQLException {
        return new StoredCheckpoint(rs.getString(1), rs.getLong(2), rs.getBytes(3), rs.getLong(4));
    }

    /** Moves the sidecar's WAL into its file (so a stopped ledger leaves one file) and closes it. */
    @Override
    public synchronized void close() throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            rs.next();
        } finally {
            conn.close();
        }
    }
}
