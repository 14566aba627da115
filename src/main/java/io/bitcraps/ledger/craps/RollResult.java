package io.bitcraps.ledger.craps;

import java.util.List;

/**
 * What one roll did at a {@link CrapsTable}.
 *
 * @param rollIndex   0-based index of the roll in its game (= {@code before.rollCount()})
 * @param roll        the dice
 * @param before      the table before the roll (this is what decided whether it was a come-out roll)
 * @param after       the table after it
 * @param event       what it did to the puck; {@code event.decidesPassLine()} when it ended a round
 * @param settlements the bets it resolved, in the order they were placed; they are no longer open
 */
public record RollResult(int rollIndex, Roll roll, TableState before, TableState after, TableEvent event,
                         List<Settlement> settlements) {
    public RollResult {
        settlements = List.copyOf(settlements);
    }
}
