package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.Head;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * The quick integrity proof used by backups, restores and health: recompute the chain over a
 * range of rows (all of them, or the last K) and check that it ends at the head row. No payload
 * decoding and no replay: hashing only, so it is cheap enough to run on every backup. A full
 * proof is the {@link Auditor}'s job. Call it inside a read transaction for one snapshot.
 */
public final class ChainCheck {
    /** The outcome: the head it ended at, and the first problem found (null when none). */
    public record Result(long seq, byte[] headHash, long rowsChecked, String problem) {
        public boolean ok() {
            return problem == null;
        }

        public String headHex() {
            return headHash == null ? "" : Hex.of(headHash);
        }
    }

    private ChainCheck() {}

    /** Checks every row from seq 1. */
    public static Result all(Connection conn) throws SQLException {
        return lastRows(conn, Long.MAX_VALUE);
    }

    /** Checks the last {@code rows} rows (all when there are fewer) against the stored hash before them. */
    public static Result lastRows(Connection conn, long rows) throws SQLException {
        Head head = EventReader.head(conn);
        String ledgerId = LedgerDatabase.ledgerId(conn);
        long last = EventReader.maxSeq(conn);
        if (last != head.seq()) {
            return new Result(last, null, 0, "the head row says seq " + head.seq() + ", the log ends at seq " + last);
        }
        if (last == 0) {
            return new Result(0, null, 0, null);
        }
        long from = rows >= last ? 1 : last - rows + 1;
        ChainHash chain = new ChainHash();
        EventFrame frames = new EventFrame();
        byte[][] previous = {from == 1 ? chain.genesis(ledgerId) : null};
        long[] expected = {from == 1 ? 1 : from - 1};
        String[] problem = {null};
        long checked = EventReader.forEach(conn, from == 1 ? 1 : from - 1, last, (EventRow row) -> {
            if (problem[0] != null) {
                return;
            }
            if (row.seq() != expected[0]) {
                problem[0] = "seq " + expected[0] + " is missing";
                return;
            }
            expected[0]++;
            if (previous[0] != null) {
                byte[] hash = chain.next(previous[0], frames.encode(row.typeCode(), row.seq(), row.timestampMicros(), row.payload()));
                if (!Arrays.equals(hash, row.hash())) {
                    problem[0] = "seq " + row.seq() + " breaks the hash chain";
                    return;
                }
            }
            previous[0] = row.hash();
        });
        if (problem[0] == null && !Arrays.equals(previous[0], head.hash())) {
            problem[0] = "the head row's hash is not the hash of seq " + last;
        }
        long base = from == 1 ? 0 : 1; // the row before the range only supplies the starting hash
        return new Result(last, head.hash(), checked - base, problem[0]);
    }
}
