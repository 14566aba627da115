package io.bitcraps.ledger.ingest;

import com.lmax.disruptor.EventHandler;
import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.codec.PayloadException;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.projection.DirtySet;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Projector;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.projection.StateSnapshot;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventLog;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.SqliteFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The single writer. Concurrency: every method runs on the ring's one consumer thread, which owns
 * the write connection, the sequence, the chain head and the state; nothing here is shared except
 * the published state and the counters, which are volatile and written only by this thread.
 * <p>
 * Per ring batch: each submission is checked against {@code working} (the committed state plus
 * the batch so far), becomes events with seq, timestamp, payload, frame and chain hash, and is
 * folded into {@code working}. At {@code endOfBatch} (or the event cap) the rows go to SQLite in
 * one immediate transaction. Only when COMMIT returns does {@code working} become
 * {@code committed}; then listeners are told (caches, archive, metrics), the state is published to
 * readers, and the futures complete, in that order.
 * <p>
 * Failure: a batch whose commit fails is rolled back, {@code working} goes back to
 * {@code committed} (a pointer move: the state is persistent), exactly that batch's futures fail
 * with {@link LedgerException.StorageFailure}, and the next batch proceeds. Corruption, a broken
 * invariant, or a database that no longer matches the writer's view halts writing for good.
 * Rejections never touch the database; they complete with the batch so that callers see results
 * in ring order. A rejection decided while the batch already held writes was decided against
 * state that only exists if the batch commits; when it does not, such a rejection fails with the
 * batch's retryable failure instead, never as a final answer no committed state supports.
 * <p>
 * Any other throwable on any path (deciding, staging, committing, shutting down) is the same
 * case: the transaction is rolled back, writing halts, and every future of the batch fails.
 * {@code SQLITE_BUSY} (another connection holds the write lock) is retried with backoff until
 * {@code busyRetryDeadlineNanos} after the batch's first attempt, then fails the batch as a
 * retryable {@link LedgerException.StorageFailure}.
 * <p>
 * Futures are never completed on this thread: {@link Completions} does it, so a caller's
 * callback can neither stall commits nor deadlock the writer.
 */
final class BatchWriter implements EventHandler<Slot> {
    private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);

    private final EventLog store;
    private final ReadModel readModel;
    private final PayloadCodec codec;
    private final ChainHash chain = new ChainHash();
    private final HeadSigner signer;
    private final LongSupplier clockMicros;
    private final int eventsPerBatchMax;
    private final List<CommitListener> listeners;
    private final EventFrame frames = new EventFrame();
    private final Completions completions;
    private final long busyRetryDeadlineNanos;

    private LedgerState committed;
    private LedgerState working;
    private volatile LedgerState published;
    private volatile String haltReason;
    private Thread writerThread;

    private final ArrayList<EventRow> rows = new ArrayList<>();
    private final ArrayList<LedgerEvent> events = new ArrayList<>();
    private final HashMap<String, KeyedSubmission> batchKeys = new HashMap<>();
    private final DirtySet batchDirty = new DirtySet();
    private final DirtySet submissionDirty = new DirtySet();
    private byte[] batchSignature;
    private final Pending[] pending;
    private int pendingCount;

    private volatile long eventCount;
    private volatile long commitCount;
    private volatile long submissionCount;
    private volatile long rejectionCount;
    private volatile long failedBatchCount;
    private volatile long lastCommitNanos;
    private volatile long lastCommitAtNanos = System.nanoTime();
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> rejectionsByCode =
            new java.util.concurrent.ConcurrentHashMap<>();

    private record KeyedSubmission(List<Command> commands, Receipt receipt) {}

    /** One submission of the batch in flight and what became of it. */
    private static final class Pending {
        CompletableFuture<Receipt> future;
        Receipt receipt;
        LedgerException error;
        boolean writtenInBatch;
        /** The rejection was decided while the batch held writes: it stands only if the batch commits. */
        boolean decidedAgainstBatch;
    }

    /** What one future gets; handed to {@link Completions} so that no future completes on the writer. */
    private record Outcome(CompletableFuture<Receipt> future, Receipt receipt, Throwable error) {
        void deliver() {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(receipt);
            }
        }
    }

    BatchWriter(EventLog store, ReadModel readModel, PayloadCodec codec, HeadSigner signer, LedgerState recovered,
                LongSupplier clockMicros, int submissionsPerBatchMax, int eventsPerBatchMax, List<CommitListener> listeners,
                Completions completions, long busyRetryDeadlineNanos, long snapshotEveryEvents) {
        this.store = store;
        this.snapshotEveryEvents = snapshotEveryEvents;
        this.completions = completions;
        this.busyRetryDeadlineNanos = busyRetryDeadlineNanos;
        this.signer = signer;
        this.readModel = readModel;
        this.codec = codec;
        this.clockMicros = clockMicros;
        this.eventsPerBatchMax = eventsPerBatchMax;
        this.listeners = List.copyOf(listeners);
        this.committed = recovered;
        this.working = recovered;
        this.published = recovered;
        this.pending = new Pending[submissionsPerBatchMax];
        for (int i = 0; i < pending.length; i++) {
            pending[i] = new Pending();
        }
    }

    @Override
    public void onStart() {
        writerThread = Thread.currentThread();
    }

    @Override
    public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
        assert Thread.currentThread() == writerThread : "only the writer thread writes";
        try {
            if (slot.task != null) {
                flush();
                runTask(slot);
            } else {
                handleSubmission(slot);
            }
        } catch (Throwable t) {
            // a bug or a broken invariant: never guess, stop writing
            store.rollback();
            LedgerException halted = halt("unexpected failure in the writer: " + t, t);
            if (slot.future != null && !slot.future.isDone() && !isPending(slot.future)) {
                completions.fail(slot.future, halted);
            }
            if (slot.taskDone != null && !slot.taskDone.isDone()) {
                completions.fail(slot.taskDone, halted);
            }
            failWholeBatch(halted);
        } finally {
            slot.clear();
        }
        if (endOfBatch || rows.size() >= eventsPerBatchMax || pendingCount == pending.length) {
            flush();
        }
    }

    @Override
    public void onShutdown() {
        try {
            flush();
            snapshotAtClose();
        } finally {
            Runnable hook = afterShutdown;
            if (hook != null) {
                hook.run();
            }
        }
    }

    /** Runs on the writer thread after its last flush: the ring fails what it will never hand over. */
    private volatile Runnable afterShutdown;

    void afterShutdown(Runnable hook) {
        this.afterShutdown = hook;
    }


    LedgerState published() {
        return published;
    }

    String haltReason() {
        return haltReason;
    }

    /** Rejections since open, by code; read by metrics on other threads. */
    java.util.Map<String, java.util.concurrent.atomic.LongAdder> rejectionsByCode() {
        return rejectionsByCode;
    }

    long nanosSinceLastCommit() {
        return System.nanoTime() - lastCommitAtNanos;
    }

    /**
     * Stops writing on behalf of another thread (the health monitor found the file changed under
     * the ledger). Only the volatile reason is set; the writer refuses every later submission.
     */
    void haltFromOutside(String reason) {
        if (haltReason == null) {
            haltReason = reason;
            LOG.error("ledger halted: {}", reason);
        }
    }

    WriterStats stats(long ringBacklog) {
        return new WriterStats(eventCount, commitCount, submissionCount, rejectionCount, failedBatchCount,
                lastCommitNanos, ringBacklog);
    }

    private void handleSubmission(Slot slot) {
        submissionCount++;
        CompletableFuture<Receipt> future = slot.future;
        if (haltReason != null) {
            addPending(future, null, new LedgerException.LedgerHalted(haltReason, null), false);
            return;
        }
        // a rejection rests on this batch only if the batch holds writes and the rejection looked at
        // state: a conflict with a durable key, or a command malformed in itself, is final either way
        boolean batchHoldsWrites = !rows.isEmpty();
        if (slot.key != null) {
            KeyedSubmission earlier = batchKeys.get(slot.key);
            if (earlier != null) {
                try {
                    requireSameContent(slot.key, earlier, slot.commands);
                } catch (Rejected e) {
                    reject(future, e, true);
                    return;
                }
                addPending(future, earlier.receipt, null, true);
                return;
            }
            try {
                Receipt durable = durableReceiptOf(slot.key, slot.commands);
                if (durable != null) {
                    addPending(future, durable, null, false);
                    return;
                }
            } catch (Rejected e) {
                reject(future, e, false);
                return;
            } catch (SQLException e) {
                addPending(future, null, lookupFailure("idempotency lookup failed", e), false);
                return;
            }
        }
        try {
            addPending(future, append(slot.commands, slot.key), null, true);
        } catch (Rejected e) {
            reject(future, e, batchHoldsWrites && lookedAtState(e));
        } catch (History.Unavailable e) {
            addPending(future, null, lookupFailure(e.getMessage(), (SQLException) e.getCause()), false);
        }
    }

    /**
     * Games and accounts the state no longer holds: first the batch in flight (its rows are not
     * written yet), then the committed log itself, never the read model: a damaged read-model row
     * must not be able to let a game id be used twice.
     */
    private final History history = new History() {
        @Override
        public boolean gameEverOpened(String gameId) {
            if (submissionDirty.touchedGame(gameId) || batchDirty.touchedGame(gameId)) {
                return true;
            }
            try {
                return store.gameEverOpened(gameId);
            } catch (SQLException e) {
                throw new History.Unavailable("looking up game " + gameId + " failed", e);
            }
        }

        @Override
        public boolean accountEverPosted(Account account) {
            if (submissionDirty.touchedAccount(account.key()) || batchDirty.touchedAccount(account.key())) {
                return true;
            }
            try {
                return account.kind() == Account.Kind.PLAYER && store.playerEverPosted(account.id());
            } catch (SQLException e) {
                throw new History.Unavailable("looking up account " + account + " failed", e);
            }
        }
    };

    /** A failed read of the log while deciding: retryable, unless SQLite says the file is damaged. */
    private LedgerException lookupFailure(String what, SQLException e) {
        if (SqliteFailure.classify(e) == SqliteFailure.CORRUPT) {
            return halt("SQLite reports corruption while reading the log (" + what + "): " + e.getMessage(), e);
        }
        return storageFailure(what, e);
    }

    private void reject(CompletableFuture<Receipt> future, Rejected e, boolean decidedAgainstBatch) {
        rejectionCount++;
        rejectionsByCode.computeIfAbsent(e.code(), c -> new java.util.concurrent.atomic.LongAdder()).increment();
        addPending(future, null, e, false);
        pending[pendingCount - 1].decidedAgainstBatch = decidedAgainstBatch;
    }

    /** False for refusals of a command's own content, which no state could change. */
    private static boolean lookedAtState(Rejected r) {
        return !(r instanceof Rejected.InvalidAmount || r instanceof Rejected.InvalidDice || r instanceof Rejected.InvalidId
                || r instanceof Rejected.InvalidCommand || r instanceof Rejected.InvalidBet
                || r instanceof Rejected.InvalidSettlement);
    }

    private void requireSameContent(String key, KeyedSubmission earlier, List<Command> commands) {
        if (!earlier.commands.equals(commands)) {
            throw new Rejected.IdempotencyConflict(key, earlier.receipt.firstSeq());
        }
    }

    /** The receipt of a committed submission with this key, null if the key is new, or a conflict. */
    private Receipt durableReceiptOf(String key, List<Command> commands) throws SQLException {
        long first = store.seqOfKey(key);
        if (first == 0) {
            return null;
        }
        List<EventRow> head = store.range(first, first);
        LedgerEvent firstEvent = StoredEvents.decode(codec, head.get(0));
        long last = first + firstEvent.submissionSize() - 1;
        List<Command> original = new ArrayList<>(firstEvent.submissionSize());
        for (EventRow row : last == first ? head : store.range(first, last)) {
            original.add(StoredEvents.decode(codec, row).command());
        }
        Receipt receipt = new Receipt(first, last, firstEvent.timestampMicros());
        requireSameContent(key, new KeyedSubmission(original, receipt), commands);
        return receipt;
    }

    /** Checks and stages a submission; all of its commands become events, or none does. */
    private Receipt append(List<Command> commands, String key) {
        int size = commands.size();
        int mark = rows.size();
        LedgerState s = working;
        long timestamp = Math.max(clockMicros.getAsLong(), s.lastTimestampMicros());
        long first = s.seq() + 1;
        submissionDirty.clear();
        for (int i = 0; i < size; i++) {
            Command c = commands.get(i);
            try {
                List<Posting> postings = Decider.decide(s, c, history);
                LedgerEvent e = new LedgerEvent(s.seq() + 1, timestamp, c, postings, i == 0 ? key : null,
                        i == 0 ? size : 1);
                s = stage(s, e);
            } catch (Rejected r) {
                truncate(mark);
                throw size > 1 ? r.markInGroup(i, size) : r;
            } catch (History.Unavailable u) {
                truncate(mark);
                throw u;
            }
        }
        working = s;
        batchDirty.mergeFrom(submissionDirty);
        Receipt receipt = new Receipt(first, s.seq(), timestamp);
        if (key != null) {
            batchKeys.put(key, new KeyedSubmission(commands, receipt));
        }
        return receipt;
    }

    private LedgerState stage(LedgerState s, LedgerEvent e) {
        byte[] payload;
        try {
            payload = codec.encode(e);
        } catch (PayloadException tooLarge) {
            throw new Rejected.LimitExceeded(tooLarge.getMessage());
        }
        Command c = e.command();
        byte[] frame = frames.encode(e.type().code(), e.seq(), e.timestampMicros(), payload);
        byte[] hash = chain.next(s.headHashUnsafe(), frame);
        rows.add(new EventRow(e.seq(), e.timestampMicros(), e.type().code(), StoredEvents.gameOf(c),
                StoredEvents.playerOf(s, c), StoredEvents.betOf(c), StoredEvents.amountOf(c), e.key(), payload, hash));
        events.add(e);
        LedgerState after = Projector.apply(s, e, hash);
        submissionDirty.record(s, after, e);
        return after;
    }

    private void truncate(int mark) {
        while (rows.size() > mark) {
            rows.remove(rows.size() - 1);
            events.remove(events.size() - 1);
        }
    }

    private void addPending(CompletableFuture<Receipt> future, Receipt receipt, LedgerException error, boolean written) {
        Pending p = pending[pendingCount++];
        p.future = future;
        p.receipt = receipt;
        p.error = error;
        p.writtenInBatch = written;
        p.decidedAgainstBatch = false;
    }

    private boolean isPending(CompletableFuture<Receipt> future) {
        for (int i = 0; i < pendingCount; i++) {
            if (pending[i].future == future) {
                return true;
            }
        }
        return false;
    }

    /**
     * Commits the batch in flight, if any, then completes its submissions. Never throws: every
     * failure ends here in one of the writer's outcomes (committed, failed and retryable, halted).
     */
    private void flush() {
        if (rows.isEmpty()) {
            completePending(null);
            return;
        }
        long start = System.nanoTime();
        long busyDeadline = start + busyRetryDeadlineNanos;
        for (int attempt = 0; ; attempt++) {
            if (haltReason != null) {
                // halted from outside (the health monitor found the file changed) while this batch
                // was staged or retried: nothing of it may be committed now
                failWholeBatch(new LedgerException.LedgerHalted(haltReason, null));
                return;
            }
            try {
                writeBatch();
                break;
            } catch (SQLException e) {
                if (SqliteFailure.classify(e) == SqliteFailure.BUSY && System.nanoTime() - busyDeadline < 0) {
                    // another connection holds the write lock (a backup's checkpoint, an operator's
                    // sqlite3 shell): nothing of this batch is in, so roll back and try it again
                    store.rollback();
                    LockSupport.parkNanos(Math.min(BUSY_BACKOFF_MAX_NANOS, BUSY_BACKOFF_FIRST_NANOS << Math.min(attempt, 20)));
                    continue;
                }
                recoverFromFailedCommit(e, start);
                return;
            } catch (Throwable t) {
                store.rollback();
                failWholeBatch(halt("unexpected failure while committing seq " + (committed.seq() + 1) + ".."
                        + working.seq() + ": " + t, t));
                return;
            }
        }
        committed(start);
    }

    private static final long BUSY_BACKOFF_FIRST_NANOS = 1_000_000;
    private static final long BUSY_BACKOFF_MAX_NANOS = 100_000_000;

    private void writeBatch() throws SQLException {
        store.begin();
        for (EventRow row : rows) {
            store.add(row);
        }
        if (readModel != null) {
            readModel.write(batchDirty, working);
        }
        batchSignature = signer == null ? null : signer.sign(working.seq(), working.headHashUnsafe());
        store.finish(committed.seq() + 1, working.seq(), working.headHashUnsafe(), working.lastTimestampMicros(),
                batchSignature, working.digest());
        PreparedSnapshot snapshot = readySnapshot.getAndSet(null);
        if (snapshot != null) {
            // a state at or before the last commit, encoded off this thread; it rides with this batch
            store.saveSnapshot(snapshot.seq, snapshot.lastTimestampMicros, snapshot.digest, snapshot.bytes);
        }
        store.commit();
    }

    // The log-first commit keeps no read model in the database, so an open needs a recent state to
    // start from. Every snapshotEveryEvents events or SNAPSHOT_NANOS, whichever comes first, the writer
    // hands its committed state (immutable, persistent) to the snapshot thread, which encodes it;
    // the next batch stores the bytes in its transaction. The writer never encodes a large state
    // in a commit; one more snapshot is written at close.
    static final long SNAPSHOT_NANOS = 60_000_000_000L;
    private final long snapshotEveryEvents;

    private record PreparedSnapshot(long seq, long lastTimestampMicros, long digest, byte[] bytes) {}

    private final java.util.concurrent.atomic.AtomicReference<PreparedSnapshot> readySnapshot =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicBoolean snapshotEncoding = new java.util.concurrent.atomic.AtomicBoolean();
    private java.util.concurrent.ExecutorService snapshotThread;
    private long eventsSinceSnapshot;
    private long lastSnapshotNanos = System.nanoTime();

    /** After a commit: starts encoding a snapshot of the committed state when one is due. */
    private void maybeStartSnapshot(int batchEvents) {
        if (readModel != null) {
            return;
        }
        eventsSinceSnapshot += batchEvents;
        if (eventsSinceSnapshot < snapshotEveryEvents && System.nanoTime() - lastSnapshotNanos < SNAPSHOT_NANOS) {
            return;
        }
        if (!snapshotEncoding.compareAndSet(false, true)) {
            return; // the previous one is still being encoded
        }
        eventsSinceSnapshot = 0;
        lastSnapshotNanos = System.nanoTime();
        LedgerState state = committed;
        if (snapshotThread == null) {
            snapshotThread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "ledger-snapshots");
                t.setDaemon(true);
                return t;
            });
        }
        snapshotThread.execute(() -> {
            try {
                readySnapshot.set(new PreparedSnapshot(state.seq(), state.lastTimestampMicros(), state.digest(),
                        StateSnapshot.encode(state)));
            } catch (RuntimeException e) {
                LOG.warn("encoding the state snapshot at seq {} failed: {}", state.seq(), e.toString());
            } finally {
                snapshotEncoding.set(false);
            }
        });
    }

    /** At close, after the last batch: a snapshot of the final state, so that the next open folds nothing. */
    private void snapshotAtClose() {
        if (snapshotThread != null) {
            snapshotThread.shutdownNow();
        }
        if (readModel != null || haltReason != null || eventsSinceSnapshot == 0 && readySnapshot.get() == null) {
            return;
        }
        try {
            store.begin();
            store.saveSnapshot(committed.seq(), committed.lastTimestampMicros(), committed.digest(),
                    StateSnapshot.encode(committed));
            store.commit();
            eventsSinceSnapshot = 0;
        } catch (SQLException | RuntimeException e) {
            // the log is complete without it: the next open folds from the previous snapshot
            store.rollback();
            LOG.warn("the state snapshot at close (seq {}) failed: {}", committed.seq(), e.toString());
        }
    }

    private void committed(long startNanos) {
        LedgerState before = committed;
        committed = working;
        maybeStartSnapshot(rows.size());
        lastCommitAtNanos = System.nanoTime();
        lastCommitNanos = lastCommitAtNanos - startNanos;
        eventCount += rows.size();
        commitCount++;
        CommitNotice notice = new CommitNotice(before.seq() + 1, committed.seq(), pendingCount, lastCommitNanos,
                committed, List.copyOf(events), batchDirty.touched(), List.copyOf(rows),
                committed.lastTimestampMicros(), batchSignature);
        rows.clear();
        events.clear();
        batchKeys.clear();
        batchDirty.clear();
        Throwable listenerError = null;
        for (CommitListener l : listeners) {
            try {
                l.onCommit(notice);
            } catch (Throwable e) {
                LOG.error("commit listener {} failed at seq {}; the batch stays committed", l, notice.lastSeq(), e);
                if (!(e instanceof RuntimeException)) {
                    listenerError = e;
                }
            }
        }
        // published after the listeners: whoever sees this view finds caches already invalidated for it;
        // and always, whatever a listener did: the batch is committed and its callers get their receipts
        published = committed;
        if (listenerError != null) {
            // halted before the receipts go out, so that whoever holds one already sees the halt
            halt("a commit listener threw " + listenerError + " after seq " + committed.seq() + " committed", listenerError);
        }
        completePending(null);
    }

    private void recoverFromFailedCommit(SQLException cause, long startNanos) {
        store.rollback();
        byte[] durableHead;
        try {
            durableHead = store.hashAt(working.seq());
        } catch (SQLException e) {
            failWholeBatch(halt("cannot read the log after a failed commit: " + e.getMessage(), e));
            return;
        }
        if (durableHead != null && Arrays.equals(durableHead, working.headHashUnsafe())) {
            // COMMIT reported an error, yet this very batch is there (same seq, same chain hash): it is durable
            LOG.warn("COMMIT reported {} but seq {} is durable; treating the batch as committed", cause.getMessage(),
                    working.seq());
            committed(startNanos);
            return;
        }
        long durableSeq;
        try {
            durableSeq = store.maxSeq();
        } catch (SQLException e) {
            failWholeBatch(halt("cannot read the log after a failed commit: " + e.getMessage(), e));
            return;
        }
        if (durableSeq != committed.seq()) {
            // someone else wrote this database, or the file changed under us: never guess
            failWholeBatch(halt("after a failed commit the log ends at seq " + durableSeq + ", the writer expected "
                    + committed.seq() + (durableHead != null ? " (and seq " + working.seq() + " holds another event)" : ""),
                    cause));
            return;
        }
        String range = "seq " + (committed.seq() + 1) + ".." + working.seq();
        if (SqliteFailure.classify(cause) == SqliteFailure.CORRUPT) {
            failWholeBatch(halt("SQLite reports corruption: " + cause.getMessage(), cause));
            return;
        }
        if (SqliteFailure.classify(cause) == SqliteFailure.IO_ERROR) {
            // An I/O error inside COMMIT (a failed WAL fsync) can leave the batch's frames, commit
            // frame included, in the WAL file while SQLite reports failure: a crash before the next
            // commit would bring the "rolled back" batch back at the next open. Commit a sealing
            // transaction over the same WAL position; once it is durable, the stale frames can never
            // be recovered (their checksums no longer chain), and "not applied" is the truth.
            try {
                store.seal();
            } catch (SQLException sealFailed) {
                store.rollback();
                failWholeBatch(halt("the outcome of " + range + " is unknown: COMMIT failed (" + cause.getMessage()
                        + ") and the sealing commit after it failed too (" + sealFailed.getMessage() + "); writes stopped:"
                        + " reopen the ledger (the log then decides) and retry under the same idempotency keys", cause));
                return;
            }
        }
        failWholeBatch(storageFailure("batch of " + rows.size() + " events (" + range + ") rolled back", cause));
    }

    /**
     * Drops the batch in flight. Its written submissions fail with {@code failure}, and so do the
     * rejections decided against its writes (they were decided on state that never committed);
     * the rest complete as decided.
     */
    private void failWholeBatch(LedgerException failure) {
        failedBatchCount++;
        String batchRange = "seq " + (committed.seq() + 1) + ".." + working.seq();
        working = committed;
        rows.clear();
        events.clear();
        batchKeys.clear();
        batchDirty.clear();
        for (int i = 0; i < pendingCount; i++) {
            Pending p = pending[i];
            if (p.error != null && p.decidedAgainstBatch) {
                p.error = failure instanceof LedgerException.StorageFailure sf
                        ? new LedgerException.StorageFailure(p.error.code() + " was decided against the batch " + batchRange
                                + ", which did not commit; the submission was not applied, retry it: " + sf.getMessage(),
                                sf.sqliteResultCode(), sf)
                        : failure;
            }
        }
        completePending(failure);
    }

    private void completePending(LedgerException batchFailure) {
        if (pendingCount == 0) {
            return;
        }
        Runnable[] outcomes = new Runnable[pendingCount];
        for (int i = 0; i < pendingCount; i++) {
            Pending p = pending[i];
            if (p.error != null) {
                outcomes[i] = new Outcome(p.future, null, p.error)::deliver;
            } else if (p.writtenInBatch && batchFailure != null) {
                outcomes[i] = new Outcome(p.future, null, batchFailure)::deliver;
            } else {
                outcomes[i] = new Outcome(p.future, p.receipt, null)::deliver;
            }
            p.future = null;
            p.receipt = null;
            p.error = null;
            p.decidedAgainstBatch = false;
        }
        pendingCount = 0;
        completions.handOver(outcomes);
    }

    private void runTask(Slot slot) {
        CompletableFuture<Object> done = slot.taskDone;
        try {
            completions.complete(done, slot.task.run(store));
        } catch (Exception e) {
            completions.fail(done, e);
        }
    }

    private LedgerException.LedgerHalted halt(String reason, Throwable cause) {
        if (haltReason == null) {
            haltReason = reason;
            LOG.error("ledger halted at seq {}: {}", committed.seq(), reason, cause);
        }
        return new LedgerException.LedgerHalted(haltReason, cause);
    }

    private static LedgerException.StorageFailure storageFailure(String what, SQLException e) {
        return new LedgerException.StorageFailure(what + ": " + SqliteFailure.classify(e) + ": " + e.getMessage(),
                SqliteFailure.resultCode(e), e);
    }
}
