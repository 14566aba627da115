package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.feed.Subscriptions;
import io.bitcraps.ledger.internal.FileModes;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.StoredCheckpoint;
import io.bitcraps.ledger.store.SubscriptionCheckpoints;
import io.bitcraps.ledger.store.WriterLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.sql.Connection;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tools/ledger subscriptions}: the checkpoints in {@code <db>.subscriptions}, each checked
 * against the log (a restore or recover can leave one past the log's head or on another
 * history), and {@code --reset NAME} to forget one while the ledger is stopped.
 */
@Command(name = "subscriptions", mixinStandardHelpOptions = true,
        description = "List the subscription checkpoints of a ledger and check them against its log; --reset forgets one.")
final class SubscriptionsCommand implements Callable<Integer> {
    @Mixin
    LedgerFileOption ledgerFile;

    @Option(names = "--reset", paramLabel = "NAME", description = "forget this subscription's checkpoint (the ledger must"
            + " be stopped): From.checkpoint() then starts at seq 1")
    String reset;

    @Override
    public Integer call() throws Exception {
        if (reset != null) {
            return reset();
        }
        List<StoredCheckpoint> all = SubscriptionCheckpoints.readAll(ledgerFile.path);
        if (all.isEmpty()) {
            System.out.println("no subscription checkpoints beside " + ledgerFile.path);
            return LedgerCli.EXIT_OK;
        }
        try (Connection conn = LedgerDatabase.openReadOnly(ledgerFile.path)) {
            long head = EventReader.maxSeq(conn);
            for (StoredCheckpoint c : all) {
                System.out.println(c.name() + "  seq " + c.seq() + "  (written " + Instant.ofEpochSecond(
                        c.updatedMicros() / 1_000_000, (c.updatedMicros() % 1_000_000) * 1_000) + ")  " + verdict(conn, c, head));
            }
        }
        return LedgerCli.EXIT_OK;
    }

    private static String verdict(Connection conn, StoredCheckpoint c, long head) throws java.sql.SQLException {
        byte[] logHash = EventReader.hashAt(conn, c.seq());
        if (logHash == null) {
            return "NOT IN THE LOG: the log ends at seq " + head + " (restored or recovered to an earlier point?);"
                    + " subscribing from it is refused until --reset";
        }
        if (!Arrays.equals(logHash, c.hash())) {
            return "ANOTHER HISTORY: its chain hash " + Hex.of(c.hash()) + " is not the log's " + Hex.of(logHash)
                    + "; subscribing from it is refused until --reset";
        }
        return "in the log (" + (head - c.seq()) + " event(s) behind the head, seq " + head + ")";
    }

    private int reset() throws Exception {
        Subscriptions.requireValidName(reset);
        if (!Files.isRegularFile(SubscriptionCheckpoints.fileOf(ledgerFile.path.toAbsolutePath()))) {
            System.err.println("ledger subscriptions: no checkpoint file beside " + ledgerFile.path + "; nothing to reset");
            return LedgerCli.EXIT_OK;
        }
        // the running ledger owns the checkpoint file: taking its lock proves it is stopped
        try (WriterLock lock = WriterLock.acquire(ledgerFile.path);
             SubscriptionCheckpoints checkpoints = SubscriptionCheckpoints.open(ledgerFile.path, FileModes.OWNER_ONLY, 5_000)) {
            StoredCheckpoint old = checkpoints.delete(reset);
            System.out.println(old == null ? "no checkpoint stored for " + reset
                    : "checkpoint of " + reset + " at seq " + old.seq() + " forgotten; From.checkpoint() starts at seq 1");
        }
        return LedgerCli.EXIT_OK;
    }
}
