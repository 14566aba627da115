package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.EventLines;
import io.bitcraps.ledger.feed.CommittedEvent;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.codec.SampleEvents;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code schemas/cli/export-line.schema.json} describes what {@code export} and {@code follow} print: the line
 * {@link ExportCommand#writeEvent} writes for every sample event (every type, every optional field, keyed and
 * grouped) validates, and every property the schema declares for a type is written for some sample of it. Each
 * type's command fields are its payload's (schemas/events/), the same names and bounds, so the two documents
 * cannot drift apart. The real CLI's export of a ledger holding every event type is validated against the same
 * schema in {@code EveryCommandThroughEveryStageIT}, and {@code follow}'s lines in {@code FollowCliIT}.
 */
class ExportLineSchemaTest {
    private static final String FILE = "schemas/cli/export-line.schema.json";
    private static final JsonNode SCHEMA = OutputSchemas.read(FILE);
    private static final Set<String> PAYLOAD_ONLY = Set.of("v", "postings", "key", "n");

    private final PayloadCodec codec = new PayloadCodec();

    @Test
    void everyLineExportWritesValidatesAndUsesEveryPropertyTheSchemaDeclares() throws Exception {
        Map<EventType, Set<String>> written = new EnumMap<>(EventType.class);
        for (LedgerEvent e : SampleEvents.all()) {
            JsonNode line = line(e);
            assertThat(OutputSchemas.errors(FILE, line)).as("%s line %s", e.type(), line).isEmpty();
            written.computeIfAbsent(e.type(), t -> new TreeSet<>()).addAll(line.propertyNames());
        }
        assertThat(written.keySet()).containsExactlyInAnyOrder(EventType.values());
        for (EventType t : EventType.values()) {
            Set<String> declared = new TreeSet<>(SCHEMA.path("properties").propertyNames());
            declared.addAll(SCHEMA.path("$defs").path(t.name()).path("properties").propertyNames());
            assertThat(written.get(t)).as("%s properties written", t).isEqualTo(declared);
        }
    }

    @Test
    void theSchemaNamesEveryEventTypeAndGivesEachItsFields() {
        List<String> types = new ArrayList<>();
        SCHEMA.path("properties").path("type").path("enum").forEach(n -> types.add(n.stringValue()));
        assertThat(types).containsExactly(Arrays.stream(EventType.values()).map(Enum::name).toArray(String[]::new));
        assertThat(SCHEMA.path("$defs").propertyNames()).containsExactlyInAnyOrderElementsOf(types);
        assertThat(SCHEMA.path("allOf")).hasSize(types.size());
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void theCommandFieldsOfEachTypeAreItsPayloadFields(EventType type) {
        // one vocabulary: an export line's fields are the stored payload's, with the same bounds
        JsonNode payload = OutputSchemas.read("schemas/events/" + type.name() + ".schema.json");
        ObjectNode expected = (ObjectNode) payload.path("properties").deepCopy();
        expected.remove(PAYLOAD_ONLY);
        assertThat(SCHEMA.path("$defs").path(type.name()).path("properties")).isEqualTo(expected);
        List<String> required = new ArrayList<>();
        payload.path("required").forEach(n -> required.add(n.stringValue()));
        required.removeAll(PAYLOAD_ONLY);
        List<String> declared = new ArrayList<>();
        SCHEMA.path("$defs").path(type.name()).path("required").forEach(n -> declared.add(n.stringValue()));
        assertThat(declared).isEqualTo(required);
    }

    @Test
    void theValidatorRefusesALineExportNeverWrites() throws Exception {
        // without this, a validator that accepted everything would make the tests above pass
        LedgerEvent bet = SampleEvents.all().stream().filter(e -> e.type() == EventType.BET_PLACED).findFirst().orElseThrow();
        ObjectNode good = (ObjectNode) line(bet);
        assertThat(OutputSchemas.errors(FILE, good)).isEmpty();
        assertRefused(good.deepCopy().put("reference", "a deposit's field"), "reference");
        assertRefused(good.deepCopy().put("type", "DEPOSITED"), "");
        assertRefused(good.deepCopy().without("bet"), "bet");
        assertRefused(good.deepCopy().without("hash"), "hash");
        assertRefused(good.deepCopy().put("hash", "ABC"), "hash");
        assertRefused(good.deepCopy().put("ts", "yesterday"), "ts");
        assertRefused(good.deepCopy().put("seq", 0), "seq");
        assertRefused(good.deepCopy().put("group", 1), "group");
        assertRefused(good.deepCopy().put("v", 1), "v");
        ObjectNode payloadPostings = good.deepCopy();
        ((ObjectNode) payloadPostings.path("postings").get(0)).removeAll().put("a", "player:alice").put("d", -100);
        assertRefused(payloadPostings, "postings");
    }

    private static void assertRefused(JsonNode line, String naming) {
        assertThat(OutputSchemas.errors(FILE, line)).as("the schema should refuse %s", line).isNotEmpty()
                .anySatisfy(error -> assertThat(error).contains(naming));
    }

    private JsonNode line(LedgerEvent e) throws Exception {
        byte[] payload = codec.encode(e);
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(payload);
        return OutputSchemas.json().readTree(EventLines.json(new CommittedEvent(e, hash, payload)));
    }
}
