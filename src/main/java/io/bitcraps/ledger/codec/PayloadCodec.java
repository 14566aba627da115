package io.bitcraps.ledger.codec;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Exclusion;
import io.bitcraps.ledger.domain.Ids;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.PlayerLimit;
import io.bitcraps.ledger.domain.Posting;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.dataformat.smile.SmileFactory;
import tools.jackson.dataformat.smile.SmileReadFeature;
import tools.jackson.dataformat.smile.SmileWriteFeature;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Event payloads as Smile (binary JSON, no header), written and read with the streaming API:
 * no reflection, no intermediate maps. One object per event:
 * <pre>{"v":1, &lt;the command's fields&gt;, "postings":[{"a":"player:alice","d":-100},…], "key":"…", "n":3}</pre>
 * {@code key} appears on the first event of a keyed submission, {@code n} on the first event of
 * an atomic group of more than one command. The field lists are documented as JSON Schema in
 * {@code schemas/events/}, and a test checks them against this class.
 * <p>
 * Reading is strict: an unknown or repeated field, a missing field, a wrong token type, a version
 * this code does not know, or a document over {@link Limits#PAYLOAD_BYTES_MAX} fails with
 * {@link PayloadException}. The factory is thread-safe; each call makes its own parser or
 * generator, so one codec serves the writer and every reader.
 */
public final class PayloadCodec {
    /** Smile's start-object token; every payload this codec writes begins with it. */
    private static final byte SMILE_START_OBJECT = (byte) 0xFA;

    private final SmileFactory smile;

    public PayloadCodec() {
        this.smile = SmileFactory.builder()
                .disable(SmileWriteFeature.WRITE_HEADER)
                .disable(SmileReadFeature.REQUIRE_HEADER)
                .enable(SmileWriteFeature.CHECK_SHARED_NAMES)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxDocumentLength(Limits.PAYLOAD_BYTES_MAX)
                        .maxNestingDepth(4)
                        .maxStringLength(Limits.PAYLOAD_BYTES_MAX)
                        .maxNumberLength(20)
                        .build())
                .build();
    }

    /** Encodes the event's payload; fails if it exceeds {@link Limits#PAYLOAD_BYTES_MAX}. */
    public byte[] encode(LedgerEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = smile.createGenerator(ObjectWriteContext.empty(), out)) {
            writePayload(g, event);
        }
        byte[] bytes = out.toByteArray();
        if (bytes.length > Limits.PAYLOAD_BYTES_MAX) {
            throw new PayloadException("payload of seq " + event.seq() + " is " + bytes.length + " bytes, over "
                    + Limits.PAYLOAD_BYTES_MAX);
        }
        return bytes;
    }

    /** Writes the payload object to any generator; JSON export uses this to print the same fields. */
    public void writePayload(JsonGenerator g, LedgerEvent event) {
        g.writeStartObject();
        g.writeNumberProperty("v", event.type().schemaVersion());
        writeCommandFields(g, event.command());
        writePostings(g, event.postings());
        if (event.key() != null) {
            g.writeStringProperty("key", event.key());
        }
        if (event.submissionSize() > 1) {
            g.writeNumberProperty("n", event.submissionSize());
        }
        g.writeEndObject();
    }

    /** Writes one kind of command's fields. */
    @FunctionalInterface
    private interface FieldWriter {
        void write(JsonGenerator g, Command c);
    }

    /**
     * Writes only the command's fields, in the names used by JSON Lines input and export. A switch over the event type
     * with no default: a command added to the ledger does not compile until it has an encoding.
     */
    public static void writeCommandFields(JsonGenerator g, Command c) {
        FieldWriter fields = switch (c.eventType()) {
            case DEPOSITED -> PayloadCodec::depositFields;
            case WITHDRAWN -> PayloadCodec::withdrawFields;
            case HOUSE_FUNDED -> PayloadCodec::fundHouseFields;
            case GAME_OPENED -> PayloadCodec::openGameFields;
            case BET_PLACED -> PayloadCodec::placeBetFields;
            case DICE_ROLLED -> PayloadCodec::rollFields;
            case BET_SETTLED -> PayloadCodec::settleFields;
            case GAME_CLOSED -> PayloadCodec::closeGameFields;
            case LIMITS_SET -> PayloadCodec::setLimitsFields;
            case PLAYER_EXCLUDED -> PayloadCodec::selfExcludeFields;
            case EPOCH_STARTED -> PayloadCodec::startEpochFields;
        };
        fields.write(g, c);
    }

    private static void depositFields(JsonGenerator g, Command c) {
        Command.Deposit d = (Command.Deposit) c;
        g.writeStringProperty("player", d.player());
        g.writeNumberProperty("amount", d.amount());
        g.writeStringProperty("reference", d.reference());
    }

    private static void withdrawFields(JsonGenerator g, Command c) {
        Command.Withdraw w = (Command.Withdraw) c;
        g.writeStringProperty("player", w.player());
        g.writeNumberProperty("amount", w.amount());
        g.writeStringProperty("reference", w.reference());
    }

    private static void fundHouseFields(JsonGenerator g, Command c) {
        Command.FundHouse f = (Command.FundHouse) c;
        g.writeNumberProperty("amount", f.amount());
        g.writeStringProperty("reference", f.reference());
    }

    private static void openGameFields(JsonGenerator g, Command c) {
        Command.OpenGame o = (Command.OpenGame) c;
        g.writeStringProperty("game", o.gameId());
        g.writeStringProperty("table", o.tableId());
        g.writeStringProperty("rules", o.rules());
        if (o.commitment() != null) {
            g.writeStringProperty("commitment", o.commitment());
        }
    }

    private static void placeBetFields(JsonGenerator g, Command c) {
        Command.PlaceBet b = (Command.PlaceBet) c;
        g.writeStringProperty("game", b.gameId());
        g.writeStringProperty("bet", b.betId());
        g.writeStringProperty("player", b.player());
        g.writeStringProperty("bet_type", b.betType().name());
        if (b.point() != null) {
            g.writeNumberProperty("point", b.point().intValue());
        }
        g.writeNumberProperty("amount", b.amount());
    }

    private static void rollFields(JsonGenerator g, Command c) {
        Command.RecordRoll r = (Command.RecordRoll) c;
        g.writeStringProperty("game", r.gameId());
        g.writeNumberProperty("die1", r.die1());
        g.writeNumberProperty("die2", r.die2());
        if (r.clientSeed() != null) {
            g.writeStringProperty("client_seed", r.clientSeed());
            g.writeNumberProperty("nonce", r.nonce());
        }
    }

    private static void settleFields(JsonGenerator g, Command c) {
        Command.SettleBet s = (Command.SettleBet) c;
        g.writeStringProperty("game", s.gameId());
        g.writeStringProperty("bet", s.betId());
        g.writeStringProperty("outcome", s.outcome().name());
        g.writeNumberProperty("winnings", s.winnings());
    }

    private static void closeGameFields(JsonGenerator g, Command c) {
        Command.CloseGame cg = (Command.CloseGame) c;
        g.writeStringProperty("game", cg.gameId());
        if (cg.serverSeed() != null) {
            g.writeStringProperty("server_seed", cg.serverSeed());
        }
    }

    private static void setLimitsFields(JsonGenerator g, Command c) {
        Command.SetLimits sl = (Command.SetLimits) c;
        g.writeStringProperty("player", sl.player());
        for (PlayerLimit l : PlayerLimit.ALL) {
            Long v = sl.limit(l);
            if (v != null) {
                g.writeNumberProperty(l.field(), v);
            }
        }
    }

    private static void selfExcludeFields(JsonGenerator g, Command c) {
        Command.SelfExclude x = (Command.SelfExclude) c;
        g.writeStringProperty("player", x.player());
        g.writeStringProperty("kind", x.kind().field());
        g.writeNumberProperty("hours", x.hours());
    }

    private static void startEpochFields(JsonGenerator g, Command c) {
        Command.StartEpoch ep = (Command.StartEpoch) c;
        g.writeNumberProperty("new_epoch", ep.epoch());
        g.writeStringProperty("reason", ep.reason());
    }

    private static void writePostings(JsonGenerator g, List<Posting> postings) {
        g.writeName("postings");
        g.writeStartArray();
        for (Posting p : postings) {
            g.writeStartObject();
            g.writeStringProperty("a", p.account().key());
            g.writeNumberProperty("d", p.delta());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** Decodes strictly; see the class comment for what fails. */
    public DecodedPayload decode(EventType type, byte[] payload) {
        if (payload == null || payload.length == 0) {
            throw new PayloadException(type + " payload is empty");
        }
        if (payload.length > Limits.PAYLOAD_BYTES_MAX) {
            throw new PayloadException(type + " payload is " + payload.length + " bytes, over " + Limits.PAYLOAD_BYTES_MAX);
        }
        if (payload[0] != SMILE_START_OBJECT) {
            // the codec never writes a Smile header; a payload with one is another encoding of the event
            throw new PayloadException(type + " payload does not start with an object (first byte 0x"
                    + Integer.toHexString(payload[0] & 0xff) + ")");
        }
        try (JsonParser p = smile.createParser(ObjectReadContext.empty(), payload)) {
            Fields f = readFields(p, type, payload.length);
            Command command = f.toCommand(type);
            return new DecodedPayload(command, f.postings, f.key, f.n == null ? 1 : f.n);
        } catch (JacksonException e) {
            throw new PayloadException(type + " payload does not parse: " + e.getOriginalMessage(), e);
        } catch (LedgerException e) {
            throw new PayloadException(type + " payload holds an invalid command: " + e.getMessage(), e);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new PayloadException(type + " payload is invalid: " + e.getMessage(), e);
        }
    }

    private static Fields readFields(JsonParser p, EventType type, int length) {
        expect(p.nextToken(), JsonToken.START_OBJECT, "payload start");
        Fields f = new Fields();
        for (String name = p.nextName(); name != null; name = p.nextName()) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "v" -> f.v = once(f.v, name, intNumber(p, t, name));
                case "player" -> f.player = once(f.player, name, text(p, t, name));
                case "amount" -> f.amount = once(f.amount, name, number(p, t, name));
                case "reference" -> f.reference = once(f.reference, name, text(p, t, name));
                case "game" -> f.game = once(f.game, name, text(p, t, name));
                case "table" -> f.table = once(f.table, name, text(p, t, name));
                case "rules" -> f.rules = once(f.rules, name, text(p, t, name));
                case "bet" -> f.bet = once(f.bet, name, text(p, t, name));
                case "bet_type" -> f.betType = once(f.betType, name, text(p, t, name));
                case "point" -> f.point = once(f.point, name, intNumber(p, t, name));
                case "die1" -> f.die1 = once(f.die1, name, intNumber(p, t, name));
                case "die2" -> f.die2 = once(f.die2, name, intNumber(p, t, name));
                case "outcome" -> f.outcome = once(f.outcome, name, text(p, t, name));
                case "winnings" -> f.winnings = once(f.winnings, name, number(p, t, name));
                case "commitment" -> f.commitment = once(f.commitment, name, text(p, t, name));
                case "client_seed" -> f.clientSeed = once(f.clientSeed, name, text(p, t, name));
                case "nonce" -> f.nonce = once(f.nonce, name, number(p, t, name));
                case "server_seed" -> f.serverSeed = once(f.serverSeed, name, text(p, t, name));
                case "deposit_24h" -> f.deposit24h = once(f.deposit24h, name, number(p, t, name));
                case "deposit_7d" -> f.deposit7d = once(f.deposit7d, name, number(p, t, name));
                case "deposit_30d" -> f.deposit30d = once(f.deposit30d, name, number(p, t, name));
                case "loss_24h" -> f.loss24h = once(f.loss24h, name, number(p, t, name));
                case "stake_max" -> f.stakeMax = once(f.stakeMax, name, number(p, t, name));
                case "kind" -> f.kind = once(f.kind, name, text(p, t, name));
                case "hours" -> f.hours = once(f.hours, name, intNumber(p, t, name));
                case "new_epoch" -> f.epoch = once(f.epoch, name, number(p, t, name));
                case "reason" -> f.reason = once(f.reason, name, text(p, t, name));
                case "key" -> f.key = once(f.key, name, Ids.requireKey(text(p, t, name)));
                case "n" -> f.n = once(f.n, name, groupSize(intNumber(p, t, name)));
                case "postings" -> f.postings = once(f.postings, name, postings(p, t));
                default -> throw new PayloadException(type + " payload has unknown field \"" + name + "\"");
            }
        }
        // one encoding per event: nothing may follow the object, not even behind an end marker
        long end = p.currentLocation().getByteOffset();
        if (p.nextToken() != null || end != length) {
            throw new PayloadException(type + " payload has bytes after its end (object ends at byte " + end
                    + " of " + length + ")");
        }
        if (f.v == null) {
            throw new PayloadException(type + " payload has no version");
        }
        if (f.v < 1 || f.v > type.schemaVersion()) {
            throw new PayloadException(type + " payload version " + f.v + " is not known to this code (knows 1.."
                    + type.schemaVersion() + ")");
        }
        Upcasters.lift(type, f);
        if (f.postings == null) {
            throw new PayloadException(type + " payload has no postings");
        }
        return f;
    }

    private static List<Posting> postings(JsonParser p, JsonToken t) {
        expect(t, JsonToken.START_ARRAY, "postings");
        List<Posting> out = new ArrayList<>(4);
        for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
            expect(item, JsonToken.START_OBJECT, "posting");
            String account = null;
            Long delta = null;
            for (String name = p.nextName(); name != null; name = p.nextName()) {
                JsonToken v = p.nextToken();
                switch (name) {
                    case "a" -> account = once(account, name, text(p, v, name));
                    case "d" -> delta = once(delta, name, number(p, v, name));
                    default -> throw new PayloadException("posting has unknown field \"" + name + "\"");
                }
            }
            if (account == null || delta == null) {
                throw new PayloadException("posting lacks its account or delta");
            }
            out.add(new Posting(Account.parse(account), delta));
            if (out.size() > 8) {
                throw new PayloadException("an event has at most 8 postings");
            }
        }
        return out;
    }

    private static void expect(JsonToken actual, JsonToken expected, String what) {
        if (actual != expected) {
            throw new PayloadException(what + ": expected " + expected + ", found " + actual);
        }
    }

    private static <T> T once(T previous, String name, T value) {
        if (previous != null) {
            throw new PayloadException("field \"" + name + "\" appears twice");
        }
        return value;
    }

    private static String text(JsonParser p, JsonToken t, String name) {
        expect(t, JsonToken.VALUE_STRING, "field \"" + name + "\"");
        return p.getString();
    }

    private static int groupSize(int n) {
        if (n < 2 || n > Limits.ATOMIC_COMMANDS_MAX) {
            throw new PayloadException("group size \"n\" " + n + " is outside 2.." + Limits.ATOMIC_COMMANDS_MAX
                    + " (a single command carries no \"n\")");
        }
        return n;
    }

    private static int intNumber(JsonParser p, JsonToken t, String name) {
        long value = number(p, t, name);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new PayloadException("field \"" + name + "\" value " + value + " does not fit an int");
        }
        return (int) value;
    }

    private static long number(JsonParser p, JsonToken t, String name) {
        expect(t, JsonToken.VALUE_NUMBER_INT, "field \"" + name + "\"");
        return p.getLongValue();
    }

    /**
     * Lifts a payload of an older schema version to the current one, on the decoded fields, before
     * they become a command. One method per type and version step; a version the code writes today
     * passes through unchanged.
     */
    static final class Upcasters {
        private Upcasters() {}

        static void lift(EventType type, Fields f) {
            if (type == EventType.GAME_OPENED && f.v == 1) {
                if (f.rules != null) {
                    throw new PayloadException("GAME_OPENED version 1 has no \"rules\" field");
                }
                f.rules = Command.OpenGame.STANDARD_RULES; // version 1 games were played under the standard table
                f.v = 2;
            }
            if (type == EventType.GAME_OPENED && f.v == 2 && f.rules == null) {
                throw new PayloadException("GAME_OPENED version 2 needs \"rules\"");
            }
        }
    }

    /** Decoded fields before they become a command; each is null until read. */
    static final class Fields {
        Integer v;
        String player;
        Long amount;
        String reference;
        String game;
        String table;
        String rules;
        String bet;
        String betType;
        Integer point;
        Integer die1;
        Integer die2;
        String outcome;
        Long winnings;
        String commitment;
        String clientSeed;
        Long nonce;
        String serverSeed;
        Long deposit24h;
        Long deposit7d;
        Long deposit30d;
        Long loss24h;
        Long stakeMax;
        String kind;
        Integer hours;
        Long epoch;
        String reason;
        String key;
        Integer n;
        List<Posting> postings;

        Command toCommand(EventType type) {
            Command c = switch (type) {
                case DEPOSITED -> new Command.Deposit(req(player, "player"), req(amount, "amount"), req(reference, "reference"));
                case WITHDRAWN -> new Command.Withdraw(req(player, "player"), req(amount, "amount"), req(reference, "reference"));
                case HOUSE_FUNDED -> new Command.FundHouse(req(amount, "amount"), req(reference, "reference"));
                case GAME_OPENED -> new Command.OpenGame(req(game, "game"), req(table, "table"), req(rules, "rules"),
                        commitment);
                case BET_PLACED -> new Command.PlaceBet(req(game, "game"), req(bet, "bet"), req(player, "player"),
                        BetType.valueOf(req(betType, "bet_type")), point, req(amount, "amount"));
                case DICE_ROLLED -> new Command.RecordRoll(req(game, "game"), req(die1, "die1"), req(die2, "die2"), false,
                        clientSeed, nonce);
                case BET_SETTLED -> new Command.SettleBet(req(game, "game"), req(bet, "bet"),
                        Outcome.valueOf(req(outcome, "outcome")), req(winnings, "winnings"));
                case GAME_CLOSED -> new Command.CloseGame(req(game, "game"), serverSeed);
                case LIMITS_SET -> new Command.SetLimits(req(player, "player"), deposit24h, deposit7d, deposit30d, loss24h,
                        stakeMax);
                case PLAYER_EXCLUDED -> new Command.SelfExclude(req(player, "player"), exclusion(req(kind, "kind")),
                        req(hours, "hours"));
                case EPOCH_STARTED -> new Command.StartEpoch(req(epoch, "new_epoch"), req(reason, "reason"));
            };
            rejectExtraFields(type);
            return c;
        }

        /** A field that belongs to another event type is as wrong as an unknown one. */
        private void rejectExtraFields(EventType type) {
            Object[] values = {player, amount, reference, game, table, bet, betType, point, die1, die2, outcome, winnings,
                rules, commitment, clientSeed, nonce, serverSeed, deposit24h, deposit7d, deposit30d, loss24h, stakeMax,
                kind, hours, epoch, reason};
            boolean[] allowed = ALLOWED[type.ordinal()];
            for (int i = 0; i < values.length; i++) {
                if (values[i] != null && !allowed[i]) {
                    throw new PayloadException(type + " payload has field \"" + FIELD_NAMES[i] + "\" of another event type");
                }
            }
        }

        /** The command fields, in the order of {@link #rejectExtraFields}' values. */
        private static final String[] FIELD_NAMES = {"player", "amount", "reference", "game", "table", "bet", "bet_type",
            "point", "die1", "die2", "outcome", "winnings", "rules", "commitment", "client_seed", "nonce", "server_seed",
            "deposit_24h", "deposit_7d", "deposit_30d", "loss_24h", "stake_max", "kind", "hours", "new_epoch", "reason"};

        /** {@link #allowedFields} by type and field position, computed once: every decode asks it. */
        private static final boolean[][] ALLOWED = new boolean[EventType.values().length][];

        static {
            for (EventType t : EventType.values()) {
                java.util.Set<String> names = allowedFields(t);
                boolean[] row = new boolean[FIELD_NAMES.length];
                for (int i = 0; i < FIELD_NAMES.length; i++) {
                    row[i] = names.contains(FIELD_NAMES[i]);
                }
                ALLOWED[t.ordinal()] = row;
            }
        }

        private static java.util.Set<String> allowedFields(EventType type) {
            return switch (type) {
                case DEPOSITED, WITHDRAWN -> java.util.Set.of("player", "amount", "reference");
                case HOUSE_FUNDED -> java.util.Set.of("amount", "reference");
                case GAME_OPENED -> java.util.Set.of("game", "table", "rules", "commitment");
                case BET_PLACED -> java.util.Set.of("player", "amount", "game", "bet", "bet_type", "point");
                case DICE_ROLLED -> java.util.Set.of("game", "die1", "die2", "client_seed", "nonce");
                case BET_SETTLED -> java.util.Set.of("game", "bet", "outcome", "winnings");
                case GAME_CLOSED -> java.util.Set.of("game", "server_seed");
                case LIMITS_SET -> java.util.Set.of("player", "deposit_24h", "deposit_7d", "deposit_30d", "loss_24h",
                        "stake_max");
                case PLAYER_EXCLUDED -> java.util.Set.of("player", "kind", "hours");
                case EPOCH_STARTED -> java.util.Set.of("new_epoch", "reason");
            };
        }

        private static Exclusion exclusion(String field) {
            Exclusion e = Exclusion.ofField(field);
            if (e == null) {
                throw new PayloadException("kind \"" + field + "\" is not cool_off or self_exclusion");
            }
            return e;
        }

        private static <T> T req(T value, String name) {
            if (value == null) {
                throw new PayloadException("required field \"" + name + "\" is missing");
            }
            return value;
        }
    }
}
