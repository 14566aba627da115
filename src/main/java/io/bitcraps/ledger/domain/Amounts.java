package io.bitcraps.ledger.domain;

/** Bounds on chip amounts; chips are always {@code long} minor units, never floating point. */
public final class Amounts {
    private Amounts() {}

    public static long requireAmount(String field, long amount) {
        if (amount < 1 || amount > Limits.AMOUNT_MAX) {
            throw new Rejected.InvalidAmount(field, amount, 1, Limits.AMOUNT_MAX);
        }
        return amount;
    }
}
