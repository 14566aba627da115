package io.bitcraps.ledger.sim;

import io.bitcraps.ledger.domain.BetType;

/**
 * How a simulated player bets: per-turn chances (0..1) of each kind of bet, and the side of the line they play.
 * Every personality places every kind of bet now and then, so even a one-player table sees most bet types; the
 * four together cover all seventeen. A player's personality is fixed by its seat at the table (seat 0 is
 * {@link #RIGHT}, 1 {@link #WRONG}, 2 {@link #PLACER}, 3 {@link #ROLLER}, 4 {@link #RIGHT} again, …).
 *
 * @param right    plays the pass line, come and free odds (true) or don't pass, don't come and lay odds (false)
 * @param line     chance of a line bet on a come-out roll, when the player has none open
 * @param lineOdds chance, each roll while the point is on, of adding odds behind the line bet (up to the limit)
 * @param come     chance, each roll while the point is on, of a new come (or don't come) bet
 * @param comeOdds chance, per come bet with a come point, of adding odds behind it
 * @param place    chance of a place bet on a random number not yet placed
 * @param hardway  chance of a hardway on a random number not yet bet
 * @param field    chance of a field bet
 * @param prop     chance of one of the six proposition bets, picked at random
 */
record Personality(String name, boolean right, double line, double lineOdds, double come, double comeOdds,
                   double place, double hardway, double field, double prop) {

    /** Pass line, free odds, come bets with odds behind them. */
    static final Personality RIGHT = new Personality("right", true, 0.95, 0.35, 0.25, 0.35, 0.03, 0.03, 0.03, 0.03);
    /** Don't pass, lay odds, don't come bets with lay odds. */
    static final Personality WRONG = new Personality("wrong", false, 0.95, 0.35, 0.2, 0.35, 0.02, 0.02, 0.03, 0.03);
    /** A pass-line player who mostly places numbers and plays the hardways. */
    static final Personality PLACER = new Personality("placer", true, 0.8, 0.2, 0.04, 0.25, 0.25, 0.1, 0.04, 0.03);
    /** A field and proposition player. */
    static final Personality ROLLER = new Personality("roller", true, 0.5, 0.15, 0.04, 0.2, 0.04, 0.08, 0.3, 0.2);

    private static final Personality[] SEATS = {RIGHT, WRONG, PLACER, ROLLER};

    static Personality forSeat(int seat) {
        return SEATS[seat % SEATS.length];
    }

    BetType lineBet() {
        return right ? BetType.PASS_LINE : BetType.DONT_PASS;
    }

    BetType lineOddsBet() {
        return right ? BetType.PASS_ODDS : BetType.DONT_PASS_ODDS;
    }

    BetType comeBet() {
        return right ? BetType.COME : BetType.DONT_COME;
    }

    BetType comeOddsBet() {
        return right ? BetType.COME_ODDS : BetType.DONT_COME_ODDS;
    }
}
