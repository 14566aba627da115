package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.DecodedPayload;
import io.bitcraps.ledger.store.EventRow;

/**
 * One row of the log with the audit's per-row work done on a worker thread, ready to be folded in seq
 * order. {@code chained} is SHA-256({@code predecessor} ‖ frame), where {@code predecessor} is the stored
 * hash of the row read before this one (the range's starting hash for its first row); it is null when
 * that hash is null. Exactly one of {@code payload} and {@code undecodable} (the decoder's refusal, whose
 * message the report quotes) is set when the row decoded or failed to decode as the audit expects.
 * <p>
 * Nothing is thrown on the worker: an unexpected exception while framing and hashing
 * ({@code hashFailure}, after which nothing was decoded) or while decoding ({@code decodeFailure}) is
 * carried here, and the fold throws it at the point where the single-threaded audit met it, so the
 * report names it in the same place. A {@linkplain #damaged damaged} row carries nothing: the fold
 * skips it before any of this is needed.
 */
record CheckedRow(EventRow row, byte[] predecessor, byte[] chained, RuntimeException hashFailure,
                  DecodedPayload payload, RuntimeException undecodable, RuntimeException decodeFailure) {

    /** A damaged record header can turn a blob into null or another type: such a row cannot be framed. */
    static boolean damaged(EventRow row) {
        return row.payload() == null || row.hash() == null || row.hash().length != ChainHash.BYTES;
    }
}
