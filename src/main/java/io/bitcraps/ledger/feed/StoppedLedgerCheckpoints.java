package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.internal.FileModes;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.StoredCheckpoint;
import io.bitcraps.ledger.store.SubscriptionCheckpoints;
import io.bitcraps.ledger.store.WriterLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The subscription checkpoints of a ledger file, from outside the ledger ({@code tools/ledger subscriptions}):
 * each checked against the log (a restore or recover can leave one past the log's head or on another
 * history), and one forgotten while the ledger is stopped. A running ledger does the same through
 * {@code Ledger.subscriptions()}.
 */
public final class StoppedLedgerCheckpoints {
    private StoppedLedgerCheckpoints() {
    }

    /** What the log says of a stored checkpoint. */
    public enum Verdict {
        /** the log holds its seq with its chain hash: subscribing from it resumes there */
        IN_THE_LOG,
        /** its seq is past the log's head (restored or recovered to an earlier point?): subscribing from it is refused */
        NOT_IN_THE_LOG,
        /** the log holds its seq with another chain hash: subscribing from it is refused */
        ANOTHER_HISTORY
    }

    /**
     * A stored checkpoint checked against the log.
     *
     * @param logHead the log's last seq
     * @param hash    the checkpoint's chain hash, in hex
     * @param logHash the log's chain hash at the checkpoint's seq, in hex; null when the log does not reach it
     */
    public record Checked(Checkpoint checkpoint, Verdict verdict, long logHead, String hash, String logHash) {}

    /**
     * Every checkpoint stored beside {@code db}, in name order, checked against its log; empty (and the
     * database not opened) when none is stored.
     */
    public static List<Checked> check(Path db) throws SQLException {
        List<StoredCheckpoint> all = SubscriptionCheckpoints.readAll(db);
        List<Checked> checked = new ArrayList<>(all.size());
        if (all.isEmpty()) {
            return List.copyOf(checked);
        }
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            long head = EventReader.maxSeq(conn);
            for (StoredCheckpoint c : all) {
                byte[] logHash = EventReader.hashAt(conn, c.seq());
                Verdict verdict = logHash == null ? Verdict.NOT_IN_THE_LOG
                        : !Arrays.equals(logHash, c.hash()) ? Verdict.ANOTHER_HISTORY : Verdict.IN_THE_LOG;
                checked.add(new Checked(Checkpoint.of(c), verdict, head, Hex.of(c.hash()),
                        logHash == null ? null : Hex.of(logHash)));
            }
        }
        return List.copyOf(checked);
    }

    /** How a reset ended. */
    public enum ResetOutcome {
        /** there is no checkpoint file beside the ledger: nothing to reset */
        NO_CHECKPOINT_FILE,
        /** the file holds no checkpoint of that name */
        NOT_STORED,
        /** the checkpoint was deleted: {@code From.checkpoint()} starts at seq 1 */
        FORGOTTEN
    }

    /** A reset's outcome, and the checkpoint it forgot (null unless {@link ResetOutcome#FORGOTTEN}). */
    public record Reset(ResetOutcome outcome, Checkpoint forgotten) {}

    /**
     * Forgets the checkpoint of subscription {@code name} stored beside the stopped ledger {@code db}. The
     * running ledger owns the checkpoint file: taking the writer lock proves it is stopped, and a ledger
     * that holds it is refused (an {@link IllegalStateException} saying so).
     *
     * @throws IllegalArgumentException when {@code name} is not a valid subscription name
     */
    public static Reset reset(Path db, String name) throws IOException, SQLException {
        Subscriptions.requireValidName(name);
        if (!Files.isRegularFile(SubscriptionCheckpoints.fileOf(db.toAbsolutePath()))) {
            return new Reset(ResetOutcome.NO_CHECKPOINT_FILE, null);
        }
        try (WriterLock lock = WriterLock.acquire(db);
             SubscriptionCheckpoints checkpoints = SubscriptionCheckpoints.open(db, FileModes.OWNER_ONLY, 5_000)) {
            StoredCheckpoint old = checkpoints.delete(name);
            return old == null ? new Reset(ResetOutcome.NOT_STORED, null) : new Reset(ResetOutcome.FORGOTTEN, Checkpoint.of(old));
        }
    }
}
