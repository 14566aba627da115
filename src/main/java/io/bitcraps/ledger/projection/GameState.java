package io.bitcraps.ledger.projection;

import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * A game as the projections know it. While the game is open {@code bets} holds every bet placed
 * in it, open or settled, so that bet ids stay unique within the game; when it closes they are
 * dropped (a closed game refuses every bet command anyway) to keep memory bounded by open games.
 */
public record GameState(String gameId, String tableId, boolean open, long openedSeq, long closedSeq,
                        int rolls, int lastDie1, int lastDie2, int openBetCount, PMap<String, BetState> bets) {

    static GameState opened(String gameId, String tableId, long seq) {
        return new GameState(gameId, tableId, true, seq, 0, 0, 0, 0, 0, HashTreePMap.empty());
    }

    public BetState bet(String betId) {
        return bets.get(betId);
    }

    GameState withBet(BetState bet, int openBetDelta) {
        return new GameState(gameId, tableId, open, openedSeq, closedSeq, rolls, lastDie1, lastDie2,
                openBetCount + openBetDelta, bets.plus(bet.betId(), bet));
    }

    GameState rolled(int die1, int die2) {
        return new GameState(gameId, tableId, open, openedSeq, closedSeq, rolls + 1, die1, die2, openBetCount, bets);
    }

    GameState closed(long seq) {
        return new GameState(gameId, tableId, false, openedSeq, seq, rolls, lastDie1, lastDie2, 0, HashTreePMap.empty());
    }
}
