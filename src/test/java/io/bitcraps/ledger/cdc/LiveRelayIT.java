package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.RelayStatus;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.health.HealthCheck;
import io.bitcraps.ledger.health.HealthStatus;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.KafkaBroker;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static io.bitcraps.ledger.cdc.CdcFixtures.assertEverySeqOnceInOrder;
import static io.bitcraps.ledger.cdc.CdcFixtures.committedSeqs;
import static io.bitcraps.ledger.cdc.CdcFixtures.ledgerId;
import static io.bitcraps.ledger.cdc.CdcFixtures.replicate;
import static io.bitcraps.ledger.cdc.CdcFixtures.rows;
import static io.bitcraps.ledger.cdc.CdcFixtures.writeKey;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay inside the writing process ({@code LedgerConfig.Builder.publishTo}) against a real broker
 * ({@code tools/kafka}, one for the test run, shared with the other Kafka tests): a floor published as it is written is replicated byte for
 * byte and audits intact, and a reopen publishes nothing twice; a ledger opened while the broker is
 * down takes writes, says DEGRADED, and publishes everything once the broker is back, and again
 * after a second outage; a writer killed with SIGKILL while it publishes leaves neither a gap nor a
 * duplicate. Random choices print their seed; replay with {@code -Dledger.cdc.seed=<seed>}.
 */
class LiveRelayIT {
    @RegisterExtension
    static final KafkaBroker KAFKA = KafkaBroker.shared();

    /** Writer kills: 2 in the default build, {@code -Dledger.cdc.cycles=20} in the long campaign (tools/reliability). */
    private static final int CYCLES = Integer.getInteger("ledger.cdc.cycles", 2);

    @TempDir
    Path dir;

    private static String topic(String name) {
        return name + "-" + System.nanoTime();
    }

    private static Ledger open(Path db, Path key, String topic) {
        LedgerConfig.Builder b = LedgerConfig.builder(db).durability(Durability.NORMAL).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).publishTo(KAFKA.bootstrap(), topic);
        return Ledger.open((key == null ? b : b.hmacKeyFile(key)).build());
    }

    private static RelayStatus relay(Ledger ledger) {
        return ledger.relayStatus().orElseThrow();
    }

    private static HealthCheck relayCheck(Ledger ledger) {
        return ledger.health().check("kafka relay");
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + timeout.toSeconds() + " s for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The partition's last stable offset: the end a read_committed reader sees (0 while the topic does not exist). */
    private static long partitionEnd(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = Topics.committedReader(KAFKA.bootstrap(), "test-watermark")) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp), Duration.ofSeconds(5)).getOrDefault(tp, 0L);
        } catch (org.apache.kafka.common.KafkaException noTopicYet) {
            return 0;
        }
    }

    /** The partition's high watermark: its end with the records of open transactions (0 while it does not exist). */
    private static long partitionHighWatermark(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = Topics.uncommittedReader(KAFKA.bootstrap(), "test-watermark")) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp), Duration.ofSeconds(5)).getOrDefault(tp, 0L);
        } catch (org.apache.kafka.common.KafkaException noTopicYet) {
            return 0;
        }
    }

    private static void awaitStableEndBeyond(String topic, long offset) throws InterruptedException {
        await("records beyond offset " + offset + " in " + topic, Duration.ofSeconds(60), () -> partitionEnd(topic) > offset);
    }

    @Test
    void aFloorPublishedFromTheWritingProcessIsReplicatedByteForByteAndAReopenPublishesNothingTwice() throws Exception {
        Path primary = dir.resolve("primary.db");
        Path key = writeKey(dir.resolve("hmac.key"));
        String topic = topic("live");
        long head;
        try (Ledger ledger = open(primary, key, topic)) {
            ok(ledger.submit(new Command.FundHouse(1_000_000_000L, "bank")));
            new CrapsFloor(ledger, new CrapsFloor.Settings(2, 8, 6, 21, "live", 1_000, 10_000_000)).run(n -> { });
            head = ledger.view().seq();
            await("the topic holds seq " + head, Duration.ofSeconds(60), () -> relay(ledger).publishedSeq() >= head);
            RelayStatus s = relay(ledger);
            assertThat(s.state()).isEqualTo(RelayStatus.State.PUBLISHING);
            assertThat(s.lagEvents()).isZero();
            long batches = Long.parseLong(rows(primary, "SELECT count(*) FROM batches").get(0).get(0));
            assertThat(s.transactions()).as("whole batches grouped: fewer transactions than %d batches", batches)
                    .isPositive().isLessThan(batches);
            HealthCheck check = relayCheck(ledger);
            assertThat(check.status()).as(check.detail()).isEqualTo(HealthStatus.UP);
            assertThat(check.detail()).contains("published up to seq " + head + " of " + head, "bitcraps-relay-"
                    + ledger.ledgerId());
        }
        long more;
        try (Ledger ledger = open(primary, key, topic)) {
            await("the reopened relay reads its position", Duration.ofSeconds(60), () -> relay(ledger).publishedSeq() >= 0);
            assertThat(relay(ledger).publishedSeq()).as("the topic is the checkpoint").isEqualTo(head);
            List<CompletableFuture<Receipt>> deposits = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                deposits.add(ledger.submit(new Command.Deposit("late-" + (i % 3), 100 + i, "after-reopen-" + i)));
            }
            deposits.forEach(f -> ok(f));
            more = ledger.view().seq();
            // close waits for the relay to publish what was committed
        }
        assertEverySeqOnceInOrder(committedSeqs(KAFKA.bootstrap(), topic, ledgerId(primary)), more, "reopened relay");

        Path replica = dir.resolve("replica.db");
        replicate(Standby.Settings.of(replica, KAFKA.bootstrap(), topic).withKey(Files.readAllBytes(key)), more);
        CdcFixtures.assertReplicaIsThePrimary(dir, primary, replica, key);
    }

    @Test
    void aLedgerOpenedWithTheBrokerDownTakesWritesAndPublishesEverythingOnceThroughTwoOutages() throws Exception {
        Path primary = dir.resolve("primary.db");
        String topic = topic("outage");
        KAFKA.stop();
        long head;
        long retries;
        try (Ledger ledger = open(primary, null, topic)) {
            AtomicBoolean loadStop = new AtomicBoolean();
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                for (int i = 0; !loadStop.get(); i++) {
                    List<CompletableFuture<Receipt>> group = new ArrayList<>();
                    for (int j = 0; j < 20; j++) {
                        group.add(ledger.submit(new Command.Deposit("p" + (j % 7), 1 + j, "load-" + i + "-" + j)));
                    }
                    group.forEach(CompletableFuture::join);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            await("health says the relay is DEGRADED while no broker answers", Duration.ofSeconds(60),
                    () -> relayCheck(ledger).status() == HealthStatus.DEGRADED);
            assertThat(relay(ledger).publishedSeq()).as("no position without a broker").isEqualTo(-1);
            long written = ledger.view().seq();
            assertThat(written).as("the ledger takes writes while the broker is down").isPositive();

            KAFKA.start();
            await("publishing after the broker came up", Duration.ofSeconds(90),
                    () -> relay(ledger).state() == RelayStatus.State.PUBLISHING && relay(ledger).publishedSeq() >= written);

            KAFKA.stop(); // the second outage, while batches flow and transactions are open
            await("the relay notices the outage", Duration.ofSeconds(60),
                    () -> relay(ledger).state() == RelayStatus.State.RETRYING);
            assertThat(relayCheck(ledger).status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(relayCheck(ledger).detail()).contains("last error");
            long duringOutage = ledger.view().seq();
            Thread.sleep(1_000);
            assertThat(ledger.view().seq()).as("writes go on during the outage").isGreaterThan(duringOutage);
            KAFKA.start();
            Thread.sleep(500);
            loadStop.set(true);
            load.get(1, TimeUnit.MINUTES);
            head = ledger.view().seq();
            await("the topic holds seq " + head, Duration.ofSeconds(120), () -> relay(ledger).publishedSeq() >= head);
            assertThat(relayCheck(ledger).status()).isEqualTo(HealthStatus.UP);
            retries = relay(ledger).retries();
        }
        assertEverySeqOnceInOrder(committedSeqs(KAFKA.bootstrap(), topic, ledgerId(primary)), head, "two outages");
        System.out.println("RELIABILITY|In-process Kafka relay (LedgerConfig.publishTo): the ledger opened with the broker"
                + " down, then the broker started, stopped and started again while deposits commit|1|the ledger takes writes"
                + " throughout; health says DEGRADED during each outage; a read_committed reader sees every seq once, in"
                + " order|0 lost, 0 duplicated of " + head + " events; " + retries + " relay retries");
    }

    @Test
    void aFileBehindTheTopicOrOnAnotherHistoryIsRefusedAndTheLedgerGoesOn() throws Exception {
        Path primary = dir.resolve("primary.db");
        Path older = dir.resolve("older.db");
        String topic = topic("refused");
        LedgerConfig.Builder plain = LedgerConfig.builder(primary).durability(Durability.NORMAL).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO);
        try (Ledger ledger = Ledger.open(plain.build())) {
            for (int i = 0; i < 5; i++) {
                ok(ledger.submit(new Command.Deposit("p", 10 + i, "early-" + i)));
            }
        }
        Files.copy(primary, older); // a backup taken here, restored later: the same ledger, behind
        long published;
        try (Ledger ledger = open(primary, null, topic)) {
            for (int i = 0; i < 5; i++) {
                ok(ledger.submit(new Command.Deposit("p", 20 + i, "late-" + i)));
            }
            published = ledger.view().seq();
        }
        assertEverySeqOnceInOrder(committedSeqs(KAFKA.bootstrap(), topic, ledgerId(primary)), published, "primary");

        try (Ledger ledger = open(older, null, topic)) {
            await("the relay of the older file is refused", Duration.ofSeconds(60),
                    () -> relay(ledger).state() == RelayStatus.State.REFUSED);
            HealthCheck check = relayCheck(ledger);
            assertThat(check.status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(check.detail()).contains("REFUSED", "up to seq " + published, "the file is behind what was published");
            for (int i = 0; i < 8; i++) { // the ledger goes on, on a history of its own
                ok(ledger.submit(new Command.Deposit("q", 30 + i, "other-" + i)));
            }
            assertThat(ledger.view().seq()).isGreaterThan(published);
        }
        try (Ledger ledger = open(older, null, topic)) {
            await("the relay of the forked file is refused", Duration.ofSeconds(60),
                    () -> relay(ledger).state() == RelayStatus.State.REFUSED);
            assertThat(relayCheck(ledger).detail()).contains("seq " + published, "another history");
        }
        ChildJvm.Result cli = ChildJvm.run(dir, "publish", "--db", older.toString(), "--bootstrap", KAFKA.bootstrap(),
                "--topic", topic);
        assertThat(cli.exitCode()).as(cli.stderr()).isEqualTo(2);
        assertThat(cli.stderr()).contains("another history");
        assertEverySeqOnceInOrder(committedSeqs(KAFKA.bootstrap(), topic, ledgerId(primary)), published,
                "nothing of the other history");
    }

    @Test
    void aWriterKilledWhileItPublishesFromItsOwnProcessLeavesNeitherAGapNorADuplicate() throws Exception {
        long seed = Long.getLong("ledger.cdc.seed", new SecureRandom().nextLong());
        System.out.println("LiveRelayIT writer kills: seed " + seed + ", " + CYCLES + " cycles (replay: -Dledger.cdc.seed="
                + seed + ")");
        Random random = new Random(seed);
        Path primary = dir.resolve("primary.db");
        String topic = topic("kills");
        int killsInTransaction = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            long end = partitionEnd(topic);
            Path log = dir.resolve("simulate-" + cycle + ".log");
            Process child = ChildJvm.ledger(dir, "simulate", "--db", primary.toString(), "--durability", "normal",
                    "--tables", "2", "--players", "8", "--rounds", "2000", "--seed", Long.toString(seed + cycle),
                    "--publish-bootstrap", KAFKA.bootstrap(), "--publish-topic", topic)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // killed once its relay has committed a transaction (the partition's stable end moves), at a random
            // moment after: mid-transaction or between two
            awaitStableEndBeyond(topic, end);
            Thread.sleep(random.nextInt(2_000));
            boolean transactionOpen = partitionHighWatermark(topic) > partitionEnd(topic);
            child.destroyForcibly(); // SIGKILL: the writer and its relay die together, mid-transaction or between two
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            killsInTransaction += transactionOpen ? 1 : 0;
        }
        assertThat(committedSeqs(KAFKA.bootstrap(), topic, ledgerId(primary))).as("the killed writers published").isNotEmpty();
        long head;
        try (Ledger ledger = open(primary, null, topic)) {
            ok(ledger.submit(new Command.Deposit("after-kills", 1, "last")));
            head = ledger.view().seq();
            long started = System.nanoTime();
            await("the reopened relay publishes up to seq " + head, Duration.ofSeconds(180),
                    () -> relay(ledger).publishedSeq() >= head);
            System.out.println("LiveRelayIT: the reopened relay caught up " + head + " events in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms: " + relay(ledger));
        }
        List<Long> seqs = committedSeqs(KAFKA.bootstrap(), topic, ledgerId(primary));
        assertEverySeqOnceInOrder(seqs, head, "seed " + seed);
        Path replica = dir.resolve("replica.db");
        replicate(Standby.Settings.of(replica, KAFKA.bootstrap(), topic), head);
        assertThat(CdcFixtures.rowsDigest(replica, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"))
                .isEqualTo(CdcFixtures.rowsDigest(primary, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"));
        System.out.println("RELIABILITY|In-process Kafka relay: SIGKILL of a simulate child JVM (writer and relay in one"
                + " process) at random moments|" + CYCLES + "|a read_committed reader sees seqs 1..head, each once, in order;"
                + " a standby's rows equal the primary's|0 gaps, 0 duplicates in " + head + " events; " + killsInTransaction
                + " of the kills with a transaction open just before; seed " + seed);
    }

    /**
     * A promotion recorded while the relay publishes: the records before the EPOCH_STARTED carry epoch 0, those from it
     * on epoch 1 under the new transactional id; a standby follows, and a reopen finds its position in the new epoch and
     * publishes nothing twice.
     */
    @Test
    void anEpochBegunWhileTheRelayPublishesGoesOutUnderTheNewEpoch() throws Exception {
        Path primary = dir.resolve("primary.db");
        String topic = topic("epoch");
        long epochAt;
        long head;
        try (Ledger ledger = open(primary, null, topic)) {
            await("connected", Duration.ofSeconds(60), () -> relay(ledger).publishedSeq() >= 0);
            for (int i = 0; i < 30; i++) {
                ok(ledger.submit(new Command.Deposit("p" + (i % 3), 5 + i, "before-" + i)));
            }
            epochAt = ok(ledger.submit(new Command.StartEpoch(1, "a promotion recorded while publishing"))).seq();
            for (int i = 0; i < 30; i++) {
                ok(ledger.submit(new Command.Deposit("p" + (i % 3), 5 + i, "after-" + i)));
            }
            head = ledger.view().seq();
            await("published up to " + head, Duration.ofSeconds(60), () -> relay(ledger).publishedSeq() >= head);
            assertThat(ledger.relayStatus().orElseThrow().state()).isEqualTo(RelayStatus.State.PUBLISHING);
            assertThat(relayCheck(ledger).detail()).contains("bitcraps-relay-" + ledger.ledgerId() + "-e1");
        }
        long more;
        try (Ledger ledger = open(primary, null, topic)) {
            await("the reopened relay reads its position", Duration.ofSeconds(60), () -> relay(ledger).publishedSeq() >= 0);
            assertThat(relay(ledger).publishedSeq()).as("found among epoch 1's records").isEqualTo(head);
            ok(ledger.submit(new Command.Deposit("p0", 1, "after-reopen")));
            more = ledger.view().seq();
        }
        List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records =
                CdcFixtures.committed(KAFKA.bootstrap(), topic);
        assertEverySeqOnceInOrder(committedSeqs(KAFKA.bootstrap(), topic, ledgerId(primary)), more, "across the epoch");
        for (var r : records) {
            long seq = Long.parseLong(Topics.header(r, Topics.SEQ));
            assertThat(Topics.header(r, Topics.EPOCH)).as("epoch of seq %d", seq).isEqualTo(seq < epochAt ? "0" : "1");
        }
        Path replica = dir.resolve("replica.db");
        replicate(Standby.Settings.of(replica, KAFKA.bootstrap(), topic), more);
        assertThat(rows(replica, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"))
                .isEqualTo(rows(primary, "SELECT seq, ts, type, payload, hash FROM events ORDER BY seq"));
    }
}
