package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;

import java.util.Optional;

/**
 * Every bet, open or settled, from the read model ({@link Ledger#bets()}): it trails the receipts by milliseconds
 * ({@link Ledger#awaitViews} gives read-your-writes). Thread-safe.
 */
public interface Bets {
    Optional<BetState> find(String gameId, String betId);

    /** The player's bets, newest first, a page at a time. */
    Page<BetState> byPlayer(String player, PageRequest page);

    /** The game's bets, newest first, a page at a time. */
    Page<BetState> byGame(String gameId, PageRequest page);
}
