package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.feed.CommittedBatch;
import io.bitcraps.ledger.feed.CommittedEvent;
import io.bitcraps.ledger.feed.From;
import io.bitcraps.ledger.feed.Subscription;
import io.bitcraps.ledger.feed.SubscriptionException;
import io.bitcraps.ledger.feed.SubscriptionHandler;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.BatchRecord;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.LogLookups;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The CDC relay inside the process that writes the ledger ({@code LedgerConfig.Builder.publishTo}):
 * the same records, partition, transactional id and exactly-once rule as {@link KafkaRelay}, fed by
 * the ledger's named subscription {@value #SUBSCRIPTION} instead of by reading the file.
 * <p>
 * <b>Position.</b> As for the process relay, the topic is the checkpoint: a starter thread starts a
 * transactional producer (fencing any earlier relay of the ledger), reads the last seq a
 * {@code read_committed} reader sees, checks its chain hash against the file, and only then starts
 * the subscription right after it ({@code subscribeAtOwnPosition}: no second position is stored).
 * While the broker is unreachable it retries with backoff, and the ledger serves writes meanwhile.
 * <p>
 * <b>Transactions.</b> Each delivery's events are sent in the open transaction at once; it commits
 * when the subscription is idle for a moment, at the end of a batch once it is
 * {@link #TRANSACTION_AGE_MAX} old, or once it holds {@link RelayTopic#TRANSACTION_EVENTS_MAX}
 * events, so a transaction holds whole batches (only a batch larger than a delivery, 65,536
 * events, is split). The subscription counts a delivery as done when {@code onBatch} returns,
 * before its transaction commits: until then the relay keeps the delivered events
 * ({@code pending}, about a second's worth). When a send or a commit fails, it drops the producer
 * (the open transaction is aborted), and the next attempt (the subscription retries with backoff)
 * first starts a new one, reads the topic's position again, and sends what of {@code pending} the
 * topic lacks; a delivery is taken only once a producer is up, so an outage holds nothing more. A
 * kill loses only the open transaction, and the next open starts after what the topic holds: no
 * gap, no duplicate. An EPOCH_STARTED committed while the relay runs (a promotion) ends the
 * transaction before it; the records from it on go out under the new epoch's transactional id.
 * <p>
 * A fenced relay (another relay of the same ledger started) or one refused by the position checks
 * stops publishing and says why in its status; the ledger goes on.
 * <p>
 * Threads: {@code onBatch} and {@code onIdle} run on the subscription's thread, the start on its own
 * thread, {@link #status} on any; producer work holds {@code lock}.
 */
public final class LiveRelay implements SubscriptionHandler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveRelay.class);
    /** The name of the relay's subscription. */
    public static final String SUBSCRIPTION = "kafka-relay";
    /**
     * A transaction commits at the end of a batch once it is this old: a steady trickle of batches never leaves the
     * subscription idle, and a transaction must end long before the broker's transaction timeout (60 s) aborts it.
     */
    static final Duration TRANSACTION_AGE_MAX = Duration.ofSeconds(1);

    /** Starts the relay's subscription at {@code from}, keeping no checkpoint (the ledger's {@code subscribeAtOwnPosition}). */
    @FunctionalInterface
    public interface Subscriber {
        Subscription subscribe(From.Seq from, SubscriptionHandler handler);
    }

    /** An event delivered and not yet visible in the topic. */
    private record Pending(EventRecords.Record record, LedgerEvent event) {
        long seq() {
            return event.seq();
        }

        boolean endsBatch() {
            return event.seq() == record.batchLast();
        }
    }

    private final Path db;
    private final LongSupplier headSeq;
    private final Subscriber subscriber;
    private final Clock clock;
    private final Duration retryFirst;
    private final Duration retryMax;
    private final long startedMillis;
    private final Thread starter;
    private final ReentrantLock lock = new ReentrantLock();
    private final Object lagLock = new Object();

    /** Replaced when the ledger begins a new epoch while the relay runs. */
    private volatile RelayTopic topic;

    // guarded by lock
    private KafkaProducer<byte[], byte[]> producer;
    private TopicPartition partition;
    private boolean inTransaction;
    private long transactionBeganNanos;
    /** Delivered events after publishedSeq, in seq order; the first {@code sent} are in the open transaction. */
    private final List<Pending> pending = new ArrayList<>();
    private int sent;

    /** Reads the commit time of the oldest batch the topic lacks when none is in hand; guarded by lagLock. */
    private Connection lagReader;

    private volatile KafkaRelay.State state = KafkaRelay.State.STARTING;
    /** The last seq read_committed readers see; -1 until the starter has read it. */
    private volatile long publishedSeq = -1;
    private volatile long oldestPendingMicros;
    private volatile long transactions;
    private volatile long retries;
    private volatile String lastError;
    private volatile boolean closed;

    private LiveRelay(RelayTopic topic, Path db, LongSupplier headSeq, Subscriber subscriber, Clock clock,
                      Duration retryFirst, Duration retryMax) {
        this.topic = topic;
        this.db = db;
        this.headSeq = headSeq;
        this.subscriber = subscriber;
        this.clock = clock;
        this.retryFirst = retryFirst;
        this.retryMax = retryMax;
        this.startedMillis = clock.millis();
        this.starter = new Thread(this::start, "bitcraps-kafka-relay-start");
        this.starter.setDaemon(true);
    }

    /**
     * Reads the ledger's id and epochs from {@code db} on the caller's thread, then connects and subscribes on a thread
     * of its own; returns at once. {@code headSeq} is the ledger's last committed seq (for the lag).
     */
    public static LiveRelay start(Path db, String bootstrap, String topicName, LongSupplier headSeq, Subscriber subscriber,
                                  Clock clock, Duration retryFirst, Duration retryMax) throws SQLException {
        RelayTopic topic;
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            topic = new RelayTopic(LedgerDatabase.ledgerId(c), LogLookups.epochStarts(c), bootstrap, topicName);
        }
        LiveRelay relay = new LiveRelay(topic, db, headSeq, subscriber, clock, retryFirst, retryMax);
        relay.starter.start();
        return relay;
    }

    public String ledgerId() {
        return topic.ledgerId;
    }

    public String topic() {
        return topic.topic;
    }

    public String bootstrap() {
        return topic.bootstrap;
    }

    public String transactionalId() {
        return topic.transactionalId();
    }

    /**
     * Where the relay stands. Before it has read the topic's position, {@code publishedSeq} and {@code lagEvents} are
     * -1 and {@code lagMillis} is the time since it started; {@code lagMillis} is otherwise how long the oldest batch
     * the topic lacks has been committed (0 when it lacks none).
     */
    public KafkaRelay.Status status() {
        long head = headSeq.getAsLong();
        long published = publishedSeq;
        long now = clock.millis();
        if (published < 0) {
            return new KafkaRelay.Status(state, -1, head, -1, Math.max(0, now - startedMillis), transactions, retries,
                    lastError);
        }
        long lag = Math.max(0, head - published);
        long lagMillis = 0;
        if (lag > 0) {
            long oldest = oldestPendingMicros;
            if (oldest == 0) {
                oldest = committedMicrosOfBatchAfter(published); // not delivered yet: a backlog ages too
            }
            lagMillis = oldest > 0 ? Math.max(0, now - oldest / 1000) : 0;
        }
        return new KafkaRelay.Status(state, published, Math.max(head, published), lag, lagMillis, transactions, retries,
                lastError);
    }

    /** The commit time of the first batch ending after {@code seq}, from the log; 0 when unknown. */
    private long committedMicrosOfBatchAfter(long seq) {
        synchronized (lagLock) {
            if (closed) {
                return 0;
            }
            try {
                if (lagReader == null) {
                    lagReader = LedgerDatabase.openReadOnly(db);
                }
                List<BatchRecord> next = EventReader.batchesEndingAfter(lagReader, seq, 1);
                return next.isEmpty() ? 0 : next.get(0).committedTs();
            } catch (SQLException e) {
                LOG.debug("relay of ledger {}: the lag's batch could not be read: {}", topic.ledgerId, e.toString());
                return 0;
            }
        }
    }

    /** Connects until it can subscribe, the relay is closed, or publishing is refused. */
    private void start() {
        Duration backoff = retryFirst;
        while (!closed) {
            try {
                if (!connected()) {
                    return; // closed meanwhile
                }
                subscriber.subscribe(new From.Seq(publishedSeq + 1), this);
                LOG.info("relay of ledger {} to {} at {}: subscribed after seq {}", topic.ledgerId, topic.topic,
                        topic.bootstrap, publishedSeq);
                return;
            } catch (ProducerFencedException fenced) {
                stopPublishing(KafkaRelay.State.FENCED, fenced);
                return;
            } catch (AuthorizationException | UnsupportedVersionException | RelayTopic.TopicRefused refused) {
                stopPublishing(KafkaRelay.State.REFUSED, refused);
                return;
            } catch (SubscriptionException.Closed ledgerClosing) {
                dropProducer();
                return;
            } catch (SubscriptionException e) { // the name is taken: the user runs a subscription of that name
                stopPublishing(KafkaRelay.State.REFUSED, e);
                return;
            } catch (KafkaException | SQLException | LedgerException | IllegalStateException e) {
                // IllegalStateException: a producer in a state it cannot go on from; a new one can
                dropProducer();
                if (closed) {
                    return;
                }
                failed(e, backoff);
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException stop) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(retryMax) > 0 ? retryMax : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Starts a producer and reads the topic's position, checked against the file; forgets what of {@code pending} the
     * topic already holds, and says PUBLISHING. False (and no producer) when the relay was closed meanwhile.
     */
    private boolean connected() throws SQLException {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            dropProducer();
            RelayTopic.Connected c;
            try (Connection file = LedgerDatabase.openReadOnly(db)) {
                c = topic.connect(seq -> {
                    byte[] h = EventReader.hashAt(file, seq);
                    return h == null ? null : Hex.of(h);
                }, EventReader.maxSeq(file));
            }
            if (closed) {
                quietClose(c.producer(), Duration.ZERO);
                return false;
            }
            if (c.visibleSeq() < publishedSeq) {
                quietClose(c.producer(), RelayTopic.PRODUCER_CLOSE);
                throw new RelayTopic.TopicRefused("topic " + topic.topic + " holds ledger " + topic.ledgerId + " only up to"
                        + " seq " + c.visibleSeq() + ", but this relay published up to seq " + publishedSeq + ": the topic"
                        + " lost committed records (deleted and made again?)");
            }
            producer = c.producer();
            partition = c.partition();
            publishedSeq = c.visibleSeq();
            pending.removeIf(p -> p.seq() <= c.visibleSeq());
            oldestPendingMicros = pending.isEmpty() ? 0 : pending.get(0).record().committedTsMicros();
            if (state != KafkaRelay.State.PUBLISHING) {
                LOG.info("relay of ledger {} publishes {}after seq {}", topic.ledgerId,
                        state == KafkaRelay.State.STARTING ? "" : "again ", publishedSeq);
                state = KafkaRelay.State.PUBLISHING;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onBatch(CommittedBatch batch) throws SQLException {
        underLock(() -> {
            long last = pending.isEmpty() ? publishedSeq : pending.get(pending.size() - 1).seq();
            if (batch.toSeq() <= last) {
                return; // in the topic already, or in hand
            }
            if (batch.fromSeq() > last + 1) {
                throw new RelayTopic.TopicRefused("the relay holds ledger " + topic.ledgerId + " up to seq " + last
                        + " but was handed seq " + batch.fromSeq() + ".." + batch.toSeq());
            }
            // a producer first: while none can be had, the delivery fails as a whole and nothing more is held
            if (producer == null && !connected()) {
                return;
            }
            for (CommittedEvent e : batch.events()) {
                if (e.seq() <= last) {
                    continue;
                }
                if (e.event().type() == EventType.EPOCH_STARTED && !topic.epochBeginsAt(e.seq())) {
                    beginEpoch(e.seq());
                    if (producer == null && !connected()) {
                        return;
                    }
                }
                EventRow bare = new EventRow(e.seq(), e.event().timestampMicros(), e.event().type().code(), null, null,
                        null, null, null, e.payload(), e.chainHash());
                byte[] hmac = e.seq() == batch.lastSeq() ? batch.hmac() : null;
                pending.add(new Pending(new EventRecords.Record(topic.ledgerId, topic.epochOf(e.seq()), bare,
                        batch.firstSeq(), batch.lastSeq(), batch.committedTsMicros(), hmac), e.event()));
            }
            if (oldestPendingMicros == 0 && !pending.isEmpty()) {
                oldestPendingMicros = pending.get(0).record().committedTsMicros();
            }
            boolean aged = inTransaction && System.nanoTime() - transactionBeganNanos >= TRANSACTION_AGE_MAX.toNanos();
            flush(pending.size() >= RelayTopic.TRANSACTION_EVENTS_MAX || (batch.endsBatch() && aged));
        });
    }

    /**
     * The ledger began a new epoch at {@code seq} (a promotion): what came before goes out under the old epoch, and a
     * producer under the new epoch's transactional id takes the rest. Holds the lock.
     */
    private void beginEpoch(long seq) throws SQLException {
        if (!pending.isEmpty()) {
            flush(true);
        }
        dropProducer();
        topic = topic.withEpochAt(seq);
        LOG.info("relay of ledger {}: epoch {} begins at seq {}; publishing as {}", topic.ledgerId, topic.epoch(), seq,
                topic.transactionalId());
    }

    /** The ledger is quiet for a moment: what was delivered becomes visible. */
    @Override
    public void onIdle() throws SQLException {
        underLock(() -> {
            if (!pending.isEmpty()) {
                flush(true);
            }
        });
    }

    /** Work on the producer, run under the lock. */
    @FunctionalInterface
    private interface ProducerWork {
        void run() throws SQLException;
    }

    /**
     * Runs {@code work} under the lock while the relay publishes, and sorts what it throws: fenced, or refused, stops
     * publishing for good; anything else drops the producer and is thrown again, so that the subscription retries the
     * same delivery (or idle moment) after its backoff, on a new producer.
     */
    private void underLock(ProducerWork work) throws SQLException {
        lock.lock();
        try {
            if (closed || !publishing()) {
                return; // nothing more goes out from this relay; its status says why
            }
            work.run();
        } catch (ProducerFencedException fenced) {
            stopPublishing(KafkaRelay.State.FENCED, fenced);
        } catch (AuthorizationException | UnsupportedVersionException | RelayTopic.TopicRefused refused) {
            stopPublishing(KafkaRelay.State.REFUSED, refused);
        } catch (KafkaException | SQLException | LedgerException | IllegalStateException e) {
            // IllegalStateException: a producer in a state it cannot go on from; a new one can
            dropProducer();
            failed(e, null);
            throw e;
        } finally {
            lock.unlock();
        }
    }

    private boolean publishing() {
        return state != KafkaRelay.State.FENCED && state != KafkaRelay.State.REFUSED;
    }

    /** Sends what of pending the open transaction lacks (after a failure, on a new producer); commits when asked. */
    private void flush(boolean commit) throws SQLException {
        if (producer == null && !connected()) {
            return;
        }
        if (pending.isEmpty()) {
            return; // the topic held it all: the last commit went through before the failure
        }
        if (!inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
            transactionBeganNanos = System.nanoTime();
            sent = 0;
        }
        while (sent < pending.size()) {
            Pending p = pending.get(sent);
            producer.send(topic.record(partition, p.record(), p.event()));
            sent++;
        }
        if (commit) {
            producer.commitTransaction(); // visible to read_committed consumers, all of it or none
            inTransaction = false;
            transactions++;
            publishedSeq = pending.get(pending.size() - 1).seq();
            pending.clear();
            sent = 0;
            oldestPendingMicros = 0;
        }
    }

    private void failed(Exception e, Duration nextTry) {
        state = KafkaRelay.State.RETRYING;
        retries++;
        lastError = e.toString();
        LOG.warn("relay of ledger {}: {}; retrying{}", topic.ledgerId, e.toString(),
                nextTry == null ? " with the subscription's backoff" : " in " + nextTry.toMillis() + " ms");
    }

    private void stopPublishing(KafkaRelay.State why, RuntimeException e) {
        lock.lock();
        try {
            state = why;
            lastError = e.toString();
            dropProducer();
            pending.clear();
            oldestPendingMicros = 0;
        } finally {
            lock.unlock();
        }
        LOG.error("relay of ledger {} stops publishing ({}): {}", topic.ledgerId, why, e.getMessage());
    }

    /** Closes the producer, bounded (its open transaction is aborted, by the broker's timeout at the latest). */
    private void dropProducer() {
        lock.lock();
        try {
            if (producer != null) {
                KafkaProducer<byte[], byte[]> p = producer;
                producer = null;
                inTransaction = false;
                sent = 0;
                quietClose(p, RelayTopic.PRODUCER_CLOSE);
            }
        } finally {
            lock.unlock();
        }
    }

    private void quietClose(KafkaProducer<byte[], byte[]> p, Duration wait) {
        try {
            p.close(wait);
        } catch (RuntimeException e) { // an interrupt while it waits: the producer is closed all the same
            LOG.debug("relay of ledger {}: closing a producer: {}", topic.ledgerId, e.toString());
        }
    }

    /**
     * Waits up to {@code wait} for the topic to hold what the ledger has committed now, while the relay connects or
     * publishes (returns at once when it retries, is fenced or refused). Closing calls it first, so that a short run's
     * batches leave with it rather than at the next open. True when the topic holds it all.
     */
    public boolean drain(Duration wait) throws InterruptedException {
        long target = headSeq.getAsLong();
        long deadline = System.nanoTime() + wait.toNanos();
        while (publishedSeq < target && (state == KafkaRelay.State.PUBLISHING || state == KafkaRelay.State.STARTING)
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return publishedSeq >= target;
    }

    /**
     * Stops the starter, then commits what was delivered (whole batches only: a transaction ending inside a batch is
     * left to abort, and the next open publishes that batch) and closes the producer. Each wait is bounded by
     * {@code wait}. Call after the relay's subscription was closed (the ledger's subscriptions close first), so no
     * delivery starts; one still at work past its close wait finds the relay closed and takes no new producer.
     */
    public void close(Duration wait) {
        closed = true;
        boolean interrupted = Thread.interrupted(); // a close on an interrupted thread still closes the producer
        starter.interrupt();
        try {
            starter.join(wait.toMillis());
        } catch (InterruptedException e) {
            interrupted = true;
        }
        boolean locked = false;
        try {
            locked = lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (locked) {
            try {
                if (producer != null && !pending.isEmpty() && publishing()) {
                    if (pending.get(pending.size() - 1).endsBatch()) {
                        flush(true);
                    } else {
                        LOG.info("relay of ledger {}: batch {}..{} is not all in hand at close; the next open publishes it",
                                topic.ledgerId, pending.get(pending.size() - 1).record().batchFirst(),
                                pending.get(pending.size() - 1).record().batchLast());
                    }
                }
            } catch (KafkaException | SQLException | LedgerException | IllegalStateException e) {
                LOG.warn("relay of ledger {}: the last {} event(s) were not published at close ({}); the next open"
                        + " publishes them", topic.ledgerId, pending.size(), e.toString());
            } finally {
                try {
                    dropProducer();
                } finally {
                    lock.unlock();
                }
            }
        } else {
            LOG.warn("relay of ledger {}: a delivery is still at work after {} ms; its producer closes under it",
                    topic.ledgerId, wait.toMillis());
            KafkaProducer<byte[], byte[]> p = producer; // racy by necessity: the lock's holder is stuck in a Kafka call
            if (p != null) {
                quietClose(p, Duration.ZERO);
            }
        }
        synchronized (lagLock) {
            if (lagReader != null) {
                try {
                    lagReader.close();
                } catch (SQLException e) {
                    LOG.debug("relay of ledger {}: closing the lag reader: {}", topic.ledgerId, e.toString());
                }
                lagReader = null;
            }
        }
        if (publishing()) {
            state = KafkaRelay.State.STOPPED;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
