package io.bitcraps.ledger.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Walks the {@code batches} table alongside the event stream, a chunk at a time, so a ledger of
 * a million one-event batches costs one chunk of memory, not a million rows. Its queries hold
 * {@code connectionLock}: while the audit's reader thread ({@link CheckedLog}) reads the same
 * connection, only one of them may be inside sqlite-jdbc at a time.
 */
final class BatchCursor {
    record Batch(long lastSeq, long firstSeq, long committedTs, byte[] headHash, byte[] hmac) {}

    private static final int CHUNK = 10_000;

    private final Object connectionLock;
    private final PreparedStatement select;
    private final ArrayDeque<Batch> buffered = new ArrayDeque<>();
    private long after;
    private boolean exhausted;

    BatchCursor(Connection conn, Object connectionLock, long fromSeq) throws SQLException {
        this.connectionLock = connectionLock;
        synchronized (connectionLock) {
            this.select = conn.prepareStatement("SELECT last_seq, first_seq, committed_ts, head_hash, hmac FROM batches"
                    + " WHERE last_seq > ? ORDER BY last_seq LIMIT " + CHUNK);
        }
        this.after = fromSeq - 1;
    }

    /**
     * The batch record that ends exactly at {@code seq}, or null. Records ending at a seq that was
     * skipped over (the row is missing) are reported as not matching the log.
     */
    Batch upTo(long seq, Consumer<Problem> report) throws SQLException {
        while (true) {
            Batch b = peek();
            if (b == null || b.lastSeq() > seq) {
                return null;
            }
            buffered.poll();
            if (b.lastSeq() == seq) {
                return b;
            }
            report.accept(new Problem(b.lastSeq(), ProblemKind.BATCH_MISMATCH, "a batch record ends at seq " + b.lastSeq()
                    + ", which is not in the log"));
        }
    }

    /** Reports batch records past the end of the log: evidence of a cut tail. */
    void rest(long lastSeq, Consumer<Problem> report) throws SQLException {
        Batch b = peek();
        if (b != null) {
            long last = b.lastSeq();
            long count = 0;
            while ((b = peek()) != null) {
                buffered.poll();
                last = b.lastSeq();
                count++;
            }
            report.accept(new Problem(lastSeq + 1, ProblemKind.TRUNCATED, count + " batch record(s) reach seq " + last
                    + " but the log ends at seq " + lastSeq + ": the tail was cut"));
        }
        synchronized (connectionLock) {
            select.close();
        }
    }

    private Batch peek() throws SQLException {
        if (buffered.isEmpty() && !exhausted) {
            synchronized (connectionLock) {
                select.setLong(1, after);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        Batch b = new Batch(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getBytes(4), rs.getBytes(5));
                        buffered.add(b);
                        after = b.lastSeq();
                    }
                }
            }
            exhausted = buffered.size() < CHUNK;
        }
        return buffered.peek();
    }
}
