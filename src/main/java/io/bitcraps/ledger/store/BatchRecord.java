package io.bitcraps.ledger.store;

/**
 * One row of the {@code batches} table: a committed batch's seq range, its commit timestamp
 * (microseconds, UTC), the chain hash at {@code lastSeq} and its HMAC (null without a key). A log
 * migrated from before that table has one record for its whole earlier history (1..head).
 */
public record BatchRecord(long firstSeq, long lastSeq, long committedTs, byte[] headHash, byte[] hmac) {}
