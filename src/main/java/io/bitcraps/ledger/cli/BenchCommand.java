package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.bench.Bench;
import io.bitcraps.ledger.bench.BenchReport;
import io.bitcraps.ledger.api.Durability;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tools/ledger bench}: the performance figures of the ledger beside its baselines, measured
 * in one run on this machine. Prints a table (or JSON) with the targets; {@code --out} also writes
 * the JSON and two PNG charts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure the ledger against raw sqlite-jdbc and the naive design, in one run (see docs/performance.md).")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "about two minutes instead of ten to fifteen")
    boolean quick;

    @Option(names = "--smoke", description = "a check that the bench runs end to end, not a measurement: every phase of"
            + " --quick cut to 0.5-1 s (about 20 s in all), every figure still reported (BenchQuickE2E runs it);"
            + " implies --quick, and the report's mode reads \"quick, smoke\"")
    boolean smoke;

    @Option(names = "--log-first", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "the log-first commit (default): the durable transaction carries the log only, the read model is"
                    + " the views file beside the database; --no-log-first also writes the read model in the commit")
    boolean logFirst;

    @Option(names = "--no-pipeline", description = "commit each batch before deciding the next (the commit before the pipeline)")
    boolean noPipeline;

    @Option(names = "--json", description = "print the figures as JSON")
    boolean json;

    @Option(names = "--out", description = "write bench.json and PNG charts into this directory")
    Path out;

    @Option(names = "--dir", defaultValue = "target/bench", description = "work directory for the databases (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--durability", defaultValue = "full", description = "full (default) or normal")
    String durability;

    @Override
    public Integer call() throws Exception {
        Durability mode = Durability.valueOf(durability.toUpperCase(Locale.ROOT));
        Bench.Size size = smoke ? Bench.Size.SMOKE : quick ? Bench.Size.QUICK : Bench.Size.FULL;
        BenchReport r = new Bench(new Bench.Options(size, dir, mode, logFirst, !noPipeline,
                new BenchIngest(durability, logFirst)), System.err).run();
        String jsonText = toJson(r);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("bench.json"), jsonText + "\n", StandardCharsets.UTF_8);
            Bench.charts(r, out);
            System.err.println("bench: wrote " + out.resolve("bench.json") + " and charts");
        }
        System.out.println(json ? jsonText : toTable(r));
        return LedgerCli.EXIT_OK;
    }

    static String toTable(BenchReport r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "BitCraps Ledger bench (%s, durability %s) on %d cores, Java %s, %s%n", r.mode(),
                r.durability(), r.cores(), r.java(), r.startedAt()));
        if (r.mode().contains("smoke")) {
            s.append("  a smoke run (--smoke): it checks that the bench runs end to end; its figures are not measurements\n");
        }
        s.append(String.format(Locale.ROOT, "  %-18s %,14.0f rows/s     %s%n", "raw sqlite-jdbc", r.rawRowsPerSecond(),
                "log-only ceiling: the ledger's own rows, seq and idempotency key, executeBatch, 1,000 per transaction"));
        s.append(String.format(Locale.ROOT, "  %-18s %,14.0f rows/s     %s%n", "raw + old indexes", r.rawWithOldIndexesRowsPerSecond(),
                "information: the same with the events' game and player indexes"));
        s.append(String.format(Locale.ROOT, "  %-18s %,14.0f rows/s     %s%n", "naive (seed)", r.naiveRowsPerSecond(),
                "one transaction per event, HikariCP pool, 8 threads"));
        s.append(String.format(Locale.ROOT, "  %-18s %,14.0f events/s   %s%n", "ledger", r.ledgerEventsPerSecond(),
                String.format(Locale.ROOT, "8 producers, craps mix, %.1f events per commit", r.eventsPerCommit())));
        s.append(String.format(Locale.ROOT, "  %-18s %14.1f %%          target >= 75 %% %s%n", "ledger / raw",
                100 * r.ledgerOverRaw(), verdict(r.ledgerOverRaw() >= 0.75)));
        s.append(String.format(Locale.ROOT, "  %-18s %14.1f x          target >= 30 x %s%n", "ledger / naive",
                r.ledgerOverNaive(), verdict(r.ledgerOverNaive() >= 30)));
        s.append(String.format(Locale.ROOT, "  %-18s p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms at %,.0f events/s"
                        + "   target p99 <= 5 ms %s, p99.9 <= 20 ms %s%n", "latency @50%",
                r.latencyP50Micros() / 1e3, r.latencyP99Micros() / 1e3, r.latencyP999Micros() / 1e3, r.latencyMaxMicros() / 1e3,
                r.latencyTargetEventsPerSecond(), verdict(r.latencyP99Micros() <= 5_000), verdict(r.latencyP999Micros() <= 20_000)));
        if (r.viewsLagSamples() > 0) {
            s.append(String.format(Locale.ROOT, "  %-18s p50 %.1f ms, p99 %.1f ms (%,d samples, %,d never visible)"
                            + "   target p99 <= 250 ms %s; after the full-speed phase %,d events behind, caught up in %.1f s%n",
                    "views lag @50%", r.viewsLagP50Millis(), r.viewsLagP99Millis(), r.viewsLagSamples(), r.viewsLagTimeouts(),
                    verdict(r.viewsLagP99Millis() <= 250 && r.viewsLagTimeouts() == 0), r.viewsCatchUpEvents(),
                    r.viewsCatchUpSeconds()));
            s.append(String.format(Locale.ROOT, "  %-18s p50 %.1f ms, p99 %.1f ms (%,d samples)   a reader that waits for its"
                            + " receipt's seq (awaitViews)%n", "views wait @50%", r.viewsWaitLagP50Millis(),
                    r.viewsWaitLagP99Millis(), r.viewsWaitLagSamples()));
        }
        if (r.ingestEvents() > 0) {
            s.append(String.format(Locale.ROOT, "  %-18s %,14.0f events/s   %.1f %% of raw, target >= 50 %% %s (%,d events,"
                            + " the whole command)%n", "ingest", r.ingestEventsPerSecond(), 100 * r.ingestOverRaw(),
                    verdict(r.ingestOverRaw() >= 0.5), r.ingestEvents()));
        }
        if (r.viewsRebuildEvents() > 0) {
            s.append(String.format(Locale.ROOT, "  %-18s %,14.0f events/s   target >= 200,000 %s (the first %,d events"
                            + " from empty; all %,d at %,.0f events/s)%n",
                    "views rebuild", r.viewsRebuildEventsPerSecond(), verdict(r.viewsRebuildEventsPerSecond() >= 200_000),
                    r.viewsRebuildEvents(), r.viewsRebuildAllEvents(),
                    r.viewsRebuildAllSeconds() == 0 ? 0 : r.viewsRebuildAllEvents() / r.viewsRebuildAllSeconds()));
        }
        s.append(String.format(Locale.ROOT, "  %-18s %,14.0f events/s   %.2f of a fresh ledger's %,.0f, target >= 0.8 (at 10M) %s;"
                        + " holding %,d events%n", "filled ledger", r.filledEventsPerSecond(), r.filledOverEmpty(),
                r.emptyEventsPerSecond(), verdict(r.filledOverEmpty() >= 0.8), r.filledLedgerEvents()));
        s.append(String.format(Locale.ROOT, "  %-18s %,14.0f events/s   target >= 1,000,000 %s (%,d events, %d workers)%n",
                "audit", r.auditEventsPerSecond(), verdict(r.auditEventsPerSecond() >= 1_000_000), r.auditEvents(),
                r.auditWorkers()));
        s.append(String.format(Locale.ROOT, "  %-18s %,14.0f events/s   %s%n", "hash+decode limit",
                r.hashDecodeLimitEventsPerSecond(), String.format(Locale.ROOT,
                        "SHA-256 of every frame and a Smile decode of every payload, %d workers, no books", r.auditWorkers())));
        s.append(String.format(Locale.ROOT, "  %-18s %14.1f %%          target >= 50 %% %s%n", "audit / limit",
                100 * r.auditOverHashDecodeLimit(), verdict(r.auditOverHashDecodeLimit() >= 0.5)));
        s.append(String.format(Locale.ROOT, "  %-18s p50 %.0f ns, p99 %.0f ns   target p99 <= 1 us %s%n", "view lookup",
                r.viewLookupP50Nanos(), r.viewLookupP99Nanos(), verdict(r.viewLookupP99Nanos() <= 1_000)));
        s.append(String.format(Locale.ROOT, "  %-18s p50 %.0f us, p99 %.0f us uncached; p99 %.0f us cached   target p99 <= 200 us %s%n",
                "repository read", r.repoReadP50Micros(), r.repoReadP99Micros(), r.cachedRepoReadP99Micros(),
                verdict(r.repoReadP99Micros() <= 200)));
        s.append(String.format(Locale.ROOT, "  %-18s longest commit gap %.0f ms during a %.2f s backup of %,d MB   target <= 250 ms %s%n",
                "backup", r.backupLongestCommitGapMillis(), r.backupSeconds(), r.backupDatabaseBytes() >> 20,
                verdict(r.backupLongestCommitGapMillis() <= 250)));
        s.append("  batch cap curve   ");
        for (double[] p : r.throughputByBatchSize()) {
            s.append(String.format(Locale.ROOT, " %.0f: %,.0f/s", p[0], p[1]));
        }
        s.append(String.format(Locale.ROOT, "%n  elapsed %.0f s", r.elapsedSeconds()));
        return s.toString();
    }

    private static String verdict(boolean met) {
        return met ? "(met)" : "(NOT met)";
    }

    static String toJson(BenchReport r) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeStringProperty("mode", r.mode());
            g.writeStringProperty("durability", r.durability());
            g.writeNumberProperty("cores", r.cores());
            g.writeStringProperty("java", r.java());
            g.writeStringProperty("startedAt", r.startedAt());
            g.writeNumberProperty("rawRowsPerSecond", Math.round(r.rawRowsPerSecond()));
            g.writeNumberProperty("rawWithOldIndexesRowsPerSecond", Math.round(r.rawWithOldIndexesRowsPerSecond()));
            g.writeNumberProperty("naiveRowsPerSecond", Math.round(r.naiveRowsPerSecond()));
            g.writeNumberProperty("ledgerEventsPerSecond", Math.round(r.ledgerEventsPerSecond()));
            g.writeNumberProperty("eventsPerCommit", r.eventsPerCommit());
            g.writeNumberProperty("ledgerOverRaw", r.ledgerOverRaw());
            g.writeNumberProperty("ledgerOverNaive", r.ledgerOverNaive());
            g.writeName("latency");
            g.writeStartObject();
            g.writeNumberProperty("eventsPerSecond", Math.round(r.latencyTargetEventsPerSecond()));
            g.writeNumberProperty("p50Micros", r.latencyP50Micros());
            g.writeNumberProperty("p99Micros", r.latencyP99Micros());
            g.writeNumberProperty("p999Micros", r.latencyP999Micros());
            g.writeNumberProperty("maxMicros", r.latencyMaxMicros());
            g.writeNumberProperty("samples", r.latencySamples());
            g.writeEndObject();
            g.writeName("views");
            g.writeStartObject();
            g.writeNumberProperty("catchUpEvents", r.viewsCatchUpEvents());
            g.writeNumberProperty("catchUpSeconds", r.viewsCatchUpSeconds());
            g.writeNumberProperty("lagP50Millis", r.viewsLagP50Millis());
            g.writeNumberProperty("lagP99Millis", r.viewsLagP99Millis());
            g.writeNumberProperty("lagSamples", r.viewsLagSamples());
            g.writeNumberProperty("lagTimeouts", r.viewsLagTimeouts());
            g.writeNumberProperty("waitLagP50Millis", r.viewsWaitLagP50Millis());
            g.writeNumberProperty("waitLagP99Millis", r.viewsWaitLagP99Millis());
            g.writeNumberProperty("waitLagSamples", r.viewsWaitLagSamples());
            g.writeNumberProperty("rebuildEvents", r.viewsRebuildEvents());
            g.writeNumberProperty("rebuildSeconds", r.viewsRebuildSeconds());
            g.writeNumberProperty("rebuildEventsPerSecond", Math.round(r.viewsRebuildEventsPerSecond()));
            g.writeNumberProperty("rebuildAllEvents", r.viewsRebuildAllEvents());
            g.writeNumberProperty("rebuildAllSeconds", r.viewsRebuildAllSeconds());
            g.writeEndObject();
            g.writeName("filledLedger");
            g.writeStartObject();
            g.writeNumberProperty("events", r.filledLedgerEvents());
            g.writeNumberProperty("eventsPerSecond", Math.round(r.filledEventsPerSecond()));
            g.writeNumberProperty("emptyEventsPerSecond", Math.round(r.emptyEventsPerSecond()));
            g.writeNumberProperty("filledOverEmpty", r.filledOverEmpty());
            g.writeEndObject();
            g.writeName("ingest");
            g.writeStartObject();
            g.writeNumberProperty("events", r.ingestEvents());
            g.writeNumberProperty("seconds", r.ingestSeconds());
            g.writeNumberProperty("eventsPerSecond", Math.round(r.ingestEventsPerSecond()));
            g.writeNumberProperty("ingestOverRaw", r.ingestOverRaw());
            g.writeEndObject();
            g.writeNumberProperty("auditEventsPerSecond", Math.round(r.auditEventsPerSecond()));
            g.writeNumberProperty("auditEvents", r.auditEvents());
            g.writeNumberProperty("auditWorkers", r.auditWorkers());
            g.writeNumberProperty("hashDecodeLimitEventsPerSecond", Math.round(r.hashDecodeLimitEventsPerSecond()));
            g.writeNumberProperty("auditOverHashDecodeLimit", r.auditOverHashDecodeLimit());
            g.writeNumberProperty("viewLookupP50Nanos", r.viewLookupP50Nanos());
            g.writeNumberProperty("viewLookupP99Nanos", r.viewLookupP99Nanos());
            g.writeNumberProperty("repoReadP50Micros", r.repoReadP50Micros());
            g.writeNumberProperty("repoReadP99Micros", r.repoReadP99Micros());
            g.writeNumberProperty("cachedRepoReadP99Micros", r.cachedRepoReadP99Micros());
            g.writeNumberProperty("backupLongestCommitGapMillis", r.backupLongestCommitGapMillis());
            g.writeNumberProperty("backupSeconds", r.backupSeconds());
            g.writeNumberProperty("backupDatabaseBytes", r.backupDatabaseBytes());
            g.writeName("throughputByBatchCap");
            g.writeStartArray();
            for (double[] p : r.throughputByBatchSize()) {
                g.writeStartObject();
                g.writeNumberProperty("batchCap", (long) p[0]);
                g.writeNumberProperty("eventsPerSecond", Math.round(p[1]));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberProperty("elapsedSeconds", r.elapsedSeconds());
            g.writeEndObject();
        }
        return w.toString();
    }
}
