package io.bitcraps.ledger.sim;

import io.bitcraps.ledger.domain.BetType;

import java.util.EnumMap;
import java.util.Map;

/** What one table did, in numbers; one thread writes it, {@link #add} merges the tables at the end. */
final class Tally {
    long games;
    long rolls;
    final long[] placed = new long[BetType.values().length];
    long staked;
    long wins;
    long winningsPaid;
    long losses;
    long stakesLost;
    long pushes;
    long voids;

    void add(Tally o) {
        games += o.games;
        rolls += o.rolls;
        for (int i = 0; i < placed.length; i++) {
            placed[i] += o.placed[i];
        }
        staked += o.staked;
        wins += o.wins;
        winningsPaid += o.winningsPaid;
        losses += o.losses;
        stakesLost += o.stakesLost;
        pushes += o.pushes;
        voids += o.voids;
    }

    Map<BetType, Long> placedByType() {
        Map<BetType, Long> m = new EnumMap<>(BetType.class);
        for (BetType t : BetType.values()) {
            m.put(t, placed[t.ordinal()]);
        }
        return m;
    }
}
