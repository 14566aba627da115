package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.store.LedgerDatabase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** What the Kafka tests read back: the topic as a read_committed consumer sees it, a replica applied, rows of a file. */
final class CdcFixtures {
    private CdcFixtures() {}

    /** Applies the topic to a replica up to {@code seq}; fails after two minutes. */
    static Standby.Status replicate(Standby.Settings settings, long seq) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        try (Standby standby = new Standby(settings.untilSeq(seq))) {
            CompletableFuture<Void> timer = CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(120,
                    TimeUnit.SECONDS)).thenRun(() -> stop.set(true));
            standby.run(stop);
            timer.cancel(false);
            assertThat(standby.status().appliedSeq()).as("applied within two minutes").isEqualTo(seq);
            return standby.status();
        }
    }

    /**
     * The replica holds the primary's events and batch records (signatures included), exports the same bytes, and
     * audits intact with the key; returns the audit.
     */
    static io.bitcraps.ledger.audit.AuditReport assertReplicaIsThePrimary(Path workDir, Path primary, Path replica, Path key)
            throws Exception {
        assertThat(rows(replica, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"))
                .isEqualTo(rows(primary, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"));
        assertThat(rows(replica, "SELECT first_seq, last_seq, committed_ts, head_hash, hmac FROM batches ORDER BY last_seq"))
                .isEqualTo(rows(primary, "SELECT first_seq, last_seq, committed_ts, head_hash, hmac FROM batches ORDER BY last_seq"));
        io.bitcraps.ledger.support.ChildJvm.Result a = io.bitcraps.ledger.support.ChildJvm.run(workDir, "export", "--db",
                primary.toString());
        io.bitcraps.ledger.support.ChildJvm.Result b = io.bitcraps.ledger.support.ChildJvm.run(workDir, "export", "--db",
                replica.toString());
        assertThat(b.exitCode()).as(b.stderr()).isZero();
        assertThat(b.stdout()).isEqualTo(a.stdout()).isNotEmpty();
        io.bitcraps.ledger.audit.AuditReport audit = new io.bitcraps.ledger.audit.Auditor().audit(replica,
                new io.bitcraps.ledger.audit.Auditor.Options(1, Long.MAX_VALUE,
                        io.bitcraps.ledger.codec.HeadSigner.readKey(key), null), n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.intact()).isTrue();
        return audit;
    }

    /** Every record a read_committed consumer sees in partition 0 of the topic, in order. */
    static List<ConsumerRecord<byte[], byte[]>> committed(String bootstrap, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = Topics.committedReader(bootstrap, "test-reader")) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)).records(tp)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /**
     * The seqs of {@code ledgerId}'s records a read_committed consumer sees, in topic order. Streams the topic and keeps
     * only the seqs: the long campaign's topics hold hundreds of thousands of records.
     */
    static List<Long> committedSeqs(String bootstrap, String topic, String ledgerId) {
        List<Long> seqs = new ArrayList<>();
        byte[] key = ledgerId.getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<byte[], byte[]> c = Topics.committedReader(bootstrap, "test-reader")) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)).records(tp)) {
                    if (Topics.ofLedger(r, key)) {
                        seqs.add(Long.parseLong(Topics.header(r, Topics.SEQ)));
                    }
                }
            }
        }
        return seqs;
    }

    /**
     * The number of rows the query returns and a SHA-256 over their values in order (byte arrays as they are, the rest
     * as text): two files compared without holding either in memory.
     */
    static String rowsDigest(Path db, String sql) throws Exception {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        long count = 0;
        try (Connection c = LedgerDatabase.openReadOnly(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                count++;
                for (int i = 1; i <= n; i++) {
                    Object v = rs.getObject(i);
                    byte[] bytes = v instanceof byte[] b ? b : String.valueOf(v).getBytes(StandardCharsets.UTF_8);
                    sha.update(Long.toString(bytes.length).getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) ':');
                    sha.update(bytes);
                }
            }
        }
        return count + " rows, sha256 " + io.bitcraps.ledger.internal.Hex.of(sha.digest());
    }

    /** Asserts that the seqs are 1..head, each once, in order. */
    static void assertEverySeqOnceInOrder(List<Long> seqs, long head, String why) {
        assertThat(seqs).as("%s: every seq once, in order", why).hasSize((int) head);
        for (int i = 0; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).as("%s: record %d", why, i).isEqualTo(i + 1L);
        }
    }

    static String ledgerId(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return LedgerDatabase.ledgerId(c);
        }
    }

    static long maxSeq(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return io.bitcraps.ledger.store.EventReader.maxSeq(c);
        }
    }

    /** The query's rows, each as its columns' values (byte arrays as hex), for comparing two files. */
    static List<List<String>> rows(Path db, String sql) throws Exception {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = LedgerDatabase.openReadOnly(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    Object v = rs.getObject(i);
                    row.add(v instanceof byte[] bytes ? io.bitcraps.ledger.internal.Hex.of(bytes) : String.valueOf(v));
                }
                out.add(row);
            }
        }
        return out;
    }

    /** Waits (up to a minute) until the file holds a line containing {@code text}. */
    static void awaitLine(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(file + " never printed " + text);
    }

    /** An HMAC key file as the CLI wants it (owner-only), with a random key. */
    static Path writeKey(Path file) throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return io.bitcraps.ledger.support.Fixtures.writeKey(file, io.bitcraps.ledger.internal.Hex.of(key));
    }
}
