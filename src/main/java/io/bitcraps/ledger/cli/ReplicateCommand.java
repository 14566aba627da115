package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.HmacKey;
import io.bitcraps.ledger.cdc.Standby;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A verified standby: applies a ledger's records from a Kafka topic to a replica ledger file
 * ({@link Standby}), checking the chain (and with {@code --key} each batch's HMAC) as it goes.
 * Stops at SIGINT or SIGTERM, or once applied up to {@code --until-seq}; refuses a gap, a reorder
 * or a tampered record and exits 1 naming its seq, with nothing after it applied. With {@code --json} each status
 * line, and the last (with the refusal, if any), is a JSON object on a line of stdout
 * ({@code schemas/cli/replicate.schema.json}).
 */
@Command(name = "replicate", mixinStandardHelpOptions = true,
        description = "Apply a ledger's records from a Kafka topic to a replica ledger, verifying the chain.")
final class ReplicateCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    KafkaTopicOptions kafka;

    @Option(names = "--db", required = true, description = "the replica's database file (created when missing)")
    Path db;

    @Option(names = "--ledger", description = "the ledger id to follow (default: the replica's, or the topic's first)")
    String ledger;

    @Option(names = "--key", description = "HMAC key file: apply only batches whose signature verifies")
    Path keyFile;

    @Option(names = "--until-seq", description = "exit once applied up to this seq")
    Long untilSeq;

    @Option(names = "--json", description = "status lines and the last one as JSON lines on stdout"
            + " (schemas/cli/replicate.schema.json)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Standby.Settings settings = Standby.Settings.of(db, kafka.bootstrap, kafka.topic);
        if (ledger != null) {
            settings = settings.ledger(ledger);
        }
        if (keyFile != null) {
            settings = settings.withKey(HmacKey.read(keyFile));
        }
        if (untilSeq != null) {
            settings = settings.untilSeq(untilSeq);
        }
        try (Standby standby = new Standby(settings)) {
            System.err.println("replicate: ledger " + standby.ledgerId() + " from topic " + kafka.topic + " into " + db
                    + (keyFile == null ? "" : ", batch signatures checked"));
            try (UntilSignal signal = json
                    ? new UntilSignal("replicate", kafka.statusSeconds, System.out,
                            () -> json("status", standby.status(), null), () -> json("done", standby.status(), null))
                    : new UntilSignal("replicate", kafka.statusSeconds, () -> line(standby.status()))) {
                standby.run(signal.stop);
                signal.finish();
            } catch (Standby.Refused refused) {
                System.err.println("replicate: " + refused.getMessage() + "; stopped, nothing after seq "
                        + standby.status().appliedSeq() + " applied");
                if (json) {
                    System.out.println(json("done", standby.status(), refused.getMessage()));
                    System.out.flush();
                }
                return LedgerCli.EXIT_NOT_INTACT;
            }
        }
        return LedgerCli.EXIT_OK;
    }

    /**
     * One line of {@code --json}: {@code kind} is status (every {@code --status-seconds}) or done (the last);
     * {@code refused} is why the standby stopped at a record it would not apply, or null.
     */
    static String json(String kind, Standby.Status s, String refused) {
        return new JsonReport().put("kind", kind).put("ledger", s.ledgerId()).put("applied_seq", s.appliedSeq())
                .put("batches_applied", s.batchesApplied()).put("lag_records", s.lagRecords())
                .put("last_batch_lag_ms", s.lastBatchLagMillis()).put("epoch", s.epoch())
                .put("fenced_records", s.fencedRecords()).put("truncated_events", s.truncatedEvents())
                .put("refused", refused).line();
    }

    private static String line(Standby.Status s) {
        return String.format(Locale.ROOT, "replicate: applied up to seq %,d (%,d batches; lag %,d records, last batch"
                + " %,d ms after its commit)", s.appliedSeq(), s.batchesApplied(), s.lagRecords(), s.lastBatchLagMillis());
    }
}
