package io.bitcraps.ledger.codec;

import io.bitcraps.ledger.domain.Limits;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The archive reader's frame bound follows the payload limit: an event with the largest payload the
 * ledger writes reads back whole, and only a longer one is taken for a torn record.
 */
class JournalRecordLimitTest {
    private static byte[] record(int payloadBytes) {
        byte[] payload = new byte[payloadBytes];
        new Random(payloadBytes).nextBytes(payload);
        byte[] frame = new EventFrame().encode(3, 17, 1_700_000_000_000_000L, payload);
        return JournalRecord.event(frame, new byte[JournalRecord.HASH_BYTES]);
    }

    @Test
    void theLargestPayloadReadsBackAndALongerOneIsTorn() {
        byte[] largest = record(Limits.PAYLOAD_BYTES_MAX);
        JournalRecord.Read read = JournalRecord.read(largest, 0, largest.length);
        assertThat(read).isInstanceOf(JournalRecord.Event.class);
        assertThat(((JournalRecord.Event) read).frame().payload()).hasSize(Limits.PAYLOAD_BYTES_MAX);
        assertThat(((JournalRecord.Event) read).bytes()).isEqualTo(largest.length);

        byte[] longer = record(Limits.PAYLOAD_BYTES_MAX + 1);
        JournalRecord.Read torn = JournalRecord.read(longer, 0, longer.length);
        assertThat(torn).isInstanceOf(JournalRecord.End.class);
        assertThat(((JournalRecord.End) torn).torn()).isTrue();
        assertThat(JournalRecord.FRAME_BYTES_MAX).isEqualTo(EventFrame.OVERHEAD_BYTES + Limits.PAYLOAD_BYTES_MAX);
    }
}
