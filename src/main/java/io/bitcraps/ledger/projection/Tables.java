package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.craps.GameTable;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.store.EventReader;
import org.pcollections.PMap;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rulebook's table of each open game ({@link GameState#table()}), folded from the game's events
 * like the rest of the state: what each bet rides on and what the rolls decided, for the writer to
 * judge placements and settlements by. A game whose recorded rules the rulebook cannot read has no
 * table (the writer refuses such an opening, so only a log from elsewhere holds one), and a bet the
 * rules refused is never placed on the table (only a log written without the rules enforced holds
 * one): neither is judged, as before the rules were enforced.
 * <p>
 * The table is not in the {@link StateDigest} nor in the read model's rows; a state loaded from
 * rows, or from a snapshot of the format before tables, gets its tables from the log
 * ({@link #rebuild}), reading from the first event of the oldest open game.
 */
public final class Tables {
    /** Parsed rules by their canonical text: a floor has few distinct tables, and a game opens per round. */
    private static final Map<String, TableRules> PARSED = new ConcurrentHashMap<>();
    private static final int PARSED_MAX = 256;

    private Tables() {}

    /** The table of a game opening with these rules; null when the rulebook cannot read them. */
    public static GameTable opened(Command.OpenGame g) {
        TableRules rules = PARSED.get(g.rules());
        if (rules == null) {
            try {
                rules = TableRules.parse(g.rules());
            } catch (IllegalArgumentException unreadable) {
                return null;
            }
            if (PARSED.size() < PARSED_MAX) {
                PARSED.put(g.rules(), rules);
            }
        }
        return GameTable.start(rules, g.commitment());
    }

    /** The table after the bet: placed if the rules allow it, else unchanged (such a bet is not judged). */
    public static GameTable placed(GameTable t, Command.PlaceBet b) {
        if (t == null || t.validate(b.player(), b.betType(), b.point(), b.amount()).isPresent()) {
            return t;
        }
        return t.place(b.betId(), b.player(), b.betType(), b.point(), b.amount());
    }

    /** The table after the roll (null stays null: a game without a table). */
    public static GameTable rolled(GameTable t, Command.RecordRoll r) {
        return t == null ? null : t.roll(Roll.of(r.die1(), r.die2()), r.clientSeed(), r.nonce() == null ? 0 : r.nonce());
    }

    /** The table without the bet. */
    public static GameTable settled(GameTable t, String betId) {
        return t == null ? null : t.settled(betId);
    }

    /** True when some open game of {@code s} has no table: one loaded from rows or from an older snapshot. */
    static boolean missing(LedgerState s) {
        for (GameState g : s.games().values()) {
            if (g.table() == null) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code s} with the table of every open game that has none, folded from the log: the events
     * from the oldest such game's opening to {@code s.seq()}, those of these games only. A game
     * whose rules do not parse stays without one.
     */
    static LedgerState rebuild(Connection conn, PayloadCodec codec, LedgerState s) throws SQLException, Replayer.CorruptLog {
        Map<String, GameTable> tables = new HashMap<>();
        long from = Long.MAX_VALUE;
        for (GameState g : s.games().values()) {
            if (g.table() == null) {
                tables.put(g.gameId(), null);
                from = Math.min(from, g.openedSeq());
            }
        }
        if (tables.isEmpty()) {
            return s;
        }
        RuntimeException[] undecodable = {null};
        EventReader.forEach(conn, from, s.seq(), row -> {
            EventType type = EventType.ofCode(row.typeCode());
            if (undecodable[0] != null || type == EventType.DEPOSITED || type == EventType.WITHDRAWN
                    || type == EventType.HOUSE_FUNDED) {
                return; // cash moves no table (the type is part of the chained frame; the payload must agree)
            }
            Command c;
            try {
                c = StoredEvents.decode(codec, row).command();
            } catch (RuntimeException e) {
                undecodable[0] = new IllegalStateException("seq " + row.seq() + ": " + e.getMessage(), e);
                return;
            }
            // the game from the payload, not the row's query column: the payload is what the chain covers
            String gameId = StoredEvents.gameOf(c);
            if (gameId == null || !tables.containsKey(gameId)) {
                return;
            }
            GameTable t = tables.get(gameId);
            // a switch over the event type with no default: a new command does not compile until it says what it does
            // to a table
            tables.put(gameId, switch (c.eventType()) {
                case GAME_OPENED -> opened((Command.OpenGame) c);
                case BET_PLACED -> placed(t, (Command.PlaceBet) c);
                case DICE_ROLLED -> rolled(t, (Command.RecordRoll) c);
                case BET_SETTLED -> settled(t, ((Command.SettleBet) c).betId());
                case GAME_CLOSED, DEPOSITED, WITHDRAWN, HOUSE_FUNDED, LIMITS_SET, PLAYER_EXCLUDED, EPOCH_STARTED -> t;
            });
        });
        if (undecodable[0] != null) {
            throw new Replayer.CorruptLog("the tables of the open games cannot be folded from the log: "
                    + undecodable[0].getMessage(), undecodable[0]);
        }
        PMap<String, GameState> games = s.games();
        for (var e : tables.entrySet()) {
            games = games.plus(e.getKey(), games.get(e.getKey()).withTable(e.getValue()));
        }
        return new LedgerState(s.seq(), s.lastTimestampMicros(), s.headHashUnsafe(), s.balances(), s.balanceSum(), games,
                s.digest(), s.protection());
    }
}
