package io.bitcraps.ledger.hardening;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.TestFaults;
import io.bitcraps.ledger.api.TestViews;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.support.WriterHold;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pipelined commit (issue #12, step 5): the writer decides batch N+1 while batch N commits.
 * N+1 rests on N's state. If N's commit fails, every submission of N+1 that wrote, or was refused
 * on that state, fails with the retryable STORAGE_FAILURE, the writer goes back to the last
 * committed state, and none of them is acknowledged; if N commits, N+1 follows it.
 * <p>
 * Determinism: N's COMMIT is held in the fault hook (on the committing thread) until the test
 * lets it go; the writer is held on its clock ({@link WriterHold}) while it takes the first
 * submission of N+1, so that every submission of N+1 is published before it decides any, and
 * they form one ring batch; the writer's submission counter says when it has decided them all.
 */
@org.junit.jupiter.params.ParameterizedClass(name = "log-first commit: {0}")
@org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
class PipelinedCommitIT {
    /** Log-first: the replayed key is answered from the batch in flight, then from the writer's key window. */
    @org.junit.jupiter.params.Parameter
    boolean logFirst;
    @TempDir
    Path dir;
    Ledger ledger;
    final WriterHold hold = new WriterHold();
    final AtomicBoolean holdNextCommit = new AtomicBoolean();
    final AtomicBoolean failHeldCommit = new AtomicBoolean();
    volatile CountDownLatch inCommit = new CountDownLatch(1);
    final CountDownLatch releaseCommit = new CountDownLatch(1);

    @BeforeEach
    void open() {
        ledger = Ledger.open(config().build());
        ok(ledger.submit(new FundHouse(1_000, "bankroll")));
        ok(ledger.submit(new Deposit("alice", 100, "cash-in")));
        ok(ledger.submit(new Deposit("bob", 100, "cash-in")));
    }

    private LedgerConfig.Builder config() {
        return TestFaults.inject(LedgerConfig.builder(dir.resolve("ledger.db")).clock(hold).logFirstCommit(logFirst),
                (first, last) -> {
                    if (holdNextCommit.compareAndSet(true, false)) {
                        inCommit.countDown();
                        try {
                            releaseCommit.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        if (failHeldCommit.get()) {
                            throw new SQLiteException("[SQLITE_FULL] database or disk is full (injected before COMMIT)",
                                    SQLiteErrorCode.SQLITE_FULL);
                        }
                    }
                });
    }

    @AfterEach
    void close() {
        hold.release();
        releaseCommit.countDown();
        ledger.close();
    }

    /** Batch N: alice takes out everything and game g1 opens, under one key. */
    private static final List<Command> N = List.of(new Withdraw("alice", 100, "all of it"), new OpenGame("g1", "t1"));

    /** Batch N, then batch N+1 decided while N's COMMIT is held; N's future first, then N+1's. */
    private List<CompletableFuture<Receipt>> batchNAndTheOneAbove() throws InterruptedException {
        long before = ledger.stats().submissions();
        holdNextCommit.set(true);
        hold.arm();
        // N: alice takes out everything; the writer is held while it decides N, so that the
        // submissions of N+1 all wait in the ring and make one ring batch after it
        CompletableFuture<Receipt> n = ledger.submitAtomically(N, "n-key");
        hold.awaitHeld();
        List<CompletableFuture<Receipt>> all = List.of(n,
                ledger.submit(new Withdraw("alice", 1, "one more")), // alice is at 0 after N
                ledger.submit(new Deposit("carol", 5, "cash-in")),
                ledger.submit(new Withdraw("bob", 50, "half"), "bob-half"),
                ledger.submitAtomically(N, "n-key"), // a replay of N's key: answered from the batch in flight
                ledger.submit(new OpenGame("g1", "t2"))); // g1 exists only in N's state
        hold.release();
        assertThat(inCommit.await(30, TimeUnit.SECONDS)).as("batch N reached its COMMIT").isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ledger.stats().submissions() < before + all.size() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(ledger.stats().submissions()).as("the writer decided N+1 while N commits").isEqualTo(before + all.size());
        Thread.sleep(50); // were anything acknowledged early, it would show by now
        assertThat(all).as("nothing is acknowledged before N's commit returns").noneMatch(CompletableFuture::isDone);
        return all;
    }

    @Test
    void aFailedCommitFailsTheBatchDecidedOnTopOfItAndNoneOfItIsAcknowledged() throws Exception {
        LedgerState committed = TestViews.state(ledger.view());
        failHeldCommit.set(true);
        List<CompletableFuture<Receipt>> all = batchNAndTheOneAbove();
        CompletableFuture<Receipt> n = all.get(0);
        List<CompletableFuture<Receipt>> above = all.subList(1, all.size());
        releaseCommit.countDown();

        assertThat(error(n).code()).isEqualTo("STORAGE_FAILURE");
        for (CompletableFuture<Receipt> f : above) {
            LedgerException e = error(f);
            assertThat(e.code()).isEqualTo("STORAGE_FAILURE");
            assertThat(e.getMessage()).contains("did not commit", "retry");
        }
        assertThat(error(above.get(0)).getMessage()).as("the refusal rested on N").contains("INSUFFICIENT_FUNDS");
        assertThat(error(above.get(3)).getMessage()).as("the replay of N's key has no receipt to give").doesNotContain("decided against");
        assertThat(error(above.get(4)).getMessage()).as("g1 existed only in N's state").contains("GAME_EXISTS");
        LedgerState after = TestViews.state(ledger.view());
        assertThat(after.seq()).as("nothing of N or N+1 is in the log").isEqualTo(committed.seq());
        assertThat(after.headHash()).isEqualTo(committed.headHash());
        assertThat(new TreeMap<>(after.balances())).isEqualTo(new TreeMap<>(committed.balances()));
        assertThat(ledger.stats().failedBatches()).isEqualTo(2);

        // the retries are decided on the committed state: all of them go through now
        assertThat(ok(ledger.submit(new Withdraw("alice", 1, "one more"))).firstSeq()).isEqualTo(committed.seq() + 1);
        ok(ledger.submit(new OpenGame("g1", "t2")));
        ok(ledger.submit(new Deposit("carol", 5, "cash-in")));
        ok(ledger.submit(new Withdraw("bob", 50, "half"), "bob-half"));
        assertThat(ledger.view().balance(Account.player("alice"))).isEqualTo(99);
        assertThat(ledger.view().balance(Account.player("bob"))).isEqualTo(50);
        reopenAndAudit(TestViews.state(ledger.view()));
    }

    @Test
    void aBatchDecidedOnTopOfACommitThatSucceedsCommitsAfterIt() throws Exception {
        LedgerState committed = TestViews.state(ledger.view());
        List<CompletableFuture<Receipt>> all = batchNAndTheOneAbove();
        CompletableFuture<Receipt> n = all.get(0);
        List<CompletableFuture<Receipt>> above = all.subList(1, all.size());
        releaseCommit.countDown();

        Receipt nReceipt = ok(n);
        assertThat(nReceipt.firstSeq()).isEqualTo(committed.seq() + 1);
        assertThat(nReceipt.lastSeq()).isEqualTo(committed.seq() + 2);
        // N committed, so the refusals decided on its state are final
        assertThat(error(above.get(0)).code()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(ok(above.get(1)).firstSeq()).isEqualTo(committed.seq() + 3);
        assertThat(ok(above.get(2)).firstSeq()).isEqualTo(committed.seq() + 4);
        assertThat(ok(above.get(3))).as("the replay of N's key gets N's receipt").isEqualTo(nReceipt);
        assertThat(error(above.get(4)).code()).isEqualTo("GAME_EXISTS");
        assertThat(ledger.view().balance(Account.player("alice"))).isZero();
        assertThat(ledger.view().balance(Account.player("carol"))).isEqualTo(5);
        assertThat(ledger.stats().failedBatches()).isZero();
        // the key of N+1 is durable: a resubmission gets the same receipt
        assertThat(ok(ledger.submit(new Withdraw("bob", 50, "half"), "bob-half")).firstSeq()).isEqualTo(committed.seq() + 4);
        reopenAndAudit(TestViews.state(ledger.view()));
    }

    private void reopenAndAudit(LedgerState expected) throws Exception {
        ledger.close();
        ledger = Ledger.open(config().build());
        LedgerState reopened = TestViews.state(ledger.view());
        assertThat(reopened.seq()).isEqualTo(expected.seq());
        assertThat(reopened.headHash()).isEqualTo(expected.headHash());
        assertThat(new TreeMap<>(reopened.balances())).isEqualTo(new TreeMap<>(expected.balances()));
        AuditReport audit = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), p -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.intact()).isTrue();
    }
}
