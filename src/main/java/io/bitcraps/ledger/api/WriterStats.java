package io.bitcraps.ledger.api;

/**
 * The writer's counters since the ledger opened: events and commits written, submissions taken and rejected,
 * batches that failed to commit, how long the last batch took from its start to COMMIT returning, and how many
 * submissions wait in the ring. Each is read without a lock, so together they are close, not exact.
 */
public record WriterStats(long events, long commits, long submissions, long rejections, long failedBatches,
                          long lastCommitNanos, long ringBacklog) {
    static WriterStats of(io.bitcraps.ledger.ingest.WriterStats s) {
        return new WriterStats(s.events(), s.commits(), s.submissions(), s.rejections(), s.failedBatches(),
                s.lastCommitNanos(), s.ringBacklog());
    }
}
