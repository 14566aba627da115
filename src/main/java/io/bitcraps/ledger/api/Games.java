package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.GameSummary;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;

import java.util.Optional;

/**
 * Every game the ledger ever opened, from the read model ({@link Ledger#games()}): it trails the receipts by
 * milliseconds ({@link Ledger#awaitViews} gives read-your-writes). Thread-safe.
 */
public interface Games {
    Optional<GameSummary> find(String gameId);

    /** The table's games, newest first, a page at a time. */
    Page<GameSummary> byTable(String tableId, PageRequest page);
}
