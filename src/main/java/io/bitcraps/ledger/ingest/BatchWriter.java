package io.bitcraps.ledger.ingest;

import com.lmax.disruptor.EventHandler;
import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.codec.PayloadException;
import io.bitcraps.ledger.craps.GameTable;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.craps.Settlement;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.projection.DirtySet;
import io.bitcraps.ledger.projection.GameState;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Projector;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.projection.StateSnapshot;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.projection.Tables;
import io.bitcraps.ledger.store.EventLog;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LogLookups;
import io.bitcraps.ledger.store.SqliteFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The single writer, in two stages on two threads.
 * <p>
 * <b>Deciding</b> (the ring's one consumer thread, "ledger-writer"): each submission is checked
 * against {@code working} (the state after everything decided so far), becomes events with seq,
 * timestamp, payload, frame and chain hash, and is folded into {@code working}, all in the batch
 * being filled ({@link Staged}). At {@code endOfBatch} (or a cap) the batch is handed to the
 * committing thread, and the writer goes on deciding the next batch on top of it.
 * <p>
 * <b>Committing</b> ("ledger-committer"): owns the write connection while a batch is in flight;
 * writes its rows in one immediate transaction and commits. Only when COMMIT returns is the
 * batch's state {@code committed}; then listeners are told (caches, archive, metrics), the state
 * is published to readers, and the futures complete, in that order.
 * <p>
 * <b>The pipeline</b> holds at most one batch in flight: before handing over batch N+1 the writer
 * waits for N's outcome. So the fsync of N overlaps the deciding of N+1, and nothing else does.
 * N+1 was decided on top of N's state, which is speculative until N commits. If N's commit fails,
 * {@code working} goes back to the last committed state (a pointer move: the state is persistent)
 * and every submission of N+1 that wrote, or was refused by looking at state, fails with N's
 * retryable failure: nothing speculative is ever acknowledged. With {@code pipelined} false the
 * writer commits each batch itself and waits, which is the behaviour before the pipeline.
 * <p>
 * Failure: a batch whose commit fails is rolled back, exactly that batch's futures (and those of
 * the batch decided on top of it) fail with {@link LedgerException.StorageFailure}, and the next
 * batch proceeds. Corruption, a broken invariant, or a database that no longer matches the
 * writer's view halts writing for good. Rejections never touch the database; they complete with
 * their batch, after the batch before it, so that callers see results in ring order. A rejection
 * decided while the state held uncommitted writes (of its own batch or of the one in flight)
 * stands only if they commit; when they do not, it fails with the batch's retryable failure
 * instead, never as a final answer no committed state supports.
 * <p>
 * Any other throwable on any path (deciding, staging, committing, shutting down) is the same
 * case: the transaction is rolled back, writing halts, and every future of the batch fails.
 * {@code SQLITE_BUSY} (another connection holds the write lock) is retried with backoff until
 * {@code busyRetryDeadlineNanos} after the batch's first attempt, then fails the batch as a
 * retryable {@link LedgerException.StorageFailure}.
 * <p>
 * While a batch is in flight the writer reads the log (idempotency keys, games and players the
 * state no longer holds) through {@code lookups}, a connection of its own, and answers for the
 * batch in flight from the batch itself. Futures are never completed on either thread:
 * {@link Completions} does it, so a caller's callback can neither stall commits nor deadlock the
 * writer.
 */
final class BatchWriter implements EventHandler<Slot> {
    private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);

    private final EventLog store;
    private final LogLookups lookups;
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
    private final boolean pipelined;
    /** The log-first commit's idempotency keys (a retention window in memory); null: the log's unique key index. */
    private final KeyWindow keyWindow;

    // the deciding thread's
    /** Whether bets and settlements are judged by the craps rulebook ({@code LedgerConfig.tableRules}). */
    private final boolean byTheRules;
    /** The newest state the writer knows to be committed: where {@code working} goes back to. */
    private LedgerState base;
    private LedgerState working;
    private Staged filling;
    /** Handed to the committing thread, its outcome not taken yet; null when the pipeline is empty. */
    private Staged inflight;
    /** The buffer not in use: batches alternate between two, so that nothing is allocated per batch. */
    private Staged spare;
    private final DirtySet submissionDirty = new DirtySet();
    private Thread writerThread;

    // the committing thread's (the deciding thread's while the pipeline is empty)
    private LedgerState committed;

    private volatile LedgerState published;
    private volatile String haltReason;

    private final ArrayBlockingQueue<Staged> toCommit = new ArrayBlockingQueue<>(1);
    private volatile Thread committerThread;
    /** Handed to the committing thread to stop it. */
    private final Staged stop;

    private volatile long eventCount;
    private volatile long commitCount;
    private volatile long submissionCount;
    private volatile long rejectionCount;
    private final AtomicLong failedBatchCount = new AtomicLong();
    private volatile long lastCommitNanos;
    private volatile long lastCommitAtNanos = System.nanoTime();
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> rejectionsByCode =
            new java.util.concurrent.ConcurrentHashMap<>();

    private record KeyedSubmission(List<Command> commands, Receipt receipt) {}

    /** One submission of a batch and what became of it. */
    private static final class Pending {
        CompletableFuture<Receipt> future;
        Receipt receipt;
        LedgerException error;
        boolean writtenInBatch;
        /** The rejection was decided on uncommitted state: it stands only if the batch (and the one before) commits. */
        boolean decidedAgainstBatch;
        /** A key replay of the batch in flight: its receipt stands once that batch commits, whatever this one does. */
        boolean restsOnInflight;
    }

    /**
     * One batch: filled by the deciding thread, then handed whole to the committing thread, which
     * sets {@link #failure} and releases {@link #done}; the deciding thread takes the outcome and
     * clears it for reuse. Never touched by two threads at once.
     */
    private static final class Staged {
        final ArrayList<EventRow> rows = new ArrayList<>();
        final ArrayList<LedgerEvent> events = new ArrayList<>();
        final java.util.LinkedHashMap<String, KeyedSubmission> keys = new java.util.LinkedHashMap<>(); // in seq order
        final DirtySet dirty = new DirtySet();
        final Pending[] pending;
        int pendingCount;
        /** The committed state this batch was decided on, and the state after it. */
        LedgerState before;
        LedgerState after;
        long startNanos;
        byte[] signature;
        /** Null if the batch committed. */
        LedgerException failure;
        /**
         * Set by the committing thread once COMMIT returned: from then on the batch cannot fail,
         * and a refusal decided on its state is final.
         */
        volatile boolean durable;
        /**
         * Set by the committing thread when the batch failed, before its futures are handed over:
         * a caller who sees the failure and retries at once must find the writer rewound.
         */
        volatile boolean failed;
        final Semaphore done = new Semaphore(0);

        Staged(int submissionsMax) {
            pending = new Pending[submissionsMax];
            for (int i = 0; i < pending.length; i++) {
                pending[i] = new Pending();
            }
        }

        boolean isEmpty() {
            return rows.isEmpty() && pendingCount == 0;
        }

        String range() {
            return "seq " + (before.seq() + 1) + ".." + after.seq();
        }

        void clear() {
            rows.clear();
            events.clear();
            keys.clear();
            dirty.clear();
            pendingCount = 0;
            before = null;
            after = null;
            signature = null;
            failure = null;
            durable = false;
            failed = false;
        }
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

    BatchWriter(EventLog store, LogLookups lookups, ReadModel readModel, PayloadCodec codec, HeadSigner signer,
                LedgerState recovered, LongSupplier clockMicros, int submissionsPerBatchMax, int eventsPerBatchMax,
                List<CommitListener> listeners, Completions completions, long busyRetryDeadlineNanos, long snapshotEveryEvents,
                boolean pipelined, int keyWindowKeysMax, long keyWindowMicros, boolean byTheRules) {
        this.store = store;
        this.byTheRules = byTheRules;
        this.lookups = lookups;
        this.snapshotEveryEvents = snapshotEveryEvents;
        this.completions = completions;
        this.busyRetryDeadlineNanos = busyRetryDeadlineNanos;
        this.signer = signer;
        this.readModel = readModel;
        this.codec = codec;
        this.clockMicros = clockMicros;
        this.eventsPerBatchMax = eventsPerBatchMax;
        this.listeners = List.copyOf(listeners);
        this.pipelined = pipelined;
        if (keyWindowKeysMax > 0) {
            this.keyWindow = loadKeyWindow(lookups, keyWindowKeysMax, keyWindowMicros);
        } else {
            this.keyWindow = null;
        }
        this.base = recovered;
        this.committed = recovered;
        this.working = recovered;
        this.published = recovered;
        this.filling = new Staged(submissionsPerBatchMax);
        this.spare = new Staged(submissionsPerBatchMax);
        this.stop = new Staged(0);
    }

    /** The window as it stood at the head: the keys the log's tail holds, added oldest first. */
    private static KeyWindow loadKeyWindow(LogLookups lookups, int keysMax, long windowMicros) {
        KeyWindow window = new KeyWindow(keysMax, windowMicros);
        try {
            long headMicros = lookups.headMicros();
            // newest first from the log; kept as hashes (not strings) until they are added in order
            long[][] found = {new long[1024], new long[1024], new long[1024]};
            int[] n = {0};
            lookups.recentKeys(keysMax, headMicros - windowMicros, (seq, ts, key) -> {
                if (n[0] == found[0].length) {
                    for (int k = 0; k < 3; k++) {
                        found[k] = java.util.Arrays.copyOf(found[k], found[k].length * 2);
                    }
                }
                found[0][n[0]] = window.hashOf(key);
                found[1][n[0]] = seq;
                found[2][n[0]] = ts;
                n[0]++;
            });
            for (int i = n[0] - 1; i >= 0; i--) {
                window.addHashed(found[0][i], found[1][i], found[2][i]);
            }
            window.advanceTo(headMicros);
        } catch (SQLException e) {
            throw new IllegalStateException("reading the recent idempotency keys from the log failed: " + e.getMessage(), e);
        }
        return window;
    }

    @Override
    public void onStart() {
        writerThread = Thread.currentThread();
        if (pipelined) {
            Thread t = new Thread(this::commitLoop, "ledger-committer");
            t.setDaemon(true); // the writer stops it at shutdown; daemon only for a JVM that dies first
            try {
                t.start();
                committerThread = t;
            } catch (Throwable e) {
                // without its committing thread the writer commits each batch itself, as unpipelined
                LOG.error("cannot start the committing thread; batches commit on the writer thread", e);
            }
        }
    }

    @Override
    public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
        assert Thread.currentThread() == writerThread : "only the writer thread decides";
        try {
            if (slot.task != null) {
                flush();
                awaitInflight();
                runTask(slot);
            } else {
                handleSubmission(slot);
            }
        } catch (Throwable t) {
            // a bug or a broken invariant: never guess, stop writing
            if (inflight == null) {
                store.rollback(); // a task may have left a transaction open; in flight, the committer owns the connection
            }
            LedgerException halted = halt("unexpected failure in the writer: " + t, t);
            if (slot.future != null && !slot.future.isDone() && !isPending(slot.future)) {
                completions.fail(slot.future, halted);
            }
            if (slot.taskDone != null && !slot.taskDone.isDone()) {
                completions.fail(slot.taskDone, halted);
            }
            awaitInflight();
            if (!filling.isEmpty()) {
                failFilling(halted, false);
            }
            working = base;
        } finally {
            slot.clear();
        }
        if (endOfBatch || filling.rows.size() >= eventsPerBatchMax || filling.pendingCount == filling.pending.length) {
            flush();
        }
    }

    @Override
    public void onShutdown() {
        try {
            flush();
            awaitInflight();
            stopCommitter();
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

    /** True on the committing thread, where commit listeners run. */
    boolean onCommitterThread() {
        Thread t = committerThread;
        return t != null && Thread.currentThread() == t;
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
        halt(reason, null);
    }

    WriterStats stats(long ringBacklog) {
        return new WriterStats(eventCount, commitCount, submissionCount, rejectionCount, failedBatchCount.get(),
                lastCommitNanos, ringBacklog);
    }

    // ---- deciding (the writer thread) ----

    private void handleSubmission(Slot slot) {
        submissionCount++;
        if (inflight != null && inflight.failed) {
            awaitInflight(); // the caller may be retrying what just failed: decide it on the rewound state
        } else {
            takeOutcomeIfDone(); // a batch whose callers hold receipts has its keys in inflight.keys until then
        }
        CompletableFuture<Receipt> future = slot.future;
        if (haltReason != null) {
            addPending(future, null, new LedgerException.LedgerHalted(haltReason, null), false);
            return;
        }
        // a rejection rests on uncommitted state only if there is some (this batch's writes, or the
        // batch in flight) and the rejection looked at state: a conflict with a durable key, or a
        // command malformed in itself, is final either way
        boolean stateHoldsWrites = !filling.rows.isEmpty() || inflight != null && !inflight.durable;
        if (slot.key != null) {
            KeyedSubmission earlier = filling.keys.get(slot.key);
            if (earlier == null && inflight != null) {
                earlier = inflight.keys.get(slot.key);
            }
            if (earlier != null) {
                try {
                    requireSameContent(slot.key, earlier, slot.commands);
                } catch (Rejected e) {
                    reject(future, e, true);
                    return;
                }
                if (filling.keys.get(slot.key) == earlier) {
                    // stands only if this batch commits: fails with it if it does not
                    addPending(future, earlier.receipt, null, true);
                } else if (inflight.durable) {
                    addPending(future, earlier.receipt, null, false);
                } else {
                    addPending(future, earlier.receipt, null, false);
                    filling.pending[filling.pendingCount - 1].restsOnInflight = true;
                }
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
            reject(future, e, stateHoldsWrites && lookedAtState(e));
        } catch (History.Unavailable e) {
            addPending(future, null, lookupFailure(e.getMessage(), (SQLException) e.getCause()), false);
        }
    }

    /**
     * Games and accounts the state no longer holds: first the batches not committed yet (their
     * rows are not readable), then the committed log itself, never the read model: a damaged
     * read-model row must not be able to let a game id be used twice.
     */
    private final History history = new History() {
        @Override
        public boolean gameEverOpened(String gameId) {
            if (submissionDirty.touchedGame(gameId) || filling.dirty.touchedGame(gameId)
                    || inflight != null && inflight.dirty.touchedGame(gameId)) {
                return true;
            }
            try {
                return lookups.gameEverOpened(gameId);
            } catch (SQLException e) {
                throw new History.Unavailable("looking up game " + gameId + " failed", e);
            }
        }

        @Override
        public long epoch() {
            long staged = 0;
            for (List<LedgerEvent> events : inflight == null ? List.of(filling.events) : List.of(inflight.events, filling.events)) {
                for (LedgerEvent e : events) {
                    staged += e.command() instanceof Command.StartEpoch ? 1 : 0;
                }
            }
            try {
                return lookups.epoch() + staged;
            } catch (SQLException e) {
                throw new History.Unavailable("counting the log's epochs failed", e);
            }
        }

        @Override
        public boolean commitmentEverUsed(String commitment) {
            // the batches not committed yet (this submission's staged events are in filling's), then the log
            if (opensWith(filling.events, commitment) || inflight != null && opensWith(inflight.events, commitment)) {
                return true;
            }
            try {
                return lookups.commitmentEverUsed(commitment);
            } catch (SQLException e) {
                throw new History.Unavailable("looking up commitment " + commitment + " failed", e);
            }
        }

        private boolean opensWith(List<LedgerEvent> events, String commitment) {
            for (LedgerEvent e : events) {
                if (e.command() instanceof Command.OpenGame g && commitment.equals(g.commitment())) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean accountEverPosted(Account account) {
            String key = account.key();
            if (submissionDirty.touchedAccount(key) || filling.dirty.touchedAccount(key)
                    || inflight != null && inflight.dirty.touchedAccount(key)) {
                return true;
            }
            try {
                return account.kind() == Account.Kind.PLAYER && lookups.playerEverPosted(account.id());
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
        filling.pending[filling.pendingCount - 1].decidedAgainstBatch = decidedAgainstBatch;
    }

    /** False for refusals of a command's own content, which no state could change. */
    private static boolean lookedAtState(Rejected r) {
        return !(r instanceof Rejected.InvalidAmount || r instanceof Rejected.InvalidDice || r instanceof Rejected.InvalidId
                || r instanceof Rejected.InvalidCommand || r instanceof Rejected.InvalidBet
                || r instanceof Rejected.InvalidSettlement);
    }

    /** {@code earlier.commands} are as staged (as the log holds them): see {@link #sameSubmission}. */
    private void requireSameContent(String key, KeyedSubmission earlier, List<Command> commands) {
        if (!sameSubmission(earlier.commands, 0, commands, 0)) {
            throw new Rejected.IdempotencyConflict(key, earlier.receipt.firstSeq());
        }
    }

    /** The receipt of a committed submission with this key, null if the key is new, or a conflict. */
    private Receipt durableReceiptOf(String key, List<Command> commands) throws SQLException {
        List<EventRow> head = null;
        long first = 0;
        if (keyWindow == null) {
            first = lookups.seqOfKey(key);
        } else {
            // a hash match is a candidate: the key stored in the log's row decides; the newest use wins
            for (long candidate : keyWindow.candidates(key)) {
                List<EventRow> rows = lookups.range(candidate, candidate);
                if (rows.isEmpty()) {
                    // the window names a committed seq the log does not hold: never guess (a miss would apply twice)
                    throw new IllegalStateException("idempotency key window names seq " + candidate
                            + ", which the log does not hold");
                }
                if (key.equals(rows.get(0).key()) && candidate > first) {
                    first = candidate;
                    head = rows;
                }
            }
        }
        if (first == 0) {
            return null;
        }
        if (head == null) {
            head = lookups.range(first, first);
        }
        LedgerEvent firstEvent = StoredEvents.decode(codec, head.get(0));
        long last = first + firstEvent.submissionSize() - 1;
        List<Command> original = new ArrayList<>(firstEvent.submissionSize());
        for (EventRow row : last == first ? head : lookups.range(first, last)) {
            original.add(StoredEvents.decode(codec, row).command());
        }
        Receipt receipt = new Receipt(first, last, firstEvent.timestampMicros());
        if (!sameSubmission(original, 0, commands, 0)) {
            throw new Rejected.IdempotencyConflict(key, first);
        }
        return receipt;
    }

    /**
     * Whether the submission as the log holds it ({@code logged}, from {@code j}) is what was
     * submitted ({@code submitted}, from {@code i}): equal command by command, except that a roll
     * the ledger settled ({@code autoSettle}) stands for the roll as stored and the run of its
     * game's WIN, LOSE and PUSH settlements right after it: exactly the ones the ledger added, since
     * anything the submission itself settles in that game after the roll can only be a VOID (the
     * rest are settled already, or undecided). The log does not keep who computed a settlement, so
     * a key is matched by what its submission recorded: the roll with the same settlements listed
     * by hand is the same submission.
     */
    static boolean sameSubmission(List<Command> logged, int j, List<Command> submitted, int i) {
        for (; i < submitted.size(); i++, j++) {
            if (j >= logged.size()) {
                return false;
            }
            Command c = submitted.get(i);
            if (c instanceof Command.RecordRoll r && r.autoSettle()) {
                if (!logged.get(j).equals(r.asStored())) {
                    return false;
                }
                while (j + 1 < logged.size() && logged.get(j + 1) instanceof Command.SettleBet st
                        && st.gameId().equals(r.gameId()) && st.outcome() != io.bitcraps.ledger.domain.Outcome.VOID) {
                    j++;
                }
                continue;
            }
            if (!logged.get(j).equals(c)) {
                return false;
            }
        }
        return j == logged.size();
    }

    /**
     * A submission as it is staged: {@code commands}, and for each the index of the submitted
     * command it comes from (a settlement the ledger adds comes from its roll).
     */
    private record Staging(List<Command> commands, int[] origin) {}

    /**
     * The submission with the settlements of each roll the ledger settles ({@code autoSettle})
     * after it: every bet that roll decides, by the rulebook under the game's rules, in the order
     * the bets were placed (their seqs; then those placed in this submission). The tables are followed through
     * the submission's own commands before the roll. The roll itself is replaced by its stored form.
     * Null when no roll asks.
     */
    private static Staging withRulebookSettlements(LedgerState s, List<Command> submitted) {
        java.util.Map<String, GameTable> tables = null;
        for (Command c : submitted) {
            if (c instanceof Command.RecordRoll r && r.autoSettle()) {
                if (tables == null) {
                    tables = new java.util.HashMap<>(4);
                }
                GameState game = s.game(r.gameId());
                tables.put(r.gameId(), game == null ? null : game.table());
            }
        }
        if (tables == null) {
            return null;
        }
        List<Command> out = new ArrayList<>(submitted.size() + 16);
        int[] origin = new int[Limits.ATOMIC_COMMANDS_MAX];
        java.util.Map<String, Long> placedHere = new java.util.HashMap<>();
        java.util.Set<String> closedHere = new java.util.HashSet<>(2);
        for (int i = 0; i < submitted.size(); i++) {
            Command c = submitted.get(i);
            String gameId = StoredEvents.gameOf(c);
            if (gameId != null && tables.containsKey(gameId)) {
                GameTable t = tables.get(gameId);
                if (c instanceof Command.RecordRoll r && r.autoSettle()) {
                    c = r.asStored();
                    // open before this submission and not closed in it, yet without a table: its rules do not parse
                    // (a game closed earlier in the submission is the rules' to refuse, in the order of its commands)
                    if (t == null && s.game(gameId) != null && !closedHere.contains(gameId)) {
                        Rejected refused = new Rejected.InvalidCommand("game " + gameId + " records table rules the"
                                + " rulebook cannot read: the ledger cannot settle its rolls");
                        throw submitted.size() > 1 ? refused.markInGroup(i, submitted.size()) : refused;
                    }
                    // (a game that is not open has no table: the rules refuse the roll itself, with the reason)
                }
                List<Command.SettleBet> decided = List.of();
                if (c instanceof Command.OpenGame o) {
                    t = Tables.opened(o); // opened earlier in this submission: its table starts here
                    tables.put(gameId, t);
                } else if (c instanceof Command.CloseGame) {
                    t = null;
                    tables.put(gameId, null);
                    closedHere.add(gameId);
                }
                if (t != null && !(c instanceof Command.OpenGame)) {
                    if (c instanceof Command.PlaceBet b) {
                        t = Tables.placed(t, b);
                        placedHere.put(gameId + "/" + b.betId(), (long) i);
                    } else if (c instanceof Command.RecordRoll r) {
                        GameTable after = t.roll(Roll.of(r.die1(), r.die2()));
                        if (submitted.get(i) instanceof Command.RecordRoll asked && asked.autoSettle()) {
                            GameState inState = s.game(gameId);
                            decided = decidedBy(t, after, gameId, betId -> {
                                // placement order: the seq of a bet placed before, then those placed in this submission
                                BetState b = inState == null ? null : inState.bet(betId);
                                return b != null ? b.placedSeq() : Long.MAX_VALUE / 2 + placedHere.get(gameId + "/" + betId);
                            });
                            for (Command.SettleBet st : decided) {
                                after = after.settled(st.betId());
                            }
                        }
                        t = after;
                    } else if (c instanceof Command.SettleBet st) {
                        t = Tables.settled(t, st.betId());
                    }
                    tables.put(gameId, t);
                }
                add(out, origin, c, i);
                for (Command.SettleBet st : decided) {
                    add(out, origin, st, i);
                }
            } else {
                add(out, origin, c, i);
            }
        }
        return new Staging(out, origin);
    }

    /** The settlements of the bets {@code before.roll(…)} = {@code after} decided, in placement order. */
    private static List<Command.SettleBet> decidedBy(GameTable before, GameTable after, String gameId,
                                                     java.util.function.ToLongFunction<String> placementOrder) {
        List<Settlement> decided = new ArrayList<>();
        for (Settlement d : after.due().values()) {
            if (!before.due().containsKey(d.betId())) {
                decided.add(d);
            }
        }
        decided.sort(java.util.Comparator.comparingLong((Settlement d) -> placementOrder.applyAsLong(d.betId())));
        List<Command.SettleBet> settlements = new ArrayList<>(decided.size());
        for (Settlement d : decided) {
            settlements.add(new Command.SettleBet(gameId, d.betId(), d.outcome(), d.winnings()));
        }
        return settlements;
    }

    private static void add(List<Command> out, int[] origin, Command c, int from) {
        if (out.size() == Limits.ATOMIC_COMMANDS_MAX) {
            throw new Rejected.LimitExceeded("with the settlements its rolls decide, the submission would be more than "
                    + Limits.ATOMIC_COMMANDS_MAX + " commands, the most that commit together: submit the roll alone and"
                    + " its settlements in groups before the game's next roll");
        }
        origin[out.size()] = from;
        out.add(c);
    }

    /** Checks and stages a submission; all of its commands become events, or none does. */
    private Receipt append(List<Command> submitted, String key) {
        Staging staging = withRulebookSettlements(working, submitted);
        List<Command> commands = staging == null ? submitted : staging.commands();
        int size = commands.size();
        int mark = filling.rows.size();
        LedgerState s = working;
        long timestamp = Math.max(clockMicros.getAsLong(), s.lastTimestampMicros());
        long first = s.seq() + 1;
        submissionDirty.clear();
        for (int i = 0; i < size; i++) {
            Command c = commands.get(i);
            try {
                List<Posting> postings = Decider.decide(s, c, history, byTheRules, timestamp);
                LedgerEvent e = new LedgerEvent(s.seq() + 1, timestamp, c, postings, i == 0 ? key : null,
                        i == 0 ? size : 1);
                s = stage(s, e);
            } catch (Rejected r) {
                truncate(mark);
                // named by the command the caller submitted (a settlement the ledger added, by its roll)
                int at = staging == null ? i : staging.origin()[i];
                throw submitted.size() > 1 ? r.markInGroup(at, submitted.size()) : r;
            } catch (History.Unavailable u) {
                truncate(mark);
                throw u;
            }
        }
        if (byTheRules) {
            Decider.LeftOut missing = Decider.settlementsLeftOut(s, commands);
            if (missing != null) {
                truncate(mark);
                int at = staging == null ? missing.rollIndex() : staging.origin()[missing.rollIndex()];
                throw submitted.size() > 1 ? missing.rejection().markInGroup(at, submitted.size()) : missing.rejection();
            }
        }
        working = s;
        filling.dirty.mergeFrom(submissionDirty);
        Receipt receipt = new Receipt(first, s.seq(), timestamp);
        if (key != null) {
            filling.keys.put(key, new KeyedSubmission(commands, receipt));
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
        filling.rows.add(new EventRow(e.seq(), e.timestampMicros(), e.type().code(), StoredEvents.gameOf(c),
                StoredEvents.playerOf(s, c), StoredEvents.betOf(c), StoredEvents.amountOf(c), e.key(), payload, hash));
        filling.events.add(e);
        LedgerState after = Projector.apply(s, e, hash);
        submissionDirty.record(s, after, e);
        return after;
    }

    private void truncate(int mark) {
        while (filling.rows.size() > mark) {
            filling.rows.remove(filling.rows.size() - 1);
            filling.events.remove(filling.events.size() - 1);
        }
    }

    private void addPending(CompletableFuture<Receipt> future, Receipt receipt, LedgerException error, boolean written) {
        Pending p = filling.pending[filling.pendingCount++];
        p.future = future;
        p.receipt = receipt;
        p.error = error;
        p.writtenInBatch = written;
        p.decidedAgainstBatch = false;
        p.restsOnInflight = false;
    }

    private boolean isPending(CompletableFuture<Receipt> future) {
        for (int i = 0; i < filling.pendingCount; i++) {
            if (filling.pending[i].future == future) {
                return true;
            }
        }
        return false;
    }

    /**
     * Ends the batch being filled: waits for the batch in flight, then hands this one to the
     * committing thread (or commits it here, not pipelined). Never throws: every failure ends in
     * one of the writer's outcomes (committed, failed and retryable, halted).
     */
    private void flush() {
        if (filling.isEmpty()) {
            takeOutcomeIfDone();
            return;
        }
        if (awaitInflight() != null) {
            return; // the batch in flight failed, and this one, decided on top of it, with it
        }
        if (filling.rows.isEmpty()) {
            // only answers that need no commit; they go out after the batch before them
            complete(filling, null, false);
            filling.clear();
            return;
        }
        if (haltReason != null) {
            // halted from outside (the health monitor found the file changed) while this batch was
            // staged: nothing of it may be committed now
            failFilling(new LedgerException.LedgerHalted(haltReason, null), false);
            return;
        }
        Staged batch = filling;
        batch.before = base;
        batch.after = working;
        batch.startNanos = System.nanoTime();
        filling = spare;
        spare = null;
        inflight = batch;
        if (committerThread != null) {
            toCommit.add(batch); // never full: the one batch before was taken, its outcome too
        } else {
            commit(batch);
            awaitInflight();
        }
    }

    /** Takes the outcome of the batch in flight if it is known, without waiting. */
    private void takeOutcomeIfDone() {
        if (inflight != null && inflight.done.tryAcquire()) {
            takeOutcome();
        }
    }

    /** Waits for the batch in flight, if any, and takes its outcome; returns its failure, or null. */
    private LedgerException awaitInflight() {
        if (inflight == null) {
            return null;
        }
        boolean interrupted = false;
        while (true) {
            try {
                if (inflight.done.tryAcquire(COMMITTER_CHECK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
                continue;
            }
            Thread committer = committerThread;
            if (committer != null && !committer.isAlive() && !inflight.done.tryAcquire()) {
                // the committing thread is gone without an outcome (cannot happen by design): the
                // batch may or may not be in the log, so halt; the log decides at the next open
                LedgerException halted = halt("the committing thread ended with " + inflight.range() + " in flight", null);
                inflight.failure = halted;
                complete(inflight, halted, false);
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return takeOutcome();
    }

    private static final long COMMITTER_CHECK_MILLIS = 1_000;

    /**
     * The batch in flight has an outcome (its futures are handed over already). Committed: its
     * state is the writer's new base. Failed: the writer goes back to the state before it, and
     * whatever was decided on top of it since fails with it.
     */
    private LedgerException takeOutcome() {
        Staged done = inflight;
        inflight = null;
        LedgerException failure = done.failure;
        // a batch whose COMMIT returned is in the log whatever failed after it (then the ledger halted)
        base = done.durable || failure == null ? done.after : done.before;
        if (keyWindow != null && (done.durable || failure == null)) {
            for (var e : done.keys.entrySet()) {
                keyWindow.add(e.getKey(), e.getValue().receipt().firstSeq(), e.getValue().receipt().timestampMicros());
            }
            keyWindow.advanceTo(done.after.lastTimestampMicros());
        }
        if (failure != null) {
            if (!filling.isEmpty()) {
                failFilling(speculative(failure, done.range()), true);
            }
            working = base;
        }
        done.clear();
        spare = done;
        return failure;
    }

    private static LedgerException speculative(LedgerException failure, String range) {
        if (failure instanceof LedgerException.StorageFailure sf) {
            return new LedgerException.StorageFailure("decided on top of the batch " + range + ", which did not commit;"
                    + " not applied, retry it: " + sf.getMessage(), sf.sqliteResultCode(), sf);
        }
        return failure;
    }

    /**
     * Drops the batch being filled and goes back to the base state. {@code speculative}: because
     * the batch in flight did not commit (so replays of its keys fail too); otherwise the batch
     * in flight committed and only this one's own work is dropped (a halt).
     */
    private void failFilling(LedgerException failure, boolean speculative) {
        failedBatchCount.incrementAndGet();
        if (filling.after == null) {
            filling.before = base;
            filling.after = working;
        }
        fail(filling, failure, speculative);
        filling.clear();
        working = base;
    }

    // ---- committing (the committer thread, or the writer when not pipelined or drained) ----

    private void commitLoop() {
        while (true) {
            Staged batch;
            try {
                batch = toCommit.take();
            } catch (InterruptedException e) {
                // only the writer stops this thread, with the stop batch; an interrupt is not a stop
                continue;
            }
            if (batch == stop) {
                return;
            }
            commit(batch); // settles the batch and releases the writer whatever happens
        }
    }

    private void stopCommitter() {
        if (committerThread == null) {
            return;
        }
        toCommit.add(stop);
        try {
            committerThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Commits one batch and settles its futures; sets its outcome and releases the writer. */
    private void commit(Staged batch) {
        try {
            commitOrFail(batch);
        } catch (Throwable t) {
            // not by design (every path below settles the batch), e.g. an OutOfMemoryError after
            // COMMIT: never guess, halt, and still answer every caller of the batch with the truth
            try {
                if (!batch.durable) {
                    store.rollback();
                }
                LedgerException halted = halt("unexpected failure while committing " + batch.range() + ": " + t, t);
                batch.failure = halted;
                if (!batch.durable) {
                    batch.failed = true;
                }
                if (batch.pendingCount > 0) {
                    complete(batch, batch.durable ? null : halted, false);
                }
            } catch (Throwable again) {
                batch.failure = new LedgerException.LedgerHalted("unexpected failure while committing: " + t, t);
            }
        } finally {
            batch.done.release();
        }
    }

    private void commitOrFail(Staged batch) {
        long busyDeadline = batch.startNanos + busyRetryDeadlineNanos;
        for (int attempt = 0; ; attempt++) {
            if (haltReason != null) {
                // halted (from outside, or by the writer) while this batch waited: nothing of it may be committed now
                failBatch(batch, new LedgerException.LedgerHalted(haltReason, null));
                return;
            }
            try {
                writeBatch(batch);
                break;
            } catch (SQLException e) {
                if (SqliteFailure.classify(e) == SqliteFailure.BUSY && System.nanoTime() - busyDeadline < 0) {
                    // another connection holds the write lock (a backup's checkpoint, an operator's
                    // sqlite3 shell): nothing of this batch is in, so roll back and try it again
                    store.rollback();
                    LockSupport.parkNanos(Math.min(BUSY_BACKOFF_MAX_NANOS, BUSY_BACKOFF_FIRST_NANOS << Math.min(attempt, 20)));
                    continue;
                }
                recoverFromFailedCommit(batch, e);
                return;
            } catch (Throwable t) {
                store.rollback();
                failBatch(batch, halt("unexpected failure while committing " + batch.range() + ": " + t, t));
                return;
            }
        }
        committed(batch);
    }

    private static final long BUSY_BACKOFF_FIRST_NANOS = 1_000_000;
    private static final long BUSY_BACKOFF_MAX_NANOS = 100_000_000;

    private void writeBatch(Staged batch) throws SQLException {
        store.begin();
        for (EventRow row : batch.rows) {
            store.add(row);
        }
        for (LedgerEvent e : batch.events) {
            if (e.command() instanceof Command.OpenGame g && g.commitment() != null) {
                store.knowCommitment(g.commitment(), g.gameId());
            }
        }
        LedgerState after = batch.after;
        if (readModel != null) {
            readModel.write(batch.dirty, after);
        }
        batch.signature = signer == null ? null : signer.sign(after.seq(), after.headHashUnsafe());
        store.finish(batch.before.seq() + 1, after.seq(), after.headHashUnsafe(), after.lastTimestampMicros(),
                batch.signature, after.digest());
        PreparedSnapshot snapshot = readySnapshot.getAndSet(null);
        if (snapshot != null) {
            // a state at or before the last commit, encoded off this thread; it rides with this batch
            store.saveSnapshot(snapshot.seq, snapshot.lastTimestampMicros, snapshot.digest, snapshot.bytes);
        }
        store.commit();
    }

    // The log-first commit keeps no read model in the database, so an open needs a recent state to
    // start from. Every snapshotEveryEvents events or SNAPSHOT_NANOS, whichever comes first, the
    // committing thread hands its committed state (immutable, persistent) to the snapshot thread,
    // which encodes it; the next batch stores the bytes in its transaction. No commit encodes a
    // large state; one more snapshot is written at close.
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

    /** At close, after the last batch (the committer stopped): a snapshot of the final state, so that the next open folds nothing. */
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

    private void committed(Staged batch) {
        batch.durable = true;
        LedgerState before = committed;
        committed = batch.after;
        int events = batch.rows.size();
        maybeStartSnapshot(events);
        lastCommitAtNanos = System.nanoTime();
        lastCommitNanos = lastCommitAtNanos - batch.startNanos;
        eventCount += events;
        commitCount++;
        CommitNotice notice = new CommitNotice(before.seq() + 1, committed.seq(), batch.pendingCount, lastCommitNanos,
                committed, List.copyOf(batch.events), batch.dirty.touched(), List.copyOf(batch.rows),
                committed.lastTimestampMicros(), batch.signature);
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
        complete(batch, null, false);
    }

    private void recoverFromFailedCommit(Staged batch, SQLException cause) {
        store.rollback();
        LedgerState after = batch.after;
        byte[] durableHead;
        try {
            durableHead = store.hashAt(after.seq());
        } catch (SQLException e) {
            failBatch(batch, halt("cannot read the log after a failed commit: " + e.getMessage(), e));
            return;
        }
        if (durableHead != null && Arrays.equals(durableHead, after.headHashUnsafe())) {
            // COMMIT reported an error, yet this very batch is there (same seq, same chain hash): it is durable
            LOG.warn("COMMIT reported {} but seq {} is durable; treating the batch as committed", cause.getMessage(),
                    after.seq());
            committed(batch);
            return;
        }
        long durableSeq;
        try {
            durableSeq = store.maxSeq();
        } catch (SQLException e) {
            failBatch(batch, halt("cannot read the log after a failed commit: " + e.getMessage(), e));
            return;
        }
        if (durableSeq != batch.before.seq()) {
            // someone else wrote this database, or the file changed under us: never guess
            failBatch(batch, halt("after a failed commit the log ends at seq " + durableSeq + ", the writer expected "
                    + batch.before.seq() + (durableHead != null ? " (and seq " + after.seq() + " holds another event)" : ""),
                    cause));
            return;
        }
        String range = batch.range();
        if (SqliteFailure.classify(cause) == SqliteFailure.CORRUPT) {
            failBatch(batch, halt("SQLite reports corruption: " + cause.getMessage(), cause));
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
                failBatch(batch, halt("the outcome of " + range + " is unknown: COMMIT failed (" + cause.getMessage()
                        + ") and the sealing commit after it failed too (" + sealFailed.getMessage() + "); writes stopped:"
                        + " reopen the ledger (the log then decides) and retry under the same idempotency keys", cause));
                return;
            }
        }
        failBatch(batch, storageFailure("batch of " + batch.rows.size() + " events (" + range + ") rolled back", cause));
    }

    /** A handed-over batch that did not commit: its futures fail, and the writer learns it from {@link Staged#failure}. */
    private void failBatch(Staged batch, LedgerException failure) {
        failedBatchCount.incrementAndGet();
        batch.failure = failure;
        batch.failed = true;
        fail(batch, failure, false);
    }

    /**
     * Settles a batch that did not commit. Its written submissions fail with {@code failure}, and
     * so do the rejections decided against uncommitted state; the rest complete as decided.
     */
    private void fail(Staged batch, LedgerException failure, boolean speculative) {
        String batchRange = batch.range();
        for (int i = 0; i < batch.pendingCount; i++) {
            Pending p = batch.pending[i];
            if (p.error != null && p.decidedAgainstBatch) {
                p.error = failure instanceof LedgerException.StorageFailure sf
                        ? new LedgerException.StorageFailure(p.error.code() + " was decided against the batch " + batchRange
                                + ", which did not commit; the submission was not applied, retry it: " + sf.getMessage(),
                                sf.sqliteResultCode(), sf)
                        : failure;
            }
        }
        complete(batch, failure, speculative);
    }

    /**
     * Hands the batch's outcomes over. {@code batchFailure}: the batch did not commit, and its
     * written submissions fail with it; {@code speculative}: it failed because the batch before it
     * did, so replays of that batch's keys fail too.
     */
    private void complete(Staged batch, LedgerException batchFailure, boolean speculative) {
        int count = batch.pendingCount;
        if (count == 0) {
            return;
        }
        Runnable[] outcomes = new Runnable[count];
        for (int i = 0; i < count; i++) {
            Pending p = batch.pending[i];
            if (p.error != null) {
                outcomes[i] = new Outcome(p.future, null, p.error)::deliver;
            } else if (batchFailure != null && (p.writtenInBatch || speculative && p.restsOnInflight)) {
                outcomes[i] = new Outcome(p.future, null, batchFailure)::deliver;
            } else {
                outcomes[i] = new Outcome(p.future, p.receipt, null)::deliver;
            }
            p.future = null;
            p.receipt = null;
            p.error = null;
            p.decidedAgainstBatch = false;
            p.restsOnInflight = false;
        }
        batch.pendingCount = 0;
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

    /** Stops writing for good; called from either thread and from outside, the first reason stands. */
    private synchronized LedgerException.LedgerHalted halt(String reason, Throwable cause) {
        if (haltReason == null) {
            haltReason = reason;
            LOG.error("ledger halted at seq {}: {}", published.seq(), reason, cause);
        }
        return new LedgerException.LedgerHalted(haltReason, cause);
    }

    private static LedgerException.StorageFailure storageFailure(String what, SQLException e) {
        return new LedgerException.StorageFailure(what + ": " + SqliteFailure.classify(e) + ": " + e.getMessage(),
                SqliteFailure.resultCode(e), e);
    }
}
