package io.bitcraps.ledger.codec;

import io.bitcraps.ledger.domain.LedgerEvent;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The frame is a file format (journal archive, replay streams) and the input of the hash chain,
 * so its layout is pinned byte by byte here, independently of Chronicle Bytes: if a Chronicle
 * upgrade changed the byte order or the encoding of a field, every existing chain would break.
 */
class EventFrameTest {
    private static final byte[] PAYLOAD = "smile-payload".getBytes(StandardCharsets.US_ASCII);
    private static final long SEQ = 0x0102_0304_0506_0708L;
    private static final long TS = 1_700_000_000_123_456L;

    @Test
    void laysOutLengthTypeSeqTimestampPayloadAndCrcLittleEndian() {
        byte[] frame = new EventFrame().encode(5, SEQ, TS, PAYLOAD);
        ByteBuffer le = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);

        assertThat(frame).hasSize(EventFrame.OVERHEAD_BYTES + PAYLOAD.length);
        assertThat(EventFrame.HEADER_BYTES).isEqualTo(21);
        assertThat(EventFrame.OVERHEAD_BYTES).isEqualTo(25);
        assertThat(le.getInt(0)).isEqualTo(frame.length);
        assertThat(frame[4]).isEqualTo((byte) 5);
        assertThat(le.getLong(5)).isEqualTo(SEQ);
        assertThat(le.getLong(13)).isEqualTo(TS);
        assertThat(Arrays.copyOfRange(frame, 21, 21 + PAYLOAD.length)).isEqualTo(PAYLOAD);
        CRC32C crc = new CRC32C();
        crc.update(frame, 0, frame.length - 4);
        assertThat(le.getInt(frame.length - 4)).isEqualTo((int) crc.getValue());

        // little-endian spelled out, so that a reader in any language can follow this test
        assertThat(Arrays.copyOfRange(frame, 5, 13)).containsExactly(8, 7, 6, 5, 4, 3, 2, 1);
        assertThat(Arrays.copyOfRange(frame, 0, 4)).containsExactly(frame.length, 0, 0, 0);
    }

    @Test
    void decodesWhatItEncodes() {
        EventFrame frames = new EventFrame();
        PayloadCodec codec = new PayloadCodec();
        for (LedgerEvent e : SampleEvents.all()) {
            byte[] payload = codec.encode(e);
            EventFrame.Decoded d = EventFrame.decode(frames.encode(e.type().code(), e.seq(), e.timestampMicros(), payload));
            assertThat(d.typeCode()).isEqualTo(e.type().code());
            assertThat(d.seq()).isEqualTo(e.seq());
            assertThat(d.timestampMicros()).isEqualTo(e.timestampMicros());
            assertThat(d.payload()).isEqualTo(payload);
            assertThat(codec.decode(e.type(), d.payload())).isEqualTo(
                    new DecodedPayload(e.command(), e.postings(), e.key(), e.submissionSize()));
        }
    }

    @Test
    void keepsTheExtremesOfEveryField() {
        EventFrame frames = new EventFrame();
        for (long value : new long[]{0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
            EventFrame.Decoded d = EventFrame.decode(frames.encode(255, value, value, new byte[0]));
            assertThat(d.typeCode()).as("type byte is unsigned").isEqualTo(255);
            assertThat(d.seq()).isEqualTo(value);
            assertThat(d.timestampMicros()).isEqualTo(value);
            assertThat(d.payload()).isEmpty();
        }
    }

    @Test
    void givesTheSameBytesWhenAnEncoderIsReused() {
        // the encoder reuses one buffer: a long frame must leave nothing behind for the next, shorter one
        EventFrame reused = new EventFrame();
        byte[] small = reused.encode(1, 1, 1, PAYLOAD);
        reused.encode(2, 2, 2, new byte[4_000]);
        assertThat(reused.encode(1, 1, 1, PAYLOAD)).isEqualTo(small).isEqualTo(new EventFrame().encode(1, 1, 1, PAYLOAD));
    }

    @Test
    void handsBackACopyOfThePayload() {
        byte[] frame = new EventFrame().encode(1, 1, 1, PAYLOAD);
        EventFrame.Decoded d = EventFrame.decode(frame);
        Arrays.fill(frame, (byte) 0);
        assertThat(d.payload()).isEqualTo(PAYLOAD);
    }

    @Test
    void detectsAFlippedBitAnywhere() {
        byte[] frame = new EventFrame().encode(7, SEQ, TS, PAYLOAD);
        for (int bit = 0; bit < frame.length * 8; bit++) {
            byte[] damaged = frame.clone();
            damaged[bit / 8] ^= (byte) (1 << (bit % 8));
            int at = bit;
            assertThatThrownBy(() -> EventFrame.decode(damaged)).as("bit %d", at).isInstanceOf(PayloadException.class);
        }
    }

    @Test
    void detectsAFrameShorterOrLongerThanItsLengthField() {
        byte[] frame = new EventFrame().encode(3, SEQ, TS, PAYLOAD);
        for (int length = 0; length < frame.length; length++) {
            byte[] cut = Arrays.copyOf(frame, length);
            assertThatThrownBy(() -> EventFrame.decode(cut)).as("%d of %d bytes", length, frame.length)
                    .isInstanceOf(PayloadException.class);
        }
        byte[] longer = Arrays.copyOf(frame, frame.length + 1);
        assertThatThrownBy(() -> EventFrame.decode(longer))
                .isInstanceOf(PayloadException.class).hasMessageContaining("says " + frame.length);
    }

    @Test
    void detectsALengthFieldThatLiesEvenWithAMatchingCrc() {
        // an attacker (or a bug) that rewrites the length and recomputes the CRC must still be caught
        byte[] frame = new EventFrame().encode(3, SEQ, TS, PAYLOAD);
        for (int lie : new int[]{frame.length - 1, frame.length + 1, 0, -1, EventFrame.OVERHEAD_BYTES, Integer.MAX_VALUE}) {
            byte[] forged = frame.clone();
            ByteBuffer.wrap(forged).order(ByteOrder.LITTLE_ENDIAN).putInt(0, lie);
            CRC32C crc = new CRC32C();
            crc.update(forged, 0, forged.length - 4);
            ByteBuffer.wrap(forged).order(ByteOrder.LITTLE_ENDIAN).putInt(forged.length - 4, (int) crc.getValue());
            assertThatThrownBy(() -> EventFrame.decode(forged)).as("length field %d", lie)
                    .isInstanceOf(PayloadException.class).hasMessageContaining("says " + lie);
        }
    }

    @Test
    void theChainHashIsSha256OfThePreviousHashAndTheWholeFrame() throws Exception {
        ChainHash chain = new ChainHash();
        byte[] genesis = chain.genesis("casino-1");
        assertThat(genesis).hasSize(ChainHash.BYTES).isNotEqualTo(chain.genesis("casino-2"));

        byte[] frame = new EventFrame().encode(1, 1, TS, PAYLOAD);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(genesis);
        sha.update(frame);
        assertThat(chain.next(genesis, frame)).isEqualTo(sha.digest());

        // every byte of the frame, CRC included, is under the hash
        for (int i = 0; i < frame.length; i++) {
            byte[] changed = frame.clone();
            changed[i] ^= 1;
            assertThat(chain.next(genesis, changed)).as("byte %d", i).isNotEqualTo(chain.next(genesis, frame));
        }
    }
}
