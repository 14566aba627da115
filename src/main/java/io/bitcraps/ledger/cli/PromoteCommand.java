package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.cdc.Promotion;
import io.bitcraps.ledger.domain.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Failover: makes a standby replica ({@code tools/ledger replicate}) a writable primary under a new
 * epoch, recorded in its log as an EPOCH_STARTED event ({@link Promotion}: the steps, and how an
 * interrupted promotion is finished by running it again). Stop the standby first (it holds the lock).
 * The EPOCH_STARTED event is committed through the ledger's own writer, opened here without backups
 * or health checks.
 */
@picocli.CommandLine.Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Make a standby replica a writable primary under a new epoch recorded in its log.")
final class PromoteCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--db", required = true, description = "the standby's database file")
    Path db;

    @Option(names = "--reason", defaultValue = "promoted from standby", description = "recorded with the epoch")
    String reason;

    @Option(names = "--json", description = "print the result as JSON (schemas/cli/promote.schema.json)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Promotion.Result r = Promotion.promote(db, reason, (epoch, why) -> {
            try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                    .healthInterval(Duration.ZERO).build())) {
                return ledger.submit(new Command.StartEpoch(epoch, why)).get().seq();
            }
        });
        if (json && r.outcome() != Promotion.Outcome.NOT_A_STANDBY) {
            new JsonReport().put("db", db.toString()).put("outcome", r.outcome().name()).put("epoch", r.epoch())
                    .put("seq", r.seq()).put("former_topic", r.formerTopic()).print();
            return LedgerCli.EXIT_OK;
        }
        switch (r.outcome()) {
            case NOT_A_STANDBY -> {
                String message = db + " is not a standby (it is a primary already)";
                System.err.println("ledger promote: " + message);
                if (json) {
                    LedgerCli.printJsonError(new java.io.PrintWriter(System.out, true, java.nio.charset.StandardCharsets.UTF_8),
                            "NOT_A_STANDBY", message);
                }
                return LedgerCli.EXIT_ERROR;
            }
            case FINISHED_INTERRUPTED -> System.out.println("promote: " + db + " is a primary in epoch " + r.epoch()
                    + " (finished an interrupted promotion)");
            case PROMOTED -> System.out.println("promote: " + db + " is a primary in epoch " + r.epoch() + " from seq " + r.seq()
                    + (r.formerTopic() == null ? "" : " (it was the standby of topic " + r.formerTopic() + ")")
                    + "; publish it with tools/ledger publish, under transactional id suffix -e" + r.epoch());
        }
        return LedgerCli.EXIT_OK;
    }
}
