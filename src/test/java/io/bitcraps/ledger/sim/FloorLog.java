package io.bitcraps.ledger.sim;

import io.bitcraps.ledger.codec.DecodedPayload;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.craps.Bet;
import io.bitcraps.ledger.craps.CrapsTable;
import io.bitcraps.ledger.craps.InvalidPlacementException;
import io.bitcraps.ledger.craps.Resolution;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.craps.Rulebook;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A floor's ledger read back from the database file, event by event, and judged game by game with the rulebook,
 * independently of the floor: every bet must have been legal when placed (replayed through a {@link CrapsTable},
 * odds limits included), settled exactly once before its game closed, with the outcome and winnings
 * {@link Rulebook#resolve} gives over the game's rolls, in the atomic group of the roll that resolved it, and a
 * bet the rolls left open must be voided in the group that closes the game. {@link #problems()} lists every
 * breach; the totals say what moved.
 */
final class FloorLog {
    /** An event, decoded; {@code groupStart} is the seq of the first event of its submission (atomic group). */
    record Event(EventRow row, EventType type, Command command, long groupStart) {
        long seq() {
            return row.seq();
        }
    }

    record Placed(String betId, String player, Bet bet, long seq) {}

    record Settled(long seq, long groupStart, Outcome outcome, long winnings, int rollsBefore) {}

    /** One game as the log tells it. */
    static final class Game {
        final String id;
        TableRules rules;
        final List<Roll> rolls = new ArrayList<>();
        final List<Long> rollSeqs = new ArrayList<>();
        final Map<String, Placed> bets = new LinkedHashMap<>();
        final Map<String, List<Settled>> settlements = new LinkedHashMap<>();
        final List<Event> events = new ArrayList<>();
        long closeSeq;
        long closeGroupStart;

        Game(String id) {
            this.id = id;
        }
    }

    final List<Event> events = new ArrayList<>();
    final Map<String, Game> games = new TreeMap<>();
    final List<String> problems = new ArrayList<>();
    final Map<BetType, Long> placedByType = new EnumMap<>(BetType.class);
    final Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
    final Map<String, Long> rulesUsed = new TreeMap<>();
    long winningsPaid;
    long stakesLost;
    long houseFunding;

    static FloorLog read(Path db) throws Exception {
        FloorLog log = new FloorLog();
        PayloadCodec codec = new PayloadCodec();
        long[] group = {0, 0}; // first and last seq of the submission being read
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            EventReader.forEach(c, 1, Long.MAX_VALUE, row -> {
                EventType type = EventType.ofCode(row.typeCode());
                DecodedPayload d = codec.decode(type, row.payload());
                // the size of a submission is written on its first event only
                if (d.submissionSize() > 1 || row.seq() > group[1]) {
                    group[0] = row.seq();
                    group[1] = row.seq() + d.submissionSize() - 1;
                }
                log.events.add(new Event(row, type, d.command(), group[0]));
            });
        }
        log.judge();
        return log;
    }

    List<String> problems() {
        return problems;
    }

    long betCount() {
        return placedByType.values().stream().mapToLong(Long::longValue).sum();
    }

    private void judge() {
        for (Event e : events) {
            Command c = e.command();
            if (c instanceof Command.FundHouse f) {
                houseFunding += f.amount();
            } else if (c instanceof Command.OpenGame g) {
                Game game = new Game(g.gameId());
                game.rules = TableRules.parse(g.rules());
                game.events.add(e);
                games.put(g.gameId(), game);
                rulesUsed.merge(g.rules(), 1L, Long::sum);
            } else if (c instanceof Command.PlaceBet b) {
                Game game = games.get(b.gameId());
                game.events.add(e);
                game.bets.put(b.betId(), new Placed(b.betId(), b.player(),
                        new Bet(b.betType(), b.point(), b.amount(), game.rolls.size()), e.seq()));
                placedByType.merge(b.betType(), 1L, Long::sum);
            } else if (c instanceof Command.RecordRoll r) {
                Game game = games.get(r.gameId());
                game.events.add(e);
                game.rolls.add(Roll.of(r.die1(), r.die2()));
                game.rollSeqs.add(e.seq());
            } else if (c instanceof Command.SettleBet s) {
                Game game = games.get(s.gameId());
                game.events.add(e);
                game.settlements.computeIfAbsent(s.betId(), k -> new ArrayList<>())
                        .add(new Settled(e.seq(), e.groupStart(), s.outcome(), s.winnings(), game.rolls.size()));
                outcomes.merge(s.outcome(), 1L, Long::sum);
                Placed p = game.bets.get(s.betId());
                if (p == null) {
                    problems.add(game.id + ": settlement of unknown bet " + s.betId());
                } else if (s.outcome() == Outcome.WIN) {
                    winningsPaid += s.winnings();
                } else if (s.outcome() == Outcome.LOSE) {
                    stakesLost += p.bet().stake();
                }
            } else if (c instanceof Command.CloseGame cg) {
                Game game = games.get(cg.gameId());
                game.events.add(e);
                game.closeSeq = e.seq();
                game.closeGroupStart = e.groupStart();
            }
        }
        for (Game g : games.values()) {
            judge(g);
        }
    }

    private void judge(Game g) {
        if (g.closeSeq == 0) {
            problems.add(g.id + ": never closed");
        }
        replayPlacements(g);
        for (Placed p : g.bets.values()) {
            List<Settled> s = g.settlements.getOrDefault(p.betId(), List.of());
            String bet = g.id + " bet " + p.betId() + " (" + p.bet() + ")";
            if (s.size() != 1) {
                problems.add(bet + ": settled " + s.size() + " times");
                continue;
            }
            Settled settled = s.get(0);
            if (g.closeSeq != 0 && settled.seq() > g.closeSeq) {
                problems.add(bet + ": settled after its game closed");
            }
            Resolution r;
            try {
                r = Rulebook.resolve(g.rules, g.rolls, p.bet());
            } catch (InvalidPlacementException ex) {
                problems.add(bet + ": the rulebook refuses it: " + ex.getMessage());
                continue;
            }
            if (r.isOpen()) {
                if (settled.outcome() != Outcome.VOID || settled.groupStart() != g.closeGroupStart) {
                    problems.add(bet + ": open when the game ended, so VOID in the closing group, got "
                            + settled.outcome() + " at seq " + settled.seq());
                }
                continue;
            }
            if (settled.outcome() != r.outcome() || settled.winnings() != r.winnings()) {
                problems.add(bet + ": expected " + r + ", got " + settled.outcome() + " " + settled.winnings());
            }
            int at = r.rollIndex();
            long rollSeq = g.rollSeqs.get(at);
            if (settled.rollsBefore() != at + 1 || settled.groupStart() != rollSeq) {
                problems.add(bet + ": resolved by roll " + at + " (seq " + rollSeq + ") but settled at seq "
                        + settled.seq() + ", outside that roll's atomic group");
            }
        }
        for (String betId : g.settlements.keySet()) {
            if (!g.bets.containsKey(betId)) {
                problems.add(g.id + ": settled a bet never placed: " + betId);
            }
        }
    }

    /** Every placement must be one a table accepts at that moment (timing, number, limits, odds caps). */
    private void replayPlacements(Game g) {
        CrapsTable table = new CrapsTable(g.rules);
        for (Event e : g.events) {
            Command c = e.command();
            if (c instanceof Command.PlaceBet b) {
                try {
                    table.place(b.betId(), b.player(), b.betType(), b.point(), b.amount());
                } catch (InvalidPlacementException ex) {
                    problems.add(g.id + " bet " + b.betId() + " at seq " + e.seq() + ": illegal placement: "
                            + ex.getMessage());
                }
            } else if (c instanceof Command.RecordRoll r) {
                table.roll(Roll.of(r.die1(), r.die2()));
            } else if (c instanceof Command.SettleBet s) {
                table.remove(s.betId()); // a no-op for a bet the roll already resolved
            }
        }
    }
}
