package io.bitcraps.ledger.domain;

/**
 * The craps bets the ledger records. Which ones need a point number: place bets, hardways and
 * the odds behind a come or don't-come bet (which name the come bet's point). The ledger checks
 * only the shape here; whether a payout is right is the rulebook's business.
 */
public enum BetType {
    PASS_LINE, DONT_PASS, COME, DONT_COME,
    PASS_ODDS, DONT_PASS_ODDS, COME_ODDS, DONT_COME_ODDS,
    PLACE, FIELD, HARDWAY,
    ANY_SEVEN, ANY_CRAPS, ELEVEN, ACES, TWELVE, ACE_DEUCE;

    /** True when the bet must name a point number. */
    public boolean requiresPoint() {
        return this == PLACE || this == HARDWAY || this == COME_ODDS || this == DONT_COME_ODDS;
    }

    /** True when the bet may name a point number (the odds behind the line may name the table's point). */
    public boolean allowsPoint() {
        return requiresPoint() || this == PASS_ODDS || this == DONT_PASS_ODDS;
    }

    /** Checks a point number against this bet type; null means "no point". */
    public void checkPoint(Integer point) {
        if (point == null) {
            if (requiresPoint()) {
                throw new Rejected.InvalidBet(this + " needs a point number (4, 5, 6, 8, 9 or 10)");
            }
            return;
        }
        if (!allowsPoint()) {
            throw new Rejected.InvalidBet(this + " takes no point number, got " + point);
        }
        boolean isPoint = point == 4 || point == 5 || point == 6 || point == 8 || point == 9 || point == 10;
        if (!isPoint) {
            throw new Rejected.InvalidBet(this + " point must be 4, 5, 6, 8, 9 or 10, got " + point);
        }
        if (this == HARDWAY && (point == 5 || point == 9)) {
            throw new Rejected.InvalidBet("HARDWAY point must be 4, 6, 8 or 10, got " + point);
        }
    }
}
