package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.craps.GameTable;
import io.bitcraps.ledger.domain.BetState;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * A game as the projections know it. While the game is open {@code bets} holds every bet placed
 * in it, open or settled, so that bet ids stay unique within the game. When it closes the whole
 * game leaves the writer's memory (a closed game refuses every command, and the persisted read
 * model keeps it and its bets), so memory is bounded by the open games; a closed game value (no
 * bets, {@code open} false) exists only on its way to the read model.
 * <p>
 * {@code point} is the puck, derived from the rolls by the standard rule: off (0) on the come-out;
 * a come-out 4, 5, 6, 8, 9 or 10 sets it; the point or a 7 takes it off again.
 * <p>
 * {@code table} is the rulebook's view of the open game ({@link GameTable}): what each bet rides on and what
 * the rolls decided, for the writer to judge placements and settlements by. It is derived from the game's
 * events like the rest, but it is not part of the {@link StateDigest} nor of the read model's rows: null in a
 * game loaded from rows until the loader rebuilds it from the log ({@link Tables}), and null for a closed game.
 */
public record GameState(String gameId, String tableId, boolean open, long openedSeq, long closedSeq,
                        int rolls, int lastDie1, int lastDie2, int point, int openBetCount,
                        PMap<String, BetState> bets, GameTable table) {

    static GameState opened(String gameId, String tableId, long seq, GameTable table) {
        return new GameState(gameId, tableId, true, seq, 0, 0, 0, 0, 0, 0, HashTreePMap.empty(), table);
    }

    public BetState bet(String betId) {
        return bets.get(betId);
    }

    GameState withBet(BetState bet, int openBetDelta, GameTable newTable) {
        return new GameState(gameId, tableId, open, openedSeq, closedSeq, rolls, lastDie1, lastDie2, point,
                openBetCount + openBetDelta, bets.plus(bet.betId(), bet), newTable);
    }

    GameState withTable(GameTable newTable) {
        return new GameState(gameId, tableId, open, openedSeq, closedSeq, rolls, lastDie1, lastDie2, point,
                openBetCount, bets, newTable);
    }

    GameState rolled(int die1, int die2, GameTable newTable) {
        int total = die1 + die2;
        int puck;
        if (point == 0) {
            puck = total == 4 || total == 5 || total == 6 || total == 8 || total == 9 || total == 10 ? total : 0;
        } else {
            puck = total == point || total == 7 ? 0 : point;
        }
        return new GameState(gameId, tableId, open, openedSeq, closedSeq, rolls + 1, die1, die2, puck, openBetCount, bets,
                newTable);
    }

    GameState closed(long seq) {
        return new GameState(gameId, tableId, false, openedSeq, seq, rolls, lastDie1, lastDie2, point, 0,
                HashTreePMap.empty(), null);
    }

    /** A game as loaded from the read model or a snapshot; {@code bets} holds the bets of an open game. */
    static GameState loaded(String gameId, String tableId, boolean open, long openedSeq, long closedSeq, int rolls,
                            int lastDie1, int lastDie2, int point, int openBetCount, PMap<String, BetState> bets,
                            GameTable table) {
        return new GameState(gameId, tableId, open, openedSeq, closedSeq, rolls, lastDie1, lastDie2, point, openBetCount,
                bets, table);
    }
}
