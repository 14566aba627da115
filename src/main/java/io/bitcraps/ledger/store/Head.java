package io.bitcraps.ledger.store;

/**
 * The {@code ledger_head} row: seq and chain hash of the last committed batch (seq 0 and a null
 * hash when nothing was committed yet), and the seq up to which the read model is current.
 */
public record Head(long seq, byte[] hash, long readModelSeq) {}
