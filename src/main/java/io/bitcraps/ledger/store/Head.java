package io.bitcraps.ledger.store;

/** The {@code ledger_head} row: seq and chain hash of the last committed batch (seq 0 when empty). */
public record Head(long seq, byte[] hash) {}
