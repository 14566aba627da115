package io.bitcraps.ledger.craps;

import java.util.List;

/**
 * The puck after some rolls of a game: {@code point} is null while the puck is off (the next roll is a
 * come-out) and the point number while it is on. {@code rollCount} is how many rolls have been thrown,
 * {@code decisions} how many of them decided the pass line (rounds finished).
 */
public record TableState(int rollCount, Integer point, int decisions) {
    /** A new game: no roll yet, puck off. */
    public static final TableState START = new TableState(0, null, 0);

    public TableState {
        if (rollCount < 0 || decisions < 0 || decisions > rollCount) {
            throw new IllegalArgumentException("bad table state: rollCount " + rollCount + ", decisions " + decisions);
        }
        if (point != null && !Rulebook.isPointNumber(point)) {
            throw new IllegalArgumentException("point must be 4, 5, 6, 8, 9 or 10, got " + point);
        }
    }

    /** True while the puck is off: the next roll is a come-out roll. */
    public boolean isComeOut() {
        return point == null;
    }

    /** The state after {@code roll}. */
    public TableState next(Roll roll) {
        int t = roll.total();
        if (point == null) {
            return Rulebook.isPointNumber(t)
                    ? new TableState(rollCount + 1, t, decisions)
                    : new TableState(rollCount + 1, null, decisions + 1);
        }
        if (t == point || t == 7) {
            return new TableState(rollCount + 1, null, decisions + 1);
        }
        return new TableState(rollCount + 1, point, decisions);
    }

    /** The state after the first {@code count} of {@code rolls}. */
    public static TableState after(List<Roll> rolls, int count) {
        if (count < 0 || count > rolls.size()) {
            throw new IllegalArgumentException("count must be 0.." + rolls.size() + ", got " + count);
        }
        TableState s = START;
        for (int i = 0; i < count; i++) {
            s = s.next(rolls.get(i));
        }
        return s;
    }
}
