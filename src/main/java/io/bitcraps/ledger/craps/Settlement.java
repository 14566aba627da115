package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.domain.Outcome;

/** A bet a roll resolved, and how: {@code new SettleBet(gameId, s.betId(), s.outcome(), s.winnings())}. */
public record Settlement(OpenBet bet, Resolution resolution) {
    public Settlement {
        if (bet == null || resolution == null || resolution.isOpen()) {
            throw new IllegalArgumentException("a settlement needs a bet and a decided resolution");
        }
    }

    public String betId() {
        return bet.betId();
    }

    /** WIN, LOSE or PUSH (never VOID: voiding is the caller's act, at close). */
    public Outcome outcome() {
        return resolution.outcome();
    }

    /** Chips won on top of the returned stake; 0 unless WIN. */
    public long winnings() {
        return resolution.winnings();
    }
}
