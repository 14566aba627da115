package io.bitcraps.ledger.cdc;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * What the relay and the standby agree on about the topic: a ledger's records all go to one
 * partition, chosen from its id as Kafka's default partitioner chooses from a key (murmur2), named
 * explicitly so that both sides compute it alike; the headers; and how to find the last event of
 * a ledger that a {@code read_committed} consumer can see.
 */
public final class Topics {
    /** Headers every record carries (UTF-8 decimal or text), beside the key (the ledger id). */
    public static final String SEQ = "seq", TYPE = "type", HASH = "hash", BATCH_FIRST = "batch_first",
            BATCH_LAST = "batch_last", EPOCH = "epoch";

    private Topics() {}

    /** The partition of a ledger's records in a topic of {@code partitions} partitions. */
    public static int partitionOf(String ledgerId, int partitions) {
        return Utils.toPositive(Utils.murmur2(ledgerId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** A consumer that sees committed transactions only, commits no offsets and joins no group. */
    public static KafkaConsumer<byte[], byte[]> committedReader(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** The header's value as text, or null. */
    public static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** True when the record is one of this ledger's (its key is the ledger id). */
    public static boolean ofLedger(ConsumerRecord<byte[], byte[]> r, byte[] ledgerKey) {
        return r.key() != null && java.util.Arrays.equals(r.key(), ledgerKey);
    }

    /**
     * The highest seq of {@code ledgerId}'s records in the partition that a {@code read_committed} consumer sees
     * (0 when none): read backwards from the end in growing windows, as the partition may hold other ledgers' records
     * after it (shards sharing a topic).
     */
    public static long lastCommittedSeq(Consumer<byte[], byte[]> consumer, TopicPartition tp, String ledgerId,
                                        Duration timeout) {
        byte[] key = ledgerId.getBytes(StandardCharsets.UTF_8);
        consumer.assign(List.of(tp));
        long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
        long end = consumer.endOffsets(List.of(tp), timeout).get(tp); // read_committed: the last stable offset
        long window = 256;
        while (true) {
            long start = Math.max(begin, end - window);
            consumer.seek(tp, start);
            long found = 0;
            while (consumer.position(tp, timeout) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                    if (r.offset() < end && ofLedger(r, key)) {
                        found = Math.max(found, Long.parseLong(header(r, SEQ)));
                    }
                }
            }
            if (found > 0 || start == begin) {
                return found;
            }
            window *= 4;
        }
    }
}
