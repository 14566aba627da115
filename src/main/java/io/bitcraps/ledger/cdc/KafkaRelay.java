package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.projection.StoredEvents;
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
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The CDC relay: publishes every committed batch of a ledger to a Kafka topic, each batch (or part
 * of a large one, {@link LogTail#PART_EVENTS_MAX}) in one Kafka transaction, its events as records
 * keyed by the ledger id, in seq order, to the ledger's partition ({@link Topics#partitionOf}). When
 * the relay is behind, a transaction takes several whole batches, up to
 * {@link RelayTopic#TRANSACTION_EVENTS_MAX} events: a batch is never split between two transactions.
 * <p>
 * <b>Exactly once.</b> The producer is idempotent and transactional with a stable
 * {@code transactional.id} per ledger ({@code bitcraps-relay-<ledger id>}): starting it aborts any
 * transaction a previous relay left open and fences that relay, should it still be running. The
 * position is not kept beside the relay but read from the topic itself: the highest seq of the
 * ledger that a {@code read_committed} consumer sees. A kill at any moment therefore leaves either
 * the whole transaction visible or none of it, and the next relay starts after what is visible:
 * no gap, no duplicate. After a failure (a broker restart, a timeout) the relay closes its
 * producer, waits (doubling from {@code retryFirst} to {@code retryMax}), starts a new one (which
 * aborts the failed transaction), reads the position from the topic again and goes on.
 * <p>
 * A relay that is fenced (another relay started with the same id) stops: it is the zombie.
 */
public final class KafkaRelay {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);

    /**
     * Where to publish, and how to behave. {@code untilSeq}: stop once the ledger is published up to it (the batch
     * holding it is published whole, so the relay may stop a little past it).
     */
    public record Settings(Path db, String bootstrap, String topic, Duration retryFirst, Duration retryMax,
                           Duration idlePoll, long untilSeq) {
        public Settings {
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("a topic is required");
            }
        }

        public static Settings of(Path db, String bootstrap, String topic) {
            return new Settings(db, bootstrap, topic, Duration.ofMillis(100), Duration.ofSeconds(10),
                    Duration.ofMillis(20), Long.MAX_VALUE);
        }

        public Settings untilSeq(long seq) {
            return new Settings(db, bootstrap, topic, retryFirst, retryMax, idlePoll, seq);
        }
    }

    /**
     * What a relay is doing, for health and the CLI's status lines. REFUSED: the topic holds another history of the
     * ledger, or more of it than the file (the reason is in the status); it publishes nothing until restarted.
     */
    public enum State { STARTING, PUBLISHING, RETRYING, FENCED, REFUSED, STOPPED }

    /**
     * A snapshot of a relay's progress: {@code publishedSeq} is the last seq read_committed readers see (-1 while not
     * yet known), {@code lagEvents} the events committed and not yet visible in the topic, {@code lagMillis} how long
     * the oldest of them has been committed.
     */
    public record Status(State state, long publishedSeq, long headSeq, long lagEvents, long lagMillis, long transactions,
                         long retries, String lastError) {}

    private final Settings settings;
    private final PayloadCodec codec = new PayloadCodec();
    private final RelayTopic topic;
    private volatile State state = State.STARTING;
    private volatile long publishedSeq;
    private volatile long headSeq;
    private volatile long oldestUnpublishedMicros;
    private volatile long transactions;
    private volatile long retries;
    private volatile String lastError;

    public KafkaRelay(Settings settings) throws SQLException {
        this.settings = settings;
        try (Connection c = LedgerDatabase.openReadOnly(settings.db())) {
            this.topic = new RelayTopic(LedgerDatabase.ledgerId(c), LogLookups.epochStarts(c), settings.bootstrap(),
                    settings.topic());
        }
    }

    public String ledgerId() {
        return topic.ledgerId;
    }

    /** {@code bitcraps-relay-<ledger id>}, with {@code -e<epoch>} after a promotion. */
    public String transactionalId() {
        return topic.transactionalId();
    }

    /** The primary epoch the ledger file is in. */
    public long epoch() {
        return topic.epoch();
    }

    public Status status() {
        long published = publishedSeq;
        long head = Math.max(headSeq, published);
        long oldest = oldestUnpublishedMicros;
        long lagMillis = head > published && oldest > 0 ? Math.max(0, System.currentTimeMillis() - oldest / 1000) : 0;
        return new Status(state, published, head, head - published, lagMillis, transactions, retries, lastError);
    }

    /**
     * Publishes until {@code stop} is set, the ledger is published up to {@code untilSeq}, or the relay is fenced.
     * Returns the final state: STOPPED, or FENCED.
     */
    public State run(AtomicBoolean stop) throws SQLException, InterruptedException {
        Duration backoff = settings.retryFirst();
        try (LogTail tail = new LogTail(settings.db(), 1)) {
            while (!stop.get()) {
                KafkaProducer<byte[], byte[]> producer = null;
                try {
                    RelayTopic.Connected c = topic.connect(tail::hashAt, tail.headSeq());
                    producer = c.producer();
                    publishedSeq = c.visibleSeq();
                    tail.seek(c.visibleSeq() + 1);
                    state = State.PUBLISHING;
                    LOG.info("relay of ledger {} to {} partition {}: the topic holds it up to seq {}", topic.ledgerId,
                            settings.topic(), c.partition().partition(), c.visibleSeq());
                    backoff = settings.retryFirst();
                    if (publish(producer, tail, c.partition(), stop)) {
                        state = State.STOPPED;
                        return state;
                    }
                } catch (ProducerFencedException | AuthorizationException | UnsupportedVersionException fatal) {
                    state = State.FENCED;
                    lastError = fatal.toString();
                    LOG.error("relay of ledger {} stops: {}", topic.ledgerId, fatal.toString());
                    return state;
                } catch (RelayTopic.TopicRefused refused) {
                    state = State.REFUSED;
                    lastError = refused.getMessage();
                    throw refused;
                } catch (KafkaException | SQLException | IllegalStateException e) {
                    // IllegalStateException: a producer in a state it cannot go on from; a new one can
                    state = State.RETRYING;
                    retries++;
                    lastError = e.toString();
                    LOG.warn("relay of ledger {}: {}; retrying in {} ms", topic.ledgerId, e.toString(), backoff.toMillis());
                    Thread.sleep(backoff.toMillis());
                    backoff = backoff.multipliedBy(2).compareTo(settings.retryMax()) > 0 ? settings.retryMax()
                            : backoff.multipliedBy(2);
                } finally {
                    if (producer != null) {
                        producer.close(RelayTopic.PRODUCER_CLOSE);
                    }
                }
            }
        }
        state = State.STOPPED;
        return state;
    }

    /** Publishes part after part; true when done (stopped or up to untilSeq), false never (failures throw). */
    private boolean publish(KafkaProducer<byte[], byte[]> producer, LogTail tail, TopicPartition tp, AtomicBoolean stop)
            throws SQLException, InterruptedException {
        while (!stop.get()) {
            if (publishedSeq >= settings.untilSeq()) {
                return true;
            }
            headSeq = tail.headSeq();
            LogTail.Part part = tail.next();
            if (part == null) {
                oldestUnpublishedMicros = 0;
                Thread.sleep(settings.idlePoll().toMillis());
                continue;
            }
            oldestUnpublishedMicros = part.committedTsMicros();
            producer.beginTransaction();
            long last = send(producer, part, tp);
            // the batches already committed behind it ride in the same transaction, whole, up to a bound: a
            // transaction costs round trips to its coordinator, and a busy ledger commits small batches often
            int events = part.rows().size();
            while (events < RelayTopic.TRANSACTION_EVENTS_MAX && last < settings.untilSeq()) {
                LogTail.Part more = tail.next();
                if (more == null) {
                    break;
                }
                last = send(producer, more, tp);
                events += more.rows().size();
            }
            producer.commitTransaction(); // visible to read_committed consumers, all of it or none
            transactions++;
            publishedSeq = last;
        }
        return true;
    }

    /**
     * Sends a part's events in the open transaction; returns the last seq sent. A part is sent whole even past
     * untilSeq: a standby applies a batch only once it has all of it.
     */
    private long send(KafkaProducer<byte[], byte[]> producer, LogTail.Part part, TopicPartition tp) {
        long last = publishedSeq;
        for (EventRow row : part.rows()) {
            LedgerEvent event = StoredEvents.decode(codec, row);
            byte[] hmac = row.seq() == part.batchLast() ? part.hmac() : null;
            EventRecords.Record r = new EventRecords.Record(topic.ledgerId, topic.epochOf(row.seq()), row, part.batchFirst(),
                    part.batchLast(), part.committedTsMicros(), hmac);
            producer.send(topic.record(tp, r, event));
            last = row.seq();
        }
        return last;
    }
}
