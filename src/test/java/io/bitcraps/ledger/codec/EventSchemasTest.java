package io.bitcraps.ledger.codec;

import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.smile.SmileFactory;
import tools.jackson.dataformat.smile.SmileMapper;
import tools.jackson.dataformat.smile.SmileReadFeature;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves that {@code schemas/events/*.schema.json} describe what {@link PayloadCodec} writes:
 * every payload the codec writes for a realistic event validates against its type's schema, and
 * every property a schema declares is written for some event, so the documents neither miss a
 * field nor promise one the code never writes.
 */
class EventSchemasTest {
    private static final String DIR = "schemas/events";
    private static final JsonMapper JSON = OutputSchemas.json();
    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    /** Reads the codec's headerless Smile the way any Smile tool would, to compare with the JSON rendering. */
    private static final SmileMapper SMILE = SmileMapper.builder(SmileFactory.builder()
            .disable(SmileReadFeature.REQUIRE_HEADER).build()).build();

    private final PayloadCodec codec = new PayloadCodec();
    private final Map<EventType, List<LedgerEvent>> samples = SampleEvents.byType();

    @Test
    void thereIsExactlyOneSchemaFilePerEventType() throws IOException {
        Set<String> files;
        try (Stream<Path> list = Files.list(OutputSchemas.baseDir().resolve(DIR))) {
            files = list.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> expected = new TreeSet<>();
        for (EventType t : EventType.values()) {
            expected.add(t.name() + ".schema.json");
        }
        expected.add("README.md");
        // a stray or misnamed file would document an event type the code does not have
        assertThat(files).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void theSchemaShipsInTheJarUnchanged(EventType type) throws IOException {
        // the pom copies schemas/events/*.json into the jar; a reader of a jar must see the same document
        String path = DIR + "/" + type.name() + ".schema.json";
        try (InputStream in = getClass().getResourceAsStream("/" + path)) {
            assertThat(in).as("classpath resource /%s", path).isNotNull();
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(Files.readString(OutputSchemas.baseDir().resolve(path)));
        }
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void theSchemaIsAClosedDraft2020ObjectWithADescriptionForEveryProperty(EventType type) {
        JsonNode schema = schema(type);
        assertThat(schema.path("$schema").stringValue()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(schema.path("type").stringValue()).isEqualTo("object");
        assertThat(schema.path("additionalProperties").isBoolean()).isTrue();
        assertThat(schema.path("additionalProperties").booleanValue()).isFalse();
        assertThat(schema.path("title").stringValue()).startsWith(type.name());
        assertThat(schema.path("description").stringValue()).isNotBlank();
        assertEveryPropertyDescribed(schema, type.name());
        // the version in the document is the version the code writes today
        assertThat(schema.path("properties").path("v").path("const").intValue()).isEqualTo(type.schemaVersion());
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyPayloadTheCodecWritesValidatesAgainstItsSchema(EventType type) {
        assertThat(samples.get(type)).isNotEmpty();
        for (LedgerEvent e : samples.get(type)) {
            JsonNode payload = payloadAsJson(e);
            assertThat(OutputSchemas.errors(file(type), payload)).as("%s payload %s", type, payload).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void theStoredSmileHoldsTheSameDocumentAsItsJsonRendering(EventType type) {
        // the schemas are checked on the JSON rendering; this ties them to the bytes actually stored
        for (LedgerEvent e : samples.get(type)) {
            JsonNode fromSmile = SMILE.readTree(codec.encode(e));
            assertThat(fromSmile).as("%s seq %d", type, e.seq()).isEqualTo(payloadAsJson(e));
        }
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyPropertyTheSchemaDeclaresIsWrittenForSomeEvent(EventType type) {
        Set<String> written = new HashSet<>();
        Set<String> postingFields = new HashSet<>();
        for (LedgerEvent e : samples.get(type)) {
            JsonNode payload = payloadAsJson(e);
            written.addAll(payload.propertyNames());
            for (JsonNode posting : payload.path("postings")) {
                postingFields.addAll(posting.propertyNames());
            }
        }
        JsonNode properties = schema(type).path("properties");
        assertThat(written).containsExactlyInAnyOrderElementsOf(properties.propertyNames());
        if (!postingFields.isEmpty()) {
            assertThat(postingFields).containsExactlyInAnyOrderElementsOf(
                    properties.path("postings").path("items").path("properties").propertyNames());
        }
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void theRequiredPropertiesAreExactlyThoseWrittenOnEveryEvent(EventType type) {
        // "required" must neither promise a field the code sometimes omits nor leave out one it always writes
        Set<String> alwaysWritten = null;
        for (LedgerEvent e : samples.get(type)) {
            Set<String> names = new HashSet<>(payloadAsJson(e).propertyNames());
            if (alwaysWritten == null) {
                alwaysWritten = names;
            } else {
                alwaysWritten.retainAll(names);
            }
        }
        Set<String> required = new HashSet<>();
        schema(type).path("required").forEach(n -> required.add(n.stringValue()));
        assertThat(required).isEqualTo(alwaysWritten);
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void theCodecWritesThePropertiesInTheOrderTheSchemaLists(EventType type) {
        // the README promises the order; readers of hex dumps rely on "v" coming first
        List<String> declared = new ArrayList<>(schema(type).path("properties").propertyNames());
        for (LedgerEvent e : samples.get(type)) {
            List<String> written = new ArrayList<>(payloadAsJson(e).propertyNames());
            List<String> expected = new ArrayList<>(declared);
            expected.retainAll(written);
            assertThat(written).as("%s seq %d", type, e.seq()).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void theSchemaBoundsAreTheDomainLimits(EventType type) {
        JsonNode properties = schema(type).path("properties");
        for (String name : properties.propertyNames()) {
            JsonNode p = properties.get(name);
            switch (name) {
                case "player", "game", "table", "bet" -> {
                    assertThat(p.path("maxLength").intValue()).as(name).isEqualTo(Limits.ID_LENGTH_MAX);
                    assertThat(p.path("pattern").stringValue()).as(name).isEqualTo("^[A-Za-z0-9_.-]{1,64}$");
                }
                case "reference" -> assertThat(p.path("maxLength").intValue()).isEqualTo(Limits.REFERENCE_LENGTH_MAX);
                case "key" -> assertThat(p.path("maxLength").intValue()).isEqualTo(Limits.IDEMPOTENCY_KEY_LENGTH_MAX);
                case "amount" -> {
                    assertThat(p.path("minimum").longValue()).isEqualTo(1);
                    assertThat(p.path("maximum").longValue()).isEqualTo(Limits.AMOUNT_MAX);
                }
                case "winnings" -> {
                    assertThat(p.path("minimum").longValue()).isZero();
                    assertThat(p.path("maximum").longValue()).isEqualTo(Limits.WINNINGS_MAX);
                }
                case "n" -> {
                    assertThat(p.path("minimum").intValue()).isEqualTo(2);
                    assertThat(p.path("maximum").intValue()).isEqualTo(Limits.ATOMIC_COMMANDS_MAX);
                }
                case "bet_type" -> assertThat(strings(p.path("enum")))
                        .containsExactly(Arrays.stream(BetType.values()).map(Enum::name).toArray(String[]::new));
                case "outcome" -> assertThat(strings(p.path("enum")))
                        .containsExactly(Arrays.stream(Outcome.values()).map(Enum::name).toArray(String[]::new));
                case "point" -> assertThat(p.path("enum").toString()).isEqualTo("[4,5,6,8,9,10]");
                case "die1", "die2" -> {
                    assertThat(p.path("minimum").intValue()).isEqualTo(1);
                    assertThat(p.path("maximum").intValue()).isEqualTo(6);
                }
                case "postings" -> assertThat(p.path("maxItems").intValue()).isEqualTo(8);
                case "v" -> assertThat(p.path("const").intValue()).isEqualTo(type.schemaVersion());
                case "rules" -> assertThat(p.path("maxLength").intValue()).isEqualTo(
                        io.bitcraps.ledger.domain.Limits.TABLE_RULES_LENGTH_MAX);
                case "commitment", "server_seed" -> assertThat(p.path("pattern").stringValue()).isEqualTo("^[0-9a-f]{64}$");
                case "client_seed" -> assertThat(p.path("maxLength").intValue()).isEqualTo(
                        io.bitcraps.ledger.domain.Limits.CLIENT_SEED_LENGTH_MAX);
                case "nonce" -> assertThat(p.path("minimum").longValue()).isZero();
                case "deposit_24h", "deposit_7d", "deposit_30d", "loss_24h", "stake_max" -> {
                    assertThat(io.bitcraps.ledger.domain.PlayerLimit.ofField(name)).as(name).isNotNull();
                    assertThat(p.path("minimum").longValue()).isEqualTo(1);
                    assertThat(p.path("maximum").longValue()).isEqualTo(Limits.BALANCE_MAX);
                }
                case "new_epoch" -> assertThat(p.path("minimum").intValue()).isEqualTo(1);
                case "reason" -> assertThat(p.path("maxLength").intValue()).isEqualTo(Limits.REFERENCE_LENGTH_MAX);
                case "kind" -> assertThat(strings(p.path("enum"))).containsExactly(
                        Arrays.stream(io.bitcraps.ledger.domain.Exclusion.values())
                                .map(io.bitcraps.ledger.domain.Exclusion::field).toArray(String[]::new));
                case "hours" -> {
                    assertThat(p.path("minimum").intValue()).isEqualTo(Limits.COOL_OFF_HOURS_MIN);
                    assertThat(p.path("maximum").intValue()).isEqualTo(Limits.SELF_EXCLUSION_HOURS_MAX);
                }
                default -> throw new AssertionError(type + " declares \"" + name + "\", which this test does not know;"
                        + " add its bounds here");
            }
        }
    }

    @Test
    void theValidatorRefusesAPayloadThatBreaksTheSchema() {
        // without this, a validator that accepted everything would make every test above pass
        LedgerEvent deposit = samples.get(EventType.DEPOSITED).get(0);
        String schema = file(EventType.DEPOSITED);
        ObjectNode good = (ObjectNode) payloadAsJson(deposit);
        assertThat(OutputSchemas.errors(schema, good)).isEmpty();

        assertThat(OutputSchemas.errors(schema, good.deepCopy().put("game", "g-1"))).singleElement().asString().contains("game");
        assertThat(OutputSchemas.errors(schema, good.deepCopy().put("amount", 0))).singleElement().asString().contains("minimum");
        assertThat(OutputSchemas.errors(schema, good.deepCopy().put("amount", Limits.AMOUNT_MAX + 1))).singleElement().asString().contains("maximum");
        assertThat(OutputSchemas.errors(schema, good.deepCopy().put("amount", "5000"))).isNotEmpty();
        // 5000.0 would pass: JSON Schema's integer is a value without a fraction, however it is written
        assertThat(OutputSchemas.errors(schema, good.deepCopy().put("amount", 5000.5))).isNotEmpty();
        assertThat(OutputSchemas.errors(schema, good.deepCopy().put("v", 2))).singleElement().asString().contains("constant");
        assertThat(OutputSchemas.errors(schema, good.deepCopy().put("player", "al ice"))).singleElement().asString().contains("match");
        assertThat(OutputSchemas.errors(schema, good.deepCopy().put("n", 1))).singleElement().asString().contains("minimum");
        assertThat(OutputSchemas.errors(schema, good.deepCopy().put("key", "k".repeat(65)))).isNotEmpty();
        ObjectNode noReference = good.deepCopy();
        noReference.remove("reference");
        assertThat(OutputSchemas.errors(schema, noReference)).singleElement().asString().contains("required");
        ObjectNode zeroPosting = good.deepCopy();
        ((ObjectNode) zeroPosting.path("postings").get(0)).put("d", 0);
        assertThat(OutputSchemas.errors(schema, zeroPosting)).singleElement().asString().contains("not");
        ObjectNode badAccount = good.deepCopy();
        ((ObjectNode) badAccount.path("postings").get(0)).put("a", "bank");
        assertThat(OutputSchemas.errors(schema, badAccount)).singleElement().asString().contains("match");
    }

    private JsonNode payloadAsJson(LedgerEvent e) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON_FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            codec.writePayload(g, e);
        }
        return JSON.readTree(out.toString());
    }

    private static JsonNode schema(EventType type) {
        return OutputSchemas.read(file(type));
    }

    private static String file(EventType type) {
        return DIR + "/" + type.name() + ".schema.json";
    }

    private static void assertEveryPropertyDescribed(JsonNode schema, String where) {
        JsonNode properties = schema.path("properties");
        for (String name : properties.propertyNames()) {
            JsonNode p = properties.get(name);
            assertThat(p.path("description").stringValue()).as("%s.%s description", where, name).isNotBlank();
            if (p.has("items")) {
                assertEveryPropertyDescribed(p.get("items"), where + "." + name + "[]");
            }
            if (p.has("properties")) {
                assertEveryPropertyDescribed(p, where + "." + name);
            }
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.stringValue()));
        return out;
    }
}
