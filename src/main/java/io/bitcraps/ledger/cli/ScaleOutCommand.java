package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.bench.ScaleOut;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The scale-out measurement ({@link ScaleOut}, docs/scale-out.md): shards written by floor loads,
 * each relayed into one topic and followed by a standby, at full speed then at half of it. With {@code --json} the
 * report is one JSON object on stdout ({@code schemas/cli/scale-out.schema.json}).
 */
@Command(name = "scale-out", mixinStandardHelpOptions = true,
        description = "Measure relay throughput and end-to-end lag of several ledgers into one Kafka topic.")
final class ScaleOutCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, HOST:PORT")
    String bootstrap;

    @Option(names = "--topic", description = "a topic that does not exist yet (default: scale-out-<time>)")
    String topic;

    @Option(names = "--dir", required = true, description = "directory for the shards and replicas (created)")
    Path dir;

    @Option(names = "--shards", defaultValue = "4", description = "ledgers (default: ${DEFAULT-VALUE})")
    int shards;

    @Option(names = "--seconds", defaultValue = "15", description = "measured seconds per phase (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "3", description = "unmeasured seconds first (default: ${DEFAULT-VALUE})")
    int warmUp;

    @Option(names = "--in-process-relay", description = "each ledger publishes itself (LedgerConfig.publishTo) instead of"
            + " a relay beside it")
    boolean inProcess;

    @Option(names = "--json", description = "print the report as JSON (schemas/cli/scale-out.schema.json)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (shards < 1 || shards > 64 || seconds < 1 || warmUp < 0) {
            throw new IllegalArgumentException("--shards 1..64, --seconds at least 1, --warmup-seconds at least 0");
        }
        if (Files.exists(dir) && Files.list(dir).findAny().isPresent()) {
            throw new IllegalArgumentException(dir + " is not empty");
        }
        String t = topic != null ? topic : "scale-out-" + System.currentTimeMillis();
        ScaleOut.Result r = ScaleOut.run(new ScaleOut.Settings(dir, bootstrap, t, shards, Duration.ofSeconds(seconds),
                Duration.ofSeconds(warmUp), inProcess));
        if (json) {
            System.out.println(json(t, r));
        } else {
            System.out.print(r.text());
        }
        return r.replicasMatch() && r.houseTotalLedgers() == r.houseTotalConsumer() ? LedgerCli.EXIT_OK
                : LedgerCli.EXIT_NOT_INTACT;
    }

    /** The report of {@code --json}: every figure of the text report, the phases in their order. */
    static String json(String topic, ScaleOut.Result r) {
        java.util.List<java.util.Map<String, Object>> phases = r.phases().stream().map(p -> JsonReport.object(
                "name", p.name(), "events_per_second", p.eventsPerSecond(), "published_per_second", p.publishedPerSecond(),
                "lag_p50_ms", p.lagP50Millis(), "lag_p99_ms", p.lagP99Millis(), "lag_max_ms", p.lagMaxMillis(),
                "batches", p.batches())).toList();
        return new JsonReport().put("topic", topic).put("shards", r.shards()).put("partitions", r.shards())
                .put("relay", r.inProcess() ? "in-process" : "beside").put("phases", phases).put("events", r.events())
                .put("replicas_match", r.replicasMatch()).put("house_total_ledgers", r.houseTotalLedgers())
                .put("house_total_consumer", r.houseTotalConsumer())
                .put("house_equal", r.houseTotalLedgers() == r.houseTotalConsumer()).line();
    }
}
