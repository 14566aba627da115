package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.craps.PlacementError.Code;
import io.bitcraps.ledger.craps.Resolution.Status;
import io.bitcraps.ledger.domain.BetType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One game at a table, roll by roll: the puck, the rolls so far and the open bets. Place bets between rolls;
 * {@link #roll} says which bets that roll resolved and how (and forgets them); {@link #close} hands back the
 * bets still open, for the caller to void. Everything it decides comes from {@link Rulebook}, so
 * {@code Rulebook.resolve(rules, rolls(), bet)} agrees with it on every bet.
 * <p>
 * On top of the rulebook it checks what needs the other bets: odds must stand behind a flat bet of the same
 * player on the same number ({@code PASS_LINE} with the table's point for {@code PASS_ODDS}, a {@code COME}
 * bet whose come point is the number for {@code COME_ODDS}, …) and all of that player's odds there must stay
 * within {@link Rulebook#maxOddsStake}.
 * <p>
 * Not thread-safe: one table, one thread. A game in the ledger ends at its first pass-line decision
 * ({@link RollResult#event()}{@code .decidesPassLine()}), but the table itself goes on to the next come-out if
 * rolled again.
 */
public final class CrapsTable {
    private final TableRules rules;
    private final List<Roll> rolls = new ArrayList<>();
    private final Map<String, OpenBet> open = new LinkedHashMap<>();
    private TableState state = TableState.START;
    private boolean closed;

    public CrapsTable(TableRules rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    public TableRules rules() {
        return rules;
    }

    /** The puck and roll count now. */
    public TableState state() {
        return state;
    }

    /** The rolls so far, in order. */
    public List<Roll> rolls() {
        return List.copyOf(rolls);
    }

    /** The open bets, in the order they were placed. */
    public List<OpenBet> openBets() {
        return List.copyOf(open.values());
    }

    public Optional<OpenBet> openBet(String betId) {
        return Optional.ofNullable(open.get(betId));
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Whether {@code player} may place this bet now: {@link Rulebook#validatePlacement} and, for odds, the flat
     * bet behind them and the odds limit. Empty when the bet may be placed.
     */
    public Optional<PlacementError> validate(String player, BetType type, Integer point, long stake) {
        return validate(rules, state, open.values(), player, type, point, stake);
    }

    /**
     * {@link Rulebook#validatePlacement} and, for odds, the flat bet of the same player behind them and the odds
     * limit, counting that player's odds already among {@code open}: the one placement check of both tables.
     */
    static Optional<PlacementError> validate(TableRules rules, TableState state, Collection<OpenBet> open,
                                             String player, BetType type, Integer point, long stake) {
        Optional<PlacementError> byRules = Rulebook.validatePlacement(rules, state, type, point, stake);
        if (byRules.isPresent() || !Rulebook.isOdds(type)) {
            return byRules;
        }
        int on = Rulebook.effectivePoint(state, type, point);
        long flat = sum(open, player, Rulebook.flatBetFor(type), on);
        if (flat == 0) {
            return Optional.of(new PlacementError(Code.NO_FLAT_BET, type + " on " + on + " needs the player's "
                    + Rulebook.flatBetFor(type) + " on " + on));
        }
        long room = Rulebook.maxOddsStake(rules, type, on, flat) - sum(open, player, type, on);
        if (stake > room) {
            return Optional.of(new PlacementError(Code.ODDS_ABOVE_MAXIMUM, type + " on " + on + ": at most "
                    + room + " more chips behind a flat bet of " + flat + " (" + rules.maxOddsMultiple(on)
                    + "x odds), asked " + stake));
        }
        return Optional.empty();
    }

    /**
     * How many more chips of {@code oddsType} odds {@code player} may put behind their flat bet on
     * {@code point} now (for PASS_ODDS/DONT_PASS_ODDS {@code point} may be null: the table's point). 0 when
     * they may put none (no flat bet, puck off for line odds, or the limit reached).
     */
    public long oddsRoom(String player, BetType oddsType, Integer point) {
        if (!Rulebook.isOdds(oddsType)) {
            throw new IllegalArgumentException(oddsType + " is not an odds bet");
        }
        Integer on = Rulebook.effectivePoint(state, oddsType, point);
        if (on == null || !Rulebook.isPointNumber(on)
                || (point != null && (oddsType == BetType.PASS_ODDS || oddsType == BetType.DONT_PASS_ODDS)
                    && !point.equals(state.point()))) {
            return 0;
        }
        long flat = flatStake(player, oddsType, on);
        return flat == 0 ? 0 : Math.max(0, room(player, oddsType, on, flat));
    }

    /**
     * Places a bet that {@link #validate} accepts.
     *
     * @throws InvalidPlacementException if {@link #validate} refuses it
     * @throws IllegalArgumentException  if {@code betId} is already open on this table
     * @throws IllegalStateException     after {@link #close}
     */
    public OpenBet place(String betId, String player, BetType type, Integer point, long stake) {
        ensureOpen();
        if (betId == null) {
            throw new IllegalArgumentException("betId is required");
        }
        if (open.containsKey(betId)) {
            throw new IllegalArgumentException("bet " + betId + " is already open on this table");
        }
        Optional<PlacementError> invalid = validate(player, type, point, stake);
        if (invalid.isPresent()) {
            throw new InvalidPlacementException(invalid.get());
        }
        OpenBet bet = new OpenBet(betId, player, new Bet(type, point, stake, rolls.size()),
                Rulebook.effectivePoint(state, type, point));
        open.put(betId, bet);
        return bet;
    }

    /**
     * Throws {@code roll}: resolves the open bets it decides (they leave the table) and moves the puck.
     *
     * @throws IllegalStateException after {@link #close}
     */
    public RollResult roll(Roll roll) {
        ensureOpen();
        Objects.requireNonNull(roll, "roll");
        int index = rolls.size();
        TableState before = state;
        List<Settlement> settled = new ArrayList<>();
        for (Iterator<Map.Entry<String, OpenBet>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, OpenBet> entry = it.next();
            OpenBet bet = entry.getValue();
            int point = bet.point() == null ? 0 : bet.point();
            Rulebook.Step step = Rulebook.step(rules, bet.type(), point, bet.stake(), before, roll);
            if (step.status() == Status.OPEN) {
                if (step.point() != point) {
                    entry.setValue(bet.withPoint(step.point()));
                }
            } else {
                settled.add(new Settlement(bet, step.resolution(index)));
                it.remove();
            }
        }
        rolls.add(roll);
        state = before.next(roll);
        return new RollResult(index, roll, before, state, TableEvent.of(before, roll), settled);
    }

    /**
     * Takes a bet off the table without the rules deciding it (the engine voided it, or an audit saw the
     * ledger settle it). Empty if no such bet is open.
     */
    public Optional<OpenBet> remove(String betId) {
        return Optional.ofNullable(open.remove(betId));
    }

    /**
     * Closes the game: returns the bets still open, in placement order, for the caller to VOID, and accepts no
     * more bets or rolls. Closing twice returns an empty list.
     */
    public List<OpenBet> close() {
        List<OpenBet> left = List.copyOf(open.values());
        open.clear();
        closed = true;
        return left;
    }

    private long flatStake(String player, BetType oddsType, int on) {
        return sum(open.values(), player, Rulebook.flatBetFor(oddsType), on);
    }

    private long room(String player, BetType oddsType, int on, long flat) {
        long cap = Rulebook.maxOddsStake(rules, oddsType, on, flat);
        return cap - sum(open.values(), player, oddsType, on);
    }

    static long sum(Collection<OpenBet> bets, String player, BetType type, int on) {
        long total = 0;
        for (OpenBet b : bets) {
            if (b.type() == type && Objects.equals(b.player(), player) && b.point() != null && b.point() == on) {
                total += b.stake();
            }
        }
        return total;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the game is closed");
        }
    }
}
