package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.store.Durability;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.LogLookups;
import io.bitcraps.ledger.store.StoreOptions;
import io.bitcraps.ledger.store.WriterLock;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

/**
 * Failover: makes a standby replica ({@code tools/ledger replicate}) a writable primary under a new
 * epoch, recorded in its log as an EPOCH_STARTED event, so that the log says from which seq on it was
 * written by whom. Its relay then publishes under that epoch, and standbys that apply it skip every
 * later record of the former primary (an older epoch). Stop the standby first (it holds the lock).
 * <p>
 * Two steps, each durable: the standby mark becomes a promotion mark, then the epoch event is
 * committed and the mark removed; a promotion interrupted between them is finished by running it
 * again.
 */
@picocli.CommandLine.Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Make a standby replica a writable primary under a new epoch recorded in its log.")
final class PromoteCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--db", required = true, description = "the standby's database file")
    Path db;

    @Option(names = "--reason", defaultValue = "promoted from standby", description = "recorded with the epoch")
    String reason;

    private static final String PENDING = "promotion_pending";

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(db)) {
            throw new IllegalArgumentException("no database at " + db);
        }
        String topic;
        long epoch;
        try (WriterLock lock = WriterLock.acquire(db);
             Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL))) {
            topic = LedgerDatabase.standbyOf(conn);
            Long pendingEpoch = null;
            try (Statement st = conn.createStatement();
                 var rs = st.executeQuery("SELECT value FROM ledger_meta WHERE name = '" + PENDING + "'")) {
                if (rs.next()) {
                    pendingEpoch = Long.parseLong(rs.getString(1));
                }
            }
            boolean pending = pendingEpoch != null;
            if (topic == null && !pending) {
                System.err.println("ledger promote: " + db + " is not a standby (it is a primary already)");
                return LedgerCli.EXIT_ERROR;
            }
            long inLog = LogLookups.epochStarts(conn).size();
            if (pending && inLog >= pendingEpoch) {
                // interrupted after its epoch was committed: only the mark is left to remove
                try (Statement st = conn.createStatement()) {
                    st.executeUpdate("DELETE FROM ledger_meta WHERE name = '" + PENDING + "'");
                }
                System.out.println("promote: " + db + " is a primary in epoch " + inLog + " (finished an interrupted"
                        + " promotion)");
                return LedgerCli.EXIT_OK;
            }
            epoch = inLog + 1;
            try (Statement st = conn.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                st.executeUpdate("DELETE FROM ledger_meta WHERE name IN ('standby_of', 'standby_next_offset')");
                st.executeUpdate("INSERT OR REPLACE INTO ledger_meta(name, value) VALUES ('" + PENDING + "', '" + epoch + "')");
                st.execute("COMMIT");
            }
        }
        Receipt receipt;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO)
                .build())) {
            receipt = ledger.submit(new Command.StartEpoch(epoch, reason)).get();
        }
        try (WriterLock lock = WriterLock.acquire(db);
             Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL));
             Statement st = conn.createStatement()) {
            st.executeUpdate("DELETE FROM ledger_meta WHERE name = '" + PENDING + "'");
        }
        System.out.println("promote: " + db + " is a primary in epoch " + epoch + " from seq " + receipt.seq()
                + (topic == null ? "" : " (it was the standby of topic " + topic + ")")
                + "; publish it with tools/ledger publish, under transactional id suffix -e" + epoch);
        return LedgerCli.EXIT_OK;
    }
}
