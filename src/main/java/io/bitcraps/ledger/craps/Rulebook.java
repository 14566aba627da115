package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.craps.PlacementError.Code;
import io.bitcraps.ledger.craps.Resolution.Status;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Limits;

import java.util.List;
import java.util.Optional;

/**
 * The rules of craps as pure functions: when a bet may be placed, and when and how it resolves given the rolls
 * of its game. The rules and pay table are in {@code docs/craps.md}; in short:
 * <ul>
 *   <li>Pass/don't pass are made on a come-out roll, come/don't come while a point is on; each has its own
 *       come-out (the next roll) and its own point. Don't pass/don't come push on 12.</li>
 *   <li>Odds stand behind a line or come bet whose point is set and resolve with it. Odds behind a come bet
 *       are off on a come-out roll: if that roll decides the come bet (its point or a 7) they PUSH (are
 *       returned). Lay odds behind a don't come bet are always working.</li>
 *   <li>Place bets are off on a come-out roll unless {@link TableRules#placeWorksOnComeOut()}; hardways are
 *       always off on a come-out roll. "Off" means that roll neither wins nor loses the bet.</li>
 *   <li>Field and the proposition bets are one-roll bets, working on every roll.</li>
 * </ul>
 * A game's rolls may run over several rounds (pass-line decisions); bets left open carry over to the next
 * round. A game that ends after its first decision simply closes with the rest still open.
 */
public final class Rulebook {
    private Rulebook() {}

    /** True for 4, 5, 6, 8, 9 and 10. */
    public static boolean isPointNumber(int n) {
        return n == 4 || n == 5 || n == 6 || n == 8 || n == 9 || n == 10;
    }

    /** True for the odds bets, which stand behind a flat (line or come) bet. */
    public static boolean isOdds(BetType type) {
        return type == BetType.PASS_ODDS || type == BetType.DONT_PASS_ODDS
                || type == BetType.COME_ODDS || type == BetType.DONT_COME_ODDS;
    }

    /** The flat bet the odds bet {@code oddsType} stands behind (PASS_ODDS → PASS_LINE, …). */
    public static BetType flatBetFor(BetType oddsType) {
        return switch (oddsType) {
            case PASS_ODDS -> BetType.PASS_LINE;
            case DONT_PASS_ODDS -> BetType.DONT_PASS;
            case COME_ODDS -> BetType.COME;
            case DONT_COME_ODDS -> BetType.DONT_COME;
            default -> throw new IllegalArgumentException(oddsType + " is not an odds bet");
        };
    }

    /** True for the bets decided by the very next roll: FIELD and the propositions. */
    public static boolean isOneRoll(BetType type) {
        return switch (type) {
            case FIELD, ANY_SEVEN, ANY_CRAPS, ELEVEN, ACES, TWELVE, ACE_DEUCE -> true;
            default -> false;
        };
    }

    /**
     * Whether {@code type} with {@code point} and {@code stake} may be placed in {@code state} under
     * {@code rules}: timing against the puck, the point number, the stake against the table limits, a win worth
     * at least one chip. Empty when it may. Cannot see other bets, so the odds-behind-a-flat-bet limits are
     * {@link CrapsTable#validate}'s job (this only refuses odds where the table offers none).
     */
    public static Optional<PlacementError> validatePlacement(TableRules rules, TableState state, BetType type,
                                                             Integer point, long stake) {
        if (rules == null || state == null || type == null) {
            throw new IllegalArgumentException("rules, state and bet type are required");
        }
        switch (type) {
            case PASS_LINE, DONT_PASS -> {
                if (!state.isComeOut()) {
                    return error(Code.ONLY_ON_COME_OUT, type + " is made on a come-out roll; the point is "
                            + state.point());
                }
            }
            case COME, DONT_COME, PASS_ODDS, DONT_PASS_ODDS -> {
                if (state.isComeOut()) {
                    return error(Code.ONLY_WHILE_POINT_ON, type + " needs a point on; the puck is off");
                }
            }
            default -> { }
        }
        Optional<PlacementError> badNumber = checkNumber(state, type, point);
        if (badNumber.isPresent()) {
            return badNumber;
        }
        Integer on = effectivePoint(state, type, point);
        if (isOdds(type)) {
            if (stake < 1) {
                return error(Code.BELOW_MINIMUM, "odds stake must be at least 1, got " + stake);
            }
            if (stake > Limits.AMOUNT_MAX) {
                return error(Code.ABOVE_MAXIMUM, "odds stake must be at most " + Limits.AMOUNT_MAX + ", got " + stake);
            }
            if (rules.maxOddsMultiple(on) == 0) {
                return error(Code.ODDS_ABOVE_MAXIMUM, "this table offers no odds on " + on);
            }
        } else {
            if (stake < rules.minBet()) {
                return error(Code.BELOW_MINIMUM, "stake " + stake + " is below the table minimum " + rules.minBet());
            }
            if (stake > rules.maxBet()) {
                return error(Code.ABOVE_MAXIMUM, "stake " + stake + " is above the table maximum " + rules.maxBet());
            }
        }
        Payout lowest = PayTable.lowestPayout(rules, type, on);
        if (lowest.winnings(stake) < 1) {
            return error(Code.WINS_NOTHING, type + (on == null ? "" : " on " + on) + " pays " + lowest
                    + ": a stake of " + stake + " would win less than one chip");
        }
        return Optional.empty();
    }

    /** {@link #validatePlacement(TableRules, TableState, BetType, Integer, long)} in the state after
     *  {@code bet.placedAt()} of {@code rolls}. */
    public static Optional<PlacementError> validatePlacement(TableRules rules, List<Roll> rolls, Bet bet) {
        return validatePlacement(rules, TableState.after(rolls, checkPlacedAt(rolls, bet)), bet.type(), bet.point(),
                bet.stake());
    }

    /**
     * The number a bet placed in {@code state} rides on from the start: the named number for place bets,
     * hardways and come odds, the table's point for the odds behind the line, null for the rest (a line or come
     * bet gets its point from its own come-out roll).
     */
    public static Integer effectivePoint(TableState state, BetType type, Integer point) {
        return switch (type) {
            case PASS_ODDS, DONT_PASS_ODDS -> state.point();
            case PLACE, HARDWAY, COME_ODDS, DONT_COME_ODDS -> point;
            default -> null;
        };
    }

    /**
     * How {@code bet} fares over {@code rolls}, the game's rolls in order (it may be given more rolls than
     * had been thrown when the bet was placed; only rolls from index {@code bet.placedAt()} on count). OPEN
     * when no roll resolved it. The whole-history twin of {@link CrapsTable}; both apply the same rule to
     * each roll.
     *
     * @throws InvalidPlacementException if {@link #validatePlacement(TableRules, List, Bet)} refuses the bet
     * @throws IllegalArgumentException if {@code bet.placedAt() > rolls.size()}
     */
    public static Resolution resolve(TableRules rules, List<Roll> rolls, Bet bet) {
        int from = checkPlacedAt(rolls, bet);
        TableState state = TableState.after(rolls, from);
        Optional<PlacementError> invalid = validatePlacement(rules, state, bet.type(), bet.point(), bet.stake());
        if (invalid.isPresent()) {
            throw new InvalidPlacementException(invalid.get());
        }
        Integer on = effectivePoint(state, bet.type(), bet.point());
        int point = on == null ? 0 : on;
        for (int i = from; i < rolls.size(); i++) {
            Roll roll = rolls.get(i);
            Step step = step(rules, bet.type(), point, bet.stake(), state, roll);
            if (step.status() != Status.OPEN) {
                return step.resolution(i);
            }
            point = step.point();
            state = state.next(roll);
        }
        return Resolution.open(point == 0 ? null : point);
    }

    /**
     * The most odds chips that may stand behind {@code flatStake} chips of flat bet on {@code point}: free odds
     * ({@code PASS_ODDS}, {@code COME_ODDS}) {@code m * flatStake}; lay odds ({@code DONT_PASS_ODDS},
     * {@code DONT_COME_ODDS}) the largest stake whose win is at most {@code m * flatStake}, where {@code m} is
     * {@link TableRules#maxOddsMultiple(int)}. Saturates at {@code Long.MAX_VALUE}.
     */
    public static long maxOddsStake(TableRules rules, BetType oddsType, int point, long flatStake) {
        if (flatStake < 0) {
            throw new IllegalArgumentException("flat stake must not be negative, got " + flatStake);
        }
        long m = rules.maxOddsMultiple(point);
        try {
            long winCap = Math.multiplyExact(m, flatStake);
            return switch (oddsType) {
                case PASS_ODDS, COME_ODDS -> winCap;
                case DONT_PASS_ODDS, DONT_COME_ODDS -> {
                    Payout lay = PayTable.layOdds(point);
                    yield Math.multiplyExact(winCap, (long) lay.denominator()) / lay.numerator();
                }
                default -> throw new IllegalArgumentException(oddsType + " is not an odds bet");
            };
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The rule for one bet and one roll: the single source of truth for Rulebook.resolve and CrapsTable.

    /** One roll's effect on one bet; {@code point} is the bet's number afterwards (0 = none yet). */
    record Step(Status status, long winnings, int point) {
        Resolution resolution(int rollIndex) {
            Integer on = point == 0 ? null : point;
            return switch (status) {
                case WIN -> Resolution.win(winnings, rollIndex, on);
                case LOSE -> Resolution.lose(rollIndex, on);
                case PUSH -> Resolution.push(rollIndex, on);
                case OPEN -> throw new IllegalStateException("still open");
            };
        }
    }

    /**
     * What {@code roll}, thrown with the table in {@code before}, does to a bet of {@code type} riding on
     * {@code point} (0 when it has none yet) with {@code stake}.
     */
    static Step step(TableRules rules, BetType type, int point, long stake, TableState before, Roll roll) {
        int t = roll.total();
        boolean comeOut = before.isComeOut();
        return switch (type) {
            case PASS_LINE, COME -> {
                if (point == 0) {
                    if (t == 7 || t == 11) {
                        yield win(rules, type, 0, stake, t);
                    }
                    yield t == 2 || t == 3 || t == 12 ? lose(0) : open(t);
                }
                yield t == point ? win(rules, type, point, stake, t) : t == 7 ? lose(point) : open(point);
            }
            case DONT_PASS, DONT_COME -> {
                if (point == 0) {
                    if (t == 2 || t == 3) {
                        yield win(rules, type, 0, stake, t);
                    }
                    if (t == 12) {
                        yield new Step(Status.PUSH, 0, 0);
                    }
                    yield t == 7 || t == 11 ? lose(0) : open(t);
                }
                yield t == 7 ? win(rules, type, point, stake, t) : t == point ? lose(point) : open(point);
            }
            case PASS_ODDS -> t == point ? win(rules, type, point, stake, t) : t == 7 ? lose(point) : open(point);
            case COME_ODDS -> {
                if (comeOut) { // off: returned if the come bet it backs is decided
                    yield t == point || t == 7 ? new Step(Status.PUSH, 0, point) : open(point);
                }
                yield t == point ? win(rules, type, point, stake, t) : t == 7 ? lose(point) : open(point);
            }
            case DONT_PASS_ODDS, DONT_COME_ODDS ->
                    t == 7 ? win(rules, type, point, stake, t) : t == point ? lose(point) : open(point);
            case PLACE -> {
                if (comeOut && !rules.placeWorksOnComeOut()) {
                    yield open(point);
                }
                yield t == point ? win(rules, type, point, stake, t) : t == 7 ? lose(point) : open(point);
            }
            case HARDWAY -> {
                if (comeOut) {
                    yield open(point);
                }
                if (t == 7) {
                    yield lose(point);
                }
                if (t == point) {
                    yield roll.isHard() ? win(rules, type, point, stake, t) : lose(point);
                }
                yield open(point);
            }
            case FIELD -> t == 3 || t == 4 || t == 9 || t == 10 || t == 11 || t == 2 || t == 12
                    ? win(rules, type, 0, stake, t) : lose(0);
            case ANY_SEVEN -> oneRoll(rules, type, stake, t, t == 7);
            case ANY_CRAPS -> oneRoll(rules, type, stake, t, t == 2 || t == 3 || t == 12);
            case ELEVEN -> oneRoll(rules, type, stake, t, t == 11);
            case ACES -> oneRoll(rules, type, stake, t, t == 2);
            case TWELVE -> oneRoll(rules, type, stake, t, t == 12);
            case ACE_DEUCE -> oneRoll(rules, type, stake, t, t == 3);
        };
    }

    private static Step oneRoll(TableRules rules, BetType type, long stake, int total, boolean wins) {
        return wins ? win(rules, type, 0, stake, total) : lose(0);
    }

    private static Step win(TableRules rules, BetType type, int point, long stake, int total) {
        long winnings = PayTable.payout(rules, type, point == 0 ? null : point, total).winnings(stake);
        return new Step(Status.WIN, winnings, point);
    }

    private static Step lose(int point) {
        return new Step(Status.LOSE, 0, point);
    }

    private static Step open(int point) {
        return new Step(Status.OPEN, 0, point);
    }

    // ---------------------------------------------------------------------------------------------

    private static Optional<PlacementError> checkNumber(TableState state, BetType type, Integer point) {
        switch (type) {
            case PLACE, COME_ODDS, DONT_COME_ODDS -> {
                if (point == null || !isPointNumber(point)) {
                    return error(Code.BAD_NUMBER, type + " needs a number 4, 5, 6, 8, 9 or 10, got " + point);
                }
            }
            case HARDWAY -> {
                if (point == null || !(point == 4 || point == 6 || point == 8 || point == 10)) {
                    return error(Code.BAD_NUMBER, "HARDWAY needs a number 4, 6, 8 or 10, got " + point);
                }
            }
            case PASS_ODDS, DONT_PASS_ODDS -> {
                if (point != null && !point.equals(state.point())) {
                    return error(Code.BAD_NUMBER, type + " is behind the table's point " + state.point()
                            + ", not " + point);
                }
            }
            default -> {
                if (point != null) {
                    return error(Code.BAD_NUMBER, type + " takes no number, got " + point);
                }
            }
        }
        return Optional.empty();
    }

    private static int checkPlacedAt(List<Roll> rolls, Bet bet) {
        if (bet.placedAt() > rolls.size()) {
            throw new IllegalArgumentException("bet placed after roll " + bet.placedAt() + " but only "
                    + rolls.size() + " rolls given");
        }
        return bet.placedAt();
    }

    private static Optional<PlacementError> error(Code code, String message) {
        return Optional.of(new PlacementError(code, message));
    }
}
