package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.LogLookups;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The CDC relay: publishes every committed batch of a ledger to a Kafka topic, each batch (or part
 * of a large one, {@link LogTail#PART_EVENTS_MAX}) in one Kafka transaction, its events as records
 * keyed by the ledger id, in seq order, to the ledger's partition ({@link Topics#partitionOf}). When
 * the relay is behind, a transaction takes several whole batches, up to
 * {@link #TRANSACTION_EVENTS_MAX} events: a batch is never split between two transactions.
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
    /** A transaction takes whole batches committed behind the first until it holds about this many events. */
    static final int TRANSACTION_EVENTS_MAX = 5_000;

    /** Where to publish, and how to behave. {@code untilSeq}: stop once the ledger is published up to it. */
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

    /** What the relay is doing, for health and the CLI's status lines. */
    public enum State { STARTING, PUBLISHING, RETRYING, FENCED, STOPPED }

    /** A snapshot of the relay's progress: {@code lagEvents} not yet visible in the topic, and how old the oldest is. */
    public record Status(State state, long publishedSeq, long headSeq, long lagEvents, long lagMillis, long transactions,
                         long retries, String lastError) {}

    private final Settings settings;
    private final PayloadCodec codec = new PayloadCodec();
    private final String ledgerId;
    private final byte[] key;
    /** The seqs at which the ledger's epochs after the first began (EPOCH_STARTED events), as the relay started. */
    private final List<Long> epochStarts;
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
            this.ledgerId = LedgerDatabase.ledgerId(c);
            this.epochStarts = new ArrayList<>(LogLookups.epochStarts(c));
        }
        this.key = ledgerId.getBytes(StandardCharsets.UTF_8);
    }

    public String ledgerId() {
        return ledgerId;
    }

    /**
     * {@code bitcraps-relay-<ledger id>}, and {@code -e<epoch>} after a promotion: a relay of the new primary and one of
     * a former primary do not fence each other through Kafka; the standbys fence the older epoch.
     */
    public String transactionalId() {
        return "bitcraps-relay-" + ledgerId + (epoch() == 0 ? "" : "-e" + epoch());
    }

    /** The primary epoch the ledger file is in. */
    public long epoch() {
        return epochStarts.size();
    }

    /** The epoch of the event at {@code seq}: the epochs begun at or before it. */
    private long epochOf(long seq) {
        long e = 0;
        for (long start : epochStarts) {
            if (start <= seq) {
                e++;
            }
        }
        return e;
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
                KafkaProducer<byte[], byte[]> producer = producer();
                try {
                    producer.initTransactions(); // aborts what a previous relay left open, fences it
                    int partitions = producer.partitionsFor(settings.topic()).size();
                    TopicPartition tp = new TopicPartition(settings.topic(), Topics.partitionOf(ledgerId, partitions));
                    Topics.Position position;
                    try (KafkaConsumer<byte[], byte[]> committed = Topics.committedReader(settings.bootstrap(),
                            "bitcraps-relay-position-" + ledgerId);
                         KafkaConsumer<byte[], byte[]> uncommitted = Topics.uncommittedReader(settings.bootstrap(),
                                 "bitcraps-relay-watermark-" + ledgerId)) {
                        // this primary's own records: those of its epoch (a former primary's after the promotion
                        // point belong to another history)
                        position = Topics.lastCommitted(committed, uncommitted, tp, ledgerId, epoch(), Duration.ofMinutes(2));
                    }
                    long visible = position.seq();
                    if (visible == 0 && position.firstOffset() > 0 && epoch() == 0) {
                        throw new IllegalStateException("topic " + settings.topic() + " no longer starts at offset 0 and holds"
                                + " no record of ledger " + ledgerId + ": retention deleted what was published, and the relay"
                                + " cannot tell where to go on; give the topic unlimited retention (retention.ms=-1)");
                    }
                    if (visible == 0 && epoch() > 0) {
                        visible = epochStarts.get(epochStarts.size() - 1) - 1; // none yet: what came before is there
                    }
                    long head = tail.headSeq();
                    if (visible > head) {
                        throw new IllegalStateException("topic " + settings.topic() + " holds ledger " + ledgerId
                                + " up to seq " + visible + ", the ledger file only to seq " + head + ": the file is"
                                + " behind what was published (restored from an older backup?); refusing to publish another"
                                + " history under the same seqs");
                    }
                    if (position.hash() != null) {
                        String mine = tail.hashAt(visible);
                        if (!position.hash().equals(mine)) {
                            throw new IllegalStateException("topic " + settings.topic() + " holds seq " + visible + " of ledger "
                                    + ledgerId + " with chain hash " + position.hash() + ", the file has " + mine + ": another"
                                    + " history; refusing to publish");
                        }
                    }
                    publishedSeq = visible;
                    tail.seek(visible + 1);
                    state = State.PUBLISHING;
                    LOG.info("relay of ledger {} to {} partition {}: the topic holds it up to seq {}", ledgerId,
                            settings.topic(), tp.partition(), visible);
                    backoff = settings.retryFirst();
                    if (publish(producer, tail, tp, stop)) {
                        state = State.STOPPED;
                        return state;
                    }
                } catch (ProducerFencedException | AuthorizationException | UnsupportedVersionException fatal) {
                    state = State.FENCED;
                    lastError = fatal.toString();
                    LOG.error("relay of ledger {} stops: {}", ledgerId, fatal.toString());
                    return state;
                } catch (KafkaException | SQLException e) {
                    state = State.RETRYING;
                    retries++;
                    lastError = e.toString();
                    LOG.warn("relay of ledger {}: {}; retrying in {} ms", ledgerId, e.toString(), backoff.toMillis());
                    Thread.sleep(backoff.toMillis());
                    backoff = backoff.multipliedBy(2).compareTo(settings.retryMax()) > 0 ? settings.retryMax()
                            : backoff.multipliedBy(2);
                } finally {
                    // bounded: during an outage an unbounded close would wait on the abort and ignore stop
                    producer.close(Duration.ofSeconds(5));
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
            while (events < TRANSACTION_EVENTS_MAX && last < settings.untilSeq()) {
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

    /** Sends a part's events (up to untilSeq) in the open transaction; returns the last seq sent. */
    private long send(KafkaProducer<byte[], byte[]> producer, LogTail.Part part, TopicPartition tp) {
        long last = publishedSeq;
        for (EventRow row : part.rows()) {
            if (row.seq() > settings.untilSeq()) {
                break;
            }
            LedgerEvent event = StoredEvents.decode(codec, row);
            byte[] hmac = row.seq() == part.batchLast() ? part.hmac() : null;
            long epoch = epochOf(row.seq());
            EventRecords.Record r = new EventRecords.Record(ledgerId, epoch, row, part.batchFirst(), part.batchLast(),
                    part.committedTsMicros(), hmac);
            RecordHeaders headers = new RecordHeaders();
            headers.add(Topics.SEQ, Long.toString(row.seq()).getBytes(StandardCharsets.UTF_8));
            headers.add(Topics.TYPE, event.type().name().getBytes(StandardCharsets.UTF_8));
            headers.add(Topics.HASH, Hex.of(row.hash()).getBytes(StandardCharsets.UTF_8));
            headers.add(Topics.BATCH_FIRST, Long.toString(part.batchFirst()).getBytes(StandardCharsets.UTF_8));
            headers.add(Topics.BATCH_LAST, Long.toString(part.batchLast()).getBytes(StandardCharsets.UTF_8));
            headers.add(Topics.EPOCH, Long.toString(epoch).getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), event.timestampMicros() / 1000, key,
                    EventRecords.render(r, event), headers));
            last = row.seq();
        }
        return last;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "bitcraps-relay-" + ledgerId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
