package io.bitcraps.ledger.craps;

/** Why a bet may not be placed at this moment, with a message for people. */
public record PlacementError(Code code, String message) {
    public enum Code {
        /** PASS_LINE or DONT_PASS while the point is on (they are made on a come-out roll only). */
        ONLY_ON_COME_OUT,
        /** COME, DONT_COME, PASS_ODDS or DONT_PASS_ODDS while the puck is off. */
        ONLY_WHILE_POINT_ON,
        /** The point number is missing, not allowed, not a number this bet can name, or (odds behind the
         *  line) not the table's point. */
        BAD_NUMBER,
        /** Stake below the table minimum (below 1 chip for odds). */
        BELOW_MINIMUM,
        /** Stake above the table maximum (above {@code Limits.AMOUNT_MAX} for odds). */
        ABOVE_MAXIMUM,
        /** The stake is too small to win a whole chip (lay odds of 1 chip). */
        WINS_NOTHING,
        /** Odds with no flat bet of the same player to stand behind (CrapsTable only). */
        NO_FLAT_BET,
        /** Odds beyond the table's multiple of the flat bet, counting the player's odds already there
         *  (CrapsTable only; the rulebook alone reports it when the table offers no odds on that point). */
        ODDS_ABOVE_MAXIMUM
    }

    public PlacementError {
        if (code == null || message == null) {
            throw new IllegalArgumentException("code and message are required");
        }
    }

    @Override
    public String toString() {
        return code + ": " + message;
    }
}
