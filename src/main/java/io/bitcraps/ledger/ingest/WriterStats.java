package io.bitcraps.ledger.ingest;

/** Counters of the writer since open, read without locking (each is written by one thread: deciding or committing). */
public record WriterStats(long events, long commits, long submissions, long rejections, long failedBatches,
                          long lastCommitNanos, long ringBacklog) {}
