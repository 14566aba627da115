package io.bitcraps.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Streams the event log in seq order in bounded chunks, so that a reader of a large ledger
 * holds one chunk in memory, never the log. Works on any connection: the writer's at start-up,
 * a read-only one for tools. For one consistent snapshot across chunks, call it inside a
 * transaction on a read-only connection.
 */
public final class EventReader {
    static final String SELECT_COLUMNS =
            "SELECT seq, ts, type, game_id, player_id, bet_id, amount, idem_key, payload, hash FROM events";
    public static final int CHUNK_ROWS = 10_000;

    private EventReader() {}

    /** Calls {@code sink} for every row with {@code from <= seq <= to}, in seq order. Returns the row count. */
    public static long forEach(Connection conn, long fromSeq, long toSeq, Consumer<EventRow> sink) throws SQLException {
        long count = 0;
        long next = fromSeq;
        try (PreparedStatement ps = conn.prepareStatement(SELECT_COLUMNS + " WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?")) {
            while (next <= toSeq) {
                ps.setLong(1, next);
                ps.setLong(2, toSeq);
                ps.setInt(3, CHUNK_ROWS);
                int inChunk = 0;
                long last = next - 1;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        EventRow row = row(rs);
                        sink.accept(row);
                        last = row.seq();
                        inChunk++;
                    }
                }
                count += inChunk;
                if (inChunk < CHUNK_ROWS) {
                    break;
                }
                next = last + 1;
            }
        }
        return count;
    }

    /** The statement {@link #readChunk} runs; prepare it once per reader and close it with the reader. */
    public static PreparedStatement prepareChunk(Connection conn) throws SQLException {
        return conn.prepareStatement(SELECT_COLUMNS + " WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?");
    }

    /**
     * Appends to {@code into} up to {@code rowsMax} rows with {@code from <= seq <= to}, in seq order, and
     * returns how many it appended. When reading fails part-way, the rows read before the failure stay in
     * {@code into}, as {@link #forEach} would have delivered them before it threw.
     */
    public static int readChunk(PreparedStatement chunk, long fromSeq, long toSeq, int rowsMax, List<EventRow> into)
            throws SQLException {
        chunk.setLong(1, fromSeq);
        chunk.setLong(2, toSeq);
        chunk.setInt(3, rowsMax);
        int read = 0;
        try (ResultSet rs = chunk.executeQuery()) {
            while (rs.next()) {
                into.add(row(rs));
                read++;
            }
        }
        return read;
    }

    public static Head head(Connection conn) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT seq, hash, read_model_seq FROM ledger_head WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Head(rs.getLong(1), rs.getBytes(2), rs.getLong(3)) : new Head(0, null, 0);
        }
    }

    /**
     * The newest batch record that carries an HMAC: its last seq, the chain hash of the event at
     * that seq (from the log, not the record's own copy, which a rewrite could leave in place)
     * and the HMAC; null when no batch is signed.
     */
    public static SignedBatch newestSignedBatch(Connection conn) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT b.last_seq, e.hash, b.hmac FROM batches b"
                + " JOIN events e ON e.seq = b.last_seq WHERE b.hmac IS NOT NULL ORDER BY b.last_seq DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new SignedBatch(rs.getLong(1), rs.getBytes(2), rs.getBytes(3)) : null;
        }
    }

    /** A batch's last seq, the chain hash at that seq, and the batch's HMAC. */
    public record SignedBatch(long lastSeq, byte[] hash, byte[] hmac) {}

    /** The seq range of the batch records after {@code seq} that carry no HMAC: {first, last}, or null when none. */
    public static long[] unsignedBatchesAfter(Connection conn, long seq) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT min(first_seq), max(last_seq) FROM batches WHERE last_seq > ? AND hmac IS NULL")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long last = rs.getLong(2);
                return rs.wasNull() ? null : new long[]{rs.getLong(1), last};
            }
        }
    }

    /**
     * Up to {@code limit} batch records whose range ends after {@code afterSeq}, in seq order: the
     * first one may begin at or before {@code afterSeq} (a reader positioned inside a batch).
     */
    public static List<BatchRecord> batchesEndingAfter(Connection conn, long afterSeq, int limit) throws SQLException {
        List<BatchRecord> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT first_seq, last_seq, committed_ts, head_hash, hmac"
                + " FROM batches WHERE last_seq > ? ORDER BY last_seq LIMIT ?")) {
            ps.setLong(1, afterSeq);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new BatchRecord(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getBytes(4), rs.getBytes(5)));
                }
            }
        }
        return out;
    }

    /** The stored chain hash of the event at {@code seq}, or null when the log holds no such event. */
    public static byte[] hashAt(Connection conn, long seq) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT hash FROM events WHERE seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        }
    }

    public static long maxSeq(Connection conn) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT coalesce(max(seq), 0) FROM events");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static EventRow row(ResultSet rs) throws SQLException {
        long amount = rs.getLong(7);
        Long boxedAmount = rs.wasNull() ? null : amount;
        return new EventRow(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getString(4), rs.getString(5),
                rs.getString(6), boxedAmount, rs.getString(8), rs.getBytes(9), rs.getBytes(10));
    }

    /** A stored snapshot of the writer's state (see {@code projection.StateSnapshot}). */
    public record Snapshot(long seq, long lastTimestampMicros, long digest, byte[] state) {}

    /** The newest snapshot at or below {@code maxSeq}, or null (none, or a database before V0009). */
    public static Snapshot latestSnapshot(Connection conn, long maxSeq) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT seq, last_ts, digest, state FROM state_snapshots"
                + " WHERE seq <= ? ORDER BY seq DESC LIMIT 1")) {
            ps.setLong(1, maxSeq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Snapshot(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getBytes(4)) : null;
            }
        }
    }


    /** The state digest stored with the head, or null (no head yet, or a head written before V0004). */
    public static Long storedDigest(Connection conn) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT state_digest FROM ledger_head WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            long d = rs.getLong(1);
            return rs.wasNull() ? null : d;
        }
    }
}
