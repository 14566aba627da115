package io.bitcraps.ledger.craps;

/** One throw of two dice, each 1..6. {@code toString()} is {@code "3+4"}. */
public record Roll(int die1, int die2) {
    public Roll {
        if (die1 < 1 || die1 > 6 || die2 < 1 || die2 > 6) {
            throw new IllegalArgumentException("dice must be 1..6, got " + die1 + " and " + die2);
        }
    }

    public static Roll of(int die1, int die2) {
        return new Roll(die1, die2);
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
