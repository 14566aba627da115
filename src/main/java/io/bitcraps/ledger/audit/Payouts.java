package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.craps.CrapsTable;
import io.bitcraps.ledger.craps.FairDice;
import io.bitcraps.ledger.craps.OpenBet;
import io.bitcraps.ledger.craps.PlacementError;
import io.bitcraps.ledger.craps.Resolution;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.craps.RollResult;
import io.bitcraps.ledger.craps.Settlement;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.craps.TableState;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Outcome;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Payout verification: re-plays every game's dice through the craps rulebook, under the table rules the game
 * recorded when it opened, and judges every bet placement and every settlement of the log against it.
 * <p>
 * A settlement is on time when it comes after the roll that decided its bet and before that game's next roll.
 * The log does not record which events were submitted together, so "in the roll's atomic submission" cannot be
 * checked more closely than that. At the end of the log every bet the dice have decided must be settled: the
 * audit reads one snapshot, a snapshot never splits an atomic submission, and an engine submits the settlements
 * with the roll that caused them.
 * <p>
 * Streaming and bounded: state is kept only for open games (a {@link CrapsTable} mirroring the game, the bets the
 * dice decided that the log has not settled yet, the ids placed) and dropped when the game closes. Roll numbers
 * are 0-based within a game, as the rulebook's {@code rollIndex}: a settlement recorded when its game has
 * {@code k} rolls is "after roll {@code k - 1}".
 * <p>
 * Events the books already reject (a bet in a game never opened, a second settlement, a bet id used twice, …)
 * are left to {@link Books}: this class says nothing about them, so one fault is reported once.
 */
final class Payouts {
    /** The 36 possible rolls, shared: a game's table keeps every roll, and a million games should not mean a million Roll objects. */
    private static final Roll[] ROLLS = new Roll[36];

    static {
        for (int d1 = 1; d1 <= 6; d1++) {
            for (int d2 = 1; d2 <= 6; d2++) {
                ROLLS[(d1 - 1) * 6 + d2 - 1] = Roll.of(d1, d2);
            }
        }
    }

    /** A bet the dice decided that the log has not settled yet. */
    private record Decided(OpenBet bet, Resolution resolution, Roll roll, long rollSeq) {}

    /** One open game: the rulebook's table for it and what the log still owes. */
    private static final class Game {
        final String id;
        final CrapsTable table;
        /** Decided by a roll, not yet settled, in the order the rolls decided them. */
        final Map<String, Decided> decided = new LinkedHashMap<>();
        /** Every bet id placed in this game: a second placement is the books' finding and is not judged here. */
        final Set<String> placed = new HashSet<>();
        /** Bets the rules refused when placed: reported once; their settlements are not judged. */
        final Set<String> refused = new HashSet<>(4);
        Roll lastRoll;

        Game(String id, TableRules rules) {
            this.id = id;
            this.table = new CrapsTable(rules);
        }
    }

    private final Map<String, Game> games = new HashMap<>();
    /** Settlements judged against the rulebook (any outcome, of bets it could judge). */
    long settlementsVerified;
    /** Games opened with rules the rulebook could read, whose bets were therefore judged. */
    long gamesVerified;

    /** A provably fair game while it is open: its commitment and rolls, checked when its close reveals the seed. */
    private record FairGame(String commitment, List<Command.RecordRoll> rolls, List<Long> seqs, boolean[] unordered) {}

    private final Map<String, FairGame> fairGames = new HashMap<>();
    /** Every commitment a fair game opened with, and that game: a second game under one is predictable. */
    private final Map<String, String> commitments = new HashMap<>();
    /** Provably fair games closed with their seed revealed, every die re-derived. */
    long fairGamesVerified;

    /** The fairness of dice: commitments at the opening (here), seeds and nonces on the rolls, the seed revealed at the close. */
    private void fairOpen(long seq, Command.OpenGame o, Consumer<Problem> report) {
        if (o.commitment() != null) {
            String first = commitments.putIfAbsent(o.commitment(), o.gameId());
            if (first != null) {
                report.accept(new Problem(seq, ProblemKind.COMMITMENT_REUSED, "game " + o.gameId() + " commits to "
                        + o.commitment() + ", as game " + first + " did: the seed revealed at one close gives every die"
                        + " of the other"));
            }
            fairGames.putIfAbsent(o.gameId(), new FairGame(o.commitment(), new ArrayList<>(), new ArrayList<>(), new boolean[1]));
        }
    }

    private void fairRoll(long seq, Command.RecordRoll r, Consumer<Problem> report) {
        if (fairGames.containsKey(r.gameId())) {
            FairGame f = fairGames.get(r.gameId());
            int index = f.rolls().size();
            if (r.clientSeed() != null && (r.nonce() != index
                    || index > 0 && f.rolls().get(0).clientSeed() != null && !r.clientSeed().equals(f.rolls().get(0).clientSeed()))) {
                f.unordered()[0] = true;
                report.accept(new Problem(seq, ProblemKind.NONCE_NOT_IN_ORDER, "game " + r.gameId() + ": roll " + index
                        + " names client seed " + r.clientSeed() + " and nonce " + r.nonce() + "; a fair game's nonces count"
                        + " its rolls from 0 under one client seed"));
            }
            f.rolls().add(r);
            f.seqs().add(seq);
        }
    }

    private void fairClose(long seq, Command.CloseGame cg, Consumer<Problem> report) {
        FairGame f = fairGames.remove(cg.gameId());
        if (f == null) {
            return;
        }
        if (cg.serverSeed() == null) {
            report.accept(new Problem(seq, ProblemKind.SEED_NOT_REVEALED, "game " + cg.gameId()
                    + " committed to " + f.commitment() + " but closed without revealing its server seed"));
            return;
        }
        byte[] seed = FairDice.parseSeed(cg.serverSeed());
        String hashed = FairDice.commitment(seed);
        if (!hashed.equals(f.commitment())) {
            report.accept(new Problem(seq, ProblemKind.SEED_MISMATCH, "game " + cg.gameId() + ": the seed revealed"
                    + " hashes to " + hashed + ", the game committed to " + f.commitment()));
            return;
        }
        boolean fair = true;
        for (int i = 0; i < f.rolls().size(); i++) {
            Command.RecordRoll r = f.rolls().get(i);
            if (r.clientSeed() == null) {
                fair = false;
                report.accept(new Problem(f.seqs().get(i), ProblemKind.DICE_MISMATCH, "game " + cg.gameId()
                        + ": roll " + i + " (" + r.die1() + "+" + r.die2() + ") names no client seed and nonce"));
                continue;
            }
            Roll derived = FairDice.dice(seed, r.clientSeed(), r.nonce());
            if (derived.die1() != r.die1() || derived.die2() != r.die2()) {
                fair = false;
                report.accept(new Problem(f.seqs().get(i), ProblemKind.DICE_MISMATCH, "game " + cg.gameId()
                        + ": roll " + i + " (client seed " + r.clientSeed() + ", nonce " + r.nonce() + ") recorded "
                        + r.die1() + "+" + r.die2() + ", the revealed seed gives " + derived));
            }
        }
        if (fair && !f.unordered()[0]) {
            fairGamesVerified++;
        }
    }

    /**
     * Judges one event: its payout and the fairness of its dice. A switch over the event type with no default: a
     * command added to the ledger does not compile until the payout check says what it does. Returns true when the
     * event concerned a game.
     */
    boolean apply(long seq, Command c, Consumer<Problem> report) {
        return switch (c.eventType()) {
            case GAME_OPENED -> {
                Command.OpenGame o = (Command.OpenGame) c;
                fairOpen(seq, o, report);
                open(seq, o, report);
                yield true;
            }
            case BET_PLACED -> {
                place(seq, (Command.PlaceBet) c, report);
                yield true;
            }
            case DICE_ROLLED -> {
                Command.RecordRoll r = (Command.RecordRoll) c;
                fairRoll(seq, r, report);
                roll(seq, r);
                yield true;
            }
            case BET_SETTLED -> {
                settle(seq, (Command.SettleBet) c, report);
                yield true;
            }
            case GAME_CLOSED -> {
                Command.CloseGame cg = (Command.CloseGame) c;
                fairClose(seq, cg, report);
                close(seq, cg, report);
                yield true;
            }
            case DEPOSITED, WITHDRAWN, HOUSE_FUNDED, LIMITS_SET, PLAYER_EXCLUDED, EPOCH_STARTED -> false;
        };
    }

    /** Games whose state is held: the open ones the rulebook could read. */
    int openGames() {
        return games.size();
    }

    /** The end of the log (a full read of it): every bet the dice decided and the log never settled is missing. */
    void finish(long lastSeq, Consumer<Problem> report) {
        finishByGame(lastSeq, (game, p) -> report.accept(p));
    }

    /** Bets the dice decided that the log ends without settling, each reported with its game ("game:g"). */
    void finishByGame(long lastSeq, BiConsumer<String, Problem> report) {
        record Missing(String game, Problem problem) {}
        List<Missing> missing = new ArrayList<>();
        for (Game g : games.values()) {
            for (Decided d : g.decided.values()) {
                missing.add(new Missing(g.id, new Problem(d.rollSeq(), ProblemKind.MISSING_SETTLEMENT, describe(g, d.bet())
                        + " " + decidedOn(d) + " but is still unsettled at the end of the log (seq " + lastSeq
                        + "): expected " + expected(d.resolution()) + ", recorded nothing")));
            }
        }
        missing.sort(Comparator.comparingLong(m -> m.problem().seq()));
        missing.forEach(m -> report.accept("game:" + m.game(), m.problem()));
        games.clear();
        fairGames.clear(); // still open: their seeds are not revealed yet, so there is nothing to check
    }

    private void open(long seq, Command.OpenGame o, Consumer<Problem> report) {
        if (games.containsKey(o.gameId())) {
            return; // opened twice: the books report it; keep judging by the first opening
        }
        TableRules rules;
        try {
            rules = TableRules.parse(o.rules());
        } catch (IllegalArgumentException e) {
            report.accept(new Problem(seq, ProblemKind.UNKNOWN_RULES, "game " + o.gameId() + " records table rules '"
                    + o.rules() + "' that the rulebook cannot read (" + e.getMessage() + "); its payouts are not verified"));
            return;
        }
        games.put(o.gameId(), new Game(o.gameId(), rules));
        gamesVerified++;
    }

    private void place(long seq, Command.PlaceBet b, Consumer<Problem> report) {
        Game g = games.get(b.gameId());
        if (g == null || !g.placed.add(b.betId())) {
            return;
        }
        Optional<PlacementError> refused = g.table.validate(b.player(), b.betType(), b.point(), b.amount());
        if (refused.isEmpty()) {
            g.table.place(b.betId(), b.player(), b.betType(), b.point(), b.amount());
            return;
        }
        g.refused.add(b.betId());
        TableState state = g.table.state();
        PlacementError e = refused.get();
        report.accept(new Problem(seq, ProblemKind.BET_NOT_ALLOWED, describe(g.id, b.betId(), b.betType(), b.point(),
                b.amount()) + " placed before roll " + state.rollCount() + " ("
                + (state.isComeOut() ? "come-out, puck off" : "point " + state.point()) + ") is not allowed under "
                + g.table.rules().canonical() + ": " + e.code() + ": " + e.message()));
    }

    private void roll(long seq, Command.RecordRoll r) {
        Game g = games.get(r.gameId());
        if (g == null) {
            return;
        }
        Roll roll = ROLLS[(r.die1() - 1) * 6 + r.die2() - 1];
        RollResult result = g.table.roll(roll);
        for (Settlement s : result.settlements()) {
            g.decided.put(s.betId(), new Decided(s.bet(), s.resolution(), roll, seq));
        }
        g.lastRoll = roll;
    }

    private void settle(long seq, Command.SettleBet s, Consumer<Problem> report) {
        Game g = games.get(s.gameId());
        if (g == null || g.refused.contains(s.betId())) {
            return; // no judged game, or a bet already reported as not allowed
        }
        int after = g.table.state().rollCount() - 1;
        Decided d = g.decided.remove(s.betId());
        if (d != null) {
            settlementsVerified++;
            Resolution want = d.resolution();
            if (s.outcome() == Outcome.VOID) {
                // a void hands the stake back as if no roll had decided the bet: the win, loss or push is missing
                report.accept(new Problem(seq, ProblemKind.MISSING_SETTLEMENT, describe(g, d.bet()) + " "
                        + decidedOn(d) + " but was voided" + (after > want.rollIndex() ? " after roll "
                        + rollName(after, g.lastRoll) : "") + ": expected " + expected(want) + ", recorded VOID"));
                return;
            }
            if (after > want.rollIndex()) {
                report.accept(new Problem(seq, ProblemKind.LATE_SETTLEMENT, describe(g, d.bet()) + " " + decidedOn(d)
                        + " but was settled after roll " + rollName(after, g.lastRoll) + ": expected " + expected(want)
                        + " on roll " + want.rollIndex() + ", recorded " + recorded(s) + " on roll " + after));
            }
            if (s.outcome() != want.outcome() || s.winnings() != want.winnings()) {
                report.accept(new Problem(seq, ProblemKind.WRONG_PAYOUT, describe(g, d.bet()) + " " + decidedOn(d)
                        + ": expected " + expected(want) + ", recorded " + recorded(s)));
            }
            return;
        }
        Optional<OpenBet> open = g.table.remove(s.betId());
        if (open.isEmpty()) {
            return; // never placed, or settled before: the books report it
        }
        settlementsVerified++;
        if (s.outcome() != Outcome.VOID) { // a VOID takes down a bet the rules still have open: legitimate
            OpenBet b = open.get();
            String when = after < 0 ? "before the first roll" : "after roll " + rollName(after, g.lastRoll);
            report.accept(new Problem(seq, ProblemKind.EARLY_SETTLEMENT, describe(g, b) + " is still open"
                    + (b.point() == null ? "" : " on " + b.point()) + " " + when + ": expected OPEN, recorded "
                    + recorded(s)));
        }
    }

    private void close(long seq, Command.CloseGame cg, Consumer<Problem> report) {
        Game g = games.remove(cg.gameId());
        if (g == null) {
            return;
        }
        for (Decided d : g.decided.values()) {
            report.accept(new Problem(d.rollSeq(), ProblemKind.MISSING_SETTLEMENT, describe(g, d.bet()) + " "
                    + decidedOn(d) + " but was never settled before the game closed at seq " + seq + ": expected "
                    + expected(d.resolution()) + ", recorded nothing"));
        }
        // bets the rules still have open must be voided before the close: the books report those (I4)
    }

    private static String describe(Game g, OpenBet b) {
        return describe(g.id, b.betId(), b.type(), b.bet().point(), b.stake());
    }

    /** "bet b3 of game g7 (PLACE 6, stake 12)". */
    private static String describe(String game, String bet, BetType type, Integer point, long stake) {
        return "bet " + bet + " of game " + game + " (" + type + (point == null ? "" : " " + point) + ", stake " + stake + ")";
    }

    /** "won on roll 4 (3+3) at seq 120". */
    private static String decidedOn(Decided d) {
        String verb = switch (d.resolution().status()) {
            case WIN -> "won";
            case LOSE -> "lost";
            case PUSH -> "pushed";
            case OPEN -> throw new IllegalStateException("an open bet is not decided");
        };
        return verb + " on roll " + rollName(d.resolution().rollIndex(), d.roll()) + " at seq " + d.rollSeq();
    }

    private static String rollName(int index, Roll roll) {
        return index + " (" + roll + ")";
    }

    /** "WIN 14", "LOSE", "PUSH". */
    private static String expected(Resolution r) {
        return r.status() == Resolution.Status.WIN ? "WIN " + r.winnings() : r.status().name();
    }

    private static String recorded(Command.SettleBet s) {
        return s.outcome() == Outcome.WIN ? "WIN " + s.winnings() : s.outcome().name();
    }
}
