package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.CommandLines;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Proves that {@code schemas/commands.schema.json} describes what {@link CommandLines#parse}
 * accepts: a line built from any command's declared properties validates against the schema and
 * parses; a line with a property the schema does not declare, or without one it requires, fails
 * both. Sample values come from the schema itself (its {@code examples}, constants, enums and
 * minimums), so the test follows the document instead of restating it.
 */
class CommandsSchemaTest {
    private static final String FILE = "schemas/commands.schema.json";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonNode SCHEMA = OutputSchemas.read(FILE);

    /** The command kinds, in the schema's order: the targets of the top-level oneOf. */
    static List<String> kinds() {
        List<String> out = new ArrayList<>();
        for (JsonNode branch : SCHEMA.path("oneOf")) {
            out.add(branch.path("$ref").stringValue().substring("#/$defs/".length()));
        }
        return out;
    }

    @Test
    void theSchemaNamesExactlyTheCommandsTheParserKnows() {
        Set<String> declared = new TreeSet<>();
        for (String kind : kinds()) {
            declared.add(kindSchema(kind).path("properties").path("type").path("const").stringValue());
            assertThat(kind).isEqualTo(kindSchema(kind).path("properties").path("type").path("const").stringValue());
        }
        Set<String> known = new TreeSet<>();
        for (EventType t : EventType.values()) {
            if (t != EventType.EPOCH_STARTED) { // written by tools/ledger promote; JSON Lines refuses it
                known.add(t.commandName());
            }
        }
        known.add("atomic");
        assertThat(declared).isEqualTo(known);
    }

    @Test
    void theSchemaIsADraft2020DocumentThatShipsInTheJar() throws Exception {
        assertThat(SCHEMA.path("$schema").stringValue()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        try (InputStream in = getClass().getResourceAsStream("/" + FILE)) {
            assertThat(in).as("classpath resource /%s", FILE).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo(Files.readString(OutputSchemas.baseDir().resolve(FILE)));
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aLineWithEveryDeclaredPropertyIsValidAndAccepted(String kind) throws Exception {
        ObjectNode line = sample(kind, true, Set.of());
        assertValid(line);
        CommandLines.Parsed parsed = CommandLines.parse(line.toString());
        assertParsedAs(kind, parsed);
        assertThat(parsed.key()).isEqualTo(line.path("key").stringValue());
        assertThat(parsed.key()).isNotNull();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aLineWithOnlyTheRequiredPropertiesIsValidAndAccepted(String kind) throws Exception {
        ObjectNode line = sample(kind, false, Set.of());
        assertValid(line);
        CommandLines.Parsed parsed = CommandLines.parse(line.toString());
        assertParsedAs(kind, parsed);
        assertThat(parsed.key()).isNull();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aLineWithAnExtraPropertyIsInvalid(String kind) {
        ObjectNode line = sample(kind, true, Set.of());
        line.put("comment", "not a field of any command");
        assertSchemaRefuses(line);
        assertInvalid(line, "unknown field \"comment\"");
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aPropertyOfAnotherCommandIsInvalid(String kind) {
        // the parser must accept no property the schema leaves out, not just unknown names
        Set<String> everyName = new TreeSet<>();
        for (String k : kinds()) {
            everyName.addAll(kindSchema(k).path("properties").propertyNames());
        }
        everyName.removeAll(kindSchema(kind).path("properties").propertyNames());
        assertThat(everyName).isNotEmpty();
        for (String name : everyName) {
            ObjectNode line = sample(kind, true, Set.of());
            line.set(name, valueFor(name));
            assertSchemaRefuses(line);
            assertInvalid(line, "unknown field \"" + name + "\"");
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aLineMissingARequiredPropertyIsInvalid(String kind) {
        for (JsonNode required : kindSchema(kind).path("required")) {
            ObjectNode line = sample(kind, true, Set.of());
            line.remove(required.stringValue());
            assertSchemaRefuses(line);
            Throwable t = catchThrowable(() -> CommandLines.parse(line.toString()));
            assertThat(t).as("%s without %s", kind, required).isInstanceOf(CommandLines.Invalid.class);
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aPropertyOfTheWrongJsonTypeIsInvalid(String kind) {
        ObjectNode full = sample(kind, true, Set.of());
        for (String name : full.propertyNames()) {
            JsonNode value = full.get(name);
            List<JsonNode> wrongs = value.isString()
                    ? List.of(NODES.numberNode(7), NODES.booleanNode(true), NODES.arrayNode())
                    : value.isNumber()
                    ? List.of(NODES.stringNode(value.asString()), NODES.numberNode(value.doubleValue() + 0.5),
                            NODES.objectNode())
                    : List.of(NODES.objectNode(), NODES.stringNode("[]"));
            for (JsonNode wrong : wrongs) {
                ObjectNode line = full.deepCopy();
                line.set(name, wrong);
                assertSchemaRefuses(line);
                Throwable t = catchThrowable(() -> CommandLines.parse(line.toString()));
                assertThat(t).as("%s with %s = %s", kind, name, wrong).isInstanceOf(CommandLines.Invalid.class);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void nullInAnOptionalPropertyMeansAbsent(String kind) throws Exception {
        // the schema allows null exactly where the parser treats it as "not given"
        JsonNode properties = kindSchema(kind).path("properties");
        Set<String> required = names(kindSchema(kind).path("required"));
        for (String name : properties.propertyNames()) {
            ObjectNode line = sample(kind, true, Set.of());
            line.set(name, NODES.nullNode());
            if (kind.equals("roll") && (name.equals("client_seed") || name.equals("nonce"))) {
                // a fair roll names both or neither: absent together
                line.set("client_seed", NODES.nullNode());
                line.set("nonce", NODES.nullNode());
            }
            boolean schemaAllows = OutputSchemas.errors(FILE, line).isEmpty();
            assertThat(schemaAllows).as("%s.%s may be null", kind, name).isEqualTo(!required.contains(name));
            if (schemaAllows) {
                assertParsedAs(kind, CommandLines.parse(line.toString()));
            } else {
                assertInvalid(line, "");
            }
        }
    }

    @Test
    void theCommandPropertiesAreTheEventPayloadFields() {
        // one vocabulary for input, payload and export; EventSchemasTest ties the payload schemas to the codec
        for (EventType t : EventType.values()) {
            if (t == EventType.EPOCH_STARTED) {
                continue; // not an input command
            }
            Set<String> command = new TreeSet<>(kindSchema(t.commandName()).path("properties").propertyNames());
            command.removeAll(Set.of("type", "key"));
            if (t == EventType.DICE_ROLLED) {
                // an instruction to the writer, not a fact the event keeps: the settlements it asks for are events of their own
                assertThat(command.remove("settle")).as("roll's settle").isTrue();
            }
            Set<String> payload = new TreeSet<>(OutputSchemas.read("schemas/events/" + t.name() + ".schema.json")
                    .path("properties").propertyNames());
            payload.removeAll(Set.of("v", "postings", "key", "n"));
            assertThat(command).as("%s fields", t.commandName()).isEqualTo(payload);
        }
    }

    @Test
    void aCommandWrittenWithTheCodecsFieldNamesParsesBackToItself() throws Exception {
        // what export prints for a command is a valid ingest line for the same command
        List<Command> commands = List.of(
                new Command.Deposit("alice", 5_000, "cashier-7"),
                new Command.Withdraw("alice", 1, "cage-2"),
                new Command.FundHouse(Limits.AMOUNT_MAX, "top-up"),
                new Command.OpenGame("g-1", "table-3"),
                new Command.PlaceBet("g-1", "b-1", "alice", BetType.PASS_LINE, null, 100),
                new Command.PlaceBet("g-1", "b-2", "alice", BetType.HARDWAY, 8, 5),
                new Command.RecordRoll("g-1", 4, 4),
                new Command.SettleBet("g-1", "b-1", Outcome.WIN, 100),
                new Command.SettleBet("g-1", "b-2", Outcome.VOID, 0),
                new Command.CloseGame("g-1"));
        for (Command c : commands) {
            StringWriter text = new StringWriter();
            try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), text)) {
                g.writeStartObject();
                g.writeStringProperty("type", c.eventType().commandName());
                PayloadCodec.writeCommandFields(g, c);
                g.writeEndObject();
            }
            assertValid(OutputSchemas.json().readTree(text.toString()));
            assertThat(CommandLines.parse(text.toString()).commands()).as(text.toString()).containsExactly(c);
        }
    }

    @Test
    void aCommandInsideAnAtomicGroupMayNotCarryAKey() {
        for (JsonNode key : List.of(NODES.stringNode("inner-key"), NODES.nullNode())) {
            ObjectNode line = sample("atomic", true, Set.of());
            ((ObjectNode) line.path("commands").get(0)).set("key", key);
            assertSchemaRefuses(line);
            assertInvalid(line, "has a key");
        }
    }

    @Test
    void atomicGroupsDoNotNest() {
        ObjectNode line = sample("atomic", true, Set.of());
        ObjectNode shallow = line.deepCopy();
        ((ArrayNode) shallow.path("commands")).addObject().put("type", "atomic").putArray("commands");
        assertSchemaRefuses(shallow);
        assertInvalid(shallow, "do not nest");
        // a nested group with commands is deeper than the parser reads at all; still invalid, for another reason
        ObjectNode deep = line.deepCopy();
        ((ArrayNode) deep.path("commands")).add(sample("atomic", false, Set.of()));
        assertSchemaRefuses(deep);
        assertInvalid(deep, "nesting depth");
    }

    @Test
    void anEmptyAtomicGroupIsInvalid() {
        ObjectNode line = sample("atomic", true, Set.of());
        line.putArray("commands");
        assertSchemaRefuses(line);
        assertInvalid(line, "non-empty");
    }

    @Test
    void theSchemaBoundsAreTheDomainLimits() throws Exception {
        JsonNode defs = SCHEMA.path("$defs");
        assertThat(defs.path("id").path("maxLength").intValue()).isEqualTo(Limits.ID_LENGTH_MAX);
        assertThat(defs.path("reference").path("maxLength").intValue()).isEqualTo(Limits.REFERENCE_LENGTH_MAX);
        assertThat(defs.path("key").path("maxLength").intValue()).isEqualTo(Limits.IDEMPOTENCY_KEY_LENGTH_MAX);
        assertThat(defs.path("amount").path("maximum").longValue()).isEqualTo(Limits.AMOUNT_MAX);
        JsonNode settle = kindSchema("settle").path("properties");
        assertThat(settle.path("winnings").path("maximum").longValue()).isEqualTo(Limits.WINNINGS_MAX);
        assertThat(kindSchema("atomic").path("properties").path("commands").path("maxItems").intValue())
                .isEqualTo(Limits.ATOMIC_COMMANDS_MAX);
        assertThat(strings(kindSchema("place_bet").path("properties").path("bet_type").path("enum")))
                .containsExactly(Arrays.stream(BetType.values()).map(Enum::name).toArray(String[]::new));
        assertThat(strings(settle.path("outcome").path("enum")))
                .containsExactly(Arrays.stream(Outcome.values()).map(Enum::name).toArray(String[]::new));

        // on the bounds: valid and accepted; one past them: refused by the schema and rejected by the domain
        assertAcceptedAndOneOffRejected("deposit", "amount", 1, Limits.AMOUNT_MAX);
        assertAcceptedAndOneOffRejected("place_bet", "amount", 1, Limits.AMOUNT_MAX);
        assertAcceptedAndOneOffRejected("roll", "die1", 1, 6);
        assertAcceptedAndOneOffRejected("roll", "die2", 1, 6);
        ObjectNode win = sample("settle", true, Set.of()).put("outcome", "WIN").put("winnings", Limits.WINNINGS_MAX);
        assertValid(win);
        CommandLines.parse(win.toString());
        ObjectNode tooRich = win.deepCopy().put("winnings", Limits.WINNINGS_MAX + 1);
        assertSchemaRefuses(tooRich);
        assertThatThrownBy(() -> CommandLines.parse(tooRich.toString())).isInstanceOf(Rejected.class);

        ObjectNode longestIds = sample("place_bet", true, Set.of());
        for (String id : List.of("game", "bet", "player")) {
            longestIds.put(id, "i".repeat(Limits.ID_LENGTH_MAX));
        }
        assertValid(longestIds);
        CommandLines.parse(longestIds.toString());
        for (String bad : List.of("i".repeat(Limits.ID_LENGTH_MAX + 1), "two words", "semi;colon")) {
            ObjectNode line = longestIds.deepCopy().put("player", bad);
            assertSchemaRefuses(line);
            assertThatThrownBy(() -> CommandLines.parse(line.toString())).isInstanceOf(Rejected.class);
        }
    }

    /** The receipt lines ingest prints in answer: an output, described with the other outputs under schemas/cli/. */
    private static final String RECEIPTS_FILE = "schemas/cli/receipt.schema.json";

    @Test
    void everyReceiptLineHasADocumentedShape() {
        Receipt single = new Receipt(42, 42, 1_700_000_000_000_000L);
        Receipt group = new Receipt(43, 45, 1_700_000_000_000_000L);
        Rejected refused = new Rejected.InsufficientFunds(Account.player("alice"), 10, 100);
        List<String> lines = List.of(
                IngestCommand.ok(1, null, false, single),
                IngestCommand.ok(2, "till-7-000123", false, single),
                IngestCommand.ok(3, "till-7-000124", true, group),
                IngestCommand.ok(4, null, true, group),
                IngestCommand.rejected(5, null, refused),
                IngestCommand.rejected(6, "till-7-000125", refused),
                IngestCommand.invalid(7, "deposit has unknown field \"amuont\""));
        JsonNode receipt = OutputSchemas.read(RECEIPTS_FILE);
        Set<String> written = new HashSet<>();
        Set<String> shapes = new HashSet<>();
        for (String text : lines) {
            JsonNode line = OutputSchemas.json().readTree(text);
            assertThat(OutputSchemas.errors(RECEIPTS_FILE, line)).as(text).isEmpty();
            for (JsonNode shape : receipt.path("oneOf")) {
                String ref = shape.path("$ref").stringValue();
                if (OutputSchemas.errors(RECEIPTS_FILE, ref, line).isEmpty()) {
                    shapes.add(ref);
                    for (String name : line.propertyNames()) {
                        written.add(ref + "." + name);
                    }
                }
            }
        }
        // conversely: every shape and every property the document lists is printed by some receipt
        Set<String> declared = new HashSet<>();
        for (JsonNode shape : receipt.path("oneOf")) {
            String ref = shape.path("$ref").stringValue();
            assertThat(shapes).contains(ref);
            for (String name : receipt.at(ref.substring(1)).path("properties").propertyNames()) {
                declared.add(ref + "." + name);
            }
        }
        assertThat(written).isEqualTo(declared);
        // and the validator refuses what ingest never prints: an ok without its seq, a refusal without its code
        for (String never : List.of("{\"line\":1,\"key\":null,\"status\":\"ok\"}",
                "{\"line\":1,\"key\":null,\"status\":\"ok\",\"seq\":4,\"seqs\":[4]}",
                "{\"line\":5,\"key\":null,\"status\":\"rejected\",\"message\":\"m\"}")) {
            assertThat(OutputSchemas.errors(RECEIPTS_FILE, OutputSchemas.json().readTree(never))).as(never).isNotEmpty();
        }
    }

    @Test
    void theValidatorRefusesALineThatBreaksTheSchema() {
        // without this, a validator that accepted everything would make every test above pass
        ObjectNode deposit = sample("deposit", true, Set.of());
        assertValid(deposit);
        assertSchemaRefuses(deposit.deepCopy().put("type", "deposits"));
        assertSchemaRefuses(deposit.deepCopy().put("amount", 0));
        assertSchemaRefuses(deposit.deepCopy().put("key", "two words"));
        assertSchemaRefuses(NODES.arrayNode());
    }

    // ---- building lines from the schema ----

    /**
     * A line for one command kind: each property takes its first example, its constant, its first
     * enum value or its minimum. Optional properties are included when {@code withOptional};
     * {@code without} names properties a context forbids (a key inside an atomic group).
     */
    private static ObjectNode sample(String kind, boolean withOptional, Set<String> without) {
        return sampleObject(kindSchema(kind), withOptional, without);
    }

    private static ObjectNode sampleObject(JsonNode schema, boolean withOptional, Set<String> without) {
        ObjectNode out = NODES.objectNode();
        Set<String> required = names(schema.path("required"));
        JsonNode properties = schema.path("properties");
        for (String name : properties.propertyNames()) {
            if (without.contains(name) || (!withOptional && !required.contains(name))) {
                continue;
            }
            out.set(name, sampleValue(properties.get(name), withOptional));
        }
        return out;
    }

    private static JsonNode sampleValue(JsonNode schema, boolean withOptional) {
        if (schema.has("examples")) {
            return schema.path("examples").get(0);
        }
        if (schema.has("const")) {
            return schema.get("const");
        }
        if (schema.has("enum")) {
            for (JsonNode option : schema.get("enum")) {
                if (!option.isNull()) {
                    return option;
                }
            }
        }
        if (schema.has("$ref")) {
            return sampleValue(resolve(schema.get("$ref").stringValue()), withOptional);
        }
        if (schema.has("items")) {
            // an atomic group: one command of every kind the items allow, without what "not" forbids
            JsonNode items = schema.get("items");
            Set<String> forbidden = names(items.path("not").path("required"));
            ArrayNode out = NODES.arrayNode();
            for (JsonNode branch : items.path("oneOf")) {
                out.add(sampleObject(deref(branch), withOptional, forbidden));
            }
            return out;
        }
        if (schema.has("minimum")) {
            return schema.get("minimum");
        }
        throw new AssertionError("cannot make up a value for " + schema + "; give it \"examples\"");
    }

    /** A well-typed value for a property name, borrowed from whichever command declares it. */
    private static JsonNode valueFor(String name) {
        for (String kind : kinds()) {
            JsonNode p = kindSchema(kind).path("properties").get(name);
            if (p != null) {
                return sampleValue(p, true);
            }
        }
        throw new AssertionError("no command declares " + name);
    }

    private static JsonNode kindSchema(String kind) {
        return resolve("#/$defs/" + kind);
    }

    /** The part of the document a local reference such as {@code #/$defs/id} points to. */
    private static JsonNode resolve(String ref) {
        JsonNode node = SCHEMA.at(ref.substring(1));
        if (!ref.startsWith("#/") || node.isMissingNode()) {
            throw new IllegalArgumentException("reference " + ref + " points nowhere in " + FILE);
        }
        return node;
    }

    /** Follows {@code $ref} chains until a schema that states its own rules. */
    private static JsonNode deref(JsonNode schema) {
        JsonNode s = schema;
        while (s.has("$ref") && !s.has("properties") && !s.has("type") && !s.has("oneOf")) {
            s = resolve(s.get("$ref").stringValue());
        }
        return s;
    }

    // ---- assertions ----

    private static void assertValid(JsonNode line) {
        assertThat(OutputSchemas.errors(FILE, line)).as("schema errors of %s", line).isEmpty();
    }

    private static void assertSchemaRefuses(JsonNode line) {
        assertThat(OutputSchemas.errors(FILE, line)).as("the schema should refuse %s", line).isNotEmpty();
    }

    private static void assertInvalid(JsonNode line, String messagePart) {
        assertThatThrownBy(() -> CommandLines.parse(line.toString())).as("parse %s", line)
                .isInstanceOf(CommandLines.Invalid.class).hasMessageContaining(messagePart);
    }

    private static void assertParsedAs(String kind, CommandLines.Parsed parsed) {
        if (kind.equals("atomic")) {
            assertThat(parsed.atomic()).isTrue();
            // one command of every other kind, in the schema's order
            List<String> inner = new ArrayList<>();
            for (Command c : parsed.commands()) {
                inner.add(c.eventType().commandName());
            }
            List<String> expected = new ArrayList<>(kinds());
            expected.remove("atomic");
            assertThat(inner).isEqualTo(expected);
        } else {
            assertThat(parsed.atomic()).isFalse();
            assertThat(parsed.commands()).singleElement()
                    .satisfies(c -> assertThat(c.eventType().commandName()).isEqualTo(kind));
        }
    }

    private static void assertAcceptedAndOneOffRejected(String kind, String property, long min, long max) throws Exception {
        JsonNode p = kindSchema(kind).path("properties").path(property);
        JsonNode bounds = deref(p);
        assertThat(bounds.path("minimum").longValue()).as("%s.%s minimum", kind, property).isEqualTo(min);
        assertThat(bounds.path("maximum").longValue()).as("%s.%s maximum", kind, property).isEqualTo(max);
        for (long inside : new long[]{min, max}) {
            ObjectNode line = sample(kind, true, Set.of()).put(property, inside);
            assertValid(line);
            CommandLines.parse(line.toString());
        }
        for (long outside : new long[]{min - 1, max + 1}) {
            ObjectNode line = sample(kind, true, Set.of()).put(property, outside);
            assertSchemaRefuses(line);
            assertThatThrownBy(() -> CommandLines.parse(line.toString())).as("%s.%s = %d", kind, property, outside)
                    .isInstanceOf(Rejected.class);
        }
    }

    private static Set<String> names(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(n -> out.add(n.stringValue()));
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.stringValue()));
        return out;
    }
}
