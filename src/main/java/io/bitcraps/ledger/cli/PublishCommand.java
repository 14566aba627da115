package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.cdc.KafkaRelay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;

/**
 * The CDC relay as a process beside the writer: every committed batch into a Kafka topic, one
 * transaction per batch, exactly once for {@code read_committed} consumers ({@link KafkaRelay}).
 * Prints its progress and lag every {@code --status-seconds}; stops at SIGINT or SIGTERM, or once
 * the ledger is published up to {@code --until-seq}. Exit 0 when stopped, 1 when fenced by another
 * relay of the same ledger, 2 on a usage or I/O error. With {@code --json} each status line, and the last, is a JSON
 * object on a line of stdout ({@code schemas/cli/publish.schema.json}).
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Publish every committed batch to a Kafka topic, each in one transaction (runs beside a writer).")
final class PublishCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    KafkaTopicOptions kafka;

    @Mixin
    LedgerFileOption ledgerFile;

    @Option(names = "--until-seq", description = "exit once the ledger is published up to this seq")
    Long untilSeq;

    @Option(names = "--json", description = "status lines and the last one as JSON lines on stdout"
            + " (schemas/cli/publish.schema.json)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        KafkaRelay.Settings settings = KafkaRelay.Settings.of(ledgerFile.path, kafka.bootstrap, kafka.topic);
        if (untilSeq != null) {
            settings = settings.untilSeq(untilSeq);
        }
        KafkaRelay relay = new KafkaRelay(settings);
        System.err.println("publish: ledger " + relay.ledgerId() + " to topic " + kafka.topic + " at " + kafka.bootstrap
                + " (transactional id " + relay.transactionalId() + ")");
        KafkaRelay.State end;
        try (UntilSignal signal = json
                ? new UntilSignal("publish", kafka.statusSeconds, System.out, () -> json("status", relay),
                        () -> json("done", relay))
                : new UntilSignal("publish", kafka.statusSeconds, () -> line(relay.status()))) {
            end = relay.run(signal.stop);
            signal.finish();
        }
        return end == KafkaRelay.State.FENCED ? LedgerCli.EXIT_NOT_INTACT : LedgerCli.EXIT_OK;
    }

    /** One line of {@code --json}: {@code kind} is status (every {@code --status-seconds}) or done (the last). */
    static String json(String kind, KafkaRelay relay) {
        return json(kind, relay.ledgerId(), relay.status());
    }

    static String json(String kind, String ledgerId, KafkaRelay.Status s) {
        return new JsonReport().put("kind", kind).put("ledger", ledgerId).put("state", s.state().name())
                .put("published_seq", s.publishedSeq()).put("head_seq", s.headSeq()).put("lag_events", s.lagEvents())
                .put("lag_ms", s.lagMillis()).put("transactions", s.transactions()).put("retries", s.retries())
                .put("last_error", s.lastError()).line();
    }

    private static String line(KafkaRelay.Status s) {
        return String.format(Locale.ROOT, "publish: %s, published up to seq %,d of %,d (lag %,d events, %,d ms), %,d"
                        + " transactions, %d retries%s", s.state(), s.publishedSeq(), s.headSeq(), s.lagEvents(),
                s.lagMillis(), s.transactions(), s.retries(), s.lastError() == null ? "" : "; last error: " + s.lastError());
    }
}
