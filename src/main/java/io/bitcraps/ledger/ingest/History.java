package io.bitcraps.ledger.ingest;

import io.bitcraps.ledger.domain.Account;

/**
 * What the ledger once held that the writer's memory no longer does: games that closed, accounts
 * whose balance came back to zero ({@code projection.LedgerState} keeps only what is live). The
 * rules ask it only where the answer changes a decision: a game id may never be opened twice, a
 * command for a closed game is refused as closed rather than unknown, and a player at zero is
 * short of funds rather than unknown. Only the first of these is on a path that succeeds (one
 * lookup per game opened); the others are asked on the way to a refusal.
 * <p>
 * The writer's answer covers its committed rows and the batch in flight, whose rows are not
 * written yet. A lookup that fails throws {@link Unavailable}: the submission fails as retryable.
 */
interface History {
    boolean gameEverOpened(String gameId);

    boolean accountEverPosted(Account account);

    /** The primary epoch the log is in: the EPOCH_STARTED events it holds (asked only when one is submitted). */
    long epoch();

    /** True if a provably fair game ever opened with this commitment (asked once per fair game opened). */
    boolean commitmentEverUsed(String commitment);

    /** The lookup could not be made (an I/O error); nothing is decided. */
    final class Unavailable extends RuntimeException {
        Unavailable(String what, Throwable cause) {
            super(what, cause);
        }
    }
}
