package io.bitcraps.ledger.api;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Exclusion;
import io.bitcraps.ledger.domain.Ids;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Rejected;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonFactory;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses one JSON Lines command (the format of {@code schemas/commands.schema.json}), as {@code tools/ledger ingest}
 * reads them: an engine that keeps its commands as text (a queue, a file, a socket) submits what this gives, and
 * {@link #line} and {@link #atomicLine} write them. Two ways a
 * line can fail, reported differently: a line that is not a well-formed command (bad JSON, an
 * unknown type or field, a missing field, a wrong JSON type) is {@link Invalid}; a well-formed
 * command whose values the domain refuses (an amount out of range, dice of 7, an id with a NUL)
 * throws the domain's {@link Rejected}, so it gets the same code the Java API would give.
 * <p>
 * How: one pass of Jackson's streaming parser over the line fills a table per JSON object (the
 * line, and each command of an atomic group) with the value of each command field: its JSON kind,
 * its text or number, and where in the object it came. Only then are the fields checked, in a fixed
 * order. Two steps, not one, because the language has an order of precedence that is not the order
 * of the text: a line must be JSON as a whole (a syntax error, a duplicate name or trailing text
 * anywhere wins over any other complaint), and then "type" is read before "key", "key" before the
 * other fields, which are read in the order of the command's constructor. This order, and every
 * message, is the one of the tree-based parser this replaces; {@code TreeCommandLines} in the tests
 * keeps that parser as the oracle. No tree is built: values other than the command fields are
 * read and dropped.
 * <p>
 * Threads: an instance belongs to one thread (ingest's reading thread) and reuses its tables from
 * line to line; {@link #parse} and {@link #keyOf} make a fresh one.
 */
public final class CommandLines {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(4)
                    .maxDocumentLength(Limits.COMMAND_LINE_CHARS_MAX)
                    .maxNumberLength(40)
                    .maxStringLength(Limits.COMMAND_LINE_CHARS_MAX)
                    .build())
            // duplicate names are found by nextName(JsonParser, …) below, not by the parser, whose
            // STRICT_DUPLICATE_DETECTION allocates a HashSet (and a node per name) for every object
            .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    // The command fields, by number; any other name is "unknown" to every command.
    private static final int TYPE = 0, KEY = 1, COMMANDS = 2, PLAYER = 3, AMOUNT = 4, REFERENCE = 5, GAME = 6,
            TABLE = 7, RULES = 8, BET = 9, BET_TYPE = 10, POINT = 11, DIE1 = 12, DIE2 = 13, OUTCOME = 14,
            WINNINGS = 15, SETTLE = 16, COMMITMENT = 17, CLIENT_SEED = 18, NONCE = 19, SERVER_SEED = 20,
            DEPOSIT_24H = 21, DEPOSIT_7D = 22, DEPOSIT_30D = 23, LOSS_24H = 24, STAKE_MAX = 25, KIND = 26, HOURS = 27,
            UNKNOWN = -1;
    private static final String[] NAMES = {"type", "key", "commands", "player", "amount", "reference", "game",
            "table", "rules", "bet", "bet_type", "point", "die1", "die2", "outcome", "winnings", "settle", "commitment", "client_seed", "nonce",
            "server_seed", "deposit_24h", "deposit_7d", "deposit_30d", "loss_24h", "stake_max", "kind", "hours"};
    private static final int FIELD_COUNT = NAMES.length;

    /** What the previous parser's JsonNode was; FLOAT and BIG_INT are numbers no field accepts as is. */
    private static final byte NULL = 1, STRING = 2, INT = 3, BIG_INT = 4, FLOAT = 5, BOOLEAN = 6, OBJECT = 7, ARRAY = 8;

    /** The fields each command allows besides "type" and "key". */
    private static int allowedFields(EventType t) {
        int own = switch (t) {
            case DEPOSITED, WITHDRAWN -> bits(PLAYER, AMOUNT, REFERENCE);
            case HOUSE_FUNDED -> bits(AMOUNT, REFERENCE);
            case GAME_OPENED -> bits(GAME, TABLE, RULES, COMMITMENT);
            case BET_PLACED -> bits(GAME, BET, PLAYER, BET_TYPE, POINT, AMOUNT);
            case DICE_ROLLED -> bits(GAME, DIE1, DIE2, SETTLE, CLIENT_SEED, NONCE);
            case BET_SETTLED -> bits(GAME, BET, OUTCOME, WINNINGS);
            case GAME_CLOSED -> bits(GAME, SERVER_SEED);
            case LIMITS_SET -> bits(PLAYER, DEPOSIT_24H, DEPOSIT_7D, DEPOSIT_30D, LOSS_24H, STAKE_MAX);
            case PLAYER_EXCLUDED -> bits(PLAYER, KIND, HOURS);
            case EPOCH_STARTED -> 0;
        };
        return own | bits(TYPE, KEY);
    }

    private static final int ATOMIC_FIELDS = bits(TYPE, KEY, COMMANDS);

    private static final String TRAILING = "not valid JSON: Trailing token (`JsonToken.%s`) found after value (bound as"
            + " `tools.jackson.databind.JsonNode`): not allowed as per `DeserializationFeature.FAIL_ON_TRAILING_TOKENS`";

    /** A line that is not a well-formed command. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /** A parsed line: one command, or an atomic group; {@code key} may be null. */
    public record Parsed(List<Command> commands, boolean atomic, String key) {}

    /**
     * The command fields of one JSON object, as read; a field is there when its bit in {@code present}
     * is set. Also the names the object had, for the duplicate check (of objects inside dropped values too).
     */
    private static final class Fields {
        final byte[] kind = new byte[FIELD_COUNT];
        final int[] position = new int[FIELD_COUNT];
        final String[] text = new String[FIELD_COUNT];
        final long[] number = new long[FIELD_COUNT];
        int present;
        int names;
        String unknownName;
        int unknownPosition;
        /** The names read so far, for the duplicate check: command fields by bit, others in a list. */
        int namedFields;
        final List<String> otherNames = new ArrayList<>(0);

        void clear() {
            present = 0;
            names = 0;
            unknownName = null;
            namedFields = 0;
            otherNames.clear();
        }

        /** Notes a name; false when the object already had it. */
        boolean addName(String name) {
            int field = fieldNumber(name);
            if (field == UNKNOWN) {
                if (otherNames.contains(name)) {
                    return false;
                }
                otherNames.add(name);
                return true;
            }
            boolean added = (namedFields & (1 << field)) == 0;
            namedFields |= 1 << field;
            return added;
        }

        boolean hadName(String name) {
            int field = fieldNumber(name);
            return field == UNKNOWN ? otherNames.contains(name) : (namedFields & (1 << field)) != 0;
        }

        boolean has(int field) {
            return (present & (1 << field)) != 0;
        }

        boolean isNull(int field) {
            return kind[field] == NULL;
        }
    }

    private final Fields line = new Fields();
    /** The objects of the line's "commands" array, up to the atomic limit; grown on demand. */
    private final List<Fields> groupCommands = new ArrayList<>();
    private final boolean[] elementIsObject = new boolean[Limits.ATOMIC_COMMANDS_MAX];
    /** The number of elements of the line's "commands" array (all of them, also beyond the limit). */
    private int elements;
    private boolean lineIsObject;
    /** The names of each object open inside a dropped value, by depth: the duplicate check there. */
    private final List<Fields> droppedObjects = new ArrayList<>();

    /** A reader for one thread's lines. */
    public CommandLines() {}

    /** Parses with a fresh instance. */
    public static Parsed parse(String line) throws Invalid {
        return new CommandLines().read(line);
    }

    /**
     * The command as one line (no line break) that {@link #parse} reads back as it: its "type", its "key" when
     * {@code key} is not null, then its fields in the names of {@code schemas/commands.schema.json}. (A
     * {@code StartEpoch} is written too, but is no command line: only {@code tools/ledger promote} records one.)
     */
    public static String line(Command command, String key) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = WRITER.createGenerator(ObjectWriteContext.empty(), w)) {
            writeCommand(g, command, key);
        }
        return w.toString();
    }

    /** The commands as one {@code "atomic"} line (no line break), submitted together under {@code key} (null: none). */
    public static String atomicLine(List<Command> commands, String key) {
        StringWriter w = new StringWriter(128 * commands.size());
        try (JsonGenerator g = WRITER.createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeStringProperty("type", "atomic");
            if (key != null) {
                g.writeStringProperty("key", key);
            }
            g.writeName("commands");
            g.writeStartArray();
            for (Command c : commands) {
                writeCommand(g, c, null);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return w.toString();
    }

    private static final JsonFactory WRITER = new JsonFactory();

    private static void writeCommand(JsonGenerator g, Command c, String key) {
        g.writeStartObject();
        g.writeStringProperty("type", c.eventType().commandName());
        if (key != null) {
            g.writeStringProperty("key", key);
        }
        PayloadCodec.writeCommandFields(g, c);
        g.writeEndObject();
    }

    /** The key of a line if one can be read, for receipts of lines that fail; never throws. */
    public static String keyOf(String line) {
        CommandLines reader = new CommandLines();
        try {
            reader.scan(line.toCharArray(), 0, line.length());
        } catch (Invalid | JacksonException | IllegalArgumentException e) {
            return null;
        }
        Fields fields = reader.line;
        return reader.lineIsObject && fields.has(KEY) && fields.kind[KEY] == STRING ? fields.text[KEY] : null;
    }

    public Parsed read(String text) throws Invalid {
        return read(text.toCharArray(), 0, text.length());
    }

    /** Parses the line in {@code chars[offset, offset + length)}; the chars are not kept. */
    public Parsed read(char[] chars, int offset, int length) throws Invalid {
        try {
            scan(chars, offset, length);
        } catch (JacksonException e) {
            throw new Invalid("not valid JSON: " + e.getOriginalMessage());
        }
        if (!lineIsObject) {
            throw new Invalid("a command line must be a JSON object");
        }
        String type = text(line, TYPE);
        String key = line.has(KEY) && !line.isNull(KEY) ? Ids.requireKey(text(line, KEY)) : null;
        if ("atomic".equals(type)) {
            return new Parsed(group(), true, key);
        }
        return new Parsed(List.of(command(line, type)), false, key);
    }

    // ---- step 1: the whole line as JSON, into the tables

    private void scan(char[] chars, int offset, int length) throws Invalid {
        line.clear();
        elements = 0;
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), chars, offset, length)) {
            JsonToken first = p.nextToken();
            lineIsObject = first == JsonToken.START_OBJECT;
            if (lineIsObject) {
                scanObject(p, line, true);
            } else if (first != null) {
                skipValue(p, first);
            }
            JsonToken trailing = p.nextToken();
            if (first != null && trailing != null) {
                throw new Invalid(String.format(TRAILING, trailing.name()));
            }
        }
    }

    /**
     * Reads the object whose START_OBJECT was just read, through its END_OBJECT. Names are read with
     * {@code nextName()} and values with {@code nextToken()}, as the tree-based parser read them: the
     * parser words some errors differently on the two paths (a '}' where a value belongs is "expected a
     * value" to one and "expected a valid value (JSON String, …)" to the other).
     */
    private void scanObject(JsonParser p, Fields fields, boolean isLine) {
        for (String name = nextName(p, fields); name != null; name = nextName(p, fields)) {
            int field = fieldNumber(name);
            int position = fields.names++;
            JsonToken value = next(p);
            if (field == UNKNOWN) {
                if (fields.unknownName == null) {
                    fields.unknownName = name;
                    fields.unknownPosition = position;
                }
                skipValue(p, value);
                continue;
            }
            fields.present |= 1 << field;
            fields.position[field] = position;
            if (isLine && field == COMMANDS && value == JsonToken.START_ARRAY) {
                fields.kind[field] = ARRAY;
                scanGroup(p);
            } else {
                readValue(p, value, fields, field);
            }
        }
    }

    /** Reads the line's "commands" array; objects beyond the atomic limit are counted, not kept. */
    private void scanGroup(JsonParser p) {
        int n = 0;
        for (JsonToken t = next(p); t != JsonToken.END_ARRAY; t = next(p)) {
            if (n < Limits.ATOMIC_COMMANDS_MAX && t == JsonToken.START_OBJECT) {
                elementIsObject[n] = true;
                scanObject(p, groupCommand(n), false);
            } else {
                if (n < Limits.ATOMIC_COMMANDS_MAX) {
                    elementIsObject[n] = false;
                }
                skipValue(p, t);
            }
            n++;
        }
        elements = n;
    }

    private Fields groupCommand(int index) {
        while (groupCommands.size() <= index) {
            groupCommands.add(new Fields());
        }
        Fields fields = groupCommands.get(index);
        fields.clear();
        return fields;
    }

    private void readValue(JsonParser p, JsonToken value, Fields fields, int field) {
        switch (value) {
            case VALUE_STRING -> {
                fields.kind[field] = STRING;
                fields.text[field] = p.getString();
            }
            case VALUE_NUMBER_INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    fields.kind[field] = BIG_INT;
                    fields.text[field] = p.getBigIntegerValue().toString();
                } else {
                    fields.kind[field] = INT;
                    fields.number[field] = p.getLongValue();
                }
            }
            case VALUE_NUMBER_FLOAT -> {
                readFloat(p); // read as the tree did, so a number it could not read fails here too
                fields.kind[field] = FLOAT;
            }
            case VALUE_TRUE, VALUE_FALSE -> fields.kind[field] = BOOLEAN;
            case VALUE_NULL -> fields.kind[field] = NULL;
            case START_OBJECT -> {
                fields.kind[field] = OBJECT;
                skipValue(p, value);
            }
            case START_ARRAY -> {
                fields.kind[field] = ARRAY;
                skipValue(p, value);
            }
            default -> throw new IllegalStateException("a value cannot start with " + value);
        }
    }

    /**
     * Reads a value that no command field takes, through its end, and drops it. It walks the value
     * as the tree-based parser did (names with {@code nextName()}, strings and numbers read, not just
     * skipped), so that whatever that parser found wrong in a value is found wrong here, in the same
     * words. A loop, not recursion: the depth is bounded by the parser's nesting limit anyway.
     */
    private void skipValue(JsonParser p, JsonToken first) {
        int depth = 0;
        JsonToken t = first;
        while (true) {
            switch (t) {
                case START_OBJECT -> droppedObject(++depth).clear();
                case START_ARRAY -> depth++;
                case END_OBJECT, END_ARRAY -> depth--;
                case VALUE_STRING -> p.getString();
                case VALUE_NUMBER_INT -> readInteger(p);
                case VALUE_NUMBER_FLOAT -> readFloat(p);
                default -> { }
            }
            if (depth == 0) {
                return;
            }
            if (p.streamReadContext().inObject()) {
                t = nextName(p, droppedObject(depth)) == null ? JsonToken.END_OBJECT : next(p);
            } else {
                t = next(p);
            }
        }
    }

    private Fields droppedObject(int depth) {
        while (droppedObjects.size() <= depth) {
            droppedObjects.add(new Fields());
        }
        return droppedObjects.get(depth);
    }

    /**
     * The next name of an object, or null at its end, with the duplicate check. The parser's own
     * check (STRICT_DUPLICATE_DETECTION) ran as it set the name, before it went on past the colon to
     * the start of the value, which nextName() reads too; so when nextName() fails after it set a
     * name that is a duplicate (a bad number after it, say), the duplicate is what is reported.
     */
    private static String nextName(JsonParser p, Fields fields) {
        String name;
        try {
            name = p.nextName();
        } catch (JacksonException e) {
            if (p.currentToken() == JsonToken.PROPERTY_NAME && fields.hadName(p.currentName())) {
                throw duplicate(p, p.currentName());
            }
            throw e;
        }
        if (name != null && !fields.addName(name)) {
            throw duplicate(p, name);
        }
        return name;
    }

    /** The parser's own words for a duplicate name. */
    private static StreamReadException duplicate(JsonParser p, String name) {
        return new StreamReadException(p, "Duplicate Object property \"" + name + "\"");
    }

    private static void readInteger(JsonParser p) {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            p.getBigIntegerValue();
        } else {
            p.getLongValue();
        }
    }

    private static void readFloat(JsonParser p) {
        p.getNumberTypeFP();
        p.getDoubleValue();
    }

    private static JsonToken next(JsonParser p) {
        JsonToken t = p.nextToken();
        if (t == null) {
            // the parser reports a truncated document itself; running out inside a value is a bug here
            throw new IllegalStateException("JSON ended inside a value without an error from the parser");
        }
        return t;
    }

    private static int fieldNumber(String name) {
        return switch (name) {
            case "type" -> TYPE;
            case "key" -> KEY;
            case "commands" -> COMMANDS;
            case "player" -> PLAYER;
            case "amount" -> AMOUNT;
            case "reference" -> REFERENCE;
            case "game" -> GAME;
            case "table" -> TABLE;
            case "rules" -> RULES;
            case "bet" -> BET;
            case "bet_type" -> BET_TYPE;
            case "point" -> POINT;
            case "die1" -> DIE1;
            case "die2" -> DIE2;
            case "outcome" -> OUTCOME;
            case "winnings" -> WINNINGS;
            case "settle" -> SETTLE;
            case "commitment" -> COMMITMENT;
            case "client_seed" -> CLIENT_SEED;
            case "nonce" -> NONCE;
            case "server_seed" -> SERVER_SEED;
            case "deposit_24h" -> DEPOSIT_24H;
            case "deposit_7d" -> DEPOSIT_7D;
            case "deposit_30d" -> DEPOSIT_30D;
            case "loss_24h" -> LOSS_24H;
            case "stake_max" -> STAKE_MAX;
            case "kind" -> KIND;
            case "hours" -> HOURS;
            default -> UNKNOWN;
        };
    }

    // ---- step 2: the tables, checked in the language's order

    private List<Command> group() throws Invalid {
        onlyFields(line, ATOMIC_FIELDS, "atomic");
        if (!line.has(COMMANDS) || line.kind[COMMANDS] != ARRAY || elements == 0) {
            throw new Invalid("atomic needs a non-empty \"commands\" array");
        }
        if (elements > Limits.ATOMIC_COMMANDS_MAX) {
            throw new Rejected.LimitExceeded("atomic group of " + elements + " commands; at most "
                    + Limits.ATOMIC_COMMANDS_MAX);
        }
        Command[] commands = new Command[elements];
        for (int i = 0; i < elements; i++) {
            if (!elementIsObject[i]) {
                throw new Invalid("atomic command " + (i + 1) + " is not a JSON object");
            }
            Fields inner = groupCommands.get(i);
            if (inner.has(KEY)) {
                throw new Invalid("atomic command " + (i + 1) + " has a key; an atomic group takes one key, on the group");
            }
            String innerType = text(inner, TYPE);
            if ("atomic".equals(innerType)) {
                throw new Invalid("atomic groups do not nest");
            }
            commands[i] = command(inner, innerType);
        }
        return List.of(commands);
    }

    private static Command command(Fields n, String type) throws Invalid {
        EventType t = EventType.ofCommandName(type);
        if (t == null) {
            throw new Invalid("unknown command type \"" + type + "\"; expected one of deposit, withdraw, fund_house,"
                    + " open_game, place_bet, roll, settle, close_game, set_limits, self_exclude, atomic");
        }
        if (t == EventType.EPOCH_STARTED) {
            throw new Invalid("start_epoch is written by tools/ledger promote, not submitted");
        }
        onlyFields(n, allowedFields(t), type);
        return switch (t) {
            case DEPOSITED -> new Command.Deposit(text(n, PLAYER), amount(n, AMOUNT), text(n, REFERENCE));
            case WITHDRAWN -> new Command.Withdraw(text(n, PLAYER), amount(n, AMOUNT), text(n, REFERENCE));
            case HOUSE_FUNDED -> new Command.FundHouse(amount(n, AMOUNT), text(n, REFERENCE));
            case GAME_OPENED -> new Command.OpenGame(text(n, GAME), text(n, TABLE),
                    n.has(RULES) && !n.isNull(RULES) ? text(n, RULES) : Command.OpenGame.STANDARD_RULES,
                    optionalText(n, COMMITMENT));
            case BET_PLACED -> new Command.PlaceBet(text(n, GAME), text(n, BET), text(n, PLAYER),
                    betType(text(n, BET_TYPE)), optionalInt(n, POINT), amount(n, AMOUNT));
            case DICE_ROLLED -> new Command.RecordRoll(text(n, GAME), smallInt(n, DIE1), smallInt(n, DIE2), autoSettle(n),
                    optionalText(n, CLIENT_SEED), optionalNonce(n));
            case BET_SETTLED -> new Command.SettleBet(text(n, GAME), text(n, BET), outcome(text(n, OUTCOME)),
                    amountOrZero(n, WINNINGS));
            case GAME_CLOSED -> new Command.CloseGame(text(n, GAME), optionalText(n, SERVER_SEED));
            case LIMITS_SET -> new Command.SetLimits(text(n, PLAYER), optionalAmount(n, DEPOSIT_24H),
                    optionalAmount(n, DEPOSIT_7D), optionalAmount(n, DEPOSIT_30D), optionalAmount(n, LOSS_24H),
                    optionalAmount(n, STAKE_MAX));
            case PLAYER_EXCLUDED -> new Command.SelfExclude(text(n, PLAYER), exclusion(text(n, KIND)), smallInt(n, HOURS));
            case EPOCH_STARTED -> throw new IllegalStateException("refused above");
        };
    }

    /** Refuses the first field, in the order written, that the command does not allow. */
    private static void onlyFields(Fields n, int allowed, String type) throws Invalid {
        String first = n.unknownName;
        int firstPosition = first == null ? Integer.MAX_VALUE : n.unknownPosition;
        int refused = n.present & ~allowed;
        for (int field = 0; field < FIELD_COUNT; field++) {
            if ((refused & (1 << field)) != 0 && n.position[field] < firstPosition) {
                first = NAMES[field];
                firstPosition = n.position[field];
            }
        }
        if (first != null) {
            throw new Invalid(type + " has unknown field \"" + first + "\"");
        }
    }

    private static String text(Fields n, int field) throws Invalid {
        if (!n.has(field) || n.isNull(field)) {
            throw new Invalid("missing field \"" + NAMES[field] + "\"");
        }
        if (n.kind[field] != STRING) {
            throw new Invalid("field \"" + NAMES[field] + "\" must be a string");
        }
        return n.text[field];
    }

    private static long amount(Fields n, int field) throws Invalid {
        if (!n.has(field) || n.isNull(field)) {
            throw new Invalid("missing field \"" + NAMES[field] + "\"");
        }
        byte kind = n.kind[field];
        if (kind != INT && kind != BIG_INT) {
            throw new Invalid("field \"" + NAMES[field] + "\" must be a whole number of chips");
        }
        if (kind == BIG_INT) {
            throw new Rejected.InvalidAmount(NAMES[field] + " " + n.text[field] + " is outside 1.." + Limits.AMOUNT_MAX);
        }
        return n.number[field];
    }

    /** {@code "settle": "auto"}: the ledger settles what the roll decides; absent or null: the engine does. */
    private static boolean autoSettle(Fields n) throws Invalid {
        if (!n.has(SETTLE) || n.isNull(SETTLE)) {
            return false;
        }
        if (!"auto".equals(text(n, SETTLE))) {
            throw new Invalid("field \"settle\" must be \"auto\" (or left out: the engine submits the settlements)");
        }
        return true;
    }

    private static long amountOrZero(Fields n, int field) throws Invalid {
        return !n.has(field) || n.isNull(field) ? 0 : amount(n, field);
    }

    private static int smallInt(Fields n, int field) throws Invalid {
        long value = amount(n, field);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new Invalid("field \"" + NAMES[field] + "\" value " + value + " is far out of range");
        }
        return (int) value;
    }

    private static Integer optionalInt(Fields n, int field) throws Invalid {
        return !n.has(field) || n.isNull(field) ? null : smallInt(n, field);
    }

    /** A limit's chips; absent or null is no limit. */
    private static Long optionalAmount(Fields n, int field) throws Invalid {
        return !n.has(field) || n.isNull(field) ? null : amount(n, field);
    }

    private static Exclusion exclusion(String name) throws Invalid {
        Exclusion e = Exclusion.ofField(name);
        if (e == null) {
            throw new Invalid("field \"kind\" is cool_off or self_exclusion, got \"" + name + "\"");
        }
        return e;
    }

    private static String optionalText(Fields n, int field) throws Invalid {
        return !n.has(field) || n.isNull(field) ? null : text(n, field);
    }

    private static Long optionalNonce(Fields n) throws Invalid {
        if (!n.has(NONCE) || n.isNull(NONCE)) {
            return null;
        }
        if (n.kind[NONCE] != INT) {
            throw new Invalid("field \"nonce\" must be a whole number from 0 to " + Long.MAX_VALUE);
        }
        return n.number[NONCE];
    }

    private static BetType betType(String name) throws Invalid {
        try {
            return BetType.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new Invalid("unknown bet_type \"" + name + "\"");
        }
    }

    private static Outcome outcome(String name) throws Invalid {
        try {
            return Outcome.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new Invalid("unknown outcome \"" + name + "\"; expected WIN, LOSE, PUSH or VOID");
        }
    }

    private static int bits(int... fields) {
        int mask = 0;
        for (int f : fields) {
            mask |= 1 << f;
        }
        return mask;
    }
}
