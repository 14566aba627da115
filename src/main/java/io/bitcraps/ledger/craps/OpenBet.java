package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.domain.BetType;

/**
 * A bet on a {@link CrapsTable}.
 *
 * @param betId  the caller's id for it (the ledger's bet id); unique on the table
 * @param player who placed it; only used to match odds to the same player's flat bet (may be null)
 * @param bet    the bet as placed ({@code bet.point()} is the number named when placing, as in the ledger)
 * @param point  the number it rides on now: a come or line bet's own point once its come-out roll set it
 *               (null before), the point odds are behind, a place bet's or hardway's number; null otherwise
 */
public record OpenBet(String betId, String player, Bet bet, Integer point) {
    public OpenBet {
        if (betId == null || bet == null) {
            throw new IllegalArgumentException("betId and bet are required");
        }
    }

    public BetType type() {
        return bet.type();
    }

    public long stake() {
        return bet.stake();
    }

    /** How many rolls of the game had been thrown when it was placed. */
    public int placedAt() {
        return bet.placedAt();
    }

    OpenBet withPoint(Integer newPoint) {
        return new OpenBet(betId, player, bet, newPoint);
    }
}
