package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.feed.CommittedEvent;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.BatchRecord;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows the committed log of a ledger file that another process may be writing, batch by batch:
 * each call to {@link #next} reads, in its own read transaction of SQLite's WAL, the next batch
 * record after the position and that batch's rows, so it sees only whole committed batches. A batch
 * larger than {@link #PART_EVENTS_MAX} comes in consecutive parts that name the whole batch's bounds
 * (a database migrated from before batch records has one record for its early history). Read-only;
 * one thread.
 */
public final class LogTail implements AutoCloseable {
    /** Most events in one delivered part of a batch. */
    public static final int PART_EVENTS_MAX = 10_000;

    /**
     * Committed events {@code rows} ({@code firstSeq..lastSeq}) of the batch {@code batchFirst..batchLast}, committed
     * at {@code committedTsMicros}; {@code hmac} is the batch's head signature (null when unsigned).
     */
    public record Part(long firstSeq, long lastSeq, long batchFirst, long batchLast, long committedTsMicros, byte[] hmac,
                       byte[] headHash, List<EventRow> rows) {
        public boolean endsBatch() {
            return lastSeq == batchLast;
        }
    }

    private final Connection conn;
    private final PayloadCodec codec = new PayloadCodec();
    private long next;

    /** A part's rows decoded, each with its chain hash and stored payload, as a subscriber receives them. */
    public List<CommittedEvent> decode(Part part) {
        List<CommittedEvent> out = new ArrayList<>(part.rows().size());
        for (EventRow row : part.rows()) {
            out.add(new CommittedEvent(StoredEvents.decode(codec, row), row.hash(), row.payload()));
        }
        return out;
    }

    /** Follows {@code db} from {@code fromSeq} (1 for the whole log). */
    public LogTail(Path db, long fromSeq) throws SQLException {
        this.conn = LedgerDatabase.openReadOnly(db);
        this.conn.setAutoCommit(false);
        this.next = Math.max(1, fromSeq);
    }

    /** The seq the next part starts at. */
    public long position() {
        return next;
    }

    /** Moves the position (a relay that found the topic elsewhere after a failure). */
    public void seek(long seq) {
        next = Math.max(1, seq);
    }

    /** The last committed seq, in a read transaction of its own. */
    public long headSeq() throws SQLException {
        try {
            return EventReader.maxSeq(conn);
        } finally {
            conn.rollback();
        }
    }

    /** The chain hash of the event at {@code seq} as hex, or null when the log has no such event. */
    public String hashAt(long seq) throws SQLException {
        try {
            byte[] h = EventReader.hashAt(conn, seq);
            return h == null ? null : io.bitcraps.ledger.internal.Hex.of(h);
        } finally {
            conn.rollback();
        }
    }

    /** The next committed part after the position, or null when the log holds nothing after it yet. */
    public Part next() throws SQLException {
        try {
            List<BatchRecord> batches = EventReader.batchesEndingAfter(conn, next - 1, 1);
            if (batches.isEmpty()) {
                return null;
            }
            BatchRecord b = batches.get(0);
            long from = Math.max(next, b.firstSeq());
            long to = Math.min(b.lastSeq(), from + PART_EVENTS_MAX - 1);
            List<EventRow> rows = new ArrayList<>((int) (to - from + 1));
            EventReader.forEach(conn, from, to, rows::add);
            if (rows.size() != to - from + 1 || rows.get(0).seq() != from) {
                throw new SQLException("the log lacks events of batch " + b.firstSeq() + ".." + b.lastSeq() + " (read "
                        + rows.size() + " of " + (to - from + 1) + " from seq " + from + ")");
            }
            next = to + 1;
            return new Part(from, to, b.firstSeq(), b.lastSeq(), b.committedTs(), b.hmac(), b.headHash(), rows);
        } finally {
            conn.rollback();
        }
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
