package io.bitcraps.ledger.hardening;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.TestFaults;
import io.bitcraps.ledger.api.TestViews;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import io.bitcraps.ledger.support.WriterHold;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding 3 of the hardening review: a rejection decided against writes earlier in the same
 * batch is only true if that batch commits. When COMMIT then fails, such a rejection must come
 * back as the retryable STORAGE_FAILURE, never as a final answer that no committed state supports.
 * <p>
 * Each case puts the submissions into one ring batch for certain: the writer is held on its clock
 * ({@link WriterHold}) while deciding a holder submission that writes nothing (a refusal), until
 * every submission of the case is published; and the disk "fails" (an injected SQLITE_IOERR
 * before COMMIT) for exactly the next batch. With and without the pipelined commit.
 */
@ParameterizedClass(name = "pipelined commit: {0}")
@ValueSource(booleans = {false, true})
class FailedBatchRejectionsIT {
    @Parameter
    boolean pipelined;
    @TempDir
    Path dir;
    Ledger ledger;
    final AtomicBoolean failNextCommit = new AtomicBoolean();
    final WriterHold hold = new WriterHold();

    @BeforeEach
    void open() {
        ledger = Ledger.open(TestFaults.inject(LedgerConfig.builder(dir.resolve("ledger.db")).pipelinedCommit(pipelined).clock(hold),
                (first, last) -> {
                    if (failNextCommit.compareAndSet(true, false)) {
                        throw new SQLiteException("[SQLITE_IOERR] disk I/O error (injected before COMMIT)",
                                SQLiteErrorCode.SQLITE_IOERR);
                    }
                })
                .build());
        ok(ledger.submit(new FundHouse(1_000, "bankroll")));
        ok(ledger.submit(new Deposit("alice", 100, "cash-in")));
    }

    @AfterEach
    void close() {
        hold.release();
        ledger.close();
    }

    /** Runs {@code submit} while the writer is held, so that all it publishes lands in one batch, which then fails. */
    private <T> T inOneFailingBatch(java.util.function.Supplier<T> submit) {
        hold.arm();
        // refused (no such player), so it writes nothing: what follows is decided on committed state
        CompletableFuture<Receipt> holder = ledger.submit(new Withdraw("nobody", 1, "holder"));
        try {
            hold.awaitHeld();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        T submitted = submit.get();
        failNextCommit.set(true);
        hold.release();
        assertThat(error(holder).code()).isEqualTo("UNKNOWN_ACCOUNT");
        return submitted;
    }

    @Test
    void aFundsRefusalCausedByAnUncommittedWithdrawalFailsAsRetryable() {
        List<CompletableFuture<Receipt>> fs = inOneFailingBatch(() -> List.of(
                ledger.submit(new Withdraw("alice", 80, "a")),
                ledger.submit(new Withdraw("alice", 80, "b")))); // refused only because of the first
        LedgerException first = error(fs.get(0));
        LedgerException second = error(fs.get(1));
        assertThat(first.code()).isEqualTo("STORAGE_FAILURE");
        assertThat(second.code()).as("B's refusal rested on A, which never committed").isEqualTo("STORAGE_FAILURE");
        assertThat(second.getMessage()).contains("INSUFFICIENT_FUNDS", "did not commit", "retry");
        assertThat(ledger.view().balance(io.bitcraps.ledger.domain.Account.player("alice"))).isEqualTo(100);
        // the retry of B alone is decided against committed state, where the funds are there
        ok(ledger.submit(new Withdraw("alice", 80, "b")));
    }

    @Test
    void aRefusalDecidedBeforeAnyWriteOfTheBatchStaysFinal() {
        List<CompletableFuture<Receipt>> fs = inOneFailingBatch(() -> List.of(
                ledger.submit(new Withdraw("alice", 500, "too much")), // refused against committed state
                ledger.submit(new Withdraw("alice", 10, "fine"))));
        assertThat(error(fs.get(0)).code()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(error(fs.get(1)).code()).isEqualTo("STORAGE_FAILURE");
    }

    @Test
    void anIdempotencyConflictWithAKeyOfTheFailedBatchFailsAsRetryable() {
        List<CompletableFuture<Receipt>> fs = inOneFailingBatch(() -> List.of(
                ledger.submit(new Deposit("bob", 10, "x"), "key-1"),
                ledger.submit(new Deposit("bob", 20, "x"), "key-1")));
        assertThat(error(fs.get(0)).code()).isEqualTo("STORAGE_FAILURE");
        LedgerException conflict = error(fs.get(1));
        assertThat(conflict.code()).isEqualTo("STORAGE_FAILURE");
        assertThat(conflict.getMessage()).contains("IDEMPOTENCY_CONFLICT");
        // key-1 was never durable: the second content may now take it
        ok(ledger.submit(new Deposit("bob", 20, "x"), "key-1"));
    }

    @Test
    void aGameExistsRefusalAgainstAnUncommittedOpenFailsAsRetryable() {
        List<CompletableFuture<Receipt>> fs = inOneFailingBatch(() -> List.of(
                ledger.submit(new OpenGame("g1", "t1")),
                ledger.submit(new OpenGame("g1", "t2"))));
        assertThat(error(fs.get(0)).code()).isEqualTo("STORAGE_FAILURE");
        LedgerException exists = error(fs.get(1));
        assertThat(exists.code()).isEqualTo("STORAGE_FAILURE");
        assertThat(exists.getMessage()).contains("GAME_EXISTS");
        ok(ledger.submit(new OpenGame("g1", "t2")));
    }

    @Test
    void anAtomicGroupRefusedBecauseOfAnEarlierWriteFailsAsRetryable() {
        List<CompletableFuture<Receipt>> fs = inOneFailingBatch(() -> List.of(
                ledger.submit(new Withdraw("alice", 60, "a")),
                ledger.submitAtomically(List.<Command>of(new Deposit("carol", 5, "c"), new Withdraw("alice", 60, "b")))));
        assertThat(error(fs.get(0)).code()).isEqualTo("STORAGE_FAILURE");
        assertThat(error(fs.get(1)).code()).isEqualTo("STORAGE_FAILURE");
    }

    /**
     * The rules judge against the tables of the batch too: a settlement refused because a roll
     * earlier in the failed batch decided its bet another way rests on that roll, so it fails as
     * retryable, and the tables go back with the state: after the failure the bet is undecided again.
     */
    @Test
    void aRulesRefusalCausedByAnUncommittedRollFailsAsRetryableAndTheTableGoesBack() {
        ok(ledger.submit(new OpenGame("g1", "t1")));
        ok(ledger.submit(new Command.PlaceBet("g1", "b1", "alice", io.bitcraps.ledger.domain.BetType.PASS_LINE, null, 10)));
        List<CompletableFuture<Receipt>> fs = inOneFailingBatch(() -> List.of(
                // a natural: the pass line wins even money, settled with its roll
                ledger.submitAtomically(List.<Command>of(new Command.RecordRoll("g1", 3, 4),
                        new Command.SettleBet("g1", "b1", io.bitcraps.ledger.domain.Outcome.WIN, 10))),
                // decided against that roll: b1 is no longer open
                ledger.submit(new Command.SettleBet("g1", "b1", io.bitcraps.ledger.domain.Outcome.VOID, 0))));
        assertThat(error(fs.get(0)).code()).isEqualTo("STORAGE_FAILURE");
        LedgerException second = error(fs.get(1));
        assertThat(second.code()).as("refused against a roll that never committed").isEqualTo("STORAGE_FAILURE");
        assertThat(second.getMessage()).contains("BET_NOT_OPEN");
        // the state and its tables went back: no roll, b1 undecided, so a VOID takes it down
        assertThat(ledger.view().game("g1").rolls()).isZero();
        assertThat(TestViews.state(ledger.view()).game("g1").table().openBet("b1")).isNotNull();
        ok(ledger.submit(new Command.SettleBet("g1", "b1", io.bitcraps.ledger.domain.Outcome.VOID, 0)));
    }
}
