package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.support.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Catch-up, then live: a subscription started while producers write gets every committed seq once,
 * in order, one delivery per row of the {@code batches} table. Seeded: replay a failure with
 * {@code -Dledger.feed.seed=<seed>} (the seed is printed).
 */
class CatchUpThenLiveIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private LedgerConfig.Builder config(int queueBatches) throws Exception {
        return LedgerConfig.builder(dir.resolve("ledger.db"))
                .hmacKeyFile(Fixtures.writeKey(dir.resolve("hmac.key"), "feed-test-hmac-key-0123456789abcdef"))
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).subscriptionQueueBatches(queueBatches);
    }

    @Test
    void deliversEverySeqOnceInOrderAsTheLogsBatchesWhileProducersWrite() throws Exception {
        runWithProducers(seed("deliversEverySeqOnceInOrderAsTheLogsBatchesWhileProducersWrite"), 256, false);
    }

    /** A queue of one batch and a handler that dawdles: the subscription keeps falling back to the log. */
    @Test
    void deliversEverySeqOnceWhenATinyQueueKeepsOverflowing() throws Exception {
        runWithProducers(seed("deliversEverySeqOnceWhenATinyQueueKeepsOverflowing"), 1, true);
    }

    private static long seed(String test) {
        long seed = Long.getLong("ledger.feed.seed", System.nanoTime());
        System.out.println("CatchUpThenLiveIT." + test + " seed=" + seed + " (replay: -Dledger.feed.seed=" + seed + ")");
        return seed;
    }

    private void runWithProducers(long seed, int queueBatches, boolean slowHandler) throws Exception {
        Random random = new Random(seed);
        int producers = 4;
        int perProducer = 300 + random.nextInt(300);
        long startAt = 50 + random.nextInt(producers * perProducer / 2);
        Random handlerRandom = new Random(random.nextLong());
        Recorder recorder = new Recorder((b, n) -> {
            if (slowHandler && handlerRandom.nextInt(4) == 0) {
                Thread.sleep(handlerRandom.nextInt(4));
            }
        });
        try (Ledger ledger = Ledger.open(config(queueBatches).build())) {
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int p = 0; p < producers; p++) {
                long producerSeed = random.nextLong();
                int id = p;
                Thread t = new Thread(() -> {
                    try {
                        produce(ledger, id, perProducer, new Random(producerSeed));
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "producer-" + p);
                threads.add(t);
                t.start();
            }
            while (ledger.view().seq() < startAt && threads.stream().anyMatch(Thread::isAlive)) {
                Thread.sleep(1);
            }
            Subscription s = ledger.subscribe("feed", From.checkpoint(), recorder);
            for (Thread t : threads) {
                t.join(TimeUnit.MINUTES.toMillis(2));
            }
            assertThat(failures).as("producer failures").isEmpty();
            long head = ledger.view().seq();
            assertThat(head).isEqualTo((long) producers * perProducer);
            assertThat(s.awaitPosition(head, WAIT)).as("seed " + seed + ": delivered up to " + head + ", at " + s.position())
                    .isTrue();
            System.out.println("seed " + seed + ": " + head + " events in " + recorder.acknowledged().size()
                    + " deliveries, subscribed at seq >= " + startAt + ", " + s.status().fallbacks() + " fallback(s) to the log");
            assertThat(recorder.seqs()).as("seed " + seed).isEqualTo(StoredLog.oneTo(head));
            StoredLog.assertDeliveriesAreTheBatches(recorder.acknowledged(), dir.resolve("ledger.db"), true);
            assertThat(s.lag()).isZero();
        }
    }

    /** Keeps a seeded number of deposits in flight, so that batches of many sizes are committed. */
    private static void produce(Ledger ledger, int id, int count, Random random) {
        ArrayDeque<CompletableFuture<Receipt>> inFlight = new ArrayDeque<>();
        for (int i = 0; i < count; i++) {
            inFlight.add(ledger.submit(new Deposit("p" + id + "-" + random.nextInt(20), 1 + random.nextInt(1_000), "r" + i)));
            if (inFlight.size() > random.nextInt(16)) {
                ok(inFlight.poll());
            }
            if (random.nextInt(8) == 0) {
                LockSupport.parkNanos(random.nextInt(2_000_000));
            }
        }
        while (!inFlight.isEmpty()) {
            ok(inFlight.poll());
        }
    }

    /**
     * Batches committed while the subscription still reads the log are in the log and in its queue
     * both: each is delivered once. The handler itself commits them, so this happens every time.
     */
    @Test
    void batchesCommittedDuringCatchUpAreDeliveredOnce() throws Exception {
        try (Ledger ledger = Ledger.open(config(256).build())) {
            for (int i = 0; i < 5; i++) {
                ok(ledger.submit(new Deposit("alice", 10, "before-" + i)));
            }
            Recorder recorder = new Recorder((b, n) -> {
                if (n <= 3) {
                    // seq 6.. committed during catch-up: the next log read and the live queue both have them
                    ok(ledger.submit(new Deposit("bob", 1, "during-" + n)));
                    ok(ledger.submit(new Deposit("bob", 1, "during-" + n + "b")));
                }
            });
            Subscription s = ledger.subscribe("once", From.beginning(), recorder);
            assertThat(s.awaitPosition(11, WAIT)).isTrue();
            ok(ledger.submit(new Deposit("carol", 1, "after")));
            assertThat(s.awaitPosition(12, WAIT)).isTrue();
            assertThat(recorder.seqs()).isEqualTo(StoredLog.oneTo(12));
            StoredLog.assertDeliveriesAreTheBatches(recorder.acknowledged(), dir.resolve("ledger.db"), true);
        }
    }

    @Test
    void aStartInsideABatchDeliversThatBatchFromTheStartOn() throws Exception {
        try (Ledger ledger = Ledger.open(config(256).build())) {
            List<Command> five = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                five.add(new Deposit("alice", 10 + i, "atomic"));
            }
            ok(ledger.submitAtomically(five)); // seq 1..5, one batch
            ok(ledger.submit(new Deposit("bob", 7, "next"))); // seq 6
            Recorder recorder = new Recorder();
            Subscription s = ledger.subscribe("mid", From.seq(3), recorder);
            assertThat(s.awaitPosition(6, WAIT)).isTrue();
            List<CommittedBatch> got = recorder.acknowledged();
            assertThat(got).hasSize(2);
            CommittedBatch first = got.get(0);
            assertThat(new long[]{first.firstSeq(), first.lastSeq(), first.fromSeq(), first.toSeq()})
                    .containsExactly(1, 5, 3, 5);
            assertThat(first.whole()).isFalse();
            assertThat(first.endsBatch()).isTrue();
            assertThat(got.get(1).whole()).isTrue();
            assertThat(recorder.seqs()).containsExactly(3L, 4L, 5L, 6L);
        }
    }

    @Test
    void nowDeliversOnlyWhatIsCommittedAfterTheSubscriptionStarts() throws Exception {
        try (Ledger ledger = Ledger.open(config(256).build())) {
            for (int i = 0; i < 4; i++) {
                ok(ledger.submit(new Deposit("alice", 10, "old-" + i)));
            }
            Recorder recorder = new Recorder();
            Subscription s = ledger.subscribe("tail", From.now(), recorder);
            assertThat(s.position()).isEqualTo(4);
            ok(ledger.submit(new Deposit("alice", 10, "new")));
            assertThat(s.awaitPosition(5, WAIT)).isTrue();
            assertThat(recorder.seqs()).containsExactly(5L);
        }
    }

    /**
     * A subscriber that keeps its own position passes From.after(it): delivery resumes exactly
     * after it, whatever the stored checkpoint says.
     */
    @Test
    void anExplicitPositionOverridesTheStoredCheckpoint() throws Exception {
        try (Ledger ledger = Ledger.open(config(256).build())) {
            for (int i = 0; i < 6; i++) {
                ok(ledger.submit(new Deposit("alice", 10, "e-" + i)));
            }
            Recorder first = new Recorder();
            Subscription one = ledger.subscribe("own", From.beginning(), first);
            assertThat(one.awaitPosition(6, WAIT)).isTrue();
            one.close();
            assertThat(ledger.subscriptionCheckpoint("own").seq()).isEqualTo(6);
            Recorder second = new Recorder();
            Subscription s = ledger.subscribe("own", From.after(2), second);
            assertThat(s.awaitPosition(6, WAIT)).isTrue();
            assertThat(second.seqs()).containsExactly(3L, 4L, 5L, 6L);
        }
    }
}
