package io.bitcraps.ledger.codec;

import net.openhft.chronicle.bytes.Bytes;

import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The binary frame of one event, the unit the hash chain covers and the record format of the
 * journal archive and of replay streams. Layout, little-endian:
 * <pre>
 *   offset 0   int32  length of the whole frame, crc included
 *   offset 4   uint8  event type code
 *   offset 5   int64  seq
 *   offset 13  int64  timestamp, microseconds since the epoch (UTC)
 *   offset 21  bytes  Smile payload
 *   offset L-4 int32  CRC32C of bytes 0 .. L-5
 * </pre>
 * Chronicle Bytes is confined to this package. Encoding uses a buffer owned by the instance, so an
 * instance is used by one thread at a time; {@link #decode} is static and thread-safe.
 */
public final class EventFrame {
    public static final int HEADER_BYTES = 21;
    public static final int OVERHEAD_BYTES = HEADER_BYTES + 4;

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // Chronicle writes in native order; the format is defined as little-endian.
            throw new ExceptionInInitializerError("EventFrame requires a little-endian platform");
        }
    }

    private final Bytes<?> buffer = Bytes.allocateElasticOnHeap(256);
    private final CRC32C crc = new CRC32C();

    public EventFrame() {
        // An instance is confined to one thread at a time but may be handed over (the ledger opens on
        // the caller's thread and then writes on the writer thread); the confinement is the caller's.
        buffer.singleThreadedCheckDisabled(true);
    }

    /** A decoded frame; the payload is a copy. */
    public record Decoded(int typeCode, long seq, long timestampMicros, byte[] payload) {}

    public byte[] encode(int typeCode, long seq, long timestampMicros, byte[] payload) {
        int length = OVERHEAD_BYTES + payload.length;
        buffer.clear();
        buffer.writeInt(length);
        buffer.writeUnsignedByte(typeCode);
        buffer.writeLong(seq);
        buffer.writeLong(timestampMicros);
        buffer.write(payload);
        byte[] frame = new byte[length];
        buffer.read(frame, 0, length - 4);
        crc.reset();
        crc.update(frame, 0, length - 4);
        int checksum = (int) crc.getValue();
        frame[length - 4] = (byte) checksum;
        frame[length - 3] = (byte) (checksum >>> 8);
        frame[length - 2] = (byte) (checksum >>> 16);
        frame[length - 1] = (byte) (checksum >>> 24);
        return frame;
    }

    /** Decodes and checks one frame: its length field and its CRC must both hold. */
    public static Decoded decode(byte[] frame) {
        if (frame.length < OVERHEAD_BYTES) {
            throw new PayloadException("frame of " + frame.length + " bytes is shorter than its header");
        }
        Bytes<byte[]> in = Bytes.wrapForRead(frame);
        try {
            int length = in.readInt(0);
            if (length != frame.length) {
                throw new PayloadException("frame says " + length + " bytes, holds " + frame.length);
            }
            CRC32C check = new CRC32C();
            check.update(frame, 0, length - 4);
            int stored = in.readInt(length - 4);
            if (stored != (int) check.getValue()) {
                throw new PayloadException("frame CRC32C mismatch");
            }
            int type = in.readUnsignedByte(4);
            long seq = in.readLong(5);
            long ts = in.readLong(13);
            byte[] payload = new byte[length - OVERHEAD_BYTES];
            System.arraycopy(frame, HEADER_BYTES, payload, 0, payload.length);
            return new Decoded(type, seq, ts, payload);
        } finally {
            in.releaseLast();
        }
    }
}
