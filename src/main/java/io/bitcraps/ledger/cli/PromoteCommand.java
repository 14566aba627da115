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

    @Override
    public Integer call() throws Exception {
        Promotion.Result r = Promotion.promote(db, reason, (epoch, why) -> {
            try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                    .healthInterval(Duration.ZERO).build())) {
                return ledger.submit(new Command.StartEpoch(epoch, why)).get().seq();
            }
        });
        switch (r.outcome()) {
            case NOT_A_STANDBY -> {
                System.err.println("ledger promote: " + db + " is not a standby (it is a primary already)");
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
