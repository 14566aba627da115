package io.bitcraps.ledger.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Moves the WAL into the database file from its own connection and thread, so the writer's COMMIT
 * never pays for a checkpoint. SQLite's automatic checkpoint runs inside the COMMIT that crosses
 * the threshold: under {@code synchronous=FULL} it copies pages and fsyncs the database file in
 * the middle of a batch, which every caller of that batch waits for. Here a PASSIVE checkpoint
 * runs every interval instead; it never blocks the writer or readers (it copies what no reader
 * still needs and stops). The writer keeps a high automatic threshold as a backstop in case this
 * thread stalls.
 * <p>
 * Runs in the writer's process under its writer lock; the connection only checkpoints.
 */
public final class Checkpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

    private final Connection conn;
    private final ScheduledExecutorService thread;
    private volatile long checkpoints;
    private volatile long pagesMoved;

    public Checkpointer(StoreOptions options, long intervalMillis) throws SQLException {
        this.conn = LedgerDatabase.checkpointConnection(options);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ledger-checkpointer");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::checkpoint, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    private void checkpoint() {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            if (rs.next()) {
                checkpoints++;
                pagesMoved += Math.max(0, rs.getLong(3));
            }
        } catch (SQLException e) {
            LOG.warn("background checkpoint failed (the writer's automatic checkpoint is the backstop): {}", e.getMessage());
        }
    }

    public long checkpoints() {
        return checkpoints;
    }

    public long pagesMoved() {
        return pagesMoved;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            conn.close();
        } catch (SQLException e) {
            LOG.warn("closing the checkpoint connection failed: {}", e.getMessage());
        }
    }
}
