package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A deliberately plain model of the ledger's rules, written from the domain description (DESIGN.md
 * section 2) and not from the writer's code: hash maps, mutable objects, a deep copy per
 * submission for all-or-nothing groups. It shares no code with {@code Decider} or
 * {@code Projector}, so when the two agree on thousands of random commands, the agreement means
 * something. It only reads the command records' fields and the numeric bounds in {@link Limits}.
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

    /** A bet; settledSeq stays 0 while it is open. */
    private static final class Bet {
        final String player;
        final long amount;
        long settledSeq;

        Bet(String player, long amount) {
            this.player = player;
            this.amount = amount;
        }

        Bet copy() {
            Bet b = new Bet(player, amount);
            b.settledSeq = settledSeq;
            return b;
        }
    }

    private static final class Game {
        boolean open = true;
        /** Every bet ever placed in the game, in placement order (bet ids are unique per game). */
        final Map<String, Bet> bets = new LinkedHashMap<>();

        Game copy() {
            Game g = new Game();
            g.open = open;
            bets.forEach((id, b) -> g.bets.put(id, b.copy()));
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
    }

    /** Everything that a submission may change, copied whole so a refused group leaves no trace. */
    private static final class State {
        final Map<String, Long> balances = new HashMap<>();
        final Map<String, Game> games = new HashMap<>();
        long events;

        State copy() {
            State s = new State();
            s.balances.putAll(balances);
            games.forEach((id, g) -> s.games.put(id, g.copy()));
            s.events = events;
            return s;
        }
    }

    private record Keyed(List<Command> commands, long firstSeq, long lastSeq) {}

    private State state = new State();
    /** Keys of accepted submissions only: a refused submission leaves its key free. */
    private final Map<String, Keyed> keys = new HashMap<>();

    /** Submits commands (one alone, or an atomic group) under an optional idempotency key. */
    Decision submit(List<Command> commands, String key) {
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
            return earlier.commands.equals(commands)
                    ? Decision.accepted(earlier.firstSeq, earlier.lastSeq)
                    : Decision.refused("IDEMPOTENCY_CONFLICT", -1);
        }
        State trial = state.copy();
        long first = trial.events + 1;
        for (int i = 0; i < commands.size(); i++) {
            String code = apply(trial, commands.get(i));
            if (code != null) {
                return Decision.refused(code, commands.size() > 1 ? i : -1);
            }
        }
        state = trial;
        if (key != null) {
            keys.put(key, new Keyed(List.copyOf(commands), first, trial.events));
        }
        return Decision.accepted(first, trial.events);
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
            return firstOf(roomFor(s, "player:" + d.player(), d.amount()), worldMayIssue(s, d.amount()));
        }
        if (c instanceof Command.Withdraw w) {
            return funds(s, "player:" + w.player(), w.amount());
        }
        if (c instanceof Command.FundHouse f) {
            return firstOf(roomFor(s, HOUSE, f.amount()), worldMayIssue(s, f.amount()));
        }
        if (c instanceof Command.OpenGame o) {
            return s.games.containsKey(o.gameId()) ? "GAME_EXISTS" : null;
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
            return firstOf(funds(s, "player:" + b.player(), b.amount()), roomFor(s, "escrow:" + b.gameId(), b.amount()));
        }
        if (c instanceof Command.RecordRoll r) {
            return openGame(s, r.gameId());
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
            return s.games.get(cg.gameId()).openBets() > 0 ? "GAME_HAS_OPEN_BETS" : null;
        }
        throw new IllegalArgumentException("the model has no rule for " + c);
    }

    /** The chip movements and state changes of an accepted command; s.events is already its seq. */
    private static void post(State s, Command c) {
        if (c instanceof Command.Deposit d) {
            move(s, WORLD, "player:" + d.player(), d.amount());
        } else if (c instanceof Command.Withdraw w) {
            move(s, "player:" + w.player(), WORLD, w.amount());
        } else if (c instanceof Command.FundHouse f) {
            move(s, WORLD, HOUSE, f.amount());
        } else if (c instanceof Command.OpenGame o) {
            s.games.put(o.gameId(), new Game());
        } else if (c instanceof Command.PlaceBet b) {
            move(s, "player:" + b.player(), "escrow:" + b.gameId(), b.amount());
            s.games.get(b.gameId()).bets.put(b.betId(), new Bet(b.player(), b.amount()));
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
        }
        // RecordRoll moves no chips
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

    private static String firstOf(String a, String b) {
        return a != null ? a : b;
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
        enum Kind { DEPOSIT, WITHDRAW, FUND_HOUSE, OPEN_GAME, PLACE_BET, ROLL, SETTLE, CLOSE_GAME }

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

        static Draft settle(String gameId, String betId, Outcome outcome, long winnings) {
            return new Draft(Kind.SETTLE, gameId, betId, null, null, null, null, winnings, 0, 0, outcome);
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
                case PLACE_BET -> new Command.PlaceBet(gameId, betId, player, betType, point, amount);
                case ROLL -> new Command.RecordRoll(gameId, die1, die2);
                case SETTLE -> new Command.SettleBet(gameId, betId, outcome, amount);
                case CLOSE_GAME -> new Command.CloseGame(gameId);
            };
        }

        /** The code the constructor refuses these values with, or null when they are well-formed. */
        String shapeProblem() {
            return switch (kind) {
                case DEPOSIT, WITHDRAW -> firstOf(idProblem(player), firstOf(amountProblem(amount), referenceProblem(text)));
                case FUND_HOUSE -> firstOf(amountProblem(amount), referenceProblem(text));
                case OPEN_GAME -> firstOf(idProblem(gameId), idProblem(text));
                case PLACE_BET -> firstOf(firstOf(idProblem(gameId), idProblem(betId)),
                        firstOf(idProblem(player), firstOf(betProblem(betType, point), amountProblem(amount))));
                case ROLL -> firstOf(idProblem(gameId), die1 < 1 || die1 > 6 || die2 < 1 || die2 > 6 ? "INVALID_DICE" : null);
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
                case PLACE_BET -> "PlaceBet(" + q(gameId) + ", " + q(betId) + ", " + q(player) + ", " + betType + ", "
                        + point + ", " + amount + ")";
                case ROLL -> "RecordRoll(" + q(gameId) + ", " + die1 + ", " + die2 + ")";
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
