package io.bitcraps.ledger.e2e;

import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tools/ledger bench --smoke --json} works end to end and reports every figure of the
 * performance issue. It checks the harness, not the targets: a shared CI machine cannot promise
 * speed, and the targets are judged on the recorded full run (docs/performance.md). {@code --smoke}
 * is the quick run with every phase cut to 0.5–1 s: the same phases, the same report, the same
 * charts, in about a fifth of the time; its figures are not measurements (so none is judged here
 * beyond being there and consistent).
 */
class BenchQuickE2E {
    private static final Path ROOT = Path.of("").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void theSmokeBenchRunsEveryPhaseAndReportsEveryFigure() throws Exception {
        Path out = dir.resolve("out");
        Process p = new ProcessBuilder(ROOT.resolve("tools/ledger").toString(), "bench", "--smoke", "--json",
                "--dir", dir.resolve("work").toString(), "--out", out.toString())
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile())
                .start();
        long t0 = System.nanoTime();
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("bench --smoke finished").isTrue();
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("BenchQuickE2E: bench --smoke took %.0f s%n", seconds);
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("stderr"))).isZero();
        // every phase ran (the progress on stderr names each, and ends with the run's total)
        assertThat(Files.readString(dir.resolve("stderr"))).contains("bench: warm-up", "bench: ledger at full speed",
                "bench: raw sqlite-jdbc limit", "bench: raw sqlite-jdbc with the events' old secondary indexes",
                "bench: naive baseline", "bench: open-loop latency", "bench: views lag at 50% load for a reader that waits",
                "bench: reads at 50% write load", "bench: audit of the database just written", "bench: hash+decode limit",
                "bench: backup while the writer commits", "bench: views file rebuilt", "bench: throughput by batch cap",
                "bench: throughput on the bench ledger", "bench: tools/ledger ingest", "bench: smoke run done");
        JsonNode r = JsonMapper.shared().readTree(Files.readString(dir.resolve("stdout")));
        for (String field : List.of("rawRowsPerSecond", "rawWithOldIndexesRowsPerSecond", "naiveRowsPerSecond", "ledgerEventsPerSecond", "ledgerOverRaw",
                "ledgerOverNaive", "auditEventsPerSecond", "hashDecodeLimitEventsPerSecond", "auditOverHashDecodeLimit",
                "auditWorkers", "viewLookupP99Nanos", "repoReadP99Micros",
                "backupLongestCommitGapMillis")) {
            assertThat(r.get(field).doubleValue()).as(field).isPositive();
        }
        assertThat(r.get("latency").get("p99Micros").doubleValue()).isPositive();
        assertThat(r.get("latency").get("p999Micros").doubleValue()).isGreaterThanOrEqualTo(r.get("latency").get("p99Micros").doubleValue());
        assertThat(r.get("throughputByBatchCap").size()).isGreaterThanOrEqualTo(3);
        // log-first (the default): the views file's lag behind the commits is measured during the latency run
        assertThat(r.get("mode").asString()).contains("log-first");
        // a smoke run says so: its figures are not to be read as a quick or full bench's
        assertThat(r.get("mode").asString()).startsWith("quick, smoke");
        // the other targets of issue #12: a views rebuild, a filled ledger against a fresh one, ingest from JSON Lines
        assertThat(r.get("views").get("rebuildEvents").longValue()).isGreaterThan(r.get("views").get("catchUpEvents").longValue());
        assertThat(r.get("views").get("rebuildEventsPerSecond").doubleValue()).isPositive();
        assertThat(r.get("filledLedger").get("events").longValue()).isGreaterThanOrEqualTo(r.get("views").get("rebuildEvents").longValue());
        assertThat(r.get("filledLedger").get("filledOverEmpty").doubleValue()).isPositive();
        // at most the first 100,000 events of the bench ledger, whole submissions only
        assertThat(r.get("ingest").get("events").longValue()).isPositive().isLessThanOrEqualTo(100_000L);
        assertThat(r.get("ingest").get("ingestOverRaw").doubleValue()).isPositive();
        assertThat(r.get("views").get("lagSamples").longValue()).isPositive();
        // every sampled receipt became visible to the polling reader: none is dropped from the figure
        assertThat(r.get("views").get("lagTimeouts").longValue()).isZero();
        assertThat(r.get("views").get("waitLagSamples").longValue()).isPositive();
        assertThat(r.get("views").get("rebuildAllEvents").longValue()).isGreaterThanOrEqualTo(r.get("views").get("rebuildEvents").longValue());
        assertThat(r.get("views").get("lagP99Millis").doubleValue()).isGreaterThanOrEqualTo(r.get("views").get("lagP50Millis").doubleValue())
                .isPositive();
        assertThat(out.resolve("bench.json")).exists();
        // stdout and the file --out writes are the same document, every figure in it as schemas/cli/bench.schema.json says
        JsonNode written = JsonMapper.shared().readTree(Files.readString(out.resolve("bench.json")));
        assertThat(written).isEqualTo(r);
        assertThat(OutputSchemas.errors("schemas/cli/bench.schema.json", r)).as("bench --json against its schema: %s", r)
                .isEmpty();
        assertThat(OutputSchemas.errors("schemas/cli/bench.schema.json",
                ((tools.jackson.databind.node.ObjectNode) r.deepCopy()).without("ingest"))).isNotEmpty();
        assertThat(Files.size(out.resolve("throughput-by-batch-cap.png"))).isPositive();
        assertThat(Files.size(out.resolve("latency-percentiles.png"))).isPositive();
        // the harness's own budget; on a quiet 2-core machine it takes about 20 s
        assertThat(seconds).isLessThan(120);
    }
}
