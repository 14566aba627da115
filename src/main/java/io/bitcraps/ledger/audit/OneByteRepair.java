package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.store.EventRow;

import java.util.Arrays;

/**
 * Recovers the original of a row that does not match its hash when one byte of what the hash covers (the type,
 * the timestamp, a payload byte) was changed: a flipped bit on disk, or a one-character edit. Each single-byte
 * substitution is framed and hashed onto the predecessor's stored hash; one that gives the row's stored hash is
 * the original, because finding another frame with that SHA-256 is a second preimage. The stored hash itself is
 * vouched for by the rows after it, which chain from it (a row whose stored hash was altered instead matches no
 * candidate, and is left unrecovered).
 * <p>
 * Cost: 255 frames and hashes per byte searched, each over the whole frame, so it grows with the square of the
 * payload's length (a 130-byte bet: about 33,000 hashes of 155 bytes). Hence a limit on the payloads searched and on
 * the rows searched per audit; the fold's thread only (it owns a frame buffer and a digest).
 */
final class OneByteRepair {
    /** Every event the ledger writes is well under this; a payload of 1 KB means 261,000 hashes of 1 KB each. */
    static final int BYTES_SEARCHED_MAX = 1_024;
    /** Rows searched per audit: a log with more damaged rows is not one flipped bit, and searching it would stall. */
    static final int ROWS_SEARCHED_MAX = 64;

    /** The original row, and where it differed: {@code field} "type", "timestamp" or "payload", at byte {@code offset}. */
    record Found(EventRow original, String field, int offset, int stored, int was) {
        String describe() {
            return String.format("byte %d of its %s holds 0x%02x where the hashed original held 0x%02x", offset, field,
                    stored, was);
        }
    }

    private final ChainHash chain = new ChainHash();
    private final EventFrame frames = new EventFrame();
    private int rowsSearched;

    /** Whether another row may be searched (each call of {@link #search} counts). */
    boolean budgetLeft() {
        return rowsSearched < ROWS_SEARCHED_MAX;
    }

    /** The original of {@code row}, chained onto {@code predecessor}; null when no one-byte change explains it. */
    Found search(EventRow row, byte[] predecessor) {
        if (!budgetLeft() || row.payload().length > BYTES_SEARCHED_MAX) {
            return null;
        }
        rowsSearched++;
        Found f = searchType(row, predecessor);
        if (f == null) {
            f = searchTimestamp(row, predecessor);
        }
        return f != null ? f : searchPayload(row, predecessor);
    }

    private Found searchType(EventRow row, byte[] predecessor) {
        for (int v = 0; v < 256; v++) {
            if (v != row.typeCode() && matches(row, predecessor, v, row.timestampMicros(), row.payload())) {
                return new Found(copy(row, v, row.timestampMicros(), row.payload()), "type", 0, row.typeCode(), v);
            }
        }
        return null;
    }

    private Found searchTimestamp(EventRow row, byte[] predecessor) {
        long ts = row.timestampMicros();
        for (int i = 0; i < Long.BYTES; i++) {
            int stored = (int) (ts >>> (8 * i)) & 0xFF;
            for (int v = 0; v < 256; v++) {
                long candidate = (ts & ~(0xFFL << (8 * i))) | ((long) v << (8 * i));
                if (v != stored && matches(row, predecessor, row.typeCode(), candidate, row.payload())) {
                    return new Found(copy(row, row.typeCode(), candidate, row.payload()), "timestamp", i, stored, v);
                }
            }
        }
        return null;
    }

    private Found searchPayload(EventRow row, byte[] predecessor) {
        byte[] payload = row.payload().clone();
        for (int i = 0; i < payload.length; i++) {
            byte stored = payload[i];
            for (int v = 0; v < 256; v++) {
                if (v == (stored & 0xFF)) {
                    continue;
                }
                payload[i] = (byte) v;
                if (matches(row, predecessor, row.typeCode(), row.timestampMicros(), payload)) {
                    return new Found(copy(row, row.typeCode(), row.timestampMicros(), payload), "payload", i,
                            stored & 0xFF, v);
                }
            }
            payload[i] = stored;
        }
        return null;
    }

    /** Whether {@code row}, as stored, chains onto {@code predecessor}. */
    boolean chainsFrom(byte[] predecessor, EventRow row) {
        return matches(row, predecessor, row.typeCode(), row.timestampMicros(), row.payload());
    }

    private boolean matches(EventRow row, byte[] predecessor, int type, long ts, byte[] payload) {
        return Arrays.equals(chain.next(predecessor, frames.encode(type, row.seq(), ts, payload)), row.hash());
    }

    private static EventRow copy(EventRow r, int type, long ts, byte[] payload) {
        return new EventRow(r.seq(), ts, type, r.gameId(), r.playerId(), r.betId(), r.amount(), r.key(), payload.clone(),
                r.hash());
    }
}
