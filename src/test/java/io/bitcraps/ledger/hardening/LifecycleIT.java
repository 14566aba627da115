package io.bitcraps.ledger.hardening;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.store.WriterLock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Open and close, from the minor findings of the hardening review. */
class LifecycleIT {
    @TempDir
    Path dir;

    private static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> (t.getName().equals("ledger-writer") || t.getName().equals("ledger-committer")) && t.isAlive()).count();
    }

    @Test
    void aFailureAfterTheWriterStartedStopsItAndReleasesTheLock() throws Exception {
        Path db = dir.resolve("ledger.db");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // a real registry whose filter fails on the ledger's own meters, which are registered after
        // the writer thread started (the pool's meters, registered before, pass)
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (id.getName().equals("ledger.appends")) {
                    throw new IllegalStateException("meter registry refused " + id.getName() + " (injected)");
                }
                return id;
            }
        });
        long before = writerThreads();
        assertThatThrownBy(() -> Ledger.open(LedgerConfig.builder(db).meterRegistry(registry).build()))
                .hasMessageContaining("injected");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (writerThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(writerThreads()).as("no writer thread left running").isEqualTo(before);
        try (WriterLock lock = WriterLock.acquire(db)) {
            assertThat(lock).isNotNull();
        }
    }

    /**
     * A commit listener that never returns holds the thread that commits: the writer itself
     * without the pipeline, the committing thread with it (then the writer decides one more
     * submission and waits for the stuck batch before it hands that one over).
     */
    @ParameterizedTest(name = "pipelined commit: {0}")
    @ValueSource(booleans = {false, true})
    void closeGivesUpOnAStuckWriterWithinItsTimeoutAndLeavesItsConnectionAlone(boolean pipelined) throws Exception {
        Path db = dir.resolve("ledger.db");
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch inListener = new CountDownLatch(1);
        Ledger ledger = Ledger.open(LedgerConfig.builder(db).closeTimeout(Duration.ofSeconds(1)).pipelinedCommit(pipelined)
                .commitListener(n -> {
                    if (n.firstSeq() == 2) {
                        inListener.countDown();
                        try {
                            stuck.await(60, TimeUnit.SECONDS); // a listener that does not return
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }).build());
        ok(ledger.submit(new Deposit("alice", 10, "one")));
        CompletableFuture<Receipt> second = ledger.submit(new Deposit("alice", 10, "two"));
        assertThat(inListener.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Receipt> decided = null;
        if (pipelined) {
            // the writer is free: it decides this one, then waits for the stuck batch to hand it over
            decided = ledger.submit(new Deposit("alice", 10, "decided"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ledger.stats().submissions() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(ledger.stats().submissions()).isEqualTo(3);
        }
        CompletableFuture<Receipt> waiting = ledger.submit(new Deposit("alice", 10, "waiting")); // waits in the ring
        long start = System.nanoTime();
        assertThatThrownBy(ledger::close).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not stop");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
        // the writer still owns its connection: once unstuck it finishes its work on it
        stuck.countDown();
        assertThat(ok(second).firstSeq()).isEqualTo(2);
        if (decided != null) {
            assertThat(ok(decided).firstSeq()).as("decided before close: committed once unstuck").isEqualTo(3);
        }
        // accepted but never handled before close gave up: its caller is told, not left waiting
        assertThat(waiting).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withMessageContaining("closed before this submission was handled");
    }

    @Test
    void closeCalledFromACommitListenerIsRefusedAtOnceAndTheLedgerStaysUsable() throws Exception {
        Path db = dir.resolve("ledger.db");
        java.util.concurrent.atomic.AtomicReference<Throwable> fromListener = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Ledger> self = new java.util.concurrent.atomic.AtomicReference<>();
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).commitListener(n -> {
            if (n.firstSeq() == 1) {
                try {
                    self.get().close();
                } catch (Throwable e) {
                    fromListener.set(e);
                }
            }
        }).build())) {
            self.set(ledger);
            long start = System.nanoTime();
            ok(ledger.submit(new Deposit("alice", 10, "one")));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("refused at once").isLessThan(10_000);
            assertThat(fromListener.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("writer thread");
            assertThat(ok(ledger.submit(new Deposit("alice", 10, "two"))).firstSeq()).isEqualTo(2);
        }
    }

    @Test
    void concurrentClosesCloseOnceAndAllReturn() throws Exception {
        for (int round = 0; round < 10; round++) {
            Path db = dir.resolve("ledger-" + round + ".db");
            Ledger ledger = Ledger.open(LedgerConfig.builder(db).build());
            ok(ledger.submit(new Deposit("alice", 10, "x")));
            CyclicBarrier start = new CyclicBarrier(4);
            // plain threads: a timed barrier on a small common pool would not get the 4 parties it waits for
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> closers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                        ledger.close();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "closer-" + i);
                t.start();
                closers.add(t);
            }
            for (Thread t : closers) {
                t.join(60_000);
                assertThat(t.isAlive()).as("%s returned", t.getName()).isFalse();
            }
            assertThat(failures).as("no close threw").isEmpty();
            try (Ledger reopened = Ledger.open(LedgerConfig.builder(db).build())) {
                assertThat(reopened.view().seq()).isEqualTo(1);
            }
        }
    }
}
