package io.bitcraps.ledger.codec;

import io.bitcraps.ledger.cdc.EventRecords;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CDC record value ({@code schemas/cdc/event-record.schema.json}): every sample event of every
 * type renders to a value the schema accepts and that parses back to the same record; the schema
 * names every field the records carry and no other; and a value changed anywhere in the event's own
 * fields is refused, because it no longer renders to itself.
 */
class EventRecordsTest {
    private final PayloadCodec codec = new PayloadCodec();
    private static final String SCHEMA = "schemas/cdc/event-record.schema.json";

    private EventRecords.Record record(LedgerEvent e, boolean lastOfBatch) throws Exception {
        byte[] payload = codec.encode(e);
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(payload);
        EventRow row = new EventRow(e.seq(), e.timestampMicros(), e.type().code(), null, null, null, null, null, payload, hash);
        return new EventRecords.Record("ledger-1", 0, row, e.seq(), e.seq() + (lastOfBatch ? 0 : 1), e.timestampMicros() + 7,
                lastOfBatch ? hash : null);
    }

    @Test
    void everyEventRendersToAValueTheSchemaAcceptsAndParsesBack() throws Exception {
        Set<String> written = new HashSet<>();
        int i = 0;
        for (LedgerEvent e : SampleEvents.all()) {
            EventRecords.Record r = record(e, i++ % 2 == 0);
            byte[] value = EventRecords.render(r, e);
            JsonNode tree = OutputSchemas.json().readTree(value);
            assertThat(OutputSchemas.errors(SCHEMA, tree)).as("seq %d %s: %s", e.seq(), e.type(), EventRecords.text(value)).isEmpty();
            written.addAll(tree.propertyNames());
            EventRecords.Record back = EventRecords.parse(value, codec);
            assertThat(back.row().seq()).isEqualTo(e.seq());
            assertThat(back.row().payload()).isEqualTo(r.row().payload());
            assertThat(back.row().hash()).isEqualTo(r.row().hash());
            assertThat(back.batchHmac()).isEqualTo(r.batchHmac());
            assertThat(EventRecords.render(back, e)).isEqualTo(value);
        }
        assertThat(written).containsExactlyInAnyOrderElementsOf(OutputSchemas.read(SCHEMA).path("properties").propertyNames());
    }

    @Test
    void theSchemaRefusesARecordWithoutAFieldOrWithOneItDoesNotName() throws Exception {
        // without this, a validator that accepted everything would make the test above pass
        LedgerEvent e = SampleEvents.all().get(0);
        ObjectNode good = (ObjectNode) OutputSchemas.json().readTree(EventRecords.render(record(e, true), e));
        assertThat(OutputSchemas.errors(SCHEMA, good)).isEmpty();
        assertThat(OutputSchemas.errors(SCHEMA, good.deepCopy().without("hash"))).singleElement().asString().contains("hash");
        assertThat(OutputSchemas.errors(SCHEMA, good.deepCopy().put("colour", "red"))).singleElement().asString()
                .contains("colour");
        assertThat(OutputSchemas.errors(SCHEMA, good.deepCopy().put("hash", "not hex"))).isNotEmpty();
        assertThat(OutputSchemas.errors(SCHEMA, good.deepCopy().put("seq", 0))).isNotEmpty();
    }

    @Test
    void aValueChangedAnywhereInItsTextIsRefused() throws Exception {
        LedgerEvent e = SampleEvents.all().stream().filter(x -> x.postings().size() == 3).findFirst().orElseThrow();
        byte[] value = EventRecords.render(record(e, true), e);
        String text = EventRecords.text(value);
        int checked = 0;
        // the event's own fields, time to postings; the envelope (ledger, epoch, seq), the hash and the batch fields
        // render as given, and the standby checks them against the key, the headers and the chain instead
        int from = text.indexOf("\"ts\":");
        int to = text.indexOf("\"hash\"");
        for (int at = from; at < to; at++) {
            char c = text.charAt(at);
            if (!Character.isLetterOrDigit(c)) {
                continue;
            }
            byte[] changed = Arrays.copyOf(value, value.length);
            changed[at] = (byte) (Character.isDigit(c) ? (c == '9' ? '8' : c + 1) : (c == 'z' || c == 'Z' ? c - 1 : c + 1));
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> EventRecords.parse(changed, codec)))
                    .as("a change at byte %d of %s", at, new String(changed, StandardCharsets.UTF_8))
                    .isInstanceOf(EventRecords.BadRecord.class);
            checked++;
        }
        assertThat(checked).isGreaterThan(100);
    }
}
