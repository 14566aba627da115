package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.ingest.CommitListener;
import io.bitcraps.ledger.ingest.CommitNotice;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.SqliteFailure;
import io.bitcraps.ledger.store.StoredCheckpoint;
import io.bitcraps.ledger.store.SubscriptionCheckpoints;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * The ledger's named subscriptions: starts them, hands them the writer's commit notices, keeps
 * their checkpoints in the sidecar file ({@link SubscriptionCheckpoints}), and stops them.
 * <p>
 * Threads: {@link #onCommit} runs on the committing thread, after each COMMIT; it only offers the
 * batch to each subscription's bounded queue and never waits (a full queue sends that
 * subscription back to the log). {@link #subscribe}, {@link #reset} and {@link #close} run on
 * callers' threads under this object's lock; each subscription runs on its own thread.
 * <p>
 * The sidecar is opened at the first subscribe or reset, so a ledger that never subscribes has
 * none. A name has at most one running subscription in this ledger.
 */
public final class Subscriptions implements CommitListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);

    /** Most events in one delivery; a larger batch is delivered in consecutive parts (see {@link CommittedBatch}). */
    public static final int DELIVERY_EVENTS_MAX = 65_536;
    /** Most events a subscription's live queue holds (beside its batch bound) before it falls back to the log. */
    public static final long QUEUE_EVENTS_MAX = 262_144;
    /** Batch records read from the log at a time during catch-up. */
    static final int CATCH_UP_BATCHES_PER_READ = 256;
    /** The first retry of a failed batch waits this long; each later one twice as long, up to {@link #RETRY_MAX}. */
    public static final Duration RETRY_FIRST = Duration.ofMillis(100);
    public static final Duration RETRY_MAX = Duration.ofSeconds(30);
    /** A checkpoint is written at most this often while batches flow (and when idle, and at close). */
    public static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(100);
    /** While a live subscription is idle, it writes its checkpoint at most this often. */
    static final Duration IDLE_POLL = Duration.ofMillis(100);
    /** How long a live subscription waits for a batch before it calls its handler's {@code onIdle} and looks at close. */
    static final Duration IDLE_CALLBACK = Duration.ofMillis(20);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /**
     * Limits of the subscriptions of one ledger.
     *
     * @param queueBatchesMax   batches a subscription's live queue holds
     * @param queueEventsMax    events it holds (a single larger batch still fits into an empty queue)
     * @param deliveryEventsMax most events in one delivery
     * @param closeWait         how long closing waits for a handler to return
     */
    public record Settings(int queueBatchesMax, long queueEventsMax, int deliveryEventsMax, Duration closeWait) {
        public Settings {
            if (queueBatchesMax < 1 || queueEventsMax < 1 || deliveryEventsMax < 1 || closeWait.isNegative()) {
                throw new IllegalArgumentException("subscription settings out of range: queueBatchesMax " + queueBatchesMax
                        + ", queueEventsMax " + queueEventsMax + ", deliveryEventsMax " + deliveryEventsMax
                        + ", closeWait " + closeWait);
            }
        }

        public static Settings of(int queueBatchesMax, Duration closeWait) {
            return new Settings(queueBatchesMax, QUEUE_EVENTS_MAX, DELIVERY_EVENTS_MAX, closeWait);
        }
    }

    private final Path db;
    private final Set<PosixFilePermission> fileMode;
    private final Settings settings;
    private final Clock clock;
    private final PayloadCodec codec = new PayloadCodec();
    /** The running subscriptions by name, in start order; guarded by {@code this}. */
    private final Map<String, Subscription> byName = new LinkedHashMap<>();
    /** What the writer offers batches to; a copy-on-write list, so the writer never takes a lock to read it. */
    private final CopyOnWriteArrayList<Listening> listening = new CopyOnWriteArrayList<>();
    private volatile long headSeq;
    private SubscriptionCheckpoints checkpoints; // guarded by this; opened at first use
    private boolean closed; // guarded by this

    private record Listening(Subscription subscription, LiveQueue queue) {}

    /** @param headSeqAtOpen the last committed seq when the ledger opened; later ones come with the notices */
    public Subscriptions(Path db, Set<PosixFilePermission> fileMode, long headSeqAtOpen, Settings settings, Clock clock) {
        this.db = db.toAbsolutePath();
        this.fileMode = Set.copyOf(fileMode);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = clock;
        this.headSeq = headSeqAtOpen;
    }

    /** Writer thread: remembers the head and offers the batch to every running subscription. Never blocks or throws. */
    @Override
    public void onCommit(CommitNotice notice) {
        headSeq = notice.lastSeq();
        if (listening.isEmpty() || notice.rows().isEmpty()) {
            return;
        }
        LiveBatch batch = LiveBatch.of(notice);
        for (Listening l : listening) {
            l.queue().offer(batch);
        }
    }

    /**
     * Starts the subscription {@code name} at {@code from}; see {@link From} for the options. The
     * stored checkpoint is checked against the log here, on the caller's thread, so a refusal is
     * thrown from this call and nothing starts.
     *
     * @throws SubscriptionException.InvalidName        the name is not 1..64 of {@code [A-Za-z0-9._-]}, starting with a letter or digit
     * @throws SubscriptionException.NameInUse          a subscription of that name is running in this ledger
     * @throws SubscriptionException.Closed             the ledger is closing or closed
     * @throws SubscriptionException.CheckpointNotInLog the stored checkpoint is past the log's head or on another history
     * @throws SubscriptionException.StartAheadOfLog    an explicit start lies past the log's head
     * @throws LedgerException.StorageFailure           the log or the checkpoint file could not be read
     */
    public Subscription subscribe(String name, From from, SubscriptionHandler handler) {
        return subscribe(name, from, handler, true);
    }

    /**
     * Starts the subscription {@code name} after {@code from}, for a subscriber that stores its
     * position in the same transaction as its effects (exactly-once; the views file's watermark):
     * nothing is read from or written to the checkpoint file under this name, so the file holds no
     * second position that could disagree. Otherwise as {@link #subscribe(String, From, SubscriptionHandler)}.
     */
    public Subscription subscribeAtOwnPosition(String name, From.Seq from, SubscriptionHandler handler) {
        return subscribe(name, from, handler, false);
    }

    private synchronized Subscription subscribe(String name, From from, SubscriptionHandler handler, boolean checkpointed) {
        requireValidName(name);
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(handler, "handler");
        requireOpen("subscribe \"" + name + "\"");
        requireNotRunning(name);
        Connection log = null;
        Listening registered = null;
        try {
            StoredCheckpoint stored = checkpointed ? checkpoints().read(name) : null;
            if (!checkpointed && java.nio.file.Files.exists(SubscriptionCheckpoints.fileOf(db))
                    && checkpoints().delete(name) != null) {
                // an earlier version kept this subscriber's position here too: nothing reads it any more
                LOG.info("subscription {} keeps its own position; its old checkpoint entry is forgotten", name);
            }
            log = LedgerDatabase.openReadOnly(db);
            LiveQueue queue = new LiveQueue(settings.queueBatchesMax(), settings.queueEventsMax());
            Subscription s = new Subscription(name, handler, this, log, codec, queue, settings.deliveryEventsMax(),
                    checkpointed);
            // listening before the start is read from the log: every batch committed after that read
            // is then in the queue (or the queue overflowed), so the hand-off to live has no gap
            registered = new Listening(s, queue);
            listening.add(registered);
            long after = startAfter(log, name, from, stored);
            s.startAfter(after, after == 0 ? null : EventReader.hashAt(log, after), stored == null ? 0 : stored.seq());
            byName.put(name, s);
            s.start();
            LOG.info("subscription {} started after seq {} ({}), head at seq {}", name, after, from, headSeq);
            return s;
        } catch (SQLException e) {
            undo(registered, log);
            throw new LedgerException.StorageFailure("subscription \"" + name + "\" could not start: " + e.getMessage(),
                    SqliteFailure.resultCode(e), e);
        } catch (RuntimeException e) {
            undo(registered, log);
            throw e;
        }
    }

    private void undo(Listening registered, Connection log) {
        if (registered != null) {
            listening.remove(registered);
        }
        if (log != null) {
            try {
                log.close();
            } catch (SQLException e) {
                LOG.warn("closing a log connection failed: {}", e.getMessage());
            }
        }
    }

    /** The last seq already delivered, by the start option; checks a stored checkpoint against the log. */
    private static long startAfter(Connection log, String name, From from, StoredCheckpoint stored) throws SQLException {
        if (from instanceof From.Seq s) {
            long head = EventReader.maxSeq(log);
            if (s.firstSeq() - 1 > head) {
                throw new SubscriptionException.StartAheadOfLog(name, s.firstSeq(), head);
            }
            return s.firstSeq() - 1;
        }
        if (from == From.Now.INSTANCE) {
            return EventReader.maxSeq(log);
        }
        if (stored == null) {
            return 0;
        }
        byte[] logHash = EventReader.hashAt(log, stored.seq());
        if (logHash == null || !Arrays.equals(logHash, stored.hash())) {
            throw new SubscriptionException.CheckpointNotInLog(name, stored.seq(), stored.hash(), logHash,
                    EventReader.maxSeq(log));
        }
        return stored.seq();
    }

    /**
     * Forgets the checkpoint stored under {@code name}, so that the next {@code From.checkpoint()}
     * starts at seq 1. For a checkpoint refused as not in the log, after the subscriber undid what
     * it did with the events the log no longer holds. Returns what was stored, or null.
     *
     * @throws SubscriptionException.NameInUse a subscription of that name is running
     */
    public synchronized Checkpoint reset(String name) {
        requireValidName(name);
        requireOpen("reset the checkpoint of \"" + name + "\"");
        requireNotRunning(name);
        try {
            StoredCheckpoint old = checkpoints().delete(name);
            LOG.warn("subscription {}: checkpoint reset (it was at seq {})", name, old == null ? "none" : old.seq());
            return Checkpoint.of(old);
        } catch (SQLException e) {
            throw new LedgerException.StorageFailure("cannot reset the checkpoint of \"" + name + "\": " + e.getMessage(),
                    SqliteFailure.resultCode(e), e);
        }
    }

    /**
     * The checkpoint stored under {@code name}, or null. Beside a closed ledger, or from another
     * process, {@code SubscriptionCheckpoints.readAll} reads the file.
     */
    public synchronized Checkpoint stored(String name) {
        requireValidName(name);
        requireOpen("read the checkpoint of \"" + name + "\"");
        try {
            return Checkpoint.of(checkpoints().read(name));
        } catch (SQLException e) {
            throw new LedgerException.StorageFailure("cannot read the checkpoint of \"" + name + "\": " + e.getMessage(),
                    SqliteFailure.resultCode(e), e);
        }
    }

    /** The running subscriptions, in start order. */
    public synchronized List<SubscriptionStatus> statuses() {
        List<SubscriptionStatus> out = new ArrayList<>();
        for (Subscription s : byName.values()) {
            out.add(s.status());
        }
        return out;
    }

    /**
     * Stops every subscription (each handler may finish its batch; each checkpoint is written),
     * waiting up to the close wait in all, then closes the checkpoint file. Later subscribes fail
     * with {@link SubscriptionException.Closed}. Idempotent; callable from a handler (its own
     * subscription then stops after it returns).
     */
    @Override
    public void close() {
        List<Subscription> running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = new ArrayList<>(byName.values());
        }
        for (Subscription s : running) {
            s.requestClose();
        }
        long deadline = System.nanoTime() + settings.closeWait().toNanos();
        for (Subscription s : running) {
            s.awaitStop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        synchronized (this) {
            if (checkpoints != null) {
                try {
                    checkpoints.close();
                } catch (SQLException e) {
                    LOG.warn("closing the subscription checkpoint file failed: {}", e.getMessage());
                }
            }
        }
    }

    /** Called by a subscription's thread as it ends: the name is free again. */
    synchronized void ended(Subscription s) {
        listening.removeIf(l -> l.subscription() == s);
        byName.remove(s.name(), s);
    }

    synchronized SubscriptionCheckpoints checkpoints() throws SQLException {
        if (checkpoints == null) {
            try {
                checkpoints = SubscriptionCheckpoints.open(db, fileMode, 5_000);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + SubscriptionCheckpoints.fileOf(db) + ": " + e.getMessage(), e);
            }
        }
        return checkpoints;
    }

    /** The last committed seq, as the latest commit notice (or the open) said. */
    public long headSeq() {
        return headSeq;
    }

    Duration closeWait() {
        return settings.closeWait();
    }

    Instant now() {
        return clock.instant();
    }

    long nowMicros() {
        Instant now = clock.instant();
        return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new SubscriptionException.Closed("cannot " + what + ": the ledger " + db + " is closing or closed");
        }
    }

    private void requireNotRunning(String name) {
        Subscription running = byName.get(name);
        if (running != null) {
            throw new SubscriptionException.NameInUse(name, running.isClosing()
                    ? "it was asked to close, and its handler has not returned yet"
                    : "it is at seq " + running.position() + " of " + headSeq);
        }
    }

    /** 1..{@value Limits#SUBSCRIPTION_NAME_LENGTH_MAX} characters of {@code [A-Za-z0-9._-]}, the first a letter or digit. */
    public static void requireValidName(String name) {
        if (name == null || name.isEmpty()) {
            throw new SubscriptionException.InvalidName(name, "it is empty");
        }
        if (name.length() > Limits.SUBSCRIPTION_NAME_LENGTH_MAX) {
            throw new SubscriptionException.InvalidName(name, "it has " + name.length() + " characters, at most "
                    + Limits.SUBSCRIPTION_NAME_LENGTH_MAX + " are allowed");
        }
        if (!NAME.matcher(name).matches()) {
            throw new SubscriptionException.InvalidName(name, "use letters, digits, '.', '_' and '-', starting with a"
                    + " letter or digit");
        }
    }
}
