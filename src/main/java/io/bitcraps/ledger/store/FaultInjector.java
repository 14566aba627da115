package io.bitcraps.ledger.store;

import java.sql.SQLException;

/**
 * A hook for fault-injection tests: called by the writer right before each COMMIT, it may throw
 * the SQLException a failing disk would (an I/O error, a full disk). Production configurations
 * leave it unset; the cost when unset is one null check per batch.
 */
@FunctionalInterface
public interface FaultInjector {
    void beforeCommit(long firstSeq, long lastSeq) throws SQLException;
}
