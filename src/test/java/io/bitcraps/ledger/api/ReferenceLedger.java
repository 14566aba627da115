package io.bitcraps.ledger.api;

import io.bitcraps.ledger.craps.FairDice;
import io.bitcraps.ledger.craps.PlacementError;
import io.bitcraps.ledger.craps.Resolution;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.craps.Rulebook;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.craps.TableState;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.PlayerLimit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A deliberately plain model of the ledger's rules, written from the domain as the README and
 * docs/architecture.md state it, and not from the writer's code: hash maps, mutable objects, a deep copy per
 * submission for all-or-nothing groups. It shares no code with {@code Decider} or
 * {@code Projector}, so when the two agree on thousands of random commands, the agreement means
 * something. It only reads the command records' fields and the numeric bounds in {@link Limits}.
 * <p>
 * The table rules, as the writer enforces them by default, are re-stated here over the whole
 * history of each game: the rolls in a list, each bet as the rulebook's {@link Bet}, and
 * {@link Rulebook#resolve} asked afresh whether and how a bet was decided (the writer folds a
 * persistent table roll by roll instead; the audit a mutable one). Odds limits are summed here
 * from the open bets, with the number each rides on as {@code resolve} says. Provably fair games
 * keep their rolls and are checked at the close with {@code FairDice}, the derivation itself
 * (tested on its own against vectors computed in Python).
 */
final class ReferenceLedger {
    static final String WORLD = "world";
    static final String HOUSE = "house";

    private static final Set<BetType> NEEDS_POINT =
            Set.of(BetType.PLACE, BetType.HARDWAY, BetType.COME_ODDS, BetType.DONT_COME_ODDS);
    private static final Set<BetType> MAY_NAME_POINT = Set.of(BetType.PLACE, BetType.HARDWAY, BetType.COME_ODDS,
            BetType.DONT_COME_ODDS, BetType.PASS_ODDS, BetType.DONT_PASS_ODDS);
    private static final Set<Integer> POINTS = Set.of(4, 5, 6, 8, 9, 10);

    /**
     * What the model expects of one submission: accepted with a seq range, or refused with a
     * code and, for a group of two or more, the 0-based position of the command that failed
     * ({@code -1} when the refusal concerns the submission as a whole).
     */
    record Decision(String code, int groupIndex, long firstSeq, long lastSeq) {
        static Decision accepted(long firstSeq, long lastSeq) {
            return new Decision(null, -1, firstSeq, lastSeq);
        }

        static Decision refused(String code, int groupIndex) {
            return new Decision(code, groupIndex, 0, 0);
        }

        boolean isAccepted() {
            return code == null;
        }

        @Override
        public String toString() {
            if (isAccepted()) {
                return "accepted seq " + firstSeq + ".." + lastSeq;
            }
            return "refused " + code + (groupIndex >= 0 ? " at group index " + groupIndex : "");
        }
    }

    /** A bet; settledSeq stays 0 while it is open. {@code rules} is the rulebook's view of it. */
    private static final class Bet {
        final String player;
        final long amount;
        final io.bitcraps.ledger.craps.Bet rules;
        long settledSeq;

        Bet(String player, long amount, io.bitcraps.ledger.craps.Bet rules) {
            this.player = player;
            this.amount = amount;
            this.rules = rules;
        }

        Bet copy() {
            Bet b = new Bet(player, amount, rules);
            b.settledSeq = settledSeq;
            return b;
        }
    }

    private static final class Game {
        final TableRules rules;
        /** Null unless the game is provably fair; then its rolls as recorded, each with its client seed and nonce. */
        final String commitment;
        final List<Command.RecordRoll> fairRolls = new ArrayList<>();
        boolean open = true;
        /** Every bet ever placed in the game, in placement order (bet ids are unique per game). */
        final Map<String, Bet> bets = new LinkedHashMap<>();
        final List<Roll> rolls = new ArrayList<>();

        Game(TableRules rules, String commitment) {
            this.rules = rules;
            this.commitment = commitment;
        }

        Game copy() {
            Game g = new Game(rules, commitment);
            g.fairRolls.addAll(fairRolls);
            g.open = open;
            bets.forEach((id, b) -> g.bets.put(id, b.copy()));
            g.rolls.addAll(rolls);
            return g;
        }

        int openBets() {
            int n = 0;
            for (Bet b : bets.values()) {
                if (b.settledSeq == 0) {
                    n++;
                }
            }
            return n;
        }

        /** How the rolls so far decided the bet (OPEN, riding on a number or not, when they did not). */
        Resolution resolution(Bet b) {
            return Rulebook.resolve(rules, rolls, b.rules);
        }
    }

    /**
     * A player who asked for protection, kept as raw history: every limit request with its time, the
     * exclusion's end, and each deposit and each chip movement into and out of bets (from the first
     * protection event on), summed afresh over the window whenever a decision needs it.
     */
    private static final class Guard {
        final List<long[]> deposits = new ArrayList<>();   // {time, amount}
        /** {time, what a settlement lost the player: stake less stake back and winnings}. */
        final List<long[]> lost = new ArrayList<>();
        /** The open bets placed while protected: "game/bet" to stake. */
        final Map<String, Long> atRisk = new HashMap<>();
        final List<Long> requestTimes = new ArrayList<>();
        final List<Command.SetLimits> requests = new ArrayList<>();
        long excludedUntil;

        Guard copy() {
            Guard g = new Guard();
            g.deposits.addAll(deposits);
            g.lost.addAll(lost);
            g.atRisk.putAll(atRisk);
            g.requestTimes.addAll(requestTimes);
            g.requests.addAll(requests);
            g.excludedUntil = excludedUntil;
            return g;
        }

        /**
         * The limit in force at {@code t}, by re-reading the requests: each one lowers the limit at once (and
         * drops a raise still waiting) or asks for a raise that applies a day after it, if nothing lowered the
         * limit in between.
         */
        Long limitAt(PlayerLimit l, long t) {
            Long inForce = null; // null is no limit
            Long raise = null;
            boolean raiseWaits = false;
            long raiseAt = 0;
            for (int i = 0; i < requests.size(); i++) {
                long time = requestTimes.get(i);
                if (raiseWaits && time >= raiseAt) {
                    inForce = raise;
                    raiseWaits = false;
                }
                Long asked = requests.get(i).limit(l);
                boolean lower = asked != null && (inForce == null || asked <= inForce);
                boolean same = asked == null && inForce == null;
                if (lower || same) {
                    inForce = asked;
                    raiseWaits = false;
                } else {
                    raise = asked;
                    raiseWaits = true;
                    raiseAt = time + Limits.LIMIT_RAISE_COOLING_MICROS;
                }
            }
            if (raiseWaits && t >= raiseAt) {
                inForce = raise;
            }
            return inForce;
        }

        long sumSince(List<long[]> entries, long after) {
            long sum = 0;
            for (long[] e : entries) {
                if (e[0] > after) {
                    sum += e[1];
                }
            }
            return sum;
        }

        /** The protection refusal of a deposit, or null. */
        String depositRefused(long amount, long t) {
            if (t < excludedUntil) {
                return "SELF_EXCLUDED";
            }
            for (PlayerLimit l : List.of(PlayerLimit.DEPOSIT_24H, PlayerLimit.DEPOSIT_7D, PlayerLimit.DEPOSIT_30D)) {
                Long limit = limitAt(l, t);
                if (limit != null && sumSince(deposits, t - l.windowMicros()) + amount > limit) {
                    return "DEPOSIT_LIMIT";
                }
            }
            return null;
        }

        /** The protection refusal of a bet, or null. */
        String betRefused(long stake, long t) {
            if (t < excludedUntil) {
                return "SELF_EXCLUDED";
            }
            Long stakeMax = limitAt(PlayerLimit.STAKE_MAX, t);
            if (stakeMax != null && stake > stakeMax) {
                return "STAKE_LIMIT";
            }
            Long lossMax = limitAt(PlayerLimit.LOSS_24H, t);
            return lossMax != null && netLoss(t) + stake > lossMax ? "LOSS_LIMIT" : null;
        }

        /** The stakes still at risk plus what the last 24 hours' settlements lost. */
        long netLoss(long t) {
            long open = 0;
            for (long stake : atRisk.values()) {
                open += stake;
            }
            return open + sumSince(lost, t - PlayerLimit.LOSS_24H.windowMicros());
        }
    }

    /** Everything that a submission may change, copied whole so a refused group leaves no trace. */
    private static final class State {
        final Map<String, Long> balances = new HashMap<>();
        final Map<String, Game> games = new HashMap<>();
        final Map<String, Guard> guards = new HashMap<>();
        long events;
        long epoch;
        /** The time the ledger stamps on this submission's events. */
        long now;

        State copy() {
            State s = new State();
            s.balances.putAll(balances);
            games.forEach((id, g) -> s.games.put(id, g.copy()));
            guards.forEach((id, g) -> s.guards.put(id, g.copy()));
            s.events = events;
            s.epoch = epoch;
            s.now = now;
            return s;
        }
    }

    private record Keyed(List<Command> commands, long firstSeq, long lastSeq) {}

    private State state = new State();
    /** Keys of accepted submissions only: a refused submission leaves its key free. */
    private final Map<String, Keyed> keys = new HashMap<>();

    /** True once the player set a limit or excluded themselves. */
    boolean isProtected(String player) {
        return state.guards.containsKey(player);
    }

    /** The player's limit in force at {@code nowMicros} (null for none). */
    Long limitAt(String player, PlayerLimit l, long nowMicros) {
        Guard g = state.guards.get(player);
        return g == null ? null : g.limitAt(l, nowMicros);
    }

    /** Deposits in the limit's window, or the net loss over 24 h, at {@code nowMicros}. */
    long usedAt(String player, PlayerLimit l, long nowMicros) {
        Guard g = state.guards.get(player);
        if (g == null || l == PlayerLimit.STAKE_MAX) {
            return 0;
        }
        return l.isDeposit() ? g.sumSince(g.deposits, nowMicros - l.windowMicros()) : g.netLoss(nowMicros);
    }

    /** Submits commands (one alone, or an atomic group) under an optional idempotency key, at time 0. */
    Decision submit(List<Command> commands, String key) {
        return submit(commands, key, state.now);
    }

    /**
     * Submits commands as the ledger does when its events are stamped {@code nowMicros} (not before the last
     * submission's time).
     */
    Decision submit(List<Command> commands, String key, long nowMicros) {
        state.now = Math.max(state.now, nowMicros);
        if (key != null && !isKey(key)) {
            return Decision.refused("INVALID_ID", -1);
        }
        if (commands.isEmpty()) {
            return Decision.refused("INVALID_COMMAND", -1);
        }
        if (commands.size() > Limits.ATOMIC_COMMANDS_MAX) {
            return Decision.refused("LIMIT_EXCEEDED", -1);
        }
        if (key != null && keys.containsKey(key)) {
            Keyed earlier = keys.get(key);
            return recordsTheSame(earlier.commands, 0, commands, 0)
                    ? Decision.accepted(earlier.firstSeq, earlier.lastSeq)
                    : Decision.refused("IDEMPOTENCY_CONFLICT", -1);
        }
        State trial = state.copy();
        long first = trial.events + 1;
        List<Command> recorded = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            Command c = commands.get(i);
            boolean auto = c instanceof Command.RecordRoll r && r.autoSettle();
            Command stored = auto ? ((Command.RecordRoll) c).asStored() : c;
            String code = apply(trial, stored);
            recorded.add(stored);
            if (code == null && auto) {
                code = settleByTheRules(trial, ((Command.RecordRoll) c).gameId(), recorded);
            }
            if (code != null) {
                return Decision.refused(code, commands.size() > 1 ? i : -1);
            }
        }
        // a roll's settlements belong in its submission: a game this one rolled must owe nothing after it
        for (int i = commands.size() - 1; i >= 0; i--) {
            if (commands.get(i) instanceof Command.RecordRoll r) {
                Game g = trial.games.get(r.gameId());
                long owed = g.bets.values().stream().filter(b -> b.settledSeq == 0 && !g.resolution(b).isOpen()).count();
                if (owed > 0 && owed < Limits.ATOMIC_COMMANDS_MAX) {
                    return Decision.refused("MISSING_SETTLEMENT", commands.size() > 1 ? i : -1);
                }
            }
        }
        state = trial;
        if (key != null) {
            keys.put(key, new Keyed(List.copyOf(recorded), first, trial.events));
        }
        return Decision.accepted(first, trial.events);
    }

    /**
     * After a roll the ledger settles: every unsettled bet of the game the rolls have decided (all
     * decided by this roll, since a roll is refused while others are owed), in placement order
     * (the game's bets are kept in the order they were placed), each settled with the rulebook's result.
     */
    /**
     * A retry under a key is the same submission when it records the same: command by command, a
     * roll the ledger settles standing for the roll and the WIN, LOSE and PUSH settlements of its
     * game right after it in the record (what the ledger added: anything else settled in that game
     * after the roll could only be a VOID).
     */
    private static boolean recordsTheSame(List<Command> recorded, int j, List<Command> submitted, int i) {
        int at = j;
        for (Command c : submitted.subList(i, submitted.size())) {
            if (at == recorded.size()) {
                return false;
            }
            if (c instanceof Command.RecordRoll r && r.autoSettle()) {
                if (!recorded.get(at++).equals(r.asStored())) {
                    return false;
                }
                while (at < recorded.size() && recorded.get(at) instanceof Command.SettleBet st
                        && st.gameId().equals(r.gameId()) && st.outcome() != Outcome.VOID) {
                    at++;
                }
            } else if (!recorded.get(at++).equals(c)) {
                return false;
            }
        }
        return at == recorded.size();
    }

    private static String settleByTheRules(State s, String gameId) {
        return settleByTheRules(s, gameId, new ArrayList<>());
    }

    private static String settleByTheRules(State s, String gameId, List<Command> recorded) {
        Game g = s.games.get(gameId);
        List<Map.Entry<String, Bet>> decided = new ArrayList<>();
        for (Map.Entry<String, Bet> e : g.bets.entrySet()) {
            if (e.getValue().settledSeq == 0 && !g.resolution(e.getValue()).isOpen()) {
                decided.add(e);
            }
        }
        for (Map.Entry<String, Bet> e : decided) {
            Resolution r = g.resolution(e.getValue());
            Command.SettleBet settle = new Command.SettleBet(gameId, e.getKey(), r.outcome(), r.winnings());
            String code = apply(s, settle);
            if (code != null) {
                return code;
            }
            recorded.add(settle);
        }
        return null;
    }

    /** Applies one command to {@code s}; returns the refusal code, or null when it was accepted. */
    private static String apply(State s, Command c) {
        String code = check(s, c);
        if (code == null) {
            s.events++;
            post(s, c);
        }
        return code;
    }

    /** The rules, in the order the ledger checks them when several are broken at once. */
    private static String check(State s, Command c) {
        if (c instanceof Command.Deposit d) {
            Guard guard = s.guards.get(d.player());
            String protection = guard == null ? null : guard.depositRefused(d.amount(), s.now);
            return firstOf(protection, roomFor(s, "player:" + d.player(), d.amount()), worldMayIssue(s, d.amount()));
        }
        if (c instanceof Command.SetLimits) {
            return null;
        }
        if (c instanceof Command.StartEpoch ep) {
            return ep.epoch() == s.epoch + 1 ? null : "INVALID_COMMAND";
        }
        if (c instanceof Command.SelfExclude x) {
            Guard guard = s.guards.get(x.player());
            long until = s.now + x.hours() * PlayerLimit.Windows.HOUR_MICROS;
            return guard != null && s.now < guard.excludedUntil && until < guard.excludedUntil ? "SELF_EXCLUDED" : null;
        }
        if (c instanceof Command.Withdraw w) {
            return funds(s, "player:" + w.player(), w.amount());
        }
        if (c instanceof Command.FundHouse f) {
            return firstOf(roomFor(s, HOUSE, f.amount()), worldMayIssue(s, f.amount()));
        }
        if (c instanceof Command.OpenGame o) {
            if (s.games.containsKey(o.gameId())) {
                return "GAME_EXISTS";
            }
            // a commitment opens one game only: the seed its close reveals would give away another's dice
            boolean reused = o.commitment() != null
                    && s.games.values().stream().anyMatch(g -> o.commitment().equals(g.commitment));
            return reused ? "COMMITMENT_REUSED" : null;
        }
        if (c instanceof Command.PlaceBet b) {
            String gameProblem = openGame(s, b.gameId());
            if (gameProblem != null) {
                return gameProblem;
            }
            Game g = s.games.get(b.gameId());
            if (g.bets.containsKey(b.betId())) {
                return "DUPLICATE_BET";
            }
            if (g.openBets() >= Limits.OPEN_BETS_PER_GAME_MAX) {
                return "LIMIT_EXCEEDED";
            }
            if (placementRefused(g, b)) {
                return "BET_NOT_ALLOWED";
            }
            Guard guard = s.guards.get(b.player());
            String protection = guard == null ? null : guard.betRefused(b.amount(), s.now);
            if (protection != null) {
                return protection;
            }
            return firstOf(funds(s, "player:" + b.player(), b.amount()), roomFor(s, "escrow:" + b.gameId(), b.amount()));
        }
        if (c instanceof Command.RecordRoll r) {
            String gameProblem = openGame(s, r.gameId());
            if (gameProblem != null) {
                return gameProblem;
            }
            Game g = s.games.get(r.gameId());
            // provably fair: a fair game's roll names its seed and the nonce counting its rolls from 0, under the
            // client seed of its first roll; another game's names none
            if (g.commitment == null ? r.clientSeed() != null
                    : r.clientSeed() == null || r.nonce() != g.fairRolls.size()
                    || !g.fairRolls.isEmpty() && !r.clientSeed().equals(g.fairRolls.get(0).clientSeed())) {
                return "INVALID_COMMAND";
            }
            for (Bet b : g.bets.values()) {
                if (b.settledSeq == 0 && !g.resolution(b).isOpen()) {
                    return "UNSETTLED_BETS";
                }
            }
            return null;
        }
        if (c instanceof Command.SettleBet st) {
            String gameProblem = openGame(s, st.gameId());
            if (gameProblem != null) {
                return gameProblem;
            }
            Bet bet = s.games.get(st.gameId()).bets.get(st.betId());
            if (bet == null) {
                return "UNKNOWN_BET";
            }
            if (bet.settledSeq != 0) {
                return "BET_NOT_OPEN";
            }
            Resolution r = s.games.get(st.gameId()).resolution(bet);
            if (!r.isOpen() && (st.outcome() != r.outcome() || st.winnings() != r.winnings())) {
                return "WRONG_PAYOUT";
            }
            if (r.isOpen() && st.outcome() != Outcome.VOID) {
                return "EARLY_SETTLEMENT";
            }
            switch (st.outcome()) {
                case LOSE:
                    return roomFor(s, HOUSE, bet.amount);
                case WIN:
                    // the house pays only from what it holds; a house never funded holds nothing
                    if (balance(s, HOUSE) < st.winnings()) {
                        return "INSUFFICIENT_FUNDS";
                    }
                    return roomFor(s, "player:" + bet.player, bet.amount + st.winnings());
                default:
                    return roomFor(s, "player:" + bet.player, bet.amount);
            }
        }
        if (c instanceof Command.CloseGame cg) {
            String gameProblem = openGame(s, cg.gameId());
            if (gameProblem != null) {
                return gameProblem;
            }
            Game g = s.games.get(cg.gameId());
            if (g.openBets() > 0) {
                return "GAME_HAS_OPEN_BETS";
            }
            if (g.commitment == null) {
                return cg.serverSeed() == null ? null : "INVALID_COMMAND";
            }
            if (cg.serverSeed() == null) {
                return "INVALID_COMMAND";
            }
            byte[] seed = java.util.HexFormat.of().parseHex(cg.serverSeed());
            if (!FairDice.commitment(seed).equals(g.commitment)) {
                return "SEED_MISMATCH";
            }
            for (Command.RecordRoll r : g.fairRolls) {
                if (!FairDice.dice(seed, r.clientSeed(), r.nonce()).equals(Roll.of(r.die1(), r.die2()))) {
                    return "DICE_MISMATCH";
                }
            }
            return null;
        }
        throw new IllegalArgumentException("the model has no rule for " + c);
    }

    /** The chip movements and state changes of an accepted command; s.events is already its seq. */
    private static void post(State s, Command c) {
        if (c instanceof Command.StartEpoch ep) {
            s.epoch = ep.epoch();
        }
        if (c instanceof Command.SetLimits sl) {
            Guard g = s.guards.computeIfAbsent(sl.player(), p -> new Guard());
            g.requests.add(sl);
            g.requestTimes.add(s.now);
        } else if (c instanceof Command.SelfExclude x) {
            s.guards.computeIfAbsent(x.player(), p -> new Guard()).excludedUntil =
                    s.now + x.hours() * PlayerLimit.Windows.HOUR_MICROS;
        } else if (c instanceof Command.PlaceBet b && s.guards.containsKey(b.player())) {
            s.guards.get(b.player()).atRisk.put(b.gameId() + "/" + b.betId(), b.amount());
        } else if (c instanceof Command.SettleBet st) {
            Bet bet = s.games.get(st.gameId()).bets.get(st.betId());
            Guard g = s.guards.get(bet.player);
            long back = st.outcome() == Outcome.WIN ? bet.amount + st.winnings() : st.outcome() == Outcome.LOSE ? 0 : bet.amount;
            if (g != null) {
                g.atRisk.remove(st.gameId() + "/" + st.betId());
                g.lost.add(new long[]{s.now, bet.amount - back});
            }
        } else if (c instanceof Command.Deposit d && s.guards.containsKey(d.player())) {
            s.guards.get(d.player()).deposits.add(new long[]{s.now, d.amount()});
        }
        if (c instanceof Command.Deposit d) {
            move(s, WORLD, "player:" + d.player(), d.amount());
        } else if (c instanceof Command.Withdraw w) {
            move(s, "player:" + w.player(), WORLD, w.amount());
        } else if (c instanceof Command.FundHouse f) {
            move(s, WORLD, HOUSE, f.amount());
        } else if (c instanceof Command.OpenGame o) {
            s.games.put(o.gameId(), new Game(TableRules.parse(o.rules()), o.commitment()));
        } else if (c instanceof Command.PlaceBet b) {
            move(s, "player:" + b.player(), "escrow:" + b.gameId(), b.amount());
            Game g = s.games.get(b.gameId());
            g.bets.put(b.betId(), new Bet(b.player(), b.amount(),
                    new io.bitcraps.ledger.craps.Bet(b.betType(), b.point(), b.amount(), g.rolls.size())));
        } else if (c instanceof Command.SettleBet st) {
            Bet bet = s.games.get(st.gameId()).bets.get(st.betId());
            String escrow = "escrow:" + st.gameId();
            String player = "player:" + bet.player;
            switch (st.outcome()) {
                case WIN -> {
                    add(s, escrow, -bet.amount);
                    add(s, HOUSE, -st.winnings());
                    add(s, player, bet.amount + st.winnings());
                }
                case LOSE -> move(s, escrow, HOUSE, bet.amount);
                case PUSH, VOID -> move(s, escrow, player, bet.amount);
            }
            bet.settledSeq = s.events;
        } else if (c instanceof Command.CloseGame cg) {
            s.games.get(cg.gameId()).open = false;
        } else if (c instanceof Command.RecordRoll r) {
            Game g = s.games.get(r.gameId());
            g.rolls.add(Roll.of(r.die1(), r.die2())); // no chips move
            if (g.commitment != null) {
                g.fairRolls.add(r);
            }
        }
    }

    /**
     * Whether the table's rules refuse the bet now: the rulebook's checks of the moment, the number
     * and the stake, and for odds a flat bet of the same player riding on the same number, with
     * room under the table's multiple for the player's odds already there.
     */
    private static boolean placementRefused(Game g, Command.PlaceBet b) {
        TableState now = TableState.after(g.rolls, g.rolls.size());
        java.util.Optional<PlacementError> byRules = Rulebook.validatePlacement(g.rules, now, b.betType(), b.point(),
                b.amount());
        if (byRules.isPresent()) {
            return true;
        }
        if (!Rulebook.isOdds(b.betType())) {
            return false;
        }
        int on = Rulebook.effectivePoint(now, b.betType(), b.point());
        BetType flatType = Rulebook.flatBetFor(b.betType());
        long flat = 0;
        long odds = 0;
        for (Bet other : g.bets.values()) {
            if (other.settledSeq != 0 || !other.player.equals(b.player())) {
                continue;
            }
            Resolution r = g.resolution(other);
            if (!r.isOpen() || r.point() == null || r.point() != on) {
                continue; // decided bets leave the table with the roll that decided them
            }
            if (other.rules.type() == flatType) {
                flat += other.amount;
            } else if (other.rules.type() == b.betType()) {
                odds += other.amount;
            }
        }
        return flat == 0 || b.amount() > Rulebook.maxOddsStake(g.rules, b.betType(), on, flat) - odds;
    }

    private static String openGame(State s, String gameId) {
        Game g = s.games.get(gameId);
        if (g == null) {
            return "UNKNOWN_GAME";
        }
        return g.open ? null : "GAME_CLOSED";
    }

    /** A debit from a player or the house: the account must exist and hold enough. */
    private static String funds(State s, String account, long needed) {
        if (!s.balances.containsKey(account)) {
            return account.equals(HOUSE) ? "INSUFFICIENT_FUNDS" : "UNKNOWN_ACCOUNT";
        }
        return s.balances.get(account) < needed ? "INSUFFICIENT_FUNDS" : null;
    }

    /** No account but world may hold more than Limits.BALANCE_MAX. */
    private static String roomFor(State s, String account, long credit) {
        return balance(s, account) + credit > Limits.BALANCE_MAX ? "LIMIT_EXCEEDED" : null;
    }

    /** World may go negative, but only down to half of the long range. */
    private static String worldMayIssue(State s, long amount) {
        return balance(s, WORLD) - amount < Long.MIN_VALUE / 2 ? "LIMIT_EXCEEDED" : null;
    }

    private static String firstOf(String... codes) {
        for (String code : codes) {
            if (code != null) {
                return code;
            }
        }
        return null;
    }

    private static void move(State s, String from, String to, long amount) {
        add(s, from, -amount);
        add(s, to, amount);
    }

    private static void add(State s, String account, long delta) {
        s.balances.merge(account, delta, Math::addExact);
    }

    private static long balance(State s, String account) {
        return s.balances.getOrDefault(account, 0L);
    }

    /** A copy of the state with {@code before} applied (the commands it would refuse skipped), rolls settled as asked. */
    private State stateAfter(List<Command> before) {
        State trial = state.copy();
        for (Command c : before) {
            boolean auto = c instanceof Command.RecordRoll r && r.autoSettle();
            if (apply(trial, auto ? ((Command.RecordRoll) c).asStored() : c) == null && auto) {
                settleByTheRules(trial, ((Command.RecordRoll) c).gameId());
            }
        }
        return trial;
    }

    /**
     * The settlement the rulebook gives for one of the bets of {@code gameId} the rolls have decided,
     * in the state after {@code before} (the earlier commands of the same submission; those the
     * model would refuse are skipped): the {@code pick}-th by bet id ({@code wrongly}: a chip more than a
     * win, or a win of one chip where it lost or pushed). With none decided, a VOID of
     * bet {@code b<pick mod 6>}, which takes an open bet down (or is refused, with a reason).
     */
    Draft settlementDue(String gameId, int pick, boolean wrongly, List<Command> before) {
        Game g = stateAfter(before).games.get(gameId);
        List<String> due = new ArrayList<>();
        if (g != null) {
            new TreeMap<>(g.bets).forEach((id, b) -> {
                if (b.settledSeq == 0 && !g.resolution(b).isOpen()) {
                    due.add(id);
                }
            });
        }
        if (due.isEmpty()) {
            return Draft.settle(gameId, "b" + (pick % 6), Outcome.VOID, 0);
        }
        String id = due.get(pick % due.size());
        Resolution r = g.resolution(g.bets.get(id));
        if (wrongly) {
            return Draft.settle(gameId, id, Outcome.WIN, r.outcome() == Outcome.WIN ? r.winnings() + 1 : 1);
        }
        return Draft.settle(gameId, id, r.outcome(), r.winnings());
    }

    /**
     * A fair roll for {@code gameId}, in the state after {@code before} (the earlier commands of the same
     * submission): the next nonce and the dice the game's seed derives ({@code choice} 6: a nonce skipped;
     * 7: the first die changed), as a FAIR_ROLL draft whose dice are fixed (die1 = 10 * first + second).
     */
    Draft fairRollFor(String gameId, int choice, boolean auto, List<Command> before) {
        Game g = stateAfter(before).games.get(gameId);
        long nonce = (g == null ? 0 : g.fairRolls.size()) + (choice == 6 ? 1 : 0);
        Roll dice = FairDice.dice(Draft.seedOf(gameId), "c-" + gameId, nonce);
        int first = choice == 7 ? dice.die1() % 6 + 1 : dice.die1();
        return new Draft(Draft.Kind.FAIR_ROLL, gameId, null, null, null, null, null, nonce, 10 * first + dice.die2(),
                auto ? 1 : 0, null);
    }

    // ---- what the model knows, for comparison with the ledger's view ----

    /** Events written so far: the seq the ledger must be at. */
    long events() {
        return state.events;
    }

    /** Every account ever posted to, by name, sorted. */
    Map<String, Long> balances() {
        return Collections.unmodifiableMap(new TreeMap<>(state.balances));
    }

    /** What the ledger's view holds: the accounts whose balance is not zero. */
    Map<String, Long> nonZeroBalances() {
        Map<String, Long> held = new TreeMap<>(state.balances);
        held.values().removeIf(b -> b == 0);
        return Collections.unmodifiableMap(held);
    }

    boolean knowsGame(String gameId) {
        return state.games.containsKey(gameId);
    }

    boolean isOpen(String gameId) {
        return state.games.get(gameId).open;
    }

    /** Bet id to stake of the game's open bets, oldest first. */
    Map<String, Long> openBets(String gameId) {
        Map<String, Long> open = new LinkedHashMap<>();
        Game g = state.games.get(gameId);
        if (g != null) {
            g.bets.forEach((id, b) -> {
                if (b.settledSeq == 0) {
                    open.put(id, b.amount);
                }
            });
        }
        return open;
    }

    /** Bet id to the seq that settled it (0 while open), for every bet of the game. */
    Map<String, Long> settledSeqs(String gameId) {
        Map<String, Long> out = new LinkedHashMap<>();
        state.games.get(gameId).bets.forEach((id, b) -> out.put(id, b.settledSeq));
        return out;
    }

    List<String> gameIds() {
        return new ArrayList<>(new TreeMap<>(state.games).keySet());
    }

    // ---- the checks every command record makes on its own values, before any state ----

    /**
     * The raw values a client hands to a command constructor, which may be out of bounds. The
     * model predicts the constructor's refusal with {@link #shapeProblem()}; {@link #toCommand()}
     * calls the real constructor.
     */
    record Draft(Kind kind, String gameId, String betId, String player, String text, BetType betType,
                 Integer point, long amount, int die1, int die2, Outcome outcome) {
        /**
         * {@code AUTO_ROLL}: a roll the ledger settles by the rulebook. {@code SETTLE_DUE}: a
         * settlement chosen when the submission is sent ({@link ReferenceLedger#settlementDue}):
         * the rulebook's result for a bet the rolls decided, {@code die1} choosing which.
         */
        enum Kind { DEPOSIT, WITHDRAW, FUND_HOUSE, OPEN_GAME, OPEN_FAIR_GAME, PLACE_BET, ROLL, AUTO_ROLL, FAIR_ROLL, SETTLE,
            SETTLE_DUE, CLOSE_GAME, CLOSE_FAIR_GAME }

        static Draft deposit(String player, long amount, String reference) {
            return new Draft(Kind.DEPOSIT, null, null, player, reference, null, null, amount, 0, 0, null);
        }

        static Draft withdraw(String player, long amount, String reference) {
            return new Draft(Kind.WITHDRAW, null, null, player, reference, null, null, amount, 0, 0, null);
        }

        static Draft fundHouse(long amount, String reference) {
            return new Draft(Kind.FUND_HOUSE, null, null, null, reference, null, null, amount, 0, 0, null);
        }

        static Draft openGame(String gameId, String tableId) {
            return new Draft(Kind.OPEN_GAME, gameId, null, null, tableId, null, null, 0, 0, 0, null);
        }

        static Draft placeBet(String gameId, String betId, String player, BetType type, Integer point, long amount) {
            return new Draft(Kind.PLACE_BET, gameId, betId, player, null, type, point, amount, 0, 0, null);
        }

        static Draft roll(String gameId, int die1, int die2) {
            return new Draft(Kind.ROLL, gameId, null, null, null, null, null, 0, die1, die2, null);
        }

        static Draft autoRoll(String gameId, int die1, int die2) {
            return new Draft(Kind.AUTO_ROLL, gameId, null, null, null, null, null, 0, die1, die2, null);
        }

        static Draft settleDue(String gameId, int pick) {
            return new Draft(Kind.SETTLE_DUE, gameId, null, null, null, null, null, 0, pick, 0, null);
        }

        /** As {@link #settleDue}, but one chip more than the rulebook's win, or a win where it says lose or push. */
        static Draft settleDueWrongly(String gameId, int pick) {
            return new Draft(Kind.SETTLE_DUE, gameId, null, null, null, null, null, 0, pick, 1, null);
        }

        static Draft settle(String gameId, String betId, Outcome outcome, long winnings) {
            return new Draft(Kind.SETTLE, gameId, betId, null, null, null, null, winnings, 0, 0, outcome);
        }

        /** A provably fair game, committed to the seed {@link #seedOf} gives its id. */
        static Draft openFairGame(String gameId, String tableId) {
            return new Draft(Kind.OPEN_FAIR_GAME, gameId, null, null, tableId, null, null, 0, 0, 0, null);
        }

        /** A provably fair game committed to the seed of {@code seedGameId} (another game's commitment, if it opened). */
        static Draft openFairGame(String gameId, String tableId, String seedGameId) {
            return new Draft(Kind.OPEN_FAIR_GAME, gameId, seedGameId, null, tableId, null, null, 0, 0, 0, null);
        }

        /**
         * A roll of a fair game, chosen when it is sent ({@link ReferenceLedger#fairRollFor}): {@code choice} 0 to 5
         * the honest next roll, 6 a nonce skipped, 7 a die other than the seed's; {@code auto} settled by the ledger.
         */
        static Draft fairRoll(String gameId, int choice, boolean auto) {
            return new Draft(Kind.FAIR_ROLL, gameId, null, null, null, null, null, 0, choice, auto ? 1 : 0, null);
        }

        /** The close of a fair game revealing its seed ({@code wrongSeed}: another one). */
        static Draft closeFairGame(String gameId, boolean wrongSeed) {
            return new Draft(Kind.CLOSE_FAIR_GAME, gameId, null, null, null, null, null, 0, wrongSeed ? 1 : 0, 0, null);
        }

        /** The server seed of a fair game of the model's universe: SHA-256 of "seed:" and its id. */
        static byte[] seedOf(String gameId) {
            try {
                return java.security.MessageDigest.getInstance("SHA-256")
                        .digest(("seed:" + gameId).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        static Draft closeGame(String gameId) {
            return new Draft(Kind.CLOSE_GAME, gameId, null, null, null, null, null, 0, 0, 0, null);
        }

        Command toCommand() {
            return switch (kind) {
                case DEPOSIT -> new Command.Deposit(player, amount, text);
                case WITHDRAW -> new Command.Withdraw(player, amount, text);
                case FUND_HOUSE -> new Command.FundHouse(amount, text);
                case OPEN_GAME -> new Command.OpenGame(gameId, text);
                case OPEN_FAIR_GAME -> new Command.OpenGame(gameId, text, Command.OpenGame.STANDARD_RULES,
                        FairDice.commitment(seedOf(betId == null ? gameId : betId)));
                case FAIR_ROLL -> new Command.RecordRoll(gameId, die1 / 10, die1 % 10, die2 == 1, "c-" + gameId, amount);
                case CLOSE_FAIR_GAME -> new Command.CloseGame(gameId,
                        java.util.HexFormat.of().formatHex(die1 == 1 ? seedOf("other:" + gameId) : seedOf(gameId)));
                case PLACE_BET -> new Command.PlaceBet(gameId, betId, player, betType, point, amount);
                case ROLL -> new Command.RecordRoll(gameId, die1, die2);
                case AUTO_ROLL -> Command.RecordRoll.settledByTheRules(gameId, die1, die2);
                case SETTLE -> new Command.SettleBet(gameId, betId, outcome, amount);
                case SETTLE_DUE -> throw new IllegalStateException("a settlement due is chosen when it is sent: " + this);
                case CLOSE_GAME -> new Command.CloseGame(gameId);
            };
        }

        /** The code the constructor refuses these values with, or null when they are well-formed. */
        String shapeProblem() {
            return switch (kind) {
                case DEPOSIT, WITHDRAW -> firstOf(idProblem(player), firstOf(amountProblem(amount), referenceProblem(text)));
                case FUND_HOUSE -> firstOf(amountProblem(amount), referenceProblem(text));
                case OPEN_GAME, OPEN_FAIR_GAME -> firstOf(idProblem(gameId), idProblem(text));
                case FAIR_ROLL, CLOSE_FAIR_GAME -> idProblem(gameId);
                case PLACE_BET -> firstOf(firstOf(idProblem(gameId), idProblem(betId)),
                        firstOf(idProblem(player), firstOf(betProblem(betType, point), amountProblem(amount))));
                case ROLL, AUTO_ROLL -> firstOf(idProblem(gameId), die1 < 1 || die1 > 6 || die2 < 1 || die2 > 6 ? "INVALID_DICE" : null);
                case SETTLE_DUE -> idProblem(gameId);
                case SETTLE -> firstOf(firstOf(idProblem(gameId), idProblem(betId)), settlementProblem(outcome, amount));
                case CLOSE_GAME -> idProblem(gameId);
            };
        }

        private static String idProblem(String id) {
            if (id == null || id.isEmpty() || id.length() > Limits.ID_LENGTH_MAX) {
                return "INVALID_ID";
            }
            for (char c : id.toCharArray()) {
                if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_' && c != '.' && c != '-') {
                    return "INVALID_ID";
                }
            }
            return null;
        }

        private static String referenceProblem(String reference) {
            if (reference == null || reference.isEmpty() || reference.length() > Limits.REFERENCE_LENGTH_MAX) {
                return "INVALID_ID";
            }
            for (char c : reference.toCharArray()) {
                if (c < ' ' || c > '~') {
                    return "INVALID_ID";
                }
            }
            return null;
        }

        private static String amountProblem(long amount) {
            return amount < 1 || amount > Limits.AMOUNT_MAX ? "INVALID_AMOUNT" : null;
        }

        private static String betProblem(BetType type, Integer point) {
            if (type == null) {
                return "INVALID_BET";
            }
            if (point == null) {
                return NEEDS_POINT.contains(type) ? "INVALID_BET" : null;
            }
            if (!MAY_NAME_POINT.contains(type) || !POINTS.contains(point)) {
                return "INVALID_BET";
            }
            return type == BetType.HARDWAY && (point == 5 || point == 9) ? "INVALID_BET" : null;
        }

        private static String settlementProblem(Outcome outcome, long winnings) {
            if (outcome == null) {
                return "INVALID_SETTLEMENT";
            }
            if (outcome == Outcome.WIN) {
                return winnings < 1 || winnings > Limits.WINNINGS_MAX ? "INVALID_AMOUNT" : null;
            }
            return winnings != 0 ? "INVALID_SETTLEMENT" : null;
        }

        /** Reads like the constructor call, so a shrunk counterexample can be pasted into a test. */
        @Override
        public String toString() {
            return switch (kind) {
                case DEPOSIT -> "Deposit(" + q(player) + ", " + amount + ", " + q(text) + ")";
                case WITHDRAW -> "Withdraw(" + q(player) + ", " + amount + ", " + q(text) + ")";
                case FUND_HOUSE -> "FundHouse(" + amount + ", " + q(text) + ")";
                case OPEN_GAME -> "OpenGame(" + q(gameId) + ", " + q(text) + ")";
                case OPEN_FAIR_GAME -> "OpenGame(" + q(gameId) + ", " + q(text) + ", STANDARD_RULES, <commitment of its seed>)";
                case FAIR_ROLL -> "RecordRoll(" + q(gameId) + ", " + (die1 / 10) + ", " + (die1 % 10) + ", " + (die2 == 1)
                        + ", " + q("c-" + gameId) + ", " + amount + ")";
                case CLOSE_FAIR_GAME -> "CloseGame(" + q(gameId) + ", " + (die1 == 1 ? "<another seed>" : "<its seed>") + ")";
                case PLACE_BET -> "PlaceBet(" + q(gameId) + ", " + q(betId) + ", " + q(player) + ", " + betType + ", "
                        + point + ", " + amount + ")";
                case ROLL -> "RecordRoll(" + q(gameId) + ", " + die1 + ", " + die2 + ")";
                case AUTO_ROLL -> "RecordRoll.settledByTheRules(" + q(gameId) + ", " + die1 + ", " + die2 + ")";
                case SETTLE_DUE -> "<a settlement due in " + q(gameId) + " #" + die1 + (die2 == 1 ? ", wrongly" : "") + ">";
                case SETTLE -> "SettleBet(" + q(gameId) + ", " + q(betId) + ", " + outcome + ", " + amount + ")";
                case CLOSE_GAME -> "CloseGame(" + q(gameId) + ")";
            };
        }

        private static String q(String s) {
            return s == null ? "null" : '"' + s + '"';
        }
    }

    /** The idempotency-key rule: 1..64 printable ASCII characters, no space. */
    static boolean isKey(String key) {
        if (key.isEmpty() || key.length() > Limits.IDEMPOTENCY_KEY_LENGTH_MAX) {
            return false;
        }
        for (char c : key.toCharArray()) {
            if (c <= ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }
}
