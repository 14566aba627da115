package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.internal.Invariants;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Projector;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.projection.StateLoader;
import io.bitcraps.ledger.projection.StateSnapshot;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.Durability;
import io.bitcraps.ledger.store.EventLog;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.StoreOptions;
import io.bitcraps.ledger.store.WriterLock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A standby: applies a ledger's records from Kafka ({@code read_committed}, in partition order) to a
 * replica ledger file, batch by batch, each in one SQLite transaction with the Kafka offset after
 * it (so a killed standby resumes from its own committed state, nothing twice, nothing skipped).
 * <p>
 * Every record is checked before anything of its batch is applied: it must render to itself
 * ({@link EventRecords#parse}), agree with its headers, be of the next seq (a gap, a reorder or a
 * repeat is refused), continue the hash chain from the replica's head, decode, and keep the
 * invariants; with an HMAC key, each batch's signature must verify for its last seq and the chain
 * hash computed here. The first record that fails stops the standby with {@link Refused}, naming its
 * seq: nothing of its batch, and nothing after it, is applied.
 * <p>
 * The replica is a ledger file like any other (the same ledger id, rows, batch records and head as
 * the primary's, so its {@code export} is the primary's byte for byte up to its seq, and the audit
 * verifies it), marked in {@code ledger_meta} as the standby of its topic.
 */
public final class Standby implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Standby.class);
    /** A snapshot of the replica's state is stored with a batch every this many events, so a reopen folds little. */
    private static final long SNAPSHOT_EVENTS = 200_000;

    /**
     * {@code ledgerId}: the ledger to follow (null: the replica's own, or for a new replica the ledger of the first
     * event the topic holds); {@code hmacKey}: verify each batch's signature with it (null: no signatures checked);
     * {@code untilSeq}: stop once applied up to it.
     */
    public record Settings(Path db, String bootstrap, String topic, String ledgerId, byte[] hmacKey, long untilSeq,
                           Duration poll) {
        public static Settings of(Path db, String bootstrap, String topic) {
            return new Settings(db, bootstrap, topic, null, null, Long.MAX_VALUE, Duration.ofMillis(100));
        }

        public Settings withKey(byte[] key) {
            return new Settings(db, bootstrap, topic, ledgerId, key, untilSeq, poll);
        }

        public Settings untilSeq(long seq) {
            return new Settings(db, bootstrap, topic, ledgerId, hmacKey, seq, poll);
        }

        public Settings ledger(String id) {
            return new Settings(db, bootstrap, topic, id, hmacKey, untilSeq, poll);
        }
    }

    /** A record the standby will not apply; it stopped there, with nothing of that batch applied. */
    public static final class Refused extends Exception {
        private final long seq;

        Refused(long seq, String message) {
            super("refused seq " + seq + ": " + message);
            this.seq = seq;
        }

        public long seq() {
            return seq;
        }
    }

    /**
     * Progress: applied up to {@code appliedSeq} in {@code epoch}; {@code lagRecords} of the partition not read yet; the
     * last batch's lag; records of a fenced former primary skipped; events given up at a promotion.
     */
    public record Status(String ledgerId, long appliedSeq, long lagRecords, long lastBatchLagMillis, long batchesApplied,
                         long epoch, long fencedRecords, long truncatedEvents) {}

    private final Settings settings;
    private final PayloadCodec codec = new PayloadCodec();
    private final ChainHash chain = new ChainHash();
    private final EventFrame frames = new EventFrame();
    private final WriterLock lock;
    private final Connection conn;
    private final EventLog log;
    private final String ledgerId;
    private final HeadSigner signer;
    private LedgerState state;
    private long sinceSnapshot;
    private volatile long lagRecords;
    private volatile long lastBatchLagMillis;
    private volatile long batchesApplied;
    private long epoch;
    private volatile long fencedRecords;
    private int partitionApplied;
    /** The id of the topic being applied (null when the broker did not say), stored with the offset. */
    private String topicIdApplied;
    private volatile long truncatedEvents;
    private volatile java.util.function.LongConsumer batchLagSink = lag -> { };

    private static final String OFFSET_META = "standby_next_offset";
    private static final String ROLE_META = "standby_of";

    public Standby(Settings settings) throws IOException, SQLException, Replayer.CorruptLog {
        this.settings = settings;
        this.lock = WriterLock.acquire(settings.db());
        Connection c = null;
        try {
            // synchronous=NORMAL: a commit does not wait for fsync. A crash may lose the last batches applied, but WAL
            // keeps each transaction whole, and the Kafka offset is in the same transaction as its batch: the replica
            // comes back consistent and reads what it lost from the topic again
            c = LedgerDatabase.openWriter(StoreOptions.defaults(settings.db(), Durability.NORMAL));
            String own = LedgerDatabase.ledgerId(c);
            long head = EventReader.maxSeq(c);
            String wanted = settings.ledgerId() != null ? settings.ledgerId() : head > 0 ? own : firstLedgerInTopic();
            if (!wanted.equals(own)) {
                if (head > 0) {
                    throw new IllegalArgumentException("replica " + settings.db() + " holds ledger " + own + ", not " + wanted);
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE ledger_meta SET value = ? WHERE name = 'ledger_id'")) {
                    ps.setString(1, wanted); // an empty replica takes the primary's id: its genesis hash follows from it
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT OR REPLACE INTO ledger_meta(name, value) VALUES ('" + ROLE_META + "', ?)")) {
                ps.setString(1, settings.topic());
                ps.executeUpdate();
            }
            this.ledgerId = wanted;
            this.conn = c;
            this.state = StateLoader.loadLogFirst(c, codec, ledgerId).state();
            this.log = new EventLog(c, false);
            this.epoch = io.bitcraps.ledger.store.LogLookups.epochStarts(c).size();
            this.signer = settings.hmacKey() == null ? null : new HeadSigner(settings.hmacKey(), ledgerId);
        } catch (IOException | SQLException | Replayer.CorruptLog | RuntimeException e) {
            if (c != null) {
                c.close();
            }
            lock.close();
            throw e;
        }
    }

    public String ledgerId() {
        return ledgerId;
    }

    /** Receives, after each batch applied, the microseconds from its commit on the primary to now (for measurements). */
    public void onBatchLagMicros(java.util.function.LongConsumer sink) {
        this.batchLagSink = sink;
    }

    public Status status() {
        return new Status(ledgerId, state.seq(), lagRecords, lastBatchLagMillis, batchesApplied, epoch, fencedRecords,
                truncatedEvents);
    }

    /** Applies records until {@code stop}, {@code untilSeq}, or a refused record (thrown). */
    public void run(AtomicBoolean stop) throws Refused, SQLException {
        byte[] key = ledgerId.getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<byte[], byte[]> consumer = Topics.committedReader(settings.bootstrap(),
                "bitcraps-standby-" + ledgerId)) {
            int partitions = partitions(consumer);
            TopicPartition tp = new TopicPartition(settings.topic(), Topics.partitionOf(ledgerId, partitions));
            partitionApplied = tp.partition();
            consumer.assign(List.of(tp));
            topicIdApplied = topicId();
            StoredOffset stored = storedOffset(tp);
            if (stored != null) {
                long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
                String remade = stored.topicId() != null && topicIdApplied != null && !stored.topicId().equals(topicIdApplied)
                        ? "its topic id is " + topicIdApplied + ", the replica stored its offset in topic id " + stored.topicId()
                        : stored.offset() > end ? "the stored offset " + stored.offset() + " lies past its end (" + end + ")"
                        : null;
                if (remade != null) {
                    // the topic was deleted and made again (or the broker lost data): the stored offset means nothing
                    // there, so the records are matched by seq and hash from the start instead
                    LOG.warn("standby of {}: {} was made again ({}); its records are matched by seq and hash from its start",
                            ledgerId, tp, remade);
                    stored = null;
                }
            }
            if (stored == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, stored.offset());
            }
            // without a stored offset the replica may already hold what the topic starts with (seeded from a backup, or
            // a topic made again): those records must be the replica's own, by hash, and are skipped
            boolean catchingUp = stored == null;
            List<EventRecords.Record> pending = new ArrayList<>();
            long lastLagCheck = 0;
            while (!stop.get() && state.seq() < settings.untilSeq()) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(settings.poll());
                for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) {
                    if (!Topics.ofLedger(r, key)) {
                        continue; // another shard's ledger in the same partition
                    }
                    EventRecords.Record rec = checked(r, pending.isEmpty() ? state.seq() + 1
                            : pending.get(pending.size() - 1).row().seq() + 1);
                    long seq = rec.row().seq();
                    if (rec.epoch() < epoch) {
                        // a former primary's relay, still publishing after a promotion: never applied
                        fencedRecords++;
                        if (fencedRecords == 1 || fencedRecords % 10_000 == 0) {
                            LOG.warn("standby of {}: skipped {} record(s) of epoch {} (seq {}), older than epoch {} applied:"
                                    + " a fenced former primary's", ledgerId, fencedRecords, rec.epoch(), seq, epoch);
                        }
                        continue;
                    }
                    if (rec.epoch() > epoch && rec.row().typeCode() == EventType.EPOCH_STARTED.code()
                            && seq <= (pending.isEmpty() ? state.seq() : pending.get(pending.size() - 1).row().seq())) {
                        // a promotion at seq: what this replica holds from there on came from the former primary after
                        // the promoted replica's last batch, and was lost in the failover; the new epoch continues
                        // the history before it (its chain is checked as it is applied)
                        pending.clear();
                        truncateTo(seq - 1);
                        catchingUp = false;
                    }
                    long expected = pending.isEmpty() ? state.seq() + 1 : pending.get(pending.size() - 1).row().seq() + 1;
                    if (seq < expected && catchingUp && pending.isEmpty()) {
                        byte[] mine = log.hashAt(seq);
                        if (mine == null || !Arrays.equals(mine, rec.row().hash())) {
                            throw new Refused(seq, "the replica holds another event at this seq (hash "
                                    + (mine == null ? "none" : Hex.of(mine)) + "): the topic carries another history");
                        }
                        continue;
                    }
                    catchingUp = false;
                    if (seq != expected) {
                        throw new Refused(seq, (seq > expected ? "a gap: seq " + expected + " is missing" : "out of order or"
                                + " repeated: the replica expected seq " + expected) + " (record at offset " + r.offset() + ")");
                    }
                    if (pending.isEmpty() && seq != rec.batchFirst()) {
                        throw new Refused(seq, "the record is inside batch " + rec.batchFirst() + ".." + rec.batchLast()
                                + " whose start the replica never saw");
                    }
                    pending.add(rec);
                    if (seq == rec.batchLast()) {
                        apply(pending, r.offset() + 1);
                        pending.clear();
                        if (state.seq() >= settings.untilSeq()) {
                            break;
                        }
                    }
                }
                long now = System.nanoTime();
                if (now - lastLagCheck > 1_000_000_000L) {
                    lastLagCheck = now;
                    measureLag(consumer, tp);
                }
            }
            measureLag(consumer, tp);
        }
    }

    /** Records of the partition not read yet (other shards' included): what a status line reports as lag. */
    private void measureLag(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp) {
        try {
            Long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(2)).get(tp);
            lagRecords = end == null ? 0 : Math.max(0, end - consumer.position(tp, Duration.ofSeconds(2)));
        } catch (org.apache.kafka.common.KafkaException unknownNow) {
            // the broker is away: the lag stays as last measured, and the poll loop waits for it
        }
    }

    /** The record parsed and checked against its headers and key; {@code due} is the seq the replica expects next. */
    private EventRecords.Record checked(ConsumerRecord<byte[], byte[]> r, long due) throws Refused {
        String seqHeader = Topics.header(r, Topics.SEQ);
        long seq;
        try {
            seq = Long.parseLong(seqHeader);
        } catch (NumberFormatException e) {
            // named by the seq that was due: the record itself says none
            throw new Refused(due, "the record at offset " + r.offset() + ", where seq " + due + " was due, has "
                    + (seqHeader == null ? "no seq header" : "the seq header \"" + seqHeader + "\""));
        }
        EventRecords.Record rec;
        try {
            rec = EventRecords.parse(r.value(), codec);
        } catch (EventRecords.BadRecord bad) {
            throw new Refused(seq, "a tampered or foreign record at offset " + r.offset() + ": " + bad.getMessage());
        }
        if (rec.row().seq() != seq || !ledgerId.equals(rec.ledgerId())
                || !Hex.of(rec.row().hash()).equals(Topics.header(r, Topics.HASH))
                || !Long.toString(rec.batchFirst()).equals(Topics.header(r, Topics.BATCH_FIRST))
                || !Long.toString(rec.batchLast()).equals(Topics.header(r, Topics.BATCH_LAST))
                || !Long.toString(rec.epoch()).equals(Topics.header(r, Topics.EPOCH))) {
            throw new Refused(seq, "the record at offset " + r.offset() + " disagrees with its headers or key");
        }
        return rec;
    }

    /** Applies one whole batch in one transaction, with the offset after it; refuses it whole if any event fails. */
    private void apply(List<EventRecords.Record> batch, long nextOffset) throws Refused, SQLException {
        LedgerState s = state;
        EventRecords.Record last = batch.get(batch.size() - 1);
        log.begin();
        boolean done = false;
        try {
            for (EventRecords.Record rec : batch) {
                EventRow bare = rec.row();
                byte[] frame = frames.encode(bare.typeCode(), bare.seq(), bare.timestampMicros(), bare.payload());
                byte[] hash = chain.next(s.headHashUnsafe(), frame);
                if (!Arrays.equals(hash, bare.hash())) {
                    throw new Refused(bare.seq(), "it does not continue the replica's chain (it hashes to " + Hex.of(hash)
                            + ", the record says " + Hex.of(bare.hash()) + "): altered, or another history");
                }
                LedgerEvent event = StoredEvents.decode(codec, bare);
                Command c = event.command();
                if (c instanceof Command.OpenGame g && log.gameEverOpened(g.gameId())) {
                    throw new Refused(bare.seq(), "it opens game " + g.gameId() + " a second time");
                }
                LedgerState after;
                try {
                    after = Projector.apply(s, event, hash);
                } catch (Invariants.InvariantViolation | ArithmeticException broken) {
                    throw new Refused(bare.seq(), "it breaks an invariant: " + broken.getMessage());
                }
                log.add(new EventRow(bare.seq(), bare.timestampMicros(), bare.typeCode(), StoredEvents.gameOf(c),
                        StoredEvents.playerOf(s, c), StoredEvents.betOf(c), StoredEvents.amountOf(c), event.key(),
                        bare.payload(), hash));
                if (c instanceof Command.OpenGame g && g.commitment() != null) {
                    log.knowCommitment(g.commitment(), g.gameId());
                }
                s = after;
            }
            if (signer != null && (last.batchHmac() == null || !signer.verify(s.seq(), s.headHashUnsafe(), last.batchHmac()))) {
                throw new Refused(last.row().seq(), last.batchHmac() == null ? "batch " + last.batchFirst() + ".."
                        + last.batchLast() + " carries no HMAC, and with a key only signed batches are applied"
                        : "the HMAC of batch " + last.batchFirst() + ".." + last.batchLast() + " does not verify with the key");
            }
            log.sendRows();
            log.recordBatch(last.batchFirst(), last.batchLast(), last.committedTsMicros(), s.headHashUnsafe(),
                    last.batchHmac());
            log.moveHead(s.seq(), s.headHashUnsafe(), s.lastTimestampMicros(), s.digest());
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT OR REPLACE INTO ledger_meta(name, value) VALUES ('" + OFFSET_META + "', ?)")) {
                ps.setString(1, settings.topic() + ":" + partitionApplied + ":" + nextOffset
                        + (topicIdApplied == null ? "" : "@" + topicIdApplied));
                ps.executeUpdate();
            }
            sinceSnapshot += batch.size();
            if (sinceSnapshot >= SNAPSHOT_EVENTS) {
                log.saveSnapshot(s.seq(), s.lastTimestampMicros(), s.digest(), StateSnapshot.encode(s));
                sinceSnapshot = 0;
            }
            log.commit();
            done = true;
        } finally {
            if (!done) {
                log.rollback();
            }
        }
        state = s;
        epoch = Math.max(epoch, last.epoch());
        batchesApplied++;
        lastBatchLagMillis = Math.max(0, System.currentTimeMillis() - last.committedTsMicros() / 1000);
        java.time.Instant now = java.time.Instant.now();
        batchLagSink.accept(Math.max(0, now.getEpochSecond() * 1_000_000L + now.getNano() / 1000 - last.committedTsMicros()));
    }

    /**
     * Gives up the replica's events after {@code seq} (of an older epoch than the promotion that starts at
     * {@code seq + 1}), in one transaction, and folds its state again from what remains.
     */
    private void truncateTo(long seq) throws SQLException {
        long head = state.seq();
        if (seq >= head) {
            return;
        }
        try (java.sql.Statement st = conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                try (PreparedStatement ps = conn.prepareStatement("DELETE FROM fair_commitments WHERE game_id IN"
                        + " (SELECT game_id FROM events WHERE type = 4 AND seq > ?)")) {
                    ps.setLong(1, seq);
                    ps.executeUpdate();
                }
                for (String sql : new String[]{"DELETE FROM events WHERE seq > ?", "DELETE FROM batches WHERE last_seq > ?",
                        "DELETE FROM state_snapshots WHERE seq > ?"}) {
                    try (PreparedStatement ps = conn.prepareStatement(sql)) {
                        ps.setLong(1, seq);
                        ps.executeUpdate();
                    }
                }
                LedgerState back = new io.bitcraps.ledger.projection.Replayer(codec).replay(conn, ledgerId, (b, a, e) -> { },
                        false);
                log.moveHead(back.seq(), back.headHashUnsafe(), back.lastTimestampMicros(), back.digest());
                st.execute("COMMIT");
                state = back;
            } catch (SQLException | RuntimeException | Replayer.CorruptLog e) {
                st.execute("ROLLBACK");
                throw e instanceof SQLException sql ? sql : new SQLException("truncating the replica failed: " + e, e);
            }
        }
        truncatedEvents += head - seq;
        LOG.warn("standby of {}: a promotion starts a new epoch at seq {}; gave up seq {}..{} of the former primary,"
                + " which the promoted replica never had", ledgerId, seq + 1, seq + 1, head);
    }

    /**
     * The offset after the last batch applied, when it was stored for this topic and partition ("topic:partition:offset");
     * null otherwise (another topic, or a recreated one): the standby then reads the partition from its start and skips
     * what it holds, by hash.
     */
    /** The Kafka offset after the last batch applied, and the id of the topic it was read from (null when not known). */
    private record StoredOffset(long offset, String topicId) {}

    /**
     * The stored offset, as {@code topic:partition:offset[@topicId]}, when it is of this topic and partition; null
     * otherwise. The topic id tells a topic made again under the same name from the one the offset was read in.
     */
    private StoredOffset storedOffset(TopicPartition tp) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM ledger_meta WHERE name = ?")) {
            ps.setString(1, OFFSET_META);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String value = rs.getString(1);
                String prefix = tp.topic() + ":" + tp.partition() + ":";
                if (!value.startsWith(prefix)) {
                    return null;
                }
                String rest = value.substring(prefix.length());
                int at = rest.indexOf('@');
                return at < 0 ? new StoredOffset(Long.parseLong(rest), null)
                        : new StoredOffset(Long.parseLong(rest.substring(0, at)), rest.substring(at + 1));
            }
        }
    }

    /** The topic's id, or null when the broker does not say within 30 s (the check of a remade topic is then skipped). */
    private String topicId() {
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
            return admin.describeTopics(List.of(settings.topic())).topicNameValues().get(settings.topic())
                    .get(30, java.util.concurrent.TimeUnit.SECONDS).topicId().toString();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                 | org.apache.kafka.common.KafkaException e) {
            LOG.warn("standby of {}: the id of topic {} is not known ({}); a topic made again is then told only by an"
                    + " offset past its end", ledgerId, settings.topic(), e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The topic's partition count, waiting up to a minute for a topic the relay has only just created. */
    private int partitions(KafkaConsumer<byte[], byte[]> consumer) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            List<PartitionInfo> infos = consumer.partitionsFor(settings.topic(), Duration.ofSeconds(30));
            if (infos != null && !infos.isEmpty()) {
                return infos.size();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + settings.topic() + " does not exist at " + settings.bootstrap());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for topic " + settings.topic(), e);
            }
        }
    }

    /** The ledger of the topic's first seq-1 record, for a new replica given no ledger id. */
    private String firstLedgerInTopic() {
        try (KafkaConsumer<byte[], byte[]> consumer = Topics.committedReader(settings.bootstrap(), "bitcraps-standby-probe")) {
            int n = partitions(consumer);
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < n; p++) {
                all.add(new TopicPartition(settings.topic(), p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if ("1".equals(Topics.header(r, Topics.SEQ)) && r.key() != null) {
                        String id = new String(r.key(), StandardCharsets.UTF_8);
                        LOG.info("standby: following ledger {}, the first in topic {}", id, settings.topic());
                        return id;
                    }
                }
            }
        }
        throw new IllegalStateException("topic " + settings.topic() + " holds no ledger's first event yet; name the ledger"
                + " to follow");
    }

    @Override
    public void close() throws SQLException, IOException {
        try {
            log.close();
        } finally {
            try {
                conn.close();
            } finally {
                lock.close();
            }
        }
    }
}
