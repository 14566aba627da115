package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.domain.Outcome;

/**
 * How and when a bet resolved, or that it has not.
 *
 * @param status    WIN, LOSE, PUSH, or OPEN (not resolved by the rolls so far)
 * @param winnings  chips won on top of the returned stake, rounded down: at least 1 for WIN (a bet that could
 *                  win less is refused when placed), 0 otherwise
 * @param rollIndex 0-based index in the game's rolls of the roll that resolved the bet; -1 while OPEN
 * @param point     the number the bet is riding on at that moment: the point set by its come-out roll for
 *                  pass/don't pass/come/don't come (null until set, and null if a come-out roll decided it),
 *                  the point it is behind for odds, its number for place bets and hardways, null for the
 *                  one-roll bets
 */
public record Resolution(Status status, long winnings, int rollIndex, Integer point) {
    public enum Status { WIN, LOSE, PUSH, OPEN }

    public Resolution {
        if (status == null) {
            throw new IllegalArgumentException("status is missing");
        }
        if (status == Status.OPEN ? rollIndex != -1 : rollIndex < 0) {
            throw new IllegalArgumentException(status + " with rollIndex " + rollIndex);
        }
        if (status == Status.WIN ? winnings < 1 : winnings != 0) {
            throw new IllegalArgumentException(status + " with winnings " + winnings);
        }
    }

    public static Resolution open(Integer point) {
        return new Resolution(Status.OPEN, 0, -1, point);
    }

    public static Resolution win(long winnings, int rollIndex, Integer point) {
        return new Resolution(Status.WIN, winnings, rollIndex, point);
    }

    public static Resolution lose(int rollIndex, Integer point) {
        return new Resolution(Status.LOSE, 0, rollIndex, point);
    }

    public static Resolution push(int rollIndex, Integer point) {
        return new Resolution(Status.PUSH, 0, rollIndex, point);
    }

    public boolean isOpen() {
        return status == Status.OPEN;
    }

    /** The ledger outcome to settle with (WIN, LOSE or PUSH); an open bet has none. */
    public Outcome outcome() {
        return switch (status) {
            case WIN -> Outcome.WIN;
            case LOSE -> Outcome.LOSE;
            case PUSH -> Outcome.PUSH;
            case OPEN -> throw new IllegalStateException("an open bet has no outcome yet");
        };
    }

    @Override
    public String toString() {
        String on = point == null ? "" : " on " + point;
        return switch (status) {
            case OPEN -> "OPEN" + on;
            case WIN -> "WIN " + winnings + " @" + rollIndex + on;
            default -> status + " @" + rollIndex + on;
        };
    }
}
