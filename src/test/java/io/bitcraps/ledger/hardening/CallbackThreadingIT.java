package io.bitcraps.ledger.hardening;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.store.WriterLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding 5 of the hardening review: a caller's callbacks on a ledger future never run on the
 * writer thread. Exactly the three cases named: a slow callback does not stall other commits, a
 * callback that submits and joins does not deadlock, a callback that closes the ledger does not hang.
 */
class CallbackThreadingIT {
    @TempDir
    Path dir;
    Ledger ledger;

    @BeforeEach
    void open() {
        ledger = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).build());
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    @Test
    void aSlowCallbackDoesNotStallOtherCommits() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        AtomicReference<String> callbackThread = new AtomicReference<>();
        CompletableFuture<Void> slow = ledger.submit(new Deposit("alice", 10, "slow")).thenAccept(r -> {
            callbackThread.set(Thread.currentThread().getName());
            running.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // The futures of one batch complete in order on one task (Completions), so a "fast" submission
        // that joined the slow one's batch would wait behind its callback: start once it is running.
        assertThat(running.await(10, TimeUnit.SECONDS)).as("the slow callback started").isTrue();
        // while that callback sleeps, other callers keep committing
        for (int i = 0; i < 20; i++) {
            Receipt r = ledger.submit(new Deposit("bob", 1, "fast-" + i)).get(10, TimeUnit.SECONDS);
            assertThat(r.firstSeq()).isPositive();
        }
        assertThat(slow.isDone()).as("the slow callback is still running").isFalse();
        assertThat(callbackThread.get()).isNotNull().isNotIn("ledger-writer", "ledger-committer");
        release.countDown();
        slow.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aCallbackThatSubmitsAndJoinsDoesNotDeadlockTheWriter() throws Exception {
        CompletableFuture<Receipt> chained = ledger.submit(new Deposit("alice", 10, "x"))
                .thenApply(r -> ledger.submit(new Deposit("alice", 5, "y")).join());
        Receipt second = chained.get(10, TimeUnit.SECONDS);
        assertThat(second.firstSeq()).isEqualTo(2);
        // a chain of them, each joining inside the previous one's callback
        CompletableFuture<Receipt> deep = ledger.submit(new Deposit("carol", 1, "d0"));
        for (int i = 1; i <= 10; i++) {
            String ref = "d" + i;
            deep = deep.thenApply(r -> ledger.submit(new Deposit("carol", 1, ref)).join());
        }
        assertThat(deep.get(20, TimeUnit.SECONDS).firstSeq()).isEqualTo(13);
        assertThat(ok(ledger.submit(new Deposit("dave", 1, "after"))).firstSeq()).isEqualTo(14);
    }

    @Test
    void aCallbackThatClosesTheLedgerDoesNotHang() throws Exception {
        CompletableFuture<Void> closedInCallback = ledger.submit(new Deposit("alice", 10, "last")).thenRun(ledger::close);
        closedInCallback.get(30, TimeUnit.SECONDS);
        // closed for real: the writer lock is free and the committed deposit is there
        try (WriterLock lock = WriterLock.acquire(dir.resolve("ledger.db"))) {
            assertThat(lock).isNotNull();
        }
        try (Ledger reopened = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).build())) {
            assertThat(reopened.view().seq()).isEqualTo(1);
        }
    }

    @Test
    void aCallbackMayJoinALaterFutureOfItsOwnBatch() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        try (Ledger held = Ledger.open(LedgerConfig.builder(dir.resolve("held.db")).commitListener(n -> {
            if (n.firstSeq() == 1) {
                holding.countDown();
                try {
                    hold.await(30, TimeUnit.SECONDS); // the writer waits here while f1 and f2 queue up
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).build())) {
            CompletableFuture<Receipt> first = held.submit(new Deposit("alice", 1, "warm-up"));
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Receipt> f1 = held.submit(new Deposit("alice", 1, "f1"));
            CompletableFuture<Receipt> f2 = held.submit(new Deposit("alice", 1, "f2")); // same batch as f1
            CompletableFuture<Receipt> joined = f1.thenApply(r -> f2.join());
            hold.countDown();
            ok(first);
            assertThat(joined.get(20, TimeUnit.SECONDS).firstSeq()).isEqualTo(3);
        }
    }

    @Test
    void manyCallbacksThatSubmitAndJoinNeverExhaustTheHandOverBound() throws Exception {
        // the smallest ring and batches as large as the ring: the hand-over bound (one ring of
        // undelivered futures) is as tight as it gets
        try (Ledger small = Ledger.open(LedgerConfig.builder(dir.resolve("small.db")).ringSize(64)
                .batchSubmissionsMax(64).build())) {
            List<CompletableFuture<Receipt>> chains = new ArrayList<>();
            for (int c = 0; c < 200; c++) {
                String player = "p" + c;
                chains.add(small.submit(new Deposit(player, 1, "a"))
                        .thenApply(r -> small.submit(new Deposit(player, 1, "b")).join())
                        .thenApply(r -> small.submit(new Deposit(player, 1, "c")).join()));
            }
            for (CompletableFuture<Receipt> c : chains) {
                c.get(60, TimeUnit.SECONDS);
            }
            assertThat(small.view().seq()).isEqualTo(600);
        }
    }
}
