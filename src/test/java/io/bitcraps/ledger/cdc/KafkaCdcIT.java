package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.KafkaBroker;
import io.bitcraps.ledger.support.OutputSchemas;
import tools.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.bitcraps.ledger.cdc.CdcFixtures.awaitLine;
import static io.bitcraps.ledger.cdc.CdcFixtures.committed;
import static io.bitcraps.ledger.cdc.CdcFixtures.committedSeqs;
import static io.bitcraps.ledger.cdc.CdcFixtures.ledgerId;
import static io.bitcraps.ledger.cdc.CdcFixtures.maxSeq;
import static io.bitcraps.ledger.cdc.CdcFixtures.replicate;
import static io.bitcraps.ledger.cdc.CdcFixtures.rows;
import static io.bitcraps.ledger.cdc.CdcFixtures.writeKey;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The change feed through a real Kafka broker ({@code tools/kafka}, one for the test run, shared with the other Kafka tests): the relay
 * publishes a ledger while it is written, a standby applies it and ends with the primary's rows,
 * batch records and signatures, byte for byte, and an intact audit; a relay killed with SIGKILL at
 * random moments leaves neither a gap nor a duplicate for a {@code read_committed} reader; the
 * relay rides out a broker restart; a killed standby resumes from its own state; and a record
 * altered, missing, repeated or out of order in the topic is refused, naming its seq, with nothing
 * after it applied.
 * <p>
 * Random choices print their seed; replay with {@code -Dledger.cdc.seed=<seed>}. The kill campaign
 * runs {@code -Dledger.cdc.cycles} cycles (default 3).
 */
class KafkaCdcIT {
    @RegisterExtension
    static final KafkaBroker KAFKA = KafkaBroker.shared();

    private static final int CYCLES = Integer.getInteger("ledger.cdc.cycles", 3);

    @TempDir
    Path dir;

    private static String topic(String name) {
        return name + "-" + System.nanoTime();
    }

    private static Ledger open(Path db, Path key) {
        LedgerConfig.Builder b = LedgerConfig.builder(db).durability(Durability.NORMAL).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO);
        return Ledger.open((key == null ? b : b.hmacKeyFile(key)).build());
    }

    private static CrapsFloor.Report floor(Ledger ledger, int tables, int rounds, long seed) throws InterruptedException {
        return new CrapsFloor(ledger, new CrapsFloor.Settings(tables, tables * 4, rounds, seed, "f" + seed, 1_000, 10_000_000))
                .run(n -> { });
    }

    /** Runs the relay on a thread of this JVM until {@code stop}. */
    private static CompletableFuture<KafkaRelay.State> relay(KafkaRelay relay, AtomicBoolean stop) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return relay.run(stop);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aFloorPublishedWhileItIsWrittenIsReplicatedByteForByteWithItsSignaturesAndAuditsIntact() throws Exception {
        Path primary = dir.resolve("primary.db");
        Path key = writeKey(dir.resolve("hmac.key"));
        String topic = topic("floor");
        try (Ledger ledger = open(primary, key)) {
            ok(ledger.submit(new Command.FundHouse(1, "first")));
        }
        KafkaRelay relay = new KafkaRelay(KafkaRelay.Settings.of(primary, KAFKA.bootstrap(), topic));
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<KafkaRelay.State> running = relay(relay, stop);
        long head;
        try (Ledger ledger = open(primary, key)) {
            floor(ledger, 2, 6, 11);
            head = ledger.view().seq();
        }
        Path replica = dir.resolve("replica.db");
        replicate(Standby.Settings.of(replica, KAFKA.bootstrap(), topic).withKey(Files.readAllBytes(key)), head);
        stop.set(true);
        assertThat(running.get(60, TimeUnit.SECONDS)).isEqualTo(KafkaRelay.State.STOPPED);
        assertThat(relay.status().publishedSeq()).isEqualTo(head);

        AuditReport audit = CdcFixtures.assertReplicaIsThePrimary(dir, primary, replica, key);
        assertThat(audit.signedBatches()).isPositive();
    }

    @Test
    void aRelayKilledAtRandomMomentsUnderLoadLeavesNeitherAGapNorADuplicate() throws Exception {
        long seed = Long.getLong("ledger.cdc.seed", new SecureRandom().nextLong());
        System.out.println("KafkaCdcIT relay kills: seed " + seed + ", " + CYCLES + " cycles (replay: -Dledger.cdc.seed=" + seed + ")");
        Random random = new Random(seed);
        Path primary = dir.resolve("primary.db");
        String topic = topic("kills");
        long head;
        try (Ledger ledger = open(primary, null)) {
            ok(ledger.submit(new Command.FundHouse(1, "first")));
            CompletableFuture<CrapsFloor.Report> load = CompletableFuture.supplyAsync(() -> {
                try {
                    return floor(ledger, 2, 30, seed);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                Process child = ChildJvm.ledger(dir, "publish", "--db", primary.toString(), "--bootstrap", KAFKA.bootstrap(),
                        "--topic", topic, "--status-seconds", "60").redirectErrorStream(true)
                        .redirectOutput(dir.resolve("relay-" + cycle + ".log").toFile()).start();
                // killed once it runs (its first line is printed as it connects), at a random moment after
                awaitLine(dir.resolve("relay-" + cycle + ".log"), "publish: ledger");
                Thread.sleep(300 + random.nextInt(2_500));
                child.destroyForcibly(); // SIGKILL: mid-transaction, or between two
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            load.get(5, TimeUnit.MINUTES);
            head = ledger.view().seq();
        }
        ChildJvm.Result last = ChildJvm.run(dir, "publish", "--db", primary.toString(), "--bootstrap", KAFKA.bootstrap(),
                "--topic", topic, "--until-seq", Long.toString(head));
        assertThat(last.exitCode()).as(last.stderr()).isZero();

        List<Long> seqs = committedSeqs(KAFKA.bootstrap(), topic, ledgerId(primary));
        assertThat(seqs).as("seed %d: every seq once, in order", seed).hasSize((int) head);
        for (int i = 0; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).as("seed %d: record %d", seed, i).isEqualTo(i + 1L);
        }
        Path replica = dir.resolve("replica.db");
        replicate(Standby.Settings.of(replica, KAFKA.bootstrap(), topic), head);
        assertThat(CdcFixtures.rowsDigest(replica, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"))
                .isEqualTo(CdcFixtures.rowsDigest(primary, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"));
        System.out.println("RELIABILITY|Kafka relay: SIGKILL of a publish child JVM at random moments while a floor writes"
                + " (real broker, tools/kafka)|" + CYCLES + "|a read_committed reader sees seqs 1..head, each once, in order;"
                + " a standby's rows equal the primary's|0 gaps, 0 duplicates in " + head + " events; seed " + seed);
    }

    @Test
    void theRelayRidesOutABrokerRestartWhileTheLedgerIsWritten() throws Exception {
        Path primary = dir.resolve("primary.db");
        String topic = topic("restart");
        try (Ledger ledger = open(primary, null)) {
            ok(ledger.submit(new Command.FundHouse(1, "first")));
        }
        KafkaRelay relay = new KafkaRelay(KafkaRelay.Settings.of(primary, KAFKA.bootstrap(), topic));
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<KafkaRelay.State> running = relay(relay, stop);
        long head;
        try (Ledger ledger = open(primary, null)) {
            // a steady stream of deposits, groups of 20, until the broker is back
            AtomicBoolean loadStop = new AtomicBoolean();
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                for (int i = 0; !loadStop.get(); i++) {
                    List<CompletableFuture<io.bitcraps.ledger.domain.Receipt>> group = new ArrayList<>();
                    for (int j = 0; j < 20; j++) {
                        group.add(ledger.submit(new Command.Deposit("p" + (j % 7), 1 + j, "load-" + i)));
                    }
                    group.forEach(CompletableFuture::join);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            Thread.sleep(1_000);
            KAFKA.stop();
            long beforeOutage = ledger.view().seq();
            Thread.sleep(2_000);
            KAFKA.start();
            long afterOutage = ledger.view().seq();
            assertThat(afterOutage).as("the ledger went on committing while the broker was down").isGreaterThan(beforeOutage);
            Thread.sleep(1_000);
            loadStop.set(true);
            load.get(1, TimeUnit.MINUTES);
            head = ledger.view().seq();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (relay.status().publishedSeq() < head && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        stop.set(true);
        running.get(60, TimeUnit.SECONDS);
        assertThat(relay.status().publishedSeq()).as("published after the restart: %s", relay.status()).isEqualTo(head);
        List<Long> seqs = committedSeqs(KAFKA.bootstrap(), topic, relay.ledgerId());
        assertThat(seqs).hasSize((int) head);
        assertThat(seqs.get(seqs.size() - 1)).isEqualTo(head);
        assertThat(new java.util.HashSet<>(seqs)).hasSize((int) head);
        System.out.println("RELIABILITY|Kafka broker stopped and started (tools/kafka stop/start) while deposits commit and"
                + " the relay publishes|1|the relay publishes everything after the restart; a read_committed reader sees"
                + " every seq once|0 lost, 0 duplicated of " + head + " events; " + relay.status().retries() + " relay retries");
    }

    @Test
    void aKilledStandbyResumesFromItsOwnCommittedState() throws Exception {
        Path primary = dir.resolve("primary.db");
        String topic = topic("standby");
        long head;
        try (Ledger ledger = open(primary, null)) {
            floor(ledger, 4, 40, 3);
            head = ledger.view().seq();
        }
        // --json: every stdout line validated against its schema (issue #15)
        ChildJvm.Result published = ChildJvm.run(dir, "publish", "--db", primary.toString(), "--bootstrap",
                KAFKA.bootstrap(), "--topic", topic, "--until-seq", Long.toString(head), "--json");
        assertThat(published.exitCode()).as(published.stderr()).isZero();
        JsonNode publishDone = jsonLines(published, "schemas/cli/publish.schema.json");
        assertThat(publishDone.path("state").stringValue()).isEqualTo("STOPPED");
        assertThat(publishDone.path("published_seq").asLong()).isEqualTo(head);
        assertThat(publishDone.path("lag_events").asLong()).isZero();
        assertThat(publishDone.path("ledger").stringValue()).isEqualTo(ledgerId(primary));
        Path replica = dir.resolve("replica.db");
        for (int cycle = 0; cycle < 3; cycle++) {
            Process child = ChildJvm.ledger(dir, "replicate", "--bootstrap", KAFKA.bootstrap(), "--topic", topic, "--db",
                    replica.toString(), "--status-seconds", "60").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("standby-" + cycle + ".log").toFile()).start();
            awaitLine(dir.resolve("standby-" + cycle + ".log"), "replicate: ledger");
            Thread.sleep(300L + 300L * cycle);
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        // the resume in a child JVM too, with --json: every stdout line validated against its schema (issue #15)
        ChildJvm.Result replicated = ChildJvm.run(dir, "replicate", "--bootstrap", KAFKA.bootstrap(), "--topic", topic,
                "--db", replica.toString(), "--until-seq", Long.toString(head), "--json");
        assertThat(replicated.exitCode()).as(replicated.stderr()).isZero();
        JsonNode replicateDone = jsonLines(replicated, "schemas/cli/replicate.schema.json");
        assertThat(replicateDone.path("applied_seq").asLong()).isEqualTo(head);
        assertThat(replicateDone.path("refused").isNull()).isTrue();
        assertThat(replicateDone.path("ledger").stringValue()).isEqualTo(ledgerId(primary));
        assertThat(rows(replica, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"))
                .isEqualTo(rows(primary, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"));
        AuditReport audit = new Auditor().audit(replica, Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
        System.out.println("RELIABILITY|Standby: SIGKILL of a replicate child JVM while it applies|3|it resumes from its own"
                + " committed state (offset stored with each batch); rows equal the primary's; audit intact|0 gaps, 0"
                + " duplicates in " + head + " events");
    }

    /**
     * The topic is deleted and made again under the same name, and filled anew, in other transactions, so the offsets
     * no longer match: the standby tells it by the topic id stored with its offset, matches what it holds by seq and
     * hash from the new topic's start, and goes on. Offset alone would land mid-topic on the wrong record and be refused.
     */
    @Test
    void aStandbyResumesIntoATopicMadeAgainUnderTheSameName() throws Exception {
        Path primary = dir.resolve("primary.db");
        String topic = topic("remade");
        long first;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(primary).durability(Durability.NORMAL)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).publishTo(KAFKA.bootstrap(), topic).build())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ledger.relayStatus().orElseThrow().publishedSeq() < 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // published as it is written, paced: about a transaction per group, each with its commit marker's offset
            for (int i = 0; i < 50; i++) {
                List<CompletableFuture<io.bitcraps.ledger.domain.Receipt>> group = new ArrayList<>();
                for (int j = 0; j < 20; j++) {
                    group.add(ledger.submit(new Command.Deposit("early-" + (j % 5), 1 + j, "paced-" + i + "-" + j)));
                }
                group.forEach(f -> ok(f));
                Thread.sleep(40);
            }
            first = ledger.view().seq();
        }
        Path replica = dir.resolve("replica.db");
        replicate(Standby.Settings.of(replica, KAFKA.bootstrap(), topic), first);
        Properties admin = new Properties();
        admin.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrap());
        try (org.apache.kafka.clients.admin.Admin a = org.apache.kafka.clients.admin.Admin.create(admin)) {
            a.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (a.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }
        long head;
        try (Ledger ledger = open(primary, null)) {
            for (int i = 0; i < 100; i++) {
                List<CompletableFuture<io.bitcraps.ledger.domain.Receipt>> group = new ArrayList<>();
                for (int j = 0; j < 40; j++) {
                    group.add(ledger.submit(new Command.Deposit("after-" + (j % 5), 1 + j, "remade-" + i + "-" + j)));
                }
                group.forEach(f -> ok(f));
            }
            head = ledger.view().seq();
        }
        // all of it again into the new topic, by the process relay: a few large transactions
        ChildJvm.Result published = ChildJvm.run(dir, "publish", "--db", primary.toString(), "--bootstrap",
                KAFKA.bootstrap(), "--topic", topic, "--until-seq", Long.toString(head));
        assertThat(published.exitCode()).as(published.stderr()).isZero();
        assertThat(committed(KAFKA.bootstrap(), topic).get(0).offset()).isZero();

        replicate(Standby.Settings.of(replica, KAFKA.bootstrap(), topic), head);
        assertThat(rows(replica, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"))
                .isEqualTo(rows(primary, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"));
        assertThat(rows(replica, "SELECT value FROM ledger_meta WHERE name = 'standby_next_offset'").get(0).get(0))
                .startsWith(topic + ":0:").contains("@");
    }

    /**
     * Failover. The primary publishes; a standby stops at seq N; the primary goes on to M (published, never on the
     * standby) and its relay stops; the standby, refused as a writer while it is one, is promoted (epoch 1 at seq
     * N + 1), written and published; then the former primary comes back as a zombie and publishes M + 1..K under its
     * old epoch. A new standby reading the topic from the start applies 1..M, gives up N + 1..M at the promotion,
     * follows the new primary, skips every record of the zombie, and ends with the new primary's rows exactly.
     */
    @Test
    void aPromotedStandbyContinuesUnderANewEpochAndTheFormerPrimaryIsFenced() throws Exception {
        Path primary = dir.resolve("primary.db");
        Path promoted = dir.resolve("promoted.db");
        String topic = topic("failover");
        long n;
        long m;
        try (Ledger ledger = open(primary, null)) {
            floor(ledger, 1, 4, 21);
            n = ledger.view().seq();
        }
        KafkaRelay old = new KafkaRelay(KafkaRelay.Settings.of(primary, KAFKA.bootstrap(), topic));
        AtomicBoolean stopOld = new AtomicBoolean();
        CompletableFuture<KafkaRelay.State> oldRunning = relay(old, stopOld);
        replicate(Standby.Settings.of(promoted, KAFKA.bootstrap(), topic), n);
        try (Ledger ledger = open(primary, null)) {
            floor(ledger, 1, 3, 22); // N + 1..M: published, never applied by the standby
            m = ledger.view().seq();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (old.status().publishedSeq() < m && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        stopOld.set(true);
        oldRunning.get(60, TimeUnit.SECONDS);

        // a standby is no writer
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> open(promoted, null));
        assertThat(refused).hasMessageContaining("is a standby of topic " + topic).hasMessageContaining("promote");
        ChildJvm.Result promote = ChildJvm.run(dir, "promote", "--db", promoted.toString());
        assertThat(promote.exitCode()).as(promote.stderr()).isZero();
        assertThat(promote.stdout()).contains("is a primary in epoch 1 from seq " + (n + 1));
        long h;
        try (Ledger ledger = open(promoted, null)) {
            floor(ledger, 1, 3, 23);
            h = ledger.view().seq();
        }
        KafkaRelay fresh = new KafkaRelay(KafkaRelay.Settings.of(promoted, KAFKA.bootstrap(), topic).untilSeq(h));
        assertThat(fresh.transactionalId()).endsWith("-e1");
        assertThat(fresh.run(new AtomicBoolean())).isEqualTo(KafkaRelay.State.STOPPED);

        long k;
        try (Ledger ledger = open(primary, null)) { // the zombie
            floor(ledger, 1, 2, 24);
            k = ledger.view().seq();
        }
        KafkaRelay zombie = new KafkaRelay(KafkaRelay.Settings.of(primary, KAFKA.bootstrap(), topic).untilSeq(k));
        assertThat(zombie.run(new AtomicBoolean())).isEqualTo(KafkaRelay.State.STOPPED);

        Path replica = dir.resolve("replica.db");
        Standby.Status s = replicate(Standby.Settings.of(replica, KAFKA.bootstrap(), topic).ledger(old.ledgerId()), h);
        // and a little longer: the zombie's records after the new epoch's are read and skipped, none applied
        AtomicBoolean stop = new AtomicBoolean();
        try (Standby standby = new Standby(Standby.Settings.of(replica, KAFKA.bootstrap(), topic))) {
            CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS))
                    .thenRun(() -> stop.set(true));
            standby.run(stop);
            assertThat(standby.status().appliedSeq()).isEqualTo(h);
            assertThat(standby.status().epoch()).isEqualTo(1);
            assertThat(standby.status().fencedRecords()).as("the zombie's records skipped").isEqualTo(k - m);
        }
        assertThat(s.truncatedEvents()).as("the failover's lost tail given up").isEqualTo(m - n);
        assertThat(rows(replica, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"))
                .isEqualTo(rows(promoted, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"));
        assertThat(new Auditor().audit(replica, Auditor.Options.everything(), x -> { }).problems()).isEmpty();
        assertThat(new Auditor().audit(promoted, Auditor.Options.everything(), x -> { }).problems()).isEmpty();
        System.out.println("RELIABILITY|Failover: a standby promoted (tools/ledger promote) while the former primary had"
                + " published more; the former primary then publishes again as a zombie|1|a new standby gives up the lost"
                + " tail, follows the new epoch, applies none of the zombie's records; rows equal the new primary's|"
                + (m - n) + " events given up, " + (k - m) + " zombie records skipped, 0 applied");
    }

    /**
     * Two ledgers share a partition. Another ledger's producer holds a transaction open (as a relay killed inside one
     * leaves it until its successor starts); this ledger's relay publishes on behind it, then restarts. A
     * read_committed end offset stops at the open transaction, so a relay that read its position there would miss its
     * own later records and publish them twice: it waits until the partition is stable, here until the other
     * transaction is aborted.
     */
    @Test
    void aRelayRestartingBehindAnotherLedgersOpenTransactionPublishesNothingTwice() throws Exception {
        Path a = dir.resolve("a.db");
        String topic = topic("shared");
        try (Ledger la = open(a, null)) {
            ok(la.submit(new Command.FundHouse(1, "first")));
            // the relay runs, its position read, before the other transaction opens
            KafkaRelay running1 = new KafkaRelay(KafkaRelay.Settings.of(a, KAFKA.bootstrap(), topic));
            AtomicBoolean stop1 = new AtomicBoolean();
            CompletableFuture<KafkaRelay.State> first = relay(running1, stop1);
            awaitPublished(running1, 1);
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrap());
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "another-ledgers-relay");
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            try (KafkaProducer<byte[], byte[]> other = new KafkaProducer<>(p)) {
                other.initTransactions();
                other.beginTransaction();
                other.send(new ProducerRecord<>(topic, 0, "another-ledger".getBytes(StandardCharsets.UTF_8),
                        "{}".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS); // open, neither committed nor aborted
                for (int i = 0; i < 50; i++) {
                    ok(la.submit(new Command.Deposit("p" + (i % 5), 1 + i, "behind")));
                }
                awaitPublished(running1, la.view().seq()); // committed behind the open transaction
                stop1.set(true);
                first.get(60, TimeUnit.SECONDS);
                for (int i = 0; i < 20; i++) {
                    ok(la.submit(new Command.Deposit("q" + (i % 5), 1 + i, "after")));
                }
                long end = la.view().seq();
                KafkaRelay restarted = new KafkaRelay(KafkaRelay.Settings.of(a, KAFKA.bootstrap(), topic).untilSeq(end));
                CompletableFuture<KafkaRelay.State> running = relay(restarted, new AtomicBoolean());
                Thread.sleep(2_000);
                assertThat(restarted.status().publishedSeq()).as("waiting for the partition to be stable").isZero();
                other.abortTransaction();
                assertThat(running.get(120, TimeUnit.SECONDS)).isEqualTo(KafkaRelay.State.STOPPED);
                List<Long> seqs = committedSeqs(KAFKA.bootstrap(), topic, ledgerId(a));
                assertThat(seqs).as("every seq once, in order").hasSize((int) end);
                for (int i = 0; i < seqs.size(); i++) {
                    assertThat(seqs.get(i)).as("record %d", i).isEqualTo(i + 1L);
                }
            }
        }
    }

    /** How the copy of a published topic is damaged before a standby reads it. */
    enum Damage { ALTERED_FIELD, FORGED_EVENT, GAP, REPEAT, REORDER, NO_SEQ_HEADER }

    @Test
    void aRecordAlteredForgedMissingRepeatedOrOutOfOrderIsRefusedNamingItsSeqAndNothingAfterItIsApplied() throws Exception {
        Path primary = dir.resolve("primary.db");
        String source = topic("source");
        long head;
        try (Ledger ledger = open(primary, null)) {
            floor(ledger, 1, 6, 9);
            head = ledger.view().seq();
        }
        KafkaRelay relay = new KafkaRelay(KafkaRelay.Settings.of(primary, KAFKA.bootstrap(), source).untilSeq(head));
        assertThat(relay.run(new AtomicBoolean())).isEqualTo(KafkaRelay.State.STOPPED);
        List<ConsumerRecord<byte[], byte[]>> records = committed(KAFKA.bootstrap(), source);
        assertThat(records).hasSize((int) head);
        int target = records.size() / 2; // the record of seq target + 1
        long targetSeq = target + 1;
        for (Damage damage : Damage.values()) {
            String copy = topic("damaged-" + damage);
            List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<byte[], byte[]> r = records.get(i);
                byte[] value = r.value();
                org.apache.kafka.common.header.Headers headers = r.headers();
                if (i == target) {
                    switch (damage) {
                        case ALTERED_FIELD -> value = alterAmountOrTime(value);
                        case NO_SEQ_HEADER -> {
                            headers = new org.apache.kafka.common.header.internals.RecordHeaders(r.headers().toArray());
                            headers.remove(Topics.SEQ);
                        }
                        case FORGED_EVENT -> value = forgedPayload(value);
                        case GAP -> {
                            continue;
                        }
                        case REPEAT -> out.add(plain(copy, records.get(i - 1)));
                        case REORDER -> {
                            out.add(plain(copy, records.get(i + 1)));
                            out.add(plain(copy, r));
                            i++;
                            continue;
                        }
                        default -> { }
                    }
                }
                out.add(new ProducerRecord<>(copy, 0, r.timestamp(), r.key(), value, headers));
            }
            try (KafkaProducer<byte[], byte[]> forger = plainProducer()) {
                for (ProducerRecord<byte[], byte[]> p : out) {
                    forger.send(p);
                }
                forger.flush();
            }
            Path replica = dir.resolve("replica-" + damage + ".db");
            AtomicBoolean stop = new AtomicBoolean();
            Standby.Refused refused;
            long applied;
            try (Standby standby = new Standby(Standby.Settings.of(replica, KAFKA.bootstrap(), copy).untilSeq(head))) {
                CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS))
                        .thenRun(() -> stop.set(true));
                refused = catchThrowableOfType(Standby.Refused.class, () -> standby.run(stop));
                applied = standby.status().appliedSeq();
            }
            // the record refused: the altered or forged one; the one after the gap; the repeated one; the early one
            long expectedSeq = switch (damage) {
                case ALTERED_FIELD, FORGED_EVENT, NO_SEQ_HEADER -> targetSeq; // without a seq: the one that was due
                case GAP, REORDER -> targetSeq + 1;
                case REPEAT -> targetSeq - 1;
            };
            assertThat(refused).as("%s: refused", damage).isNotNull();
            assertThat(refused.seq()).as("%s: %s", damage, refused.getMessage()).isEqualTo(expectedSeq);
            assertThat(applied).as("%s: nothing at or after the refused seq is applied", damage).isLessThan(targetSeq);
            assertThat(maxSeq(replica)).isEqualTo(applied);
            System.out.println("KafkaCdcIT " + damage + ": " + refused.getMessage());
        }
        System.out.println("RELIABILITY|Damaged topic: one record altered, forged (consistent payload, real hash), missing,"
                + " repeated, swapped or without its seq header, written with a plain producer|" + Damage.values().length + "|the standby refuses,"
                + " naming the seq, and applies nothing at or after it|" + Damage.values().length + " of "
                + Damage.values().length + " refused at the right seq");
    }

    // ---- helpers

    /** A --json run's stdout: every line valid against {@code schema}, status lines then one done line (returned). */
    private static JsonNode jsonLines(ChildJvm.Result run, String schema) {
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).as(run.stderr()).isNotEmpty();
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : lines) {
            JsonNode node = OutputSchemas.json().readTree(line);
            assertThat(OutputSchemas.errors(schema, node)).as(line).isEmpty();
            nodes.add(node);
        }
        for (int i = 0; i < nodes.size(); i++) {
            assertThat(nodes.get(i).path("kind").stringValue()).as(lines.get(i))
                    .isEqualTo(i == nodes.size() - 1 ? "done" : "status");
        }
        return nodes.get(nodes.size() - 1);
    }

    private static void awaitPublished(KafkaRelay relay, long seq) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (relay.status().publishedSeq() < seq && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(relay.status().publishedSeq()).as("published up to %d", seq).isGreaterThanOrEqualTo(seq);
    }

    /** The JSON value with the first number after "ts_micros" changed: the record no longer renders to itself. */
    private static byte[] alterAmountOrTime(byte[] value) {
        String s = new String(value, StandardCharsets.UTF_8);
        int at = s.indexOf("\"ts_micros\":") + "\"ts_micros\":".length();
        char c = s.charAt(at + 3);
        return (s.substring(0, at + 3) + (c == '9' ? '0' : (char) (c + 1)) + s.substring(at + 4)).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A forger who knows the format: another event in the same place, its readable fields and payload consistent
     * (the record renders to itself), its hash the real one: the chain exposes it.
     */
    private static byte[] forgedPayload(byte[] value) throws Exception {
        io.bitcraps.ledger.codec.PayloadCodec codec = new io.bitcraps.ledger.codec.PayloadCodec();
        EventRecords.Record r = EventRecords.parse(value, codec);
        io.bitcraps.ledger.domain.LedgerEvent e = io.bitcraps.ledger.projection.StoredEvents.decode(codec, r.row());
        io.bitcraps.ledger.domain.LedgerEvent forged = new io.bitcraps.ledger.domain.LedgerEvent(e.seq(), e.timestampMicros(),
                e.command(), e.postings(), e.key() == null ? "forged-key" : null, e.submissionSize());
        io.bitcraps.ledger.store.EventRow row = new io.bitcraps.ledger.store.EventRow(e.seq(), e.timestampMicros(),
                e.type().code(), null, null, null, null, null, codec.encode(forged), r.row().hash());
        return EventRecords.render(new EventRecords.Record(r.ledgerId(), r.epoch(), row, r.batchFirst(), r.batchLast(),
                r.committedTsMicros(), r.batchHmac()), io.bitcraps.ledger.projection.StoredEvents.decode(codec, row));
    }

    private static ProducerRecord<byte[], byte[]> plain(String topic, ConsumerRecord<byte[], byte[]> r) {
        return new ProducerRecord<>(topic, 0, r.timestamp(), r.key(), r.value(), r.headers());
    }

    private static KafkaProducer<byte[], byte[]> plainProducer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        return new KafkaProducer<>(p);
    }
}
