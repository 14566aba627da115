package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.CommandLines;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Ids;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Rejected;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The oracle for {@link CommandLines}: the tree-based parser {@code ingest} used before it read
 * commands with Jackson's streaming parser (issue 12, step 5), kept word for word except that it
 * throws {@link CommandLines.Invalid} and returns {@link CommandLines.Parsed}, so that
 * {@code StreamingCommandLinesMatchTheTreeTest} can hold the two side by side: same command or
 * same error message for every line.
 */
final class TreeCommandLines {
    private static final int LINE_CHARS_MAX = Limits.COMMAND_LINE_CHARS_MAX;

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(4)
                            .maxDocumentLength(LINE_CHARS_MAX)
                            .maxNumberLength(40)
                            .maxStringLength(LINE_CHARS_MAX)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .build();

    private static final Map<EventType, Set<String>> FIELDS = Map.of(
            EventType.DEPOSITED, Set.of("player", "amount", "reference"),
            EventType.WITHDRAWN, Set.of("player", "amount", "reference"),
            EventType.HOUSE_FUNDED, Set.of("amount", "reference"),
            EventType.GAME_OPENED, Set.of("game", "table", "rules", "commitment"),
            EventType.BET_PLACED, Set.of("game", "bet", "player", "bet_type", "point", "amount"),
            EventType.DICE_ROLLED, Set.of("game", "die1", "die2", "settle", "client_seed", "nonce"),
            EventType.BET_SETTLED, Set.of("game", "bet", "outcome", "winnings"),
            EventType.GAME_CLOSED, Set.of("game", "server_seed"),
            EventType.LIMITS_SET, Set.of("player", "deposit_24h", "deposit_7d", "deposit_30d", "loss_24h", "stake_max"),
            EventType.PLAYER_EXCLUDED, Set.of("player", "kind", "hours")); // start_epoch is refused before any field

    private TreeCommandLines() {}

    /** The key of a line if one can be read, for receipts of lines that fail; never throws. */
    static String keyOf(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            JsonNode key = node == null ? null : node.get("key");
            return key != null && key.isString() ? key.stringValue() : null;
        } catch (JacksonException | IllegalArgumentException e) {
            return null;
        }
    }

    static CommandLines.Parsed parse(String line) throws CommandLines.Invalid {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new CommandLines.Invalid("not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new CommandLines.Invalid("a command line must be a JSON object");
        }
        String type = text(node, "type");
        String key = node.has("key") && !node.get("key").isNull() ? Ids.requireKey(text(node, "key")) : null;
        if ("atomic".equals(type)) {
            onlyFields(node, Set.of("type", "key", "commands"), "atomic");
            JsonNode list = node.get("commands");
            if (list == null || !list.isArray() || list.isEmpty()) {
                throw new CommandLines.Invalid("atomic needs a non-empty \"commands\" array");
            }
            if (list.size() > Limits.ATOMIC_COMMANDS_MAX) {
                throw new Rejected.LimitExceeded("atomic group of " + list.size() + " commands; at most "
                        + Limits.ATOMIC_COMMANDS_MAX);
            }
            List<Command> commands = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                JsonNode inner = list.get(i);
                if (!inner.isObject()) {
                    throw new CommandLines.Invalid("atomic command " + (i + 1) + " is not a JSON object");
                }
                if (inner.has("key")) {
                    throw new CommandLines.Invalid("atomic command " + (i + 1) + " has a key; an atomic group takes one key, on the group");
                }
                String innerType = text(inner, "type");
                if ("atomic".equals(innerType)) {
                    throw new CommandLines.Invalid("atomic groups do not nest");
                }
                commands.add(command(inner, innerType));
            }
            return new CommandLines.Parsed(List.copyOf(commands), true, key);
        }
        return new CommandLines.Parsed(List.of(command(node, type)), false, key);
    }

    private static Command command(JsonNode n, String type) throws CommandLines.Invalid {
        EventType t = EventType.ofCommandName(type);
        if (t == null) {
            throw new CommandLines.Invalid("unknown command type \"" + type + "\"; expected one of deposit, withdraw, fund_house,"
                    + " open_game, place_bet, roll, settle, close_game, set_limits, self_exclude, atomic");
        }
        if (t == EventType.EPOCH_STARTED) {
            throw new CommandLines.Invalid("start_epoch is written by tools/ledger promote, not submitted");
        }
        Set<String> allowed = new java.util.HashSet<>(FIELDS.get(t));
        allowed.add("type");
        allowed.add("key");
        onlyFields(n, allowed, type);
        return switch (t) {
            case DEPOSITED -> new Command.Deposit(text(n, "player"), amount(n, "amount"), text(n, "reference"));
            case WITHDRAWN -> new Command.Withdraw(text(n, "player"), amount(n, "amount"), text(n, "reference"));
            case HOUSE_FUNDED -> new Command.FundHouse(amount(n, "amount"), text(n, "reference"));
            case GAME_OPENED -> new Command.OpenGame(text(n, "game"), text(n, "table"),
                    n.has("rules") && !n.get("rules").isNull() ? text(n, "rules") : Command.OpenGame.STANDARD_RULES, optionalText(n, "commitment"));
            case BET_PLACED -> new Command.PlaceBet(text(n, "game"), text(n, "bet"), text(n, "player"),
                    betType(text(n, "bet_type")), optionalInt(n, "point"), amount(n, "amount"));
            case DICE_ROLLED -> new Command.RecordRoll(text(n, "game"), smallInt(n, "die1"), smallInt(n, "die2"),
                    autoSettle(n), optionalText(n, "client_seed"), optionalNonce(n));
            case BET_SETTLED -> new Command.SettleBet(text(n, "game"), text(n, "bet"), outcome(text(n, "outcome")),
                    amountOrZero(n, "winnings"));
            case GAME_CLOSED -> new Command.CloseGame(text(n, "game"), optionalText(n, "server_seed"));
            case LIMITS_SET -> new Command.SetLimits(text(n, "player"), optionalAmount(n, "deposit_24h"),
                    optionalAmount(n, "deposit_7d"), optionalAmount(n, "deposit_30d"), optionalAmount(n, "loss_24h"),
                    optionalAmount(n, "stake_max"));
            case PLAYER_EXCLUDED -> {
                String kind = text(n, "kind");
                io.bitcraps.ledger.domain.Exclusion e = io.bitcraps.ledger.domain.Exclusion.ofField(kind);
                if (e == null) {
                    throw new CommandLines.Invalid("field \"kind\" is cool_off or self_exclusion, got \"" + kind + "\"");
                }
                yield new Command.SelfExclude(text(n, "player"), e, smallInt(n, "hours"));
            }
            case EPOCH_STARTED -> throw new IllegalStateException("refused above");
        };
    }

    private static void onlyFields(JsonNode n, Set<String> allowed, String type) throws CommandLines.Invalid {
        for (String name : n.propertyNames()) {
            if (!allowed.contains(name)) {
                throw new CommandLines.Invalid(type + " has unknown field \"" + name + "\"");
            }
        }
    }

    private static String text(JsonNode n, String field) throws CommandLines.Invalid {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new CommandLines.Invalid("missing field \"" + field + "\"");
        }
        if (!v.isString()) {
            throw new CommandLines.Invalid("field \"" + field + "\" must be a string");
        }
        return v.stringValue();
    }

    private static long amount(JsonNode n, String field) throws CommandLines.Invalid {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new CommandLines.Invalid("missing field \"" + field + "\"");
        }
        if (!v.isIntegralNumber()) {
            throw new CommandLines.Invalid("field \"" + field + "\" must be a whole number of chips");
        }
        if (!v.canConvertToLong()) {
            throw new Rejected.InvalidAmount(field + " " + v.asString() + " is outside 1.." + Limits.AMOUNT_MAX);
        }
        return v.longValue();
    }

    private static boolean autoSettle(JsonNode n) throws CommandLines.Invalid {
        JsonNode v = n.get("settle");
        if (v == null || v.isNull()) {
            return false;
        }
        if (!"auto".equals(text(n, "settle"))) {
            throw new CommandLines.Invalid("field \"settle\" must be \"auto\" (or left out: the engine submits the settlements)");
        }
        return true;
    }

    private static Long optionalAmount(JsonNode n, String field) throws CommandLines.Invalid {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : amount(n, field);
    }

    private static long amountOrZero(JsonNode n, String field) throws CommandLines.Invalid {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? 0 : amount(n, field);
    }

    private static int smallInt(JsonNode n, String field) throws CommandLines.Invalid {
        long value = amount(n, field);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new CommandLines.Invalid("field \"" + field + "\" value " + value + " is far out of range");
        }
        return (int) value;
    }

    private static String optionalText(JsonNode n, String field) throws CommandLines.Invalid {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : text(n, field);
    }

    private static Long optionalNonce(JsonNode n) throws CommandLines.Invalid {
        JsonNode v = n.get("nonce");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new CommandLines.Invalid("field \"nonce\" must be a whole number from 0 to " + Long.MAX_VALUE);
        }
        return v.longValue();
    }

    private static Integer optionalInt(JsonNode n, String field) throws CommandLines.Invalid {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : smallInt(n, field);
    }

    private static BetType betType(String name) throws CommandLines.Invalid {
        try {
            return BetType.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new CommandLines.Invalid("unknown bet_type \"" + name + "\"");
        }
    }

    private static Outcome outcome(String name) throws CommandLines.Invalid {
        try {
            return Outcome.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new CommandLines.Invalid("unknown outcome \"" + name + "\"; expected WIN, LOSE, PUSH or VOID");
        }
    }
}
