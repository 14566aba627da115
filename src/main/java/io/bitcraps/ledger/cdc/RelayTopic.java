package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.internal.Hex;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * What the two relays share ({@link KafkaRelay} beside the writer, {@link LiveRelay} inside it): a
 * ledger's identity in the topic (its key, partition, transactional id and epochs), the producer's
 * settings, the shape of a record, and where the topic holds the ledger up to when a producer
 * starts. Not thread-safe beyond its immutable fields; each relay uses it from one thread at a time.
 */
final class RelayTopic {
    /** A transaction takes whole batches committed behind the first until it holds about this many events. */
    static final int TRANSACTION_EVENTS_MAX = 5_000;
    /** How long finding the position may wait for the partition to be stable and to read it back. */
    static final Duration POSITION_TIMEOUT = Duration.ofMinutes(2);
    /** A producer closes within this: during an outage an unbounded close waits on the abort and ignores a stop. */
    static final Duration PRODUCER_CLOSE = Duration.ofSeconds(5);

    /** The chain hash (hex) the ledger file holds at a seq, or null when it holds no such event. */
    @FunctionalInterface
    interface HashLookup {
        String hashAt(long seq) throws SQLException;
    }

    /**
     * The topic holds something the relay must not build on: records beyond the file, another history, a partition
     * trimmed by retention, records lost. Publishing stops; retrying would not change the answer.
     */
    static final class TopicRefused extends RuntimeException {
        TopicRefused(String message) {
            super(message);
        }
    }

    /** A started producer, the ledger's partition, and the last seq of the ledger's epoch a read_committed reader sees. */
    record Connected(KafkaProducer<byte[], byte[]> producer, TopicPartition partition, long visibleSeq) {}

    final String ledgerId;
    final String bootstrap;
    final String topic;
    private final byte[] key;
    /** The seqs at which the ledger's epochs after the first began (EPOCH_STARTED events). */
    private final List<Long> epochStarts;

    RelayTopic(String ledgerId, List<Long> epochStarts, String bootstrap, String topic) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("a topic is required");
        }
        this.ledgerId = ledgerId;
        this.epochStarts = List.copyOf(epochStarts);
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.key = ledgerId.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code bitcraps-relay-<ledger id>}, and {@code -e<epoch>} after a promotion: a relay of the new primary and one of
     * a former primary do not fence each other through Kafka; the standbys fence the older epoch.
     */
    String transactionalId() {
        return "bitcraps-relay-" + ledgerId + (epoch() == 0 ? "" : "-e" + epoch());
    }

    /** This topic with an epoch that begins at {@code seq} (an EPOCH_STARTED committed while the relay runs). */
    RelayTopic withEpochAt(long seq) {
        List<Long> starts = new java.util.ArrayList<>(epochStarts);
        starts.add(seq);
        return new RelayTopic(ledgerId, starts, bootstrap, topic);
    }

    /** True when an epoch the relay knows of begins at {@code seq}. */
    boolean epochBeginsAt(long seq) {
        return epochStarts.contains(seq);
    }

    /** The primary epoch the ledger file is in. */
    long epoch() {
        return epochStarts.size();
    }

    /** The epoch of the event at {@code seq}: the epochs begun at or before it. */
    long epochOf(long seq) {
        long e = 0;
        for (long start : epochStarts) {
            if (start <= seq) {
                e++;
            }
        }
        return e;
    }

    /**
     * Starts a transactional producer (which aborts what an earlier producer of the same id left open and fences it),
     * then finds the last seq of this ledger's epoch that read_committed readers see and checks it against the file:
     * refused ({@link TopicRefused}) when retention trimmed the partition, when the topic is ahead of the file, or
     * when its chain hash there is not the file's. The producer is closed when this throws.
     */
    Connected connect(HashLookup file, long fileHeadSeq) throws SQLException {
        KafkaProducer<byte[], byte[]> producer = producer();
        boolean done = false;
        try {
            producer.initTransactions();
            int partitions = producer.partitionsFor(topic).size();
            TopicPartition tp = new TopicPartition(topic, Topics.partitionOf(ledgerId, partitions));
            Topics.Position position;
            try (KafkaConsumer<byte[], byte[]> committed = Topics.committedReader(bootstrap, "bitcraps-relay-position-" + ledgerId);
                 KafkaConsumer<byte[], byte[]> uncommitted = Topics.uncommittedReader(bootstrap,
                         "bitcraps-relay-watermark-" + ledgerId)) {
                // this primary's own records: those of its epoch (a former primary's after the promotion point
                // belong to another history)
                position = Topics.lastCommitted(committed, uncommitted, tp, ledgerId, epoch(), POSITION_TIMEOUT);
            }
            long visible = checked(position, file, fileHeadSeq);
            done = true;
            return new Connected(producer, tp, visible);
        } finally {
            if (!done) {
                producer.close(PRODUCER_CLOSE);
            }
        }
    }

    private long checked(Topics.Position position, HashLookup file, long fileHeadSeq) throws SQLException {
        long visible = position.seq();
        if (visible == 0 && position.firstOffset() > 0 && epoch() == 0) {
            throw new TopicRefused("topic " + topic + " no longer starts at offset 0 and holds no record of ledger "
                    + ledgerId + ": retention deleted what was published, and the relay cannot tell where to go on; give"
                    + " the topic unlimited retention (retention.ms=-1)");
        }
        if (visible == 0 && epoch() > 0) {
            visible = epochStarts.get(epochStarts.size() - 1) - 1; // none yet: what came before is there
        }
        if (visible > fileHeadSeq) {
            throw new TopicRefused("topic " + topic + " holds ledger " + ledgerId + " up to seq " + visible
                    + ", the ledger file only to seq " + fileHeadSeq + ": the file is behind what was published (restored"
                    + " from an older backup?); refusing to publish another history under the same seqs");
        }
        if (position.hash() != null) {
            String mine = file.hashAt(visible);
            if (!position.hash().equals(mine)) {
                throw new TopicRefused("topic " + topic + " holds seq " + visible + " of ledger " + ledgerId
                        + " with chain hash " + position.hash() + ", the file has " + mine + ": another history; refusing"
                        + " to publish");
            }
        }
        return visible;
    }

    /** The record of one event ({@code r}: its stored row and batch; {@code event}: the row decoded) for partition {@code tp}. */
    ProducerRecord<byte[], byte[]> record(TopicPartition tp, EventRecords.Record r, LedgerEvent event) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.SEQ, Long.toString(event.seq()).getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.TYPE, event.type().name().getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.HASH, Hex.of(r.row().hash()).getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.BATCH_FIRST, Long.toString(r.batchFirst()).getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.BATCH_LAST, Long.toString(r.batchLast()).getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.EPOCH, Long.toString(r.epoch()).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(tp.topic(), tp.partition(), event.timestampMicros() / 1000, key,
                EventRecords.render(r, event), headers);
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
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
