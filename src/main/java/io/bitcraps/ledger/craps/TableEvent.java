package io.bitcraps.ledger.craps;

/** What one roll did to the puck (the pass line's point). */
public enum TableEvent {
    /** Come-out 7 or 11: the pass line wins, the puck stays off. */
    NATURAL,
    /** Come-out 2, 3 or 12: the pass line loses, the puck stays off. */
    CRAPS,
    /** Come-out 4, 5, 6, 8, 9 or 10: that number becomes the point, the puck goes on. */
    POINT_SET,
    /** The point rolled while on: the pass line wins, the puck goes off. */
    POINT_MADE,
    /** A 7 while the point was on: the pass line loses, the puck goes off. */
    SEVEN_OUT,
    /** Any other roll while the point was on. */
    NO_DECISION;

    /** True when this roll decided the pass line (and so ended a round: the next roll is a come-out). */
    public boolean decidesPassLine() {
        return this == NATURAL || this == CRAPS || this == POINT_MADE || this == SEVEN_OUT;
    }

    /** What {@code roll} does when thrown in {@code before}. */
    public static TableEvent of(TableState before, Roll roll) {
        int t = roll.total();
        if (before.isComeOut()) {
            if (t == 7 || t == 11) {
                return NATURAL;
            }
            return t == 2 || t == 3 || t == 12 ? CRAPS : POINT_SET;
        }
        if (t == before.point()) {
            return POINT_MADE;
        }
        return t == 7 ? SEVEN_OUT : NO_DECISION;
    }
}
