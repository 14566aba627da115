package io.bitcraps.ledger.reliability;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.TestFaults;
import io.bitcraps.ledger.crash.Reliability;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Overload (issue 7, item 5): producers flood a small ring whose writer the fault hook slows to a
 * crawl. Submitters must get {@code OVERLOADED} once their submit timeout has passed (never a hang,
 * never an exception thrown at them), the work in flight must stay bounded by the preallocated
 * ring (counted as futures not yet completed), and once the writer is fast again everything that
 * was accepted drains and is in the log exactly once, and every refused submission can be retried.
 * <p>
 * Replay with {@code -Dledger.overload.seed=…}; flood longer with {@code -Dledger.overload.millis=…}.
 */
class OverloadIT {
    private static final int RING = 64;
    private static final int BATCH = 8;
    private static final int PRODUCERS = 8;
    private static final Duration SUBMIT_TIMEOUT = Duration.ofMillis(100);
    private static final long SLOW_COMMIT_MILLIS = 2 * SUBMIT_TIMEOUT.toMillis();
    /** Generous: only a guard against a hung submit, never a speed requirement. */
    private static final long SUBMIT_HANG_GUARD_NANOS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    Path dir;

    /** One submission a producer made: its key, what it submitted, and the future it got back. */
    private record Submitted(String key, List<Command> commands, CompletableFuture<Receipt> future) {}

    @Test
    void floodedProducersGetOverloadedWithinTheTimeoutInFlightWorkStaysWithinTheRingAndEverythingAcceptedLandsOnce()
            throws Exception {
        long seed = Long.getLong("ledger.overload.seed", System.nanoTime());
        long floodMillis = Long.getLong("ledger.overload.millis", 3_000);
        System.out.println("OverloadIT seed=" + seed + " flood=" + floodMillis + " ms (replay: -Dledger.overload.seed=" + seed + ")");

        AtomicBoolean slow = new AtomicBoolean(true);
        // the test hook stands in for a throttled disk: while "slow" is on every commit takes twice the submit
        // timeout, so a producer that just missed a freed slot cannot get one before its deadline
        Path db = dir.resolve("overload.db");
        LedgerConfig config = TestFaults.inject(LedgerConfig.builder(db)
                .ringSize(RING)
                .batchSubmissionsMax(BATCH)
                .submitTimeout(SUBMIT_TIMEOUT)
                .backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO),
                (first, last) -> {
                    if (slow.get()) {
                        try {
                            Thread.sleep(SLOW_COMMIT_MILLIS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                })
                .build();

        AtomicLong inFlight = new AtomicLong();
        AtomicLong inFlightMax = new AtomicLong();
        AtomicLong overloadedWaitMaxNanos = new AtomicLong();
        AtomicLong overloadedWaitMinNanos = new AtomicLong(Long.MAX_VALUE);
        ConcurrentLinkedQueue<Submitted> all = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> thrownAtCaller = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        long backlogMax = 0;

        try (Ledger ledger = Ledger.open(config)) {
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < PRODUCERS; t++) {
                int id = t;
                Random rnd = new Random(seed + t);
                Thread thread = new Thread(() -> {
                    for (long n = 0; !stop.get(); n++) {
                        String key = "ov-" + id + "-" + n;
                        // one command in three is an atomic group of 2-3, so "exactly once" covers whole groups
                        int size = rnd.nextInt(3) == 0 ? 2 + rnd.nextInt(2) : 1;
                        List<Command> commands = new ArrayList<>();
                        for (int c = 0; c < size; c++) {
                            commands.add(new Deposit("p" + id, 1 + rnd.nextInt(100), key + "/" + c));
                        }
                        // counted before the call, so the count can only overstate the work in flight
                        inFlightMax.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        long start = System.nanoTime();
                        CompletableFuture<Receipt> f;
                        try {
                            f = ledger.submitAtomically(commands, key);
                        } catch (RuntimeException e) {
                            thrownAtCaller.add(e);
                            inFlight.decrementAndGet();
                            continue;
                        }
                        long waited = System.nanoTime() - start;
                        if (f.isCompletedExceptionally() && causeOf(f) instanceof LedgerException.Overloaded) {
                            overloadedWaitMaxNanos.accumulateAndGet(waited, Math::max);
                            overloadedWaitMinNanos.accumulateAndGet(waited, Math::min);
                        }
                        // waiting on the future whenComplete returns also waits for the decrement
                        all.add(new Submitted(key, commands, f.whenComplete((r, e) -> inFlight.decrementAndGet())));
                    }
                }, "overload-producer-" + t);
                thread.setDaemon(true);
                producers.add(thread);
                thread.start();
            }

            long floodEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(floodMillis);
            while (System.nanoTime() - floodEnd < 0) {
                backlogMax = Math.max(backlogMax, ledger.stats().ringBacklog());
                Thread.sleep(5);
            }
            // the writer speeds up while the producers keep flooding: the ring drains under load
            slow.set(false);
            Thread.sleep(300);
            stop.set(true);
            for (Thread t : producers) {
                t.join(60_000);
                assertThat(t.isAlive()).as("%s returned from every submit", t.getName()).isFalse();
            }

            // everything accepted drains: every future completes, with a receipt or OVERLOADED, nothing else
            Map<String, Submitted> acknowledged = new HashMap<>();
            List<Submitted> overloaded = new ArrayList<>();
            for (Submitted s : all) {
                try {
                    s.future().get(60, TimeUnit.SECONDS);
                    acknowledged.put(s.key(), s);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).as(s.key()).isInstanceOf(LedgerException.Overloaded.class);
                    LedgerException.Overloaded o = (LedgerException.Overloaded) e.getCause();
                    assertThat(o.code()).isEqualTo("OVERLOADED");
                    assertThat(o.getMessage()).contains("ring of " + RING + " slots", SUBMIT_TIMEOUT.toMillis() + " ms",
                            "nothing was written");
                    overloaded.add(s);
                }
            }
            assertThat(thrownAtCaller).as("no exception thrown at a submitter").isEmpty();
            assertThat(overloaded).as("the flood overran the slowed writer").isNotEmpty();
            assertThat(acknowledged).as("the slowed writer kept committing").isNotEmpty();
            // OVERLOADED only after the full timeout: a submitter is never refused while it still had time
            assertThat(overloadedWaitMinNanos.get()).isGreaterThanOrEqualTo(SUBMIT_TIMEOUT.toNanos());
            assertThat(overloadedWaitMaxNanos.get()).as("deadlock guard").isLessThan(SUBMIT_HANG_GUARD_NANOS);
            // bounded: work in flight never exceeds the preallocated slots, plus the batch the pipelined
            // commit holds (its slots are free once the writer handed it to the committer), plus the
            // futures decided but not yet delivered on the callback threads (at most one ring's worth:
            // past that the writer waits), plus the deliveries running at that instant (one per callback
            // thread: a delivery frees its permit as it starts), plus one submit per producer counted
            // before it claimed its slot; the rest was refused, not queued
            int callbackThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
            assertThat(inFlightMax.get()).isLessThanOrEqualTo(2L * RING + BATCH + callbackThreads + PRODUCERS);
            assertThat(backlogMax).isLessThanOrEqualTo(RING);
            assertThat(inFlight.get()).as("nothing left in flight after the drain").isZero();
            // the writer's ring sequence moves on only after the handler returns, just after the last
            // future completed: the backlog reaches zero a moment later, so wait for it (hang guard only)
            long backlogDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ledger.stats().ringBacklog() != 0 && System.nanoTime() < backlogDeadline) {
                Thread.sleep(1);
            }
            assertThat(ledger.stats().ringBacklog()).isZero();
            assertThat(ledger.stats().failedBatches()).isZero();
            assertThat(ledger.haltReason()).isNull();
            assertThat(ledger.view().seq()).as("the view holds exactly the acknowledged events")
                    .isEqualTo(acknowledged.values().stream().mapToLong(s -> s.commands().size()).sum());

            // a refused submission wrote nothing, so each can be retried under its key and lands exactly once
            for (Submitted s : overloaded) {
                Receipt r = ledger.submitAtomically(s.commands(), s.key()).get(60, TimeUnit.SECONDS);
                assertThat(r.lastSeq() - r.firstSeq() + 1).isEqualTo(s.commands().size());
                acknowledged.put(s.key(), new Submitted(s.key(), s.commands(), CompletableFuture.completedFuture(r)));
            }

            long lost = assertEachKeyOnceWithItsCommands(acknowledged, db);
            long events = acknowledged.values().stream().mapToLong(s -> s.commands().size()).sum();
            System.out.printf("OverloadIT: %d submissions by %d producers into a %d-slot ring (commits slowed to %d ms):"
                            + " %d OVERLOADED after %d..%d ms, %d acknowledged; in flight at most %d, backlog at most %d;"
                            + " %d events, each key once%n", all.size(), PRODUCERS, RING, SLOW_COMMIT_MILLIS, overloaded.size(),
                    TimeUnit.NANOSECONDS.toMillis(overloadedWaitMinNanos.get()),
                    TimeUnit.NANOSECONDS.toMillis(overloadedWaitMaxNanos.get()), all.size() - overloaded.size(),
                    inFlightMax.get(), backlogMax, events);
            Reliability.line("Overload: " + PRODUCERS + " producers flood a " + RING + "-slot ring, commits slowed to " + SLOW_COMMIT_MILLIS + " ms",
                    all.size(),
                    "OVERLOADED only after the " + SUBMIT_TIMEOUT.toMillis() + " ms submit timeout (" + overloaded.size()
                            + " times, longest wait " + TimeUnit.NANOSECONDS.toMillis(overloadedWaitMaxNanos.get())
                            + " ms); futures in flight at most " + inFlightMax.get() + " (bound " + (RING + PRODUCERS)
                            + "); all accepted drained; refused ones retried; each key once in the log",
                    lost + " acknowledged events lost, 0 exceptions thrown at a submitter, seed " + seed);
        }
    }

    private static Throwable causeOf(CompletableFuture<?> f) {
        try {
            f.getNow(null);
            return null;
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }

    /** Every acknowledged key is in the file once, at its receipt's seqs, with its commands; nothing else is there. */
    private static long assertEachKeyOnceWithItsCommands(Map<String, Submitted> acknowledged, Path db) throws Exception {
        Map<Long, LedgerEvent> file = LedgerFile.bySeq(db);
        long lost = 0;
        long expected = 0;
        for (Submitted s : acknowledged.values()) {
            Receipt r = s.future().getNow(null);
            long[] seqs = r.seqs();
            expected += seqs.length;
            for (int i = 0; i < seqs.length; i++) {
                LedgerEvent e = file.get(seqs[i]);
                if (e == null || !e.command().equals(s.commands().get(i)) || (i == 0 && !s.key().equals(e.key()))) {
                    lost++;
                }
            }
        }
        assertThat(lost).as("acknowledged events missing or different in the file").isZero();
        assertThat(file).as("the file holds the acknowledged events and nothing else").hasSize((int) expected);
        Map<String, Long> keys = new HashMap<>();
        for (LedgerEvent e : file.values()) {
            if (e.key() != null) {
                keys.merge(e.key(), 1L, Long::sum);
            }
        }
        assertThat(keys.keySet()).isEqualTo(acknowledged.keySet());
        LedgerFile.assertIntact(db);
        return lost;
    }
}
