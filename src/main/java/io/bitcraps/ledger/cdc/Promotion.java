package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.store.Durability;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.LogLookups;
import io.bitcraps.ledger.store.StoreOptions;
import io.bitcraps.ledger.store.WriterLock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/**
 * Failover: makes a standby replica ({@link Standby}) a writable primary under a new epoch, recorded
 * in its log as an EPOCH_STARTED event, so that the log says from which seq on it was written by whom.
 * Its relay then publishes under that epoch, and standbys that apply it skip every later record of the
 * former primary (an older epoch). The standby must be stopped first (it holds the writer lock).
 * <p>
 * Two steps, each durable: the standby mark becomes a promotion mark, then the epoch event is committed
 * (by the writer, through {@link EpochStarter}) and the mark removed; a promotion interrupted between
 * them is finished by running it again.
 */
public final class Promotion {
    private static final String PENDING = "promotion_pending";

    private Promotion() {
    }

    /**
     * Commits the EPOCH_STARTED event through the ledger's writer: opens the ledger (the writer lock is
     * free while it runs), submits {@code StartEpoch(epoch, reason)} and closes it.
     */
    @FunctionalInterface
    public interface EpochStarter {
        /** @return the seq the EPOCH_STARTED event was committed at */
        long start(long epoch, String reason) throws Exception;
    }

    /** How a promotion ended. */
    public enum Outcome {
        /** the database is a primary already, and no promotion of it was pending: nothing was written */
        NOT_A_STANDBY,
        /** an interrupted promotion had committed its epoch: only its mark was left to remove */
        FINISHED_INTERRUPTED,
        /** the standby is a primary now, from {@code seq} on in {@code epoch} */
        PROMOTED
    }

    /**
     * What a promotion did.
     *
     * @param epoch       the epoch the database is a primary in (0 for {@link Outcome#NOT_A_STANDBY})
     * @param seq         the seq of the EPOCH_STARTED event committed now ({@link Outcome#PROMOTED}), else 0
     * @param formerTopic the topic the database was the standby of, or null (not a standby, or the promotion
     *                    was pending already)
     */
    public record Result(Outcome outcome, long epoch, long seq, String formerTopic) {}

    /**
     * Promotes the standby {@code db}: takes the writer lock, turns the standby mark into a promotion
     * mark naming the next epoch, lets go of the lock so that {@code starter} commits the epoch through
     * the writer, then removes the mark.
     *
     * @throws IllegalArgumentException when there is no database at {@code db}
     * @throws io.bitcraps.ledger.store.WriterLockHeld when a process still has the database open (the standby)
     * @throws IllegalStateException when {@code starter} returned but the log does not hold the epoch (the
     *                               promotion stays pending)
     */
    public static Result promote(Path db, String reason, EpochStarter starter) throws Exception {
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
                return new Result(Outcome.NOT_A_STANDBY, 0, 0, null);
            }
            long inLog = LogLookups.epochStarts(conn).size();
            if (pending && inLog >= pendingEpoch) {
                // interrupted after its epoch was committed: only the mark is left to remove
                try (Statement st = conn.createStatement()) {
                    st.executeUpdate("DELETE FROM ledger_meta WHERE name = '" + PENDING + "'");
                }
                return new Result(Outcome.FINISHED_INTERRUPTED, inLog, 0, topic);
            }
            epoch = inLog + 1;
            try (Statement st = conn.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                st.executeUpdate("DELETE FROM ledger_meta WHERE name IN ('standby_of', 'standby_next_offset')");
                st.executeUpdate("INSERT OR REPLACE INTO ledger_meta(name, value) VALUES ('" + PENDING + "', '" + epoch + "')");
                st.execute("COMMIT");
            }
        }
        long seq = starter.start(epoch, reason);
        try (WriterLock lock = WriterLock.acquire(db);
             Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL));
             Statement st = conn.createStatement()) {
            // the mark goes only once the log holds the epoch: a starter that returned without committing it leaves
            // the promotion pending, so that running promote again finishes it instead of finding no standby
            long inLog = LogLookups.epochStarts(conn).size();
            if (inLog < epoch) {
                throw new IllegalStateException("the epoch " + epoch + " is not in the log of " + db + " after its start"
                        + " returned (the log holds " + inLog + " epoch(s)); the promotion stays pending: run promote again");
            }
            st.executeUpdate("DELETE FROM ledger_meta WHERE name = '" + PENDING + "'");
        }
        return new Result(Outcome.PROMOTED, epoch, seq, topic);
    }
}
