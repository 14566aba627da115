package io.bitcraps.ledger.views;

import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.feed.CommittedBatch;
import io.bitcraps.ledger.feed.CommittedEvent;
import io.bitcraps.ledger.feed.SubscriptionHandler;
import io.bitcraps.ledger.internal.Invariants;
import io.bitcraps.ledger.projection.DirtySet;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Projector;
import io.bitcraps.ledger.projection.ReadModel;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The {@code views} subscriber: folds each committed batch into its own state with the
 * {@link Projector} (the code the writer uses), writes each event's statement lines
 * ({@link StatementRows}) at each batch end and the read-model rows its transaction touched
 * through a tracking {@link ReadModel} (once per transaction, each row as the writer's per-batch
 * commits leave it), and commits the views file in large transactions together with the
 * watermark, the chain hash at it and the digest of its rows (the read model's tracked digest
 * plus the hashes of the statement lines).
 * <p>
 * Thread: the subscription's thread owns the connection, the state and the pending transaction.
 * Other threads read the volatile watermark ({@link #watermark()}) and wait on it
 * ({@link #awaitSeq}).
 * <p>
 * When it commits: at the end of a batch, when it has applied the last batch the log had when it
 * looked and either someone waits for the watermark or the transaction is
 * {@link #CAUGHT_UP_COMMIT_MILLIS} old; when the ledger goes idle ({@link #onIdle}); when the transaction
 * holds {@link #COMMIT_EVENTS_MAX} events, or when it is {@link #COMMIT_INTERVAL_MILLIS} old and
 * the log is less than {@link #COMMIT_EVENTS_MAX} events ahead. Far behind (catching up, or a
 * rebuild) it commits by count only: each commit writes the hot pages again (the B-trees' inner
 * pages, each account's last statement page) and may checkpoint, and nobody is served better by a
 * watermark that moves every 200 ms while the views are that far behind. Never inside a batch:
 * the watermark is always a batch end.
 * <p>
 * Building from empty (the file starts at watermark 0): until it first catches up with the log,
 * it writes the read model without reading each row's old values, so its head says
 * {@code building = 1} and its digest covers the statement lines only (they are only inserted, so
 * their digest is kept as they are added); the file has no secondary indexes yet. The commit that
 * catches up (or the one at close) creates the indexes ({@link ViewsFile#createIndexes}), reads
 * the read model's rows once ({@link ReadModel#digestOfRows}), stores the full digest with
 * {@code building = 0}, and from then on the read model is tracked row by row as usual. A file
 * still building at open (the process stopped mid-build) is built again from empty.
 * <p>
 * Failure: a statement or the commit that fails rolls the transaction back, puts the state and
 * the digest back to the last commit, renews the prepared statements (sqlite-jdbc finalizes one
 * whose step failed) and throws; the subscription delivers the batch again after a backoff. The
 * deliveries since the last commit are kept until the commit, so the retry applies them all again:
 * exactly-once, because the watermark and the rows commit together.
 */
final class ViewsWriter implements SubscriptionHandler {
    static final long COMMIT_INTERVAL_MILLIS = 200;
    /**
     * Caught up with the log, how long it groups batches into one transaction before it commits,
     * unless someone waits for the watermark ({@link #awaitSeq}) or the ledger goes idle
     * ({@link #onIdle}). A commit per ledger batch cost the writer's latency more than the views lag
     * gained: on 2 cores, at 40k events/s, p50 2.5–2.9 ms and p99 12–13 ms with it, 1.1–1.2 ms and
     * 8–10 ms with this (docs/performance.md).
     */
    static final long CAUGHT_UP_COMMIT_MILLIS = 100;
    /**
     * For readers that wait, it commits at most this often: many readers waiting one after the other
     * (read-your-writes after every receipt) would otherwise bring back a commit per batch.
     */
    static final long WAITED_COMMIT_MILLIS = 5;
    static final int COMMIT_EVENTS_MAX = 50_000;

    private final Connection conn;
    private final LongSupplier logHeadSeq;
    private final Clock clock;
    private final Object watermarkMoved = new Object();
    /** The seqs threads in {@link #awaitSeq} wait for, one entry each: the lowest one applied commits at once. */
    private final java.util.concurrent.PriorityBlockingQueue<Long> waitedSeqs = new java.util.concurrent.PriorityBlockingQueue<>();
    /** Wakes the subscription's thread when it waits for a batch, so that it commits for a new waiter at once. */
    private volatile Runnable wakeOnWait;
    /** When the last commit returned (subscription thread only); at first, long enough ago. */
    private long lastCommitNanos = System.nanoTime() - WAITED_COMMIT_MILLIS * 1_000_000L;

    // owned by the subscription thread
    private ReadModel model;
    private StatementRows statements;
    private PreparedStatement headUpdate;
    /** The file is being built from empty: the read model is written without reading old rows. */
    private boolean building;
    /** The digest of the committed rows when the statements were last prepared. */
    private long digestAtPrepare;
    private LedgerState committedState;
    private long committedRowsDigest;
    private LedgerState state;
    /** The rows the open transaction touched, all its batches together: written once, at its commit. */
    private final DirtySet dirty = new DirtySet();
    /** Each account the open transaction moved: the last seq of the last batch that moved it (its {@code updated_seq}). */
    private final Map<String, Long> accountUpdatedSeq = new HashMap<>();
    private final List<CommittedBatch> sinceCommit = new ArrayList<>();
    private boolean inTransaction;
    private boolean mustReapply;
    private boolean midBatch;
    private long transactionStartNanos;
    private long eventsSinceCommit;

    private volatile long watermark;

    /**
     * @param rowsDigest the digest the file's head records for its rows
     * @param building   whether the file is empty (watermark 0) and about to be built from the log
     */
    ViewsWriter(Connection conn, LedgerState loaded, long rowsDigest, boolean building, LongSupplier logHeadSeq,
                Clock clock) throws SQLException {
        this.conn = conn;
        this.building = building;
        this.logHeadSeq = logHeadSeq;
        this.clock = clock;
        this.committedState = loaded;
        this.state = loaded;
        this.committedRowsDigest = rowsDigest;
        this.watermark = loaded.seq();
        prepare(rowsDigest);
    }

    /** Fresh statements whose digests start at {@code rowsDigest}, the digest of the rows committed. */
    private void prepare(long rowsDigest) throws SQLException {
        digestAtPrepare = rowsDigest;
        model = building ? new ReadModel(conn) : ReadModel.tracking(conn, rowsDigest);
        statements = new StatementRows(conn);
        headUpdate = ViewsFile.prepareHeadUpdate(conn);
    }

    private void closeStatements() throws SQLException {
        try {
            model.close();
            statements.close();
        } finally {
            headUpdate.close();
        }
    }

    /**
     * The digest of every row as written so far: the read model's (from the committed digest on)
     * and the lines added; while building, of the statement lines only.
     */
    private long rowsDigest() {
        return (building ? digestAtPrepare : model.rowsDigest()) + statements.digestAdded();
    }

    /** The last seq committed to the views file. */
    long watermark() {
        return watermark;
    }

    @Override
    public void onBatch(CommittedBatch batch) throws SQLException {
        if (batch.toSeq() <= state.seq() && !mustReapply) {
            return; // delivered again after a restart of the subscription: already applied
        }
        try {
            if (mustReapply) {
                // the last transaction was rolled back: its deliveries come first again
                mustReapply = false;
                for (CommittedBatch earlier : sinceCommit) {
                    apply(earlier);
                }
            }
            if (batch.toSeq() > state.seq()) {
                sinceCommit.add(batch);
                apply(batch);
            }
            if (batch.endsBatch() && dueToCommit()) {
                commit();
            }
        } catch (SQLException | RuntimeException e) {
            rollBack();
            throw e;
        }
    }

    private void apply(CommittedBatch batch) throws SQLException {
        if (!inTransaction) {
            begin();
            transactionStartNanos = System.nanoTime();
        }
        for (CommittedEvent ce : batch.events()) {
            if (ce.seq() <= state.seq()) {
                continue;
            }
            Invariants.check(ce.seq() == state.seq() + 1, "views: seq %d does not follow the watermark %d",
                    ce.seq(), state.seq());
            LedgerState after = Projector.applyWithoutTables(state, ce.event(), ce.chainHash());
            dirty.record(state, after, ce.event());
            for (Posting p : ce.event().postings()) {
                accountUpdatedSeq.put(p.account().key(), batch.lastSeq());
            }
            statements.add(ce.event());
            state = after;
            eventsSinceCommit++;
        }
        midBatch = !batch.endsBatch();
        if (!midBatch) {
            statements.flush();
        }
    }

    /**
     * Writes the read model's rows the open transaction touched, once each with the state after
     * its last batch: far behind, a transaction holds thousands of batches, and a player's balance,
     * a game or a bet moves in many of them (a bet is placed and settled, a game rolls again and
     * again), so writing per batch wrote most rows many times. The rows end the same as the
     * writer's per-batch commits leave them ({@code updated_seq} included).
     */
    private void writeReadModel() throws SQLException {
        model.write(dirty, state, accountUpdatedSeq::get);
        dirty.clear();
        accountUpdatedSeq.clear();
    }

    private boolean dueToCommit() {
        long behind = logHeadSeq.getAsLong() - state.seq();
        long age = System.nanoTime() - transactionStartNanos;
        return waitedFor() || (behind <= 0 && age >= CAUGHT_UP_COMMIT_MILLIS * 1_000_000L)
                || eventsSinceCommit >= COMMIT_EVENTS_MAX
                || (behind < COMMIT_EVENTS_MAX
                    && age >= COMMIT_INTERVAL_MILLIS * 1_000_000L);
    }

    /** What wakes the subscription's thread for a new waiter ({@code Subscription::wake}). */
    void wakeOnWait(Runnable wake) {
        this.wakeOnWait = wake;
    }

    /**
     * A reader waits for a seq this transaction has applied (caught up or not: under steady load the
     * log is often a batch ahead), and the last commit is at least {@link #WAITED_COMMIT_MILLIS} old.
     */
    private boolean waitedFor() {
        Long lowest = waitedSeqs.peek();
        return lowest != null && lowest <= state.seq() && !committedJustNow();
    }

    private boolean committedJustNow() {
        return System.nanoTime() - lastCommitNanos < WAITED_COMMIT_MILLIS * 1_000_000L;
    }

    /**
     * No batch came for a moment, or a new reader woke the thread: commits what was applied since
     * the last commit (for a reader, not sooner than {@link #WAITED_COMMIT_MILLIS} after it; the
     * next batch or idle moment then does).
     */
    @Override
    public void onIdle() throws SQLException {
        if (!inTransaction && !mustReapply) {
            return;
        }
        if (!waitedSeqs.isEmpty() && committedJustNow()) {
            return; // the next batch end or idle moment commits for the reader
        }
        try {
            if (mustReapply) {
                // the last transaction was rolled back: its deliveries come first again
                mustReapply = false;
                for (CommittedBatch earlier : sinceCommit) {
                    apply(earlier);
                }
            }
            if (!midBatch) {
                commit();
            }
        } catch (SQLException | RuntimeException e) {
            rollBack();
            throw e;
        }
    }

    /**
     * Commits what is applied (always whole batches) with the watermark; a no-op without a
     * transaction. While building, the commit that has caught up with the log finishes the build.
     */
    void commit() throws SQLException {
        if (!inTransaction) {
            return;
        }
        boolean finish = building && state.seq() >= logHeadSeq.getAsLong();
        commit(finish);
    }

    private void commit(boolean finishBuild) throws SQLException {
        Invariants.check(!midBatch, "views: commit inside a batch at seq %d", state.seq());
        writeReadModel();
        long rowsDigest = rowsDigest();
        if (finishBuild) {
            // the rows were written without the secondary indexes: sorting them into each index
            // once costs less than keeping three B-trees per bet up to date all along the build
            ViewsFile.createIndexes(conn);
            // the read model's rows were written without reading old values: hash them once, here
            rowsDigest += ReadModel.digestOfRows(conn);
        }
        headUpdate.setLong(1, state.seq());
        headUpdate.setBytes(2, state.headHash());
        headUpdate.setLong(3, state.lastTimestampMicros());
        headUpdate.setLong(4, rowsDigest);
        headUpdate.setLong(5, micros(clock.instant()));
        headUpdate.setInt(6, building && !finishBuild ? 1 : 0);
        headUpdate.executeUpdate();
        conn.commit();
        conn.setAutoCommit(true);
        lastCommitNanos = System.nanoTime();
        inTransaction = false;
        committedState = state;
        committedRowsDigest = rowsDigest;
        sinceCommit.clear();
        eventsSinceCommit = 0;
        synchronized (watermarkMoved) {
            watermark = state.seq();
            watermarkMoved.notifyAll();
        }
        if (finishBuild) {
            building = false;
            closeStatements();
            prepare(rowsDigest); // a tracking read model from the full digest on
        }
    }

    /** While building: finishes the build in a transaction of its own (at close, when the log has nothing more). */
    private void finishBuild() throws SQLException {
        if (!inTransaction) {
            begin();
        }
        try {
            commit(true);
        } catch (SQLException | RuntimeException e) {
            rollBack();
            throw e;
        }
    }

    private void begin() throws SQLException {
        if (!conn.getAutoCommit()) {
            // no BEGIN would be sent: the rows would commit one statement at a time, without the head
            throw new SQLException("the views connection is not in autocommit between transactions");
        }
        conn.setAutoCommit(false);
        inTransaction = true;
    }

    /** Undoes the open transaction and goes back to the last commit; the next delivery applies the kept ones again. */
    private void rollBack() {
        if (inTransaction) {
            // two steps, each on its own: after an I/O error, a full disk or a failed COMMIT, SQLite has
            // rolled the transaction back itself, and ROLLBACK then throws "no transaction is active".
            // The driver's autocommit flag must still be set back, or the next setAutoCommit(false) is a
            // no-op that sends no BEGIN, and every statement after it commits on its own without the head
            try {
                conn.rollback();
            } catch (SQLException e) {
                // rolled back already (or the connection is unusable: the next attempt fails and says so)
            }
            try {
                conn.setAutoCommit(true);
            } catch (SQLException e) {
                // the driver sets its flag before it runs "commit", so the flag is right even when this throws
            }
        }
        inTransaction = false;
        state = committedState;
        dirty.clear();
        accountUpdatedSeq.clear();
        midBatch = false;
        eventsSinceCommit = 0;
        mustReapply = !sinceCommit.isEmpty();
        try {
            closeStatements();
        } catch (SQLException e) {
            // finalized already; they are replaced below
        }
        try {
            prepare(committedRowsDigest);
        } catch (SQLException e) {
            // cannot prepare now: the next delivery fails on the closed statements and comes here again
        }
    }

    /** Waits until the watermark reaches {@code seq}; false when the timeout passed first. */
    boolean awaitSeq(long seq, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        if (watermark >= seq) {
            return true;
        }
        Long waited = seq;
        waitedSeqs.add(waited);
        Runnable wake = wakeOnWait;
        if (wake != null) {
            wake.run(); // after the entry: the woken thread sees this waiter
        }
        try {
            synchronized (watermarkMoved) {
                while (watermark < seq) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    long millis = Math.max(1, left / 1_000_000L);
                    watermarkMoved.wait(millis);
                }
                return true;
            }
        } finally {
            waitedSeqs.remove(waited); // this very entry: another waiter may wait for the same seq
        }
    }

    /**
     * Commits the whole batches applied, rolls back a batch applied only in part, and closes the
     * statements; called once the subscription's thread has stopped.
     */
    void close() throws SQLException {
        if (inTransaction && !midBatch) {
            commit();
        }
        if (inTransaction) {
            // a batch applied only in part: back to the last commit, with statements (and the
            // digest of the lines added) renewed, so that finishing the build covers only what stays
            rollBack();
        }
        if (building && state.seq() > 0) {
            finishBuild(); // keeps the progress: the next open serves the file and catches up
        }
        closeStatements();
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }
}
