package io.bitcraps.ledger.codec;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Posting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.smile.SmileFactory;
import tools.jackson.dataformat.smile.SmileMapper;
import tools.jackson.dataformat.smile.SmileReadFeature;
import tools.jackson.dataformat.smile.SmileWriteFeature;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The payload codec round-trips every event exactly, and its decoder is strict: anything that
 * is not a payload the encoder could have written fails with {@link PayloadException}, never
 * with another exception and never by returning a different event. The decoder reads rows of a
 * tamper-evident log, so "close enough" would be a hole.
 */
class PayloadCodecTest {
    /** Seed of the random-bytes test; override with -Dcodec.seed=… to replay a failure. */
    private static final long SEED = Long.getLong("codec.seed", 0x5EED_C0DECL);
    /** Inputs the random-bytes test tries; small by default to keep the suite fast, raise it with -Dcodec.fuzz=…. */
    private static final int FUZZ_INPUTS = Integer.getInteger("codec.fuzz", 3_000);

    /** Writes and reads arbitrary (possibly wrong) payload documents in the codec's format: Smile, no header. */
    private static final SmileFactory SMILE_FACTORY = SmileFactory.builder()
            .disable(SmileWriteFeature.WRITE_HEADER)
            .disable(SmileReadFeature.REQUIRE_HEADER)
            .build();
    private static final SmileMapper SMILE = SmileMapper.builder(SMILE_FACTORY).build();

    private final PayloadCodec codec = new PayloadCodec();

    // ---- round trips ----

    @Test
    void roundTripsEveryEventExactly() {
        List<LedgerEvent> all = SampleEvents.all();
        for (EventType t : EventType.values()) {
            assertThat(all).as("a sample of %s", t).anyMatch(e -> e.type() == t);
        }
        for (LedgerEvent e : all) {
            assertThat(codec.decode(e.type(), codec.encode(e))).as("seq %d %s", e.seq(), e.command()).isEqualTo(decoded(e));
        }
    }

    @Test
    void roundTripsAnIdempotencyKeyAndTheSizeOfAnAtomicGroup() {
        LedgerEvent keyed = event(new Command.CloseGame("g-1"), List.of(), SampleEvents.LONGEST_KEY, Limits.ATOMIC_COMMANDS_MAX);
        DecodedPayload d = codec.decode(EventType.GAME_CLOSED, codec.encode(keyed));
        assertThat(d.key()).isEqualTo(SampleEvents.LONGEST_KEY);
        assertThat(d.submissionSize()).isEqualTo(Limits.ATOMIC_COMMANDS_MAX);

        // a lone event writes neither field, and reads back as a group of one without a key
        LedgerEvent lone = event(new Command.CloseGame("g-1"), List.of(), null, 1);
        JsonNode tree = SMILE.readTree(codec.encode(lone));
        assertThat(tree.has("key")).isFalse();
        assertThat(tree.has("n")).isFalse();
        DecodedPayload back = codec.decode(EventType.GAME_CLOSED, codec.encode(lone));
        assertThat(back.key()).isNull();
        assertThat(back.submissionSize()).isEqualTo(1);
    }

    @Test
    void roundTripsABetWithAndWithoutAPoint() {
        List<Posting> stake = List.of(new Posting(Account.player("alice"), -10), new Posting(Account.escrow("g-1"), 10));
        for (Integer point : Arrays.asList(null, 4, 5, 6, 8, 9, 10)) {
            Command.PlaceBet bet = new Command.PlaceBet("g-1", "b-1", "alice", BetType.PASS_ODDS, point, 10);
            LedgerEvent e = event(bet, stake, null, 1);
            byte[] payload = codec.encode(e);
            assertThat(codec.decode(EventType.BET_PLACED, payload).command()).isEqualTo(bet);
            // "no point" is an absent field, not a null, so the schema can say "integer"
            assertThat(SMILE.readTree(payload).has("point")).isEqualTo(point != null);
        }
    }

    @Test
    void encodesTheSameEventToTheSameBytes() {
        // the hash chain covers the payload: re-encoding on replay must reproduce it exactly
        for (LedgerEvent e : SampleEvents.all()) {
            assertThat(new PayloadCodec().encode(e)).isEqualTo(codec.encode(e));
        }
    }

    // ---- strictness ----

    @Test
    void rejectsAPayloadWithAnUnknownField() {
        for (LedgerEvent e : SampleEvents.plain()) {
            ObjectNode tree = tree(e);
            tree.put("note", "hello");
            assertRejected(e.type(), tree, "unknown field \"note\"");
        }
    }

    @Test
    void rejectsAPostingWithAnUnknownField() {
        LedgerEvent deposit = SampleEvents.plain().get(0);
        ObjectNode tree = tree(deposit);
        ((ObjectNode) tree.path("postings").get(0)).put("memo", "x");
        assertRejected(EventType.DEPOSITED, tree, "unknown field \"memo\"");
    }

    @Test
    void rejectsAPayloadWithADuplicatedField() {
        // a tree cannot hold a duplicate, so write the document by hand; the second "amount" would win silently otherwise
        byte[] twice = smile(g -> {
            g.writeStartObject();
            g.writeNumberProperty("v", 1);
            g.writeStringProperty("player", "alice");
            g.writeNumberProperty("amount", 5);
            g.writeStringProperty("reference", "r");
            g.writeNumberProperty("amount", 5_000);
            postings(g, "world", -5, "player:alice", 5);
            g.writeEndObject();
        });
        assertThatThrownBy(() -> codec.decode(EventType.DEPOSITED, twice))
                .isInstanceOf(PayloadException.class).hasMessageContaining("\"amount\" appears twice");

        byte[] postingsTwice = smile(g -> {
            g.writeStartObject();
            g.writeNumberProperty("v", 1);
            g.writeStringProperty("game", "g-1");
            postings(g);
            postings(g, "house", 5, "world", -5);
            g.writeEndObject();
        });
        assertThatThrownBy(() -> codec.decode(EventType.GAME_CLOSED, postingsTwice))
                .isInstanceOf(PayloadException.class).hasMessageContaining("\"postings\" appears twice");

        byte[] deltaTwice = smile(g -> {
            g.writeStartObject();
            g.writeNumberProperty("v", 1);
            g.writeStringProperty("player", "alice");
            g.writeNumberProperty("amount", 5);
            g.writeStringProperty("reference", "r");
            g.writeName("postings");
            g.writeStartArray();
            g.writeStartObject();
            g.writeStringProperty("a", "world");
            g.writeNumberProperty("d", -5);
            g.writeNumberProperty("d", 5);
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        });
        assertThatThrownBy(() -> codec.decode(EventType.DEPOSITED, deltaTwice))
                .isInstanceOf(PayloadException.class).hasMessageContaining("\"d\" appears twice");
    }

    @Test
    void rejectsAFieldThatBelongsToAnotherEventType() {
        // every field name the codec knows, added to every event type that does not carry it
        List<String> names = List.of("player", "amount", "reference", "game", "table", "bet", "bet_type", "point",
                "die1", "die2", "outcome", "winnings");
        int checked = 0;
        for (LedgerEvent e : SampleEvents.plain()) {
            ObjectNode tree = tree(e);
            for (String name : names) {
                if (tree.has(name) || (e.type() == EventType.BET_PLACED && name.equals("point"))) {
                    continue;
                }
                ObjectNode wrong = tree.deepCopy();
                switch (name) {
                    case "bet_type" -> wrong.put(name, "FIELD");
                    case "outcome" -> wrong.put(name, "PUSH");
                    case "player", "reference", "game", "table", "bet" -> wrong.put(name, "x-1");
                    case "point" -> wrong.put(name, 6);
                    default -> wrong.put(name, 1);
                }
                assertRejected(e.type(), wrong, "\"" + name + "\"");
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(50);
    }

    @Test
    void rejectsAPayloadMissingARequiredField() {
        for (LedgerEvent e : SampleEvents.plain()) {
            ObjectNode tree = tree(e);
            for (String name : List.copyOf(tree.propertyNames())) {
                if (name.equals("point") || name.equals("commitment") || name.equals("server_seed")
                        || io.bitcraps.ledger.domain.PlayerLimit.ofField(name) != null) {
                    continue; // optional: absent means no point, a game that is not provably fair, or no such limit
                }
                ObjectNode missing = tree.deepCopy();
                missing.remove(name);
                assertRejected(e.type(), missing, "");
            }
            for (String name : List.of("a", "d")) {
                if (tree.path("postings").isEmpty()) {
                    continue;
                }
                ObjectNode missing = tree.deepCopy();
                ((ObjectNode) missing.path("postings").get(0)).remove(name);
                assertRejected(e.type(), missing, "posting lacks");
            }
        }
    }

    @Test
    void rejectsAFieldWithTheWrongTokenType() {
        for (LedgerEvent e : SampleEvents.plain()) {
            ObjectNode tree = tree(e);
            for (String name : List.copyOf(tree.propertyNames())) {
                JsonNode value = tree.get(name);
                List<JsonNode> wrongs = new ArrayList<>();
                if (value.isString()) {
                    wrongs.add(SMILE.getNodeFactory().numberNode(7));
                    wrongs.add(SMILE.getNodeFactory().nullNode());
                } else if (value.isIntegralNumber()) {
                    wrongs.add(SMILE.getNodeFactory().stringNode(value.asString()));
                    wrongs.add(SMILE.getNodeFactory().numberNode(value.doubleValue()));
                    wrongs.add(SMILE.getNodeFactory().booleanNode(true));
                    wrongs.add(SMILE.getNodeFactory().nullNode());
                } else {
                    wrongs.add(SMILE.getNodeFactory().objectNode());
                    wrongs.add(SMILE.getNodeFactory().stringNode("[]"));
                }
                for (JsonNode wrong : wrongs) {
                    ObjectNode t = tree.deepCopy();
                    t.set(name, wrong);
                    assertRejected(e.type(), t, "");
                }
            }
        }
        // inside a posting too: a delta as text, an account as a number, a posting that is not an object
        ObjectNode deposit = tree(SampleEvents.plain().get(0));
        ObjectNode textDelta = deposit.deepCopy();
        ((ObjectNode) textDelta.path("postings").get(0)).put("d", "-5000");
        assertRejected(EventType.DEPOSITED, textDelta, "\"d\"");
        ObjectNode numberAccount = deposit.deepCopy();
        ((ObjectNode) numberAccount.path("postings").get(0)).put("a", 1);
        assertRejected(EventType.DEPOSITED, numberAccount, "\"a\"");
        ObjectNode arrayPosting = deposit.deepCopy();
        ((ArrayNode) arrayPosting.path("postings")).set(0, SMILE.getNodeFactory().arrayNode());
        assertRejected(EventType.DEPOSITED, arrayPosting, "posting");
    }

    @Test
    void rejectsAPayloadOfAnotherEventType() {
        // the type comes from the frame; a payload stored under the wrong type must not decode as that type
        for (LedgerEvent e : SampleEvents.plain()) {
            byte[] payload = codec.encode(e);
            for (EventType other : EventType.values()) {
                if (other == e.type() || sameFields(other, e.type())) {
                    continue;
                }
                assertThatThrownBy(() -> codec.decode(other, payload)).as("%s read as %s", e.type(), other)
                        .isInstanceOf(PayloadException.class);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 3, -1, Integer.MAX_VALUE})
    void rejectsAVersionThisCodeDoesNotKnow(int version) {
        ObjectNode tree = tree(SampleEvents.plain().get(0));
        tree.put("v", version);
        assertRejected(EventType.DEPOSITED, tree, "version " + version);
    }

    @Test
    void rejectsAPayloadWithoutAVersion() {
        ObjectNode tree = tree(SampleEvents.plain().get(0));
        tree.remove("v");
        assertRejected(EventType.DEPOSITED, tree, "no version");
    }

    @Test
    void rejectsAnEmptyPayload() {
        assertThatThrownBy(() -> codec.decode(EventType.DEPOSITED, new byte[0]))
                .isInstanceOf(PayloadException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> codec.decode(EventType.DEPOSITED, null))
                .isInstanceOf(PayloadException.class).hasMessageContaining("empty");
        // an empty object is a document, but not a payload
        assertRejected(EventType.GAME_CLOSED, SMILE.createObjectNode(), "");
    }

    @Test
    void rejectsAPayloadOverTheSizeLimit() {
        ObjectNode tree = tree(SampleEvents.plain().get(0));
        tree.put("reference", "r".repeat(Limits.PAYLOAD_BYTES_MAX));
        byte[] big = SMILE.writeValueAsBytes(tree);
        assertThat(big.length).isGreaterThan(Limits.PAYLOAD_BYTES_MAX);
        assertThatThrownBy(() -> codec.decode(EventType.DEPOSITED, big))
                .isInstanceOf(PayloadException.class).hasMessageContaining("over " + Limits.PAYLOAD_BYTES_MAX);
    }

    @Test
    void refusesToEncodeAPayloadOverTheSizeLimit() {
        // the writer must never log a payload its own decoder would refuse
        List<Posting> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            many.add(new Posting(Account.player("p".repeat(60) + i), 1));
            many.add(new Posting(Account.WORLD, -1));
        }
        LedgerEvent huge = event(new Command.CloseGame("g-1"), many, null, 1);
        assertThatThrownBy(() -> codec.encode(huge))
                .isInstanceOf(PayloadException.class).hasMessageContaining("over " + Limits.PAYLOAD_BYTES_MAX);
    }

    @Test
    void rejectsMoreThanEightPostings() {
        ObjectNode tree = tree(SampleEvents.plain().get(0));
        ArrayNode postings = (ArrayNode) tree.path("postings");
        for (int i = 0; i < 4; i++) {
            postings.add(postings.get(0).deepCopy());
            postings.add(postings.get(1).deepCopy());
        }
        assertThat(postings.size()).isEqualTo(10);
        assertRejected(EventType.DEPOSITED, tree, "at most 8 postings");
    }

    @Test
    void rejectsValuesTheDomainRefuses() {
        // the decoder rebuilds the command through its constructor, so the domain's checks hold on replay too
        ObjectNode deposit = tree(SampleEvents.plain().get(0));
        assertRejected(EventType.DEPOSITED, deposit.deepCopy().put("amount", 0), "invalid command");
        assertRejected(EventType.DEPOSITED, deposit.deepCopy().put("amount", Limits.AMOUNT_MAX + 1), "invalid command");
        assertRejected(EventType.DEPOSITED, deposit.deepCopy().put("player", "al ice"), "invalid command");
        assertRejected(EventType.DEPOSITED, deposit.deepCopy().put("v", 4_294_967_297L), "does not fit");
        ObjectNode zero = deposit.deepCopy();
        ((ObjectNode) zero.path("postings").get(0)).put("d", 0);
        assertRejected(EventType.DEPOSITED, zero, "invalid");
        ObjectNode bank = deposit.deepCopy();
        ((ObjectNode) bank.path("postings").get(0)).put("a", "bank");
        assertRejected(EventType.DEPOSITED, bank, "invalid");
        ObjectNode bet = tree(SampleEvents.plain().stream().filter(e -> e.type() == EventType.BET_PLACED).findFirst().orElseThrow());
        assertRejected(EventType.BET_PLACED, bet.deepCopy().put("bet_type", "LUCKY_SEVEN"), "invalid");
        assertRejected(EventType.BET_PLACED, bet.deepCopy().put("point", 6), "invalid command"); // PASS_LINE takes no point
        ObjectNode roll = tree(SampleEvents.plain().stream().filter(e -> e.type() == EventType.DICE_ROLLED).findFirst().orElseThrow());
        assertRejected(EventType.DICE_ROLLED, roll.deepCopy().put("die1", 7), "invalid command");
    }

    @Test
    void rejectsBytesAfterThePayload() {
        byte[] payload = codec.encode(SampleEvents.plain().get(0));
        byte[] twice = concat(payload, payload);
        assertThatThrownBy(() -> codec.decode(EventType.DEPOSITED, twice))
                .isInstanceOf(PayloadException.class).hasMessageContaining("after its end");
    }

    @Test
    void failsOnEveryTruncationOfAValidPayload() {
        int prefixes = 0;
        // every command shape, once without and once with the optional trailing "key" and "n"
        List<LedgerEvent> events = new ArrayList<>(SampleEvents.plain());
        SampleEvents.all().stream().filter(e -> e.key() != null && e.submissionSize() > 1).forEach(events::add);
        for (LedgerEvent e : events) {
            byte[] payload = codec.encode(e);
            for (int length = 0; length < payload.length; length++) {
                byte[] prefix = Arrays.copyOf(payload, length);
                DecodedPayload d;
                try {
                    d = codec.decode(e.type(), prefix);
                } catch (PayloadException expected) {
                    prefixes++;
                    continue;
                } catch (RuntimeException other) {
                    throw new AssertionError("prefix of " + length + " of " + payload.length + " bytes of seq " + e.seq()
                            + " threw " + other + " instead of PayloadException", other);
                }
                // a prefix may only decode if it lost nothing; it must never come back as another event
                assertThat(d).as("prefix of %d bytes of seq %d", length, e.seq()).isEqualTo(decoded(e));
            }
        }
        assertThat(prefixes).isGreaterThan(1_500);
    }

    @Test
    void neverThrowsAnythingButPayloadExceptionOnRandomBytes() {
        System.out.println("PayloadCodecTest random seed: " + SEED + ", " + FUZZ_INPUTS + " inputs (replay with -Dcodec.seed="
                + SEED + ")");
        Random random = new Random(SEED);
        List<byte[]> valid = new ArrayList<>();
        for (LedgerEvent e : SampleEvents.all()) {
            valid.add(codec.encode(e));
        }
        EventType[] types = EventType.values();
        for (int i = 0; i < FUZZ_INPUTS; i++) {
            byte[] input;
            if (i % 3 == 0) {
                // pure noise, mostly refused at the first byte
                input = new byte[1 + random.nextInt(96)];
                random.nextBytes(input);
            } else {
                // a valid payload with a few bytes changed: reaches deep into the decoder
                byte[] base = valid.get(random.nextInt(valid.size()));
                input = base.clone();
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                }
                if (random.nextInt(8) == 0) {
                    input = Arrays.copyOf(input, random.nextInt(input.length + 8));
                }
            }
            EventType type = types[random.nextInt(types.length)];
            try {
                codec.decode(type, input);
            } catch (PayloadException expected) {
                // the only acceptable failure
            } catch (RuntimeException | Error other) {
                fail("seed " + SEED + ", input " + i + " (" + type + ", " + java.util.HexFormat.of().formatHex(input)
                        + ") threw " + other, other);
            }
        }
    }

    @Test
    void rejectsAGroupSizeOutsideTwoTo256() {
        for (long n : new long[]{Integer.MIN_VALUE, -1, 0, 1, Limits.ATOMIC_COMMANDS_MAX + 1, Integer.MAX_VALUE}) {
            ObjectNode tree = tree(SampleEvents.plain().get(0));
            tree.put("n", n);
            assertRejected(EventType.DEPOSITED, tree, "");
        }
    }

    @Test
    void rejectsAKeyTheDomainRefuses() {
        for (String key : List.of("", "two words", "caf\u00e9", "k".repeat(Limits.IDEMPOTENCY_KEY_LENGTH_MAX + 1))) {
            ObjectNode tree = tree(SampleEvents.plain().get(0));
            tree.put("key", key);
            assertRejected(EventType.DEPOSITED, tree, "");
        }
    }

    @Test
    void rejectsBytesHiddenAfterAnEndMarker() {
        byte[] payload = codec.encode(SampleEvents.plain().get(0));
        byte[] hidden = concat(payload, new byte[]{(byte) 0xFF, 0x20, 0x21, 0x22});
        assertThatThrownBy(() -> codec.decode(EventType.DEPOSITED, hidden)).isInstanceOf(PayloadException.class);
    }

    // ---- helpers ----

    private static boolean sameFields(EventType a, EventType b) {
        // deposits and withdrawals have the same fields; the type in the frame is what tells them apart
        return (a == EventType.DEPOSITED || a == EventType.WITHDRAWN) && (b == EventType.DEPOSITED || b == EventType.WITHDRAWN);
    }

    private void assertRejected(EventType type, JsonNode tree, String messagePart) {
        byte[] payload = SMILE.writeValueAsBytes(tree);
        assertThatThrownBy(() -> codec.decode(type, payload)).as("%s payload %s", type, tree)
                .isInstanceOf(PayloadException.class).hasMessageContaining(messagePart);
    }

    private static ObjectNode tree(LedgerEvent e) {
        return (ObjectNode) SMILE.readTree(new PayloadCodec().encode(e));
    }

    private static DecodedPayload decoded(LedgerEvent e) {
        return new DecodedPayload(e.command(), e.postings(), e.key(), e.submissionSize());
    }

    private static LedgerEvent event(Command c, List<Posting> postings, String key, int n) {
        return new LedgerEvent(1, 1_000, c, postings, key, n);
    }

    private static byte[] smile(Consumer<JsonGenerator> body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = SMILE_FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            body.accept(g);
        }
        return out.toByteArray();
    }

    /** Writes a "postings" field from (account, delta) pairs. */
    private static void postings(JsonGenerator g, Object... accountDeltaPairs) {
        g.writeName("postings");
        g.writeStartArray();
        for (int i = 0; i < accountDeltaPairs.length; i += 2) {
            g.writeStartObject();
            g.writeStringProperty("a", (String) accountDeltaPairs[i]);
            g.writeNumberProperty("d", ((Number) accountDeltaPairs[i + 1]).longValue());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
