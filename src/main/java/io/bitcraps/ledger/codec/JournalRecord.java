package io.bitcraps.ledger.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Records of the journal archive: the ledger's committed batches, event by event, so that a
 * backup plus the archive can rebuild any later point, and a database that lost its tail can be
 * healed. Two kinds, both little-endian and self-checking:
 * <pre>
 *   event:     the event's frame (see {@link EventFrame}; starts with its positive length, ends with
 *              its CRC32C) followed by the 32-byte chain hash after the event
 *   batch end: int32 -1 | int64 firstSeq | int64 lastSeq | int64 committedTs | uint8 hasHmac |
 *              32-byte hmac (zeros when absent) | int32 CRC32C of the preceding 61 bytes
 * </pre>
 * A batch end follows the events of every committed batch and carries the batch's head
 * signature, so replaying the archive recreates the batch records exactly. A record cut short by
 * a crash is recognised (length or CRC) and reported as the archive's end.
 */
public final class JournalRecord {
    public static final int HASH_BYTES = ChainHash.BYTES;
    public static final int BATCH_END_BYTES = 4 + 8 + 8 + 8 + 1 + 32 + 4;
    private static final int BATCH_MARKER = -1;
    /** The longest event frame: the largest payload the ledger writes, framed. Derived, so a larger payload limit is read back. */
    static final int FRAME_BYTES_MAX = EventFrame.OVERHEAD_BYTES + io.bitcraps.ledger.domain.Limits.PAYLOAD_BYTES_MAX;

    private JournalRecord() {}

    /** What a reader finds at a position. */
    public sealed interface Read permits Event, BatchEnd, End {}

    /** An event: its decoded frame and the chain hash after it; {@code bytes} is the record's length. */
    public record Event(EventFrame.Decoded frame, byte[] frameBytes, byte[] hash, int bytes) implements Read {}

    public record BatchEnd(long firstSeq, long lastSeq, long committedTs, byte[] hmac, int bytes) implements Read {}

    /** No complete record here: the end of the archive, or a torn tail ({@code torn} is true). */
    public record End(boolean torn, String why) implements Read {}

    public static byte[] event(byte[] frame, byte[] hash) {
        byte[] out = new byte[frame.length + HASH_BYTES];
        System.arraycopy(frame, 0, out, 0, frame.length);
        System.arraycopy(hash, 0, out, frame.length, HASH_BYTES);
        return out;
    }

    public static byte[] batchEnd(long firstSeq, long lastSeq, long committedTs, byte[] hmac) {
        ByteBuffer b = ByteBuffer.allocate(BATCH_END_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(BATCH_MARKER).putLong(firstSeq).putLong(lastSeq).putLong(committedTs);
        b.put((byte) (hmac == null ? 0 : 1));
        b.put(hmac == null ? new byte[32] : hmac);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, BATCH_END_BYTES - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Reads the record that starts at {@code offset} of {@code buf} (which holds {@code limit} valid bytes). */
    public static Read read(byte[] buf, int offset, int limit) {
        int available = limit - offset;
        if (available == 0) {
            return new End(false, "end of segment");
        }
        if (available < 4) {
            return new End(true, available + " stray bytes at the end");
        }
        ByteBuffer b = ByteBuffer.wrap(buf, offset, available).order(ByteOrder.LITTLE_ENDIAN);
        int first = b.getInt(offset);
        if (first == BATCH_MARKER) {
            if (available < BATCH_END_BYTES) {
                return new End(true, "batch record cut short");
            }
            CRC32C crc = new CRC32C();
            crc.update(buf, offset, BATCH_END_BYTES - 4);
            if (b.getInt(offset + BATCH_END_BYTES - 4) != (int) crc.getValue()) {
                return new End(true, "batch record fails its CRC");
            }
            byte[] hmac = null;
            if (buf[offset + 28] == 1) {
                hmac = new byte[32];
                System.arraycopy(buf, offset + 29, hmac, 0, 32);
            }
            return new BatchEnd(b.getLong(offset + 4), b.getLong(offset + 12), b.getLong(offset + 20), hmac, BATCH_END_BYTES);
        }
        if (first < EventFrame.OVERHEAD_BYTES || first > FRAME_BYTES_MAX) {
            return new End(true, "record length " + first + " is not a frame's");
        }
        if (available < first + HASH_BYTES) {
            return new End(true, "event record cut short");
        }
        byte[] frame = new byte[first];
        System.arraycopy(buf, offset, frame, 0, first);
        EventFrame.Decoded decoded;
        try {
            decoded = EventFrame.decode(frame);
        } catch (PayloadException e) {
            return new End(true, "event record does not decode: " + e.getMessage());
        }
        byte[] hash = new byte[HASH_BYTES];
        System.arraycopy(buf, offset + first, hash, 0, HASH_BYTES);
        return new Event(decoded, frame, hash, first + HASH_BYTES);
    }
}
