package io.bitcraps.ledger.domain;


/**
 * A bet as the projections know it. {@code settledSeq == 0} while it is open; after settlement
 * it keeps its outcome so that a second settlement is refused with the seq of the first.
 */
public record BetState(String gameId, String betId, String player, BetType betType, Integer point, long amount,
                       long placedSeq, long settledSeq, Outcome outcome, long winnings) {

    public boolean isOpen() {
        return settledSeq == 0;
    }

    public BetState settled(long seq, Outcome outcome, long winnings) {
        return new BetState(gameId, betId, player, betType, point, amount, placedSeq, seq, outcome, winnings);
    }
}
