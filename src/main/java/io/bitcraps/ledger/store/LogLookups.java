package io.bitcraps.ledger.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the rules read from the committed log while deciding: the first seq of an idempotency key,
 * a range of events, whether a game was ever opened or a player ever deposited. One thread at a
 * time; nothing here is thread-safe.
 * <p>
 * The writer's own lookups run on a connection of their own ({@link #open}): with the pipelined
 * commit the write connection is busy committing the previous batch while the next one is
 * decided. Each statement is its own read transaction, so a lookup sees every batch committed
 * before it starts and none in flight; what is in flight the writer answers from the batch itself.
 */
public final class LogLookups implements AutoCloseable {
    private final Connection conn;
    private final boolean ownsConnection;
    private PreparedStatement findByKey;
    private PreparedStatement selectRange;

    /** Lookups over a connection the caller owns (the write connection, between batches). */
    public LogLookups(Connection conn) throws SQLException {
        this(conn, false);
    }

    private LogLookups(Connection conn, boolean ownsConnection) throws SQLException {
        this.conn = conn;
        this.ownsConnection = ownsConnection;
        prepare();
    }

    /** Lookups on a read-only connection of their own to the ledger at {@code path}. */
    public static LogLookups open(Path path) throws SQLException {
        Connection conn = LedgerDatabase.openReadOnly(path);
        try {
            return new LogLookups(conn, true);
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    private void prepare() throws SQLException {
        // the newest use: a key the log-first commit let a client use again after its window is there twice
        findByKey = conn.prepareStatement("SELECT seq FROM events WHERE idem_key = ? ORDER BY seq DESC LIMIT 1");
        selectRange = conn.prepareStatement(EventReader.SELECT_COLUMNS + " WHERE seq >= ? AND seq <= ? ORDER BY seq");
    }

    /**
     * Prepares the statements afresh after a failure: sqlite-jdbc finalizes a statement whose
     * step failed with most errors, and every later use would then fail. Best effort.
     */
    void renew() {
        for (PreparedStatement ps : new PreparedStatement[]{findByKey, selectRange}) {
            try {
                if (ps != null) {
                    ps.close();
                }
            } catch (SQLException ignored) {
                // a finalized statement may refuse to close again; it is dropped either way
            }
        }
        try {
            prepare();
        } catch (SQLException e) {
            // the connection itself is failing; the next use reports it
        }
    }

    /** The seq of the first event of the submission that used this key, or 0. Sees committed rows only. */
    public long seqOfKey(String key) throws SQLException {
        try {
            findByKey.setString(1, key);
            try (ResultSet rs = findByKey.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            renew();
            throw e;
        }
    }

    public List<EventRow> range(long fromSeq, long toSeq) throws SQLException {
        try {
            selectRange.setLong(1, fromSeq);
            selectRange.setLong(2, toSeq);
            List<EventRow> rows = new ArrayList<>();
            try (ResultSet rs = selectRange.executeQuery()) {
                while (rs.next()) {
                    rows.add(EventReader.row(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            renew();
            throw e;
        }
    }

    /**
     * True if the game was ever opened. Asked by the rules for a game the writer no longer holds;
     * one lookup through the index of opened games (V0010), which exists in both commit modes.
     * Prepared per call: it runs once per game opened, and a failed step cannot leave a finalized
     * statement behind.
     */
    public boolean gameEverOpened(String gameId) throws SQLException {
        return anyEvent(GAME_OPENED_LOOKUP, gameId);
    }

    /** The seqs of the log's EPOCH_STARTED events (V0014's index), in order: epoch k began at the k-th. */
    public static List<Long> epochStarts(Connection conn) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT seq FROM events WHERE type = 11 ORDER BY seq");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** The number of epochs the log started after the first (the primary epoch it is in). */
    public long epoch() throws SQLException {
        return epochStarts(conn).size();
    }

    /** True if a provably fair game ever opened with this commitment ({@code fair_commitments}, V0013). */
    public boolean commitmentEverUsed(String commitment) throws SQLException {
        return anyEvent(COMMITMENT_LOOKUP, commitment);
    }

    /**
     * True if the player's account was ever posted to. Its first posting is always a deposit (a
     * player's withdrawal or bet needs funds), and every deposit row names its player in
     * {@code players_known} (V0011), which answers it.
     */
    public boolean playerEverPosted(String player) throws SQLException {
        return anyEvent(PLAYER_DEPOSITED_LOOKUP, player);
    }

    /** Receives the keys of {@link #recentKeys}, newest first. */
    @FunctionalInterface
    public interface KeyVisitor {
        void accept(long seq, long timestampMicros, String key);
    }

    /**
     * The newest {@code keysMax} idempotency keys of the log with a timestamp at or after
     * {@code oldestMicros}, newest first: the log-first writer's key window at open. Reads the keyed
     * rows of the log's tail through their index by seq (V0011), so it costs the keys of the
     * window, whatever the size of the log.
     */
    public void recentKeys(int keysMax, long oldestMicros, KeyVisitor visitor) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT seq, ts, idem_key FROM events INDEXED BY events_keyed WHERE idem_key IS NOT NULL ORDER BY seq DESC");
             ResultSet rs = ps.executeQuery()) {
            int n = 0;
            while (n < keysMax && rs.next()) {
                long ts = rs.getLong(2);
                if (ts < oldestMicros) {
                    break;
                }
                visitor.accept(rs.getLong(1), ts, rs.getString(3));
                n++;
            }
        }
    }

    /** The timestamp of the newest event, or 0 for an empty log. */
    public long headMicros() throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT ts FROM events ORDER BY seq DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Through events_games_opened (V0010): open_game is type 4. */
    public static final String GAME_OPENED_LOOKUP = "SELECT 1 FROM events WHERE type = 4 AND game_id = ? LIMIT 1";
    /** One row per player who ever deposited (V0011). */
    public static final String COMMITMENT_LOOKUP = "SELECT 1 FROM fair_commitments WHERE commitment = ?";
    public static final String PLAYER_DEPOSITED_LOOKUP = "SELECT 1 FROM players_known WHERE player_id = ?";

    private boolean anyEvent(String sql, String id) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            findByKey.close();
            selectRange.close();
        } finally {
            if (ownsConnection) {
                conn.close();
            }
        }
    }
}
