package io.bitcraps.ledger.craps;

/** One throw of two dice, each 1..6. {@code toString()} is {@code "3+4"}. */
public record Roll(int die1, int die2) {
    public Roll {
        if (die1 < 1 || die1 > 6 || die2 < 1 || die2 > 6) {
            throw new IllegalArgumentException("dice must be 1..6, got " + die1 + " and " + die2);
        }
    }

    /** The 36 possible rolls, shared: a table keeps its last roll, and a floor of games should not mean a roll object per event. */
    private static final Roll[] ALL = new Roll[36];

    static {
        for (int d1 = 1; d1 <= 6; d1++) {
            for (int d2 = 1; d2 <= 6; d2++) {
                ALL[(d1 - 1) * 6 + d2 - 1] = new Roll(d1, d2);
            }
        }
    }

    /** The roll of these dice (one shared instance per pair). */
    public static Roll of(int die1, int die2) {
        if (die1 < 1 || die1 > 6 || die2 < 1 || die2 > 6) {
            return new Roll(die1, die2); // throws with the message of the constructor
        }
        return ALL[(die1 - 1) * 6 + die2 - 1];
    }

    /** The sum of the dice, 2..12. */
    public int total() {
        return die1 + die2;
    }

    /** Both dice show the same face: a hard 4, 6, 8 or 10 (or aces, or twelve). */
    public boolean isHard() {
        return die1 == die2;
    }

    @Override
    public String toString() {
        return die1 + "+" + die2;
    }
}
