package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.domain.BetType;

/** The pay table: what a winning bet pays, "to 1" unless stated. See {@code docs/craps.md}. */
public final class PayTable {
    private PayTable() {}

    private static final Payout EVEN = Payout.of(1, 1);

    /**
     * What {@code type} pays when it wins on a roll totalling {@code total}. {@code point} is the number the bet
     * is on (required for the odds, place bets and hardways, ignored otherwise); {@code total} matters only for
     * the field (2 pays 2:1, 12 pays {@code rules.field12Pays()}:1, the rest even money). Says nothing about
     * whether that roll wins the bet.
     */
    public static Payout payout(TableRules rules, BetType type, Integer point, int total) {
        return switch (type) {
            case PASS_LINE, DONT_PASS, COME, DONT_COME -> EVEN;
            case PASS_ODDS, COME_ODDS -> trueOdds(number(type, point));
            case DONT_PASS_ODDS, DONT_COME_ODDS -> layOdds(number(type, point));
            case PLACE -> place(number(type, point));
            case HARDWAY -> hardway(number(type, point));
            case FIELD -> total == 2 ? Payout.of(2, 1) : total == 12 ? Payout.of(rules.field12Pays(), 1) : EVEN;
            case ANY_SEVEN -> Payout.of(4, 1);
            case ANY_CRAPS -> Payout.of(7, 1);
            case ELEVEN, ACE_DEUCE -> Payout.of(15, 1);
            case ACES, TWELVE -> Payout.of(30, 1);
        };
    }

    /** The smallest payout {@code type} can win with (the field's is even money). */
    public static Payout lowestPayout(TableRules rules, BetType type, Integer point) {
        return payout(rules, type, point, 3);
    }

    /** Free odds behind pass or come: 4/10 2:1, 5/9 3:2, 6/8 6:5. */
    public static Payout trueOdds(int point) {
        return switch (point) {
            case 4, 10 -> Payout.of(2, 1);
            case 5, 9 -> Payout.of(3, 2);
            case 6, 8 -> Payout.of(6, 5);
            default -> throw notAPoint(point);
        };
    }

    /** Lay odds behind don't pass or don't come: 4/10 1:2, 5/9 2:3, 6/8 5:6. */
    public static Payout layOdds(int point) {
        return switch (point) {
            case 4, 10 -> Payout.of(1, 2);
            case 5, 9 -> Payout.of(2, 3);
            case 6, 8 -> Payout.of(5, 6);
            default -> throw notAPoint(point);
        };
    }

    /** Place bets: 4/10 9:5, 5/9 7:5, 6/8 7:6. */
    public static Payout place(int point) {
        return switch (point) {
            case 4, 10 -> Payout.of(9, 5);
            case 5, 9 -> Payout.of(7, 5);
            case 6, 8 -> Payout.of(7, 6);
            default -> throw notAPoint(point);
        };
    }

    /** Hardways: hard 4/10 7:1, hard 6/8 9:1. */
    public static Payout hardway(int point) {
        return switch (point) {
            case 4, 10 -> Payout.of(7, 1);
            case 6, 8 -> Payout.of(9, 1);
            default -> throw new IllegalArgumentException("a hardway is on 4, 6, 8 or 10, got " + point);
        };
    }

    private static int number(BetType type, Integer point) {
        if (point == null) {
            throw new IllegalArgumentException(type + " pays according to its point, which is missing");
        }
        return point;
    }

    private static IllegalArgumentException notAPoint(int n) {
        return new IllegalArgumentException("not a point number (4, 5, 6, 8, 9, 10): " + n);
    }
}
