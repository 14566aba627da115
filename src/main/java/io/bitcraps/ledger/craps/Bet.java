package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Limits;

/**
 * A bet as the rulebook sees it: what it is, and when it was made.
 *
 * @param type     the bet type, as in the ledger's {@code PlaceBet}
 * @param point    the number the bet names, as in the ledger's {@code PlaceBet}: required for {@code PLACE},
 *                 {@code HARDWAY}, {@code COME_ODDS} and {@code DONT_COME_ODDS} (the come bet's point),
 *                 optional for {@code PASS_ODDS} and {@code DONT_PASS_ODDS} (then it must be the table's
 *                 point), null for every other type. Checked by {@link Rulebook#validatePlacement}, not here.
 * @param stake    chips staked, 1..{@link Limits#AMOUNT_MAX}
 * @param placedAt how many rolls of the game had been thrown when the bet was placed; the first roll that
 *                 can resolve it is roll number {@code placedAt} (0-based)
 */
public record Bet(BetType type, Integer point, long stake, int placedAt) {
    public Bet {
        if (type == null) {
            throw new IllegalArgumentException("bet type is missing");
        }
        if (stake < 1 || stake > Limits.AMOUNT_MAX) {
            throw new IllegalArgumentException("stake must be 1.." + Limits.AMOUNT_MAX + ", got " + stake);
        }
        if (placedAt < 0) {
            throw new IllegalArgumentException("placedAt must not be negative, got " + placedAt);
        }
    }

    @Override
    public String toString() {
        return type + (point == null ? "" : " " + point) + " x" + stake + " @" + placedAt;
    }
}
