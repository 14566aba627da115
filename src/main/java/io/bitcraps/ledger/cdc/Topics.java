package io.bitcraps.ledger.cdc;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
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
        Properties p = readerProperties(bootstrap, clientId, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        return new KafkaConsumer<>(p);
    }

    private static Properties readerProperties(String bootstrap, String clientId, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
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
     * The last record of a ledger (of one epoch) that {@code read_committed} readers see: its seq and chain hash (0 and
     * null when there is none), and the partition's first offset (above 0 once retention deleted records).
     */
    public record Position(long seq, String hash, long firstOffset) {}

    /** A consumer that also sees records of open transactions: its end offset is the partition's high watermark. */
    public static KafkaConsumer<byte[], byte[]> uncommittedReader(String bootstrap, String clientId) {
        return new KafkaConsumer<>(readerProperties(bootstrap, clientId, "read_uncommitted"));
    }

    /**
     * The last record of {@code ledgerId} (of {@code epoch}; -1: of any) in the partition that {@code read_committed}
     * readers see, once every transaction open in the partition has ended: a read_committed end offset stops at the
     * first open transaction, whoever's, and a ledger's records committed after another producer's open transaction
     * would otherwise be missed and published twice. Waits for the partition to be stable (open transactions end by
     * commit, abort or their timeout), then reads backwards from its end in growing windows, as the partition may hold
     * other ledgers' records after this one's (shards sharing a topic). Throws Kafka's TimeoutException after
     * {@code timeout} (the relay retries).
     */
    public static Position lastCommitted(Consumer<byte[], byte[]> committed, Consumer<byte[], byte[]> uncommitted,
                                         TopicPartition tp, String ledgerId, long epoch, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String epochText = Long.toString(epoch);
        byte[] key = ledgerId.getBytes(StandardCharsets.UTF_8);
        committed.assign(List.of(tp));
        long begin = committed.beginningOffsets(List.of(tp), timeout).get(tp);
        long end;
        while (true) {
            end = committed.endOffsets(List.of(tp), timeout).get(tp); // the last stable offset
            long high = uncommitted.endOffsets(List.of(tp), timeout).get(tp);
            if (end >= high) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partition " + tp + " kept an open transaction (stable to offset " + end
                        + " of " + high + ") for " + timeout.toSeconds() + " s");
            }
            sleep();
        }
        long window = 256;
        while (true) {
            long start = Math.max(begin, end - window);
            committed.seek(tp, start);
            long found = 0;
            String hash = null;
            while (committed.position(tp, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading partition " + tp + " back from offset " + start + " took over "
                            + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : committed.poll(Duration.ofMillis(200)).records(tp)) {
                    if (r.offset() < end && ofLedger(r, key) && (epoch < 0 || epochText.equals(header(r, EPOCH)))) {
                        long seq = Long.parseLong(header(r, SEQ));
                        if (seq > found) {
                            found = seq;
                            hash = header(r, HASH);
                        }
                    }
                }
            }
            if (found > 0 || start == begin) {
                return new Position(found, hash, begin);
            }
            window *= 4;
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted while waiting for a stable partition");
        }
    }
}
