package io.bitcraps.ledger.craps;

/**
 * A pay ratio "{@code numerator} to {@code denominator}": a winning stake of {@code denominator} chips wins
 * {@code numerator} chips on top of the returned stake. Winnings that are not whole chips round down.
 */
public record Payout(int numerator, int denominator) {
    public Payout {
        if (numerator < 1 || denominator < 1) {
            throw new IllegalArgumentException("payout must be positive, got " + numerator + ":" + denominator);
        }
    }

    public static Payout of(int numerator, int denominator) {
        return new Payout(numerator, denominator);
    }

    /**
     * The winnings (profit only, the stake is returned separately) on a winning {@code stake}:
     * {@code floor(stake * numerator / denominator)}. Exact for every stake up to {@code Limits.AMOUNT_MAX}.
     */
    public long winnings(long stake) {
        if (stake < 0) {
            throw new IllegalArgumentException("stake must not be negative, got " + stake);
        }
        return Math.multiplyExact(stake, (long) numerator) / denominator;
    }

    @Override
    public String toString() {
        return numerator + ":" + denominator;
    }
}
