package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.DecodedPayload;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.codec.PayloadException;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.store.EventRow;

/**
 * The part of the audit that needs nothing but the row and its predecessor's stored hash: frame and
 * hash it, decode its payload strictly. It holds a frame buffer and a digest, so each worker thread
 * has its own; the codec is thread-safe and shared.
 */
final class RowCheck {
    private final PayloadCodec codec;
    private final EventFrame frames = new EventFrame();
    private final ChainHash chain = new ChainHash();

    RowCheck(PayloadCodec codec) {
        this.codec = codec;
    }

    CheckedRow check(EventRow row, byte[] predecessor) {
        if (CheckedRow.damaged(row)) {
            return new CheckedRow(row, predecessor, null, null, null, null, null);
        }
        byte[] chained;
        try {
            byte[] frame = frames.encode(row.typeCode(), row.seq(), row.timestampMicros(), row.payload());
            chained = predecessor == null ? null : chain.next(predecessor, frame);
        } catch (RuntimeException e) {
            // the fold stops at this row's hash, as the single-threaded audit did: nothing to decode
            return new CheckedRow(row, predecessor, null, e, null, null, null);
        }
        try {
            DecodedPayload payload = codec.decode(EventType.ofCode(row.typeCode()), row.payload());
            return new CheckedRow(row, predecessor, chained, null, payload, null, null);
        } catch (PayloadException | IllegalArgumentException e) {
            return new CheckedRow(row, predecessor, chained, null, null, e, null);
        } catch (RuntimeException e) {
            return new CheckedRow(row, predecessor, chained, null, null, null, e);
        }
    }
}
