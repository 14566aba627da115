package io.bitcraps.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * The writer's access to the database: one connection, prepared statements made once, one
 * immediate transaction per batch. Belongs to the writer thread; nothing here is thread-safe.
 * <p>
 * Rows are bound with {@code addBatch} and sent with one {@code executeBatch} per batch. The
 * driver keeps every bound {@code byte[]} until then, so each row must own its payload and hash
 * arrays; the callers never reuse them.
 */
public final class EventLog implements AutoCloseable {
    private final Connection conn;
    private final Statement control;
    private PreparedStatement insertEvent;
    private PreparedStatement upsertHead;
    private PreparedStatement insertBatch;
    private PreparedStatement knowPlayer;
    private int pendingPlayers;
    private final LogLookups lookups;
    private int pendingRows;
    private final boolean readModelInCommit;

    public EventLog(Connection conn) throws SQLException {
        this(conn, true);
    }

    /**
     * {@code readModelInCommit} false: the log-first commit, where the read model is kept beside
     * the log (the views file) and the head row says so with {@code read_model_seq = -1}.
     */
    public EventLog(Connection conn, boolean readModelInCommit) throws SQLException {
        this.conn = conn;
        this.readModelInCommit = readModelInCommit;
        this.control = conn.createStatement();
        this.lookups = new LogLookups(conn);
        prepareStatements();
    }

    /** {@code ledger_head.read_model_seq} of a database whose read model is not kept in it. */
    public static final long READ_MODEL_ELSEWHERE = -1;

    private void prepareStatements() throws SQLException {
        insertEvent = conn.prepareStatement("INSERT INTO events(seq, ts, type, game_id, player_id, bet_id, amount,"
                + " idem_key, payload, hash) VALUES (?,?,?,?,?,?,?,?,?,?)");
        // the read model is written in the same transaction, so it is current at the same seq
        upsertHead = conn.prepareStatement("INSERT INTO ledger_head(id, seq, hash, updated_ts, read_model_seq,"
                + " state_digest) VALUES (1,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET seq=excluded.seq, hash=excluded.hash,"
                + " updated_ts=excluded.updated_ts, read_model_seq=excluded.read_model_seq,"
                + " state_digest=excluded.state_digest");
        insertBatch = conn.prepareStatement(
                "INSERT INTO batches(last_seq, first_seq, committed_ts, head_hash, hmac) VALUES (?,?,?,?,?)");
        // writes a page only for a player seen for the first time (V0011)
        knowPlayer = conn.prepareStatement("INSERT OR IGNORE INTO players_known(player_id) VALUES (?)");
    }

    /**
     * Prepares every statement afresh. sqlite-jdbc finalizes a prepared statement whose step
     * failed with most errors (SQLITE_FULL, IOERR, CORRUPT...): every later use then fails with
     * "statement is not executing", so one full disk during the head update would fail every batch
     * after it, room or not. Called after every failed batch and failed lookup; best effort (a
     * statement that cannot be prepared now fails its next use, and is renewed again then).
     */
    private void renewStatements() {
        lookups.renew();
        for (PreparedStatement ps : new PreparedStatement[]{insertEvent, upsertHead, insertBatch, knowPlayer}) {
            try {
                if (ps != null) {
                    ps.close();
                }
            } catch (SQLException ignored) {
                // a finalized statement may refuse to close again; it is dropped either way
            }
        }
        try {
            prepareStatements();
        } catch (SQLException e) {
            // the connection itself is failing; the next use reports it
        }
    }

    public Connection connection() {
        return conn;
    }

    public void begin() throws SQLException {
        control.execute("BEGIN IMMEDIATE");
    }

    /**
     * Records, in the open transaction, that a provably fair game opened with this commitment (V0013): the writer
     * refuses a commitment used before. A commitment already there is left as it is (the audit reports the reuse).
     */
    public void knowCommitment(String commitment, String gameId) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT OR IGNORE INTO fair_commitments(commitment, game_id) VALUES (?, ?)")) {
            ps.setString(1, commitment);
            ps.setString(2, gameId);
            ps.executeUpdate();
        }
    }

    public void add(EventRow row) throws SQLException {
        insertEvent.setLong(1, row.seq());
        insertEvent.setLong(2, row.timestampMicros());
        insertEvent.setInt(3, row.typeCode());
        setNullableText(insertEvent, 4, row.gameId());
        setNullableText(insertEvent, 5, row.playerId());
        setNullableText(insertEvent, 6, row.betId());
        if (row.amount() == null) {
            insertEvent.setNull(7, Types.INTEGER);
        } else {
            insertEvent.setLong(7, row.amount());
        }
        setNullableText(insertEvent, 8, row.key());
        insertEvent.setBytes(9, row.payload());
        insertEvent.setBytes(10, row.hash());
        insertEvent.addBatch();
        pendingRows++;
        if (row.typeCode() == DEPOSITED && row.playerId() != null) {
            knowPlayer.setString(1, row.playerId());
            knowPlayer.addBatch();
            pendingPlayers++;
        }
    }

    /** EventType.DEPOSITED's code: every deposit row also names its player in players_known. */
    private static final int DEPOSITED = 1;

    /**
     * Sends the bound rows, records the batch boundary (with its head signature, or null without a
     * key) and moves the head (log and read model), still inside the transaction.
     */
    public void finish(long firstSeq, long headSeq, byte[] headHash, long timestampMicros, byte[] headHmac,
                       long stateDigest) throws SQLException {
        sendRows();
        recordBatch(firstSeq, headSeq, timestampMicros, headHash, headHmac);
        moveHead(headSeq, headHash, timestampMicros, stateDigest);
    }

    /** Sends the rows bound since the last call. */
    public void sendRows() throws SQLException {
        if (pendingRows > 0) {
            int[] counts = insertEvent.executeBatch();
            if (counts.length != pendingRows) {
                throw new SQLException("executeBatch wrote " + counts.length + " rows, expected " + pendingRows);
            }
            pendingRows = 0;
        }
        if (pendingPlayers > 0) {
            knowPlayer.executeBatch();
            pendingPlayers = 0;
        }
    }

    /** Records one batch boundary; replaying an archive records the original batches one by one. */
    public void recordBatch(long firstSeq, long lastSeq, long committedTs, byte[] headHash, byte[] headHmac)
            throws SQLException {
        insertBatch.setLong(1, lastSeq);
        insertBatch.setLong(2, firstSeq);
        insertBatch.setLong(3, committedTs);
        insertBatch.setBytes(4, headHash);
        if (headHmac == null) {
            insertBatch.setNull(5, Types.BLOB);
        } else {
            insertBatch.setBytes(5, headHmac);
        }
        insertBatch.executeUpdate();
    }

    /** Moves the head of the log and of the read model, which are written in the same transaction. */
    public void moveHead(long headSeq, byte[] headHash, long timestampMicros, long stateDigest) throws SQLException {
        upsertHead.setLong(1, headSeq);
        upsertHead.setBytes(2, headHash);
        upsertHead.setLong(3, timestampMicros);
        upsertHead.setLong(4, readModelInCommit ? headSeq : READ_MODEL_ELSEWHERE);
        upsertHead.setLong(5, stateDigest);
        upsertHead.executeUpdate();
    }

    /**
     * Stores a snapshot of the writer's state after {@code seq}, inside the open transaction, and
     * drops all but the newest two (the one before stays in case this one is found damaged).
     */
    public void saveSnapshot(long seq, long lastTimestampMicros, long digest, byte[] state) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT OR REPLACE INTO state_snapshots(seq, last_ts, digest, state) VALUES (?,?,?,?)")) {
            ps.setLong(1, seq);
            ps.setLong(2, lastTimestampMicros);
            ps.setLong(3, digest);
            ps.setBytes(4, state);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM state_snapshots WHERE seq <"
                + " (SELECT max(seq) FROM state_snapshots WHERE seq < ?)")) {
            ps.setLong(1, seq);
            ps.executeUpdate();
        }
    }

    /** The batch records with {@code from <= last_seq <= to}: (first, last, committed_ts, hmac) each. */
    public List<long[]> batchBounds(long fromSeq, long toSeq, List<byte[]> hmacs) throws SQLException {
        List<long[]> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT first_seq, last_seq, committed_ts, hmac FROM batches WHERE last_seq >= ? AND last_seq <= ? ORDER BY last_seq")) {
            ps.setLong(1, fromSeq);
            ps.setLong(2, toSeq);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3)});
                    hmacs.add(rs.getBytes(4));
                }
            }
        }
        return out;
    }

    public void commit() throws SQLException {
        if (faults != null) {
            faults.beforeCommit(0, 0);
        }
        control.execute("COMMIT");
    }

    private volatile FaultInjector faults;

    /** Installs a fault hook (tests only); null removes it. */
    public void injectFaults(FaultInjector injector) {
        this.faults = injector;
    }

    /**
     * Commits a transaction that changes nothing the ledger means (the {@code writer_seal}
     * counter) to supersede whatever a failed COMMIT left in the WAL: SQLite writes the next
     * transaction's frames from the last published frame on, and WAL recovery stops at the first
     * frame whose checksum does not chain, so after this commit is durable a failed batch's frames
     * can never come back. Throws when this commit fails as well.
     */
    public void seal() throws SQLException {
        rollback();
        control.execute("BEGIN IMMEDIATE");
        try {
            // the bytes must change: SQLite does not rewrite a page an UPDATE leaves as it was
            int rows = control.executeUpdate("UPDATE writer_seal SET seals = seals + 1 WHERE id = 1");
            if (rows != 1) {
                throw new SQLException("sealing commit found no writer_seal row to rewrite");
            }
            control.execute("COMMIT");
        } catch (SQLException e) {
            rollback();
            throw e;
        }
    }

    /**
     * Best effort: SQLite may already have rolled back on its own after an I/O error. Renews the
     * prepared statements, since the failure that led here may have finalized one.
     */
    public void rollback() {
        pendingRows = 0;
        pendingPlayers = 0;
        try {
            insertEvent.clearBatch();
            knowPlayer.clearBatch();
        } catch (SQLException ignored) {
            // the batch is dropped with the statement's state either way
        }
        try {
            control.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // "no transaction is active": SQLite rolled back already
        }
        renewStatements();
    }

    /** The lookups of the rules over this connection; see {@link LogLookups}. */
    public LogLookups lookups() {
        return lookups;
    }

    /** The seq of the first event of the submission that used this key, or 0. Sees committed rows only. */
    public long seqOfKey(String key) throws SQLException {
        return lookups.seqOfKey(key);
    }

    public List<EventRow> range(long fromSeq, long toSeq) throws SQLException {
        return lookups.range(fromSeq, toSeq);
    }

    /** See {@link LogLookups#gameEverOpened}. */
    public boolean gameEverOpened(String gameId) throws SQLException {
        return lookups.gameEverOpened(gameId);
    }

    /** The stored chain hash of {@code seq}, or null when there is no such row. */
    public byte[] hashAt(long seq) throws SQLException {
        return EventReader.hashAt(conn, seq);
    }

    public long maxSeq() throws SQLException {
        try (ResultSet rs = control.executeQuery("SELECT coalesce(max(seq), 0) FROM events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Changes the database size cap at run time ({@code PRAGMA max_page_count}); returns the cap in effect. */
    public long setMaxDatabaseBytes(long bytes) throws SQLException {
        long pages = Math.max(16, bytes / StoreOptions.PAGE_BYTES);
        try (ResultSet rs = control.executeQuery("PRAGMA max_page_count = " + pages)) {
            return rs.next() ? rs.getLong(1) * StoreOptions.PAGE_BYTES : -1;
        }
    }

    /** Moves what it can of the WAL into the database file without waiting for readers. */
    public void checkpointPassive() throws SQLException {
        try (ResultSet rs = control.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            rs.next();
        }
    }

    /** Moves WAL content into the database file and truncates the WAL; used at close. */
    public void checkpoint() throws SQLException {
        try (ResultSet rs = control.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            rs.next();
        }
    }

    private static void setNullableText(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            insertEvent.close();
            upsertHead.close();
            insertBatch.close();
            knowPlayer.close();
            lookups.close();
            control.close();
        } finally {
            conn.close();
        }
    }
}
