package io.bitcraps.ledger.bench;

import java.util.List;

/**
 * Every figure of one bench run, measured on the same machine, in the same directory, with the
 * same durability mode, so the ratios compare like with like. {@code rawRowsPerSecond} is the
 * log-only ceiling (the event rows keyed by seq and the unique idempotency key, nothing else);
 * {@code rawWithOldIndexesRowsPerSecond} the same rows with the events' game and player indexes
 * too, for information. {@code hashDecodeLimitEventsPerSecond}
 * is the machine's hash+decode limit on the audited file with {@code auditWorkers} workers, the
 * audit's as well. With the views file (log-first): {@code viewsCatchUpEvents} how far the views
 * were behind after the full-speed phase, caught up in {@code viewsCatchUpSeconds} before the
 * latency run; {@code viewsLag*} from a durable receipt to its seq being visible in SQL reads,
 * during the latency run, as a reader that polls the watermark sees it (target p99 <= 250 ms;
 * {@code viewsLagTimeouts} samples never became visible within 30 s); {@code viewsWaitLag*} the
 * same for a reader that waits for its seq ({@code Ledger.awaitViews}), in a shorter run of its
 * own; zero without the views file. {@code viewsRebuild*} covers the first million events of the
 * log (the target's size), {@code viewsRebuildAll*} the whole bench ledger.
 */
public record BenchReport(String mode, String durability, int cores, String java, String startedAt,
                          double rawRowsPerSecond, double rawWithOldIndexesRowsPerSecond, double naiveRowsPerSecond,
                          double ledgerEventsPerSecond, double eventsPerCommit,
                          double latencyTargetEventsPerSecond, double latencyP50Micros, double latencyP99Micros,
                          double latencyP999Micros, double latencyMaxMicros, long latencySamples,
                          double auditEventsPerSecond, long auditEvents,
                          double hashDecodeLimitEventsPerSecond, int auditWorkers,
                          double viewLookupP50Nanos, double viewLookupP99Nanos,
                          double repoReadP50Micros, double repoReadP99Micros, double cachedRepoReadP99Micros,
                          double backupLongestCommitGapMillis, double backupSeconds, long backupDatabaseBytes,
                          List<double[]> throughputByBatchSize, List<double[]> latencyPercentiles,
                          long viewsCatchUpEvents, double viewsCatchUpSeconds, double viewsLagP50Millis,
                          double viewsLagP99Millis, long viewsLagSamples, long viewsLagTimeouts,
                          double viewsWaitLagP50Millis, double viewsWaitLagP99Millis, long viewsWaitLagSamples,
                          long viewsRebuildEvents, double viewsRebuildSeconds,
                          long viewsRebuildAllEvents, double viewsRebuildAllSeconds,
                          long filledLedgerEvents, double filledEventsPerSecond, double emptyEventsPerSecond,
                          long ingestEvents, double ingestSeconds, double elapsedSeconds) {

    /** Events per second of a views file built from empty out of the bench ledger's log; target 200k on a 1M-event log. */
    public double viewsRebuildEventsPerSecond() {
        return viewsRebuildSeconds == 0 ? 0 : viewsRebuildEvents / viewsRebuildSeconds;
    }

    /** Throughput on the bench ledger once it holds {@code filledLedgerEvents}, over a fresh one; target 0.8 at 10M. */
    public double filledOverEmpty() {
        return emptyEventsPerSecond == 0 ? 0 : filledEventsPerSecond / emptyEventsPerSecond;
    }

    /** {@code tools/ledger ingest} of JSON Lines commands, whole command (open, parse, submit, receipts, close). */
    public double ingestEventsPerSecond() {
        return ingestSeconds == 0 ? 0 : ingestEvents / ingestSeconds;
    }

    /** Ingest over the log-only ceiling; target 0.5. */
    public double ingestOverRaw() {
        return rawRowsPerSecond == 0 ? 0 : ingestEventsPerSecond() / rawRowsPerSecond;
    }


    public double ledgerOverRaw() {
        return rawRowsPerSecond == 0 ? 0 : ledgerEventsPerSecond / rawRowsPerSecond;
    }

    public double ledgerOverNaive() {
        return naiveRowsPerSecond == 0 ? 0 : ledgerEventsPerSecond / naiveRowsPerSecond;
    }

    /** How much of the machine's hash+decode limit the whole audit achieves; the target is at least half. */
    public double auditOverHashDecodeLimit() {
        return hashDecodeLimitEventsPerSecond == 0 ? 0 : auditEventsPerSecond / hashDecodeLimitEventsPerSecond;
    }
}
