package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

@org.junit.jupiter.params.ParameterizedClass(name = "log-first commit: {0}")
@org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
class IdempotencyAndAtomicityIT {
    /** With the log-first commit the keys are the writer's window in memory, not the log's unique index. */
    @org.junit.jupiter.params.Parameter
    boolean logFirst;

    private Ledger open(java.nio.file.Path dir) {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).logFirstCommit(logFirst).build());
    }

    @TempDir
    Path dir;

    @Test
    void sameKeySameBodyReturnsTheOriginalReceiptAndWritesNothing() {
        try (Ledger ledger = open(dir)) {
            Receipt first = ok(ledger.submit(new Deposit("alice", 100, "c1"), "cash-1"));
            Receipt again = ok(ledger.submit(new Deposit("alice", 100, "c1"), "cash-1"));
            assertThat(again).isEqualTo(first);
            assertThat(ledger.view().seq()).isEqualTo(1);
            assertThat(ledger.view().balance(Account.player("alice"))).isEqualTo(100);
        }
    }

    @Test
    void sameKeyOtherBodyIsAConflictNamingTheOriginalSeq() {
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new Deposit("alice", 100, "c1"), "cash-1"));
            LedgerException e = error(ledger.submit(new Deposit("alice", 101, "c1"), "cash-1"));
            assertThat(e.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
            assertThat(e.getMessage()).contains("cash-1", "seq 1");
            assertThat(ledger.view().seq()).isEqualTo(1);
        }
    }

    @Test
    void duplicatesInsideOneBatchAreRecognisedBeforeTheyAreDurable() {
        try (Ledger ledger = open(dir)) {
            // submitted back to back without waiting: they share a ring batch
            List<CompletableFuture<Receipt>> same = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                same.add(ledger.submit(new Deposit("alice", 100, "c1"), "cash-1"));
            }
            CompletableFuture<Receipt> other = ledger.submit(new Deposit("alice", 999, "c1"), "cash-1");
            Receipt first = ok(same.get(0));
            same.forEach(f -> assertThat(ok(f)).isEqualTo(first));
            assertThat(error(other).code()).isEqualTo("IDEMPOTENCY_CONFLICT");
            assertThat(ledger.view().seq()).isEqualTo(1);
        }
    }

    @Test
    void aRejectedCommandDoesNotConsumeItsKey() {
        try (Ledger ledger = open(dir)) {
            assertThat(error(ledger.submit(new Command.Withdraw("alice", 5, "w"), "w-1")).code()).isEqualTo("UNKNOWN_ACCOUNT");
            ok(ledger.submit(new Deposit("alice", 10, "c")));
            assertThat(ok(ledger.submit(new Command.Withdraw("alice", 5, "w"), "w-1")).seq()).isEqualTo(2);
        }
    }

    @Test
    void keysAreDurableAcrossRestartsForSinglesAndGroups() {
        List<Command> group = List.of(new Deposit("bob", 5, "a"), new Deposit("bob", 6, "b"));
        Receipt single;
        Receipt atomic;
        try (Ledger ledger = open(dir)) {
            single = ok(ledger.submit(new Deposit("alice", 100, "c1"), "cash-1"));
            atomic = ok(ledger.submitAtomically(group, "grp-1"));
        }
        try (Ledger ledger = open(dir)) {
            assertThat(ok(ledger.submit(new Deposit("alice", 100, "c1"), "cash-1"))).isEqualTo(single);
            assertThat(ok(ledger.submitAtomically(group, "grp-1"))).isEqualTo(atomic);
            assertThat(atomic.seqs()).containsExactly(2, 3);
            assertThat(error(ledger.submitAtomically(group.subList(0, 1), "grp-1")).code()).isEqualTo("IDEMPOTENCY_CONFLICT");
            assertThat(error(ledger.submit(new Deposit("alice", 100, "c2"), "cash-1")).code()).isEqualTo("IDEMPOTENCY_CONFLICT");
            assertThat(ledger.view().seq()).isEqualTo(3);
        }
    }

    @Test
    void anAtomicGroupCommitsAllOfItsCommandsInOrder() throws Exception {
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new FundHouse(1_000, "bank")));
            ok(ledger.submit(new Deposit("alice", 100, "c")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 40)));
            Receipt r = ok(ledger.submitAtomically(List.of(new RecordRoll("g1", 5, 6),
                    new SettleBet("g1", "b1", Outcome.WIN, 40), new Command.CloseGame("g1"))));
            assertThat(r.seqs()).containsExactly(5, 6, 7);
            assertThat(ledger.view().balance(Account.player("alice"))).isEqualTo(140);
            assertThat(ledger.view().game("g1")).as("a closed game leaves memory").isNull();
            assertThat(ledger.awaitViews(r.lastSeq(), java.time.Duration.ofSeconds(30))).as("SQL reads reach the seq").isTrue();
            assertThat(ledger.games().find("g1").orElseThrow().open()).isFalse();
        }
    }

    /**
     * A keyed roll the ledger settled: the log holds the roll and the settlements it added, the
     * submission held only the roll. A retry of that roll under the key, in flight with it, after the
     * commit, and after a reopen, gets the original receipt, as does the same roll with the same
     * settlements listed by hand (the key is matched by what the log recorded); another roll, or
     * the roll with a settlement missing, under the same key is a conflict.
     */
    @Test
    void aRollTheLedgerSettledIsRecognisedUnderItsKeyAfterCommitAndReopen() throws Exception {
        Receipt first;
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new FundHouse(1_000, "bank")));
            ok(ledger.submit(new Deposit("alice", 100, "c")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 40)));
            ok(ledger.submit(new PlaceBet("g1", "b2", "alice", BetType.FIELD, null, 10)));
            CompletableFuture<Receipt> a = ledger.submit(RecordRoll.settledByTheRules("g1", 5, 6), "roll-1");
            CompletableFuture<Receipt> b = ledger.submit(RecordRoll.settledByTheRules("g1", 5, 6), "roll-1");
            first = ok(a);
            assertThat(ok(b)).as("the same key, in flight together").isEqualTo(first);
            assertThat(first.lastSeq() - first.firstSeq()).as("the roll and its two settlements").isEqualTo(2);
            assertThat(ok(ledger.submit(RecordRoll.settledByTheRules("g1", 5, 6), "roll-1"))).as("after the commit")
                    .isEqualTo(first);
            assertThat(error(ledger.submit(RecordRoll.settledByTheRules("g1", 6, 6), "roll-1")).code())
                    .isEqualTo("IDEMPOTENCY_CONFLICT");
            // the key is matched by what the log recorded: the same roll and settlements listed by hand are the same
            assertThat(ok(ledger.submitAtomically(List.of(new RecordRoll("g1", 5, 6),
                    new SettleBet("g1", "b1", Outcome.WIN, 40), new SettleBet("g1", "b2", Outcome.WIN, 10)), "roll-1")))
                    .isEqualTo(first);
            assertThat(error(ledger.submitAtomically(List.of(new RecordRoll("g1", 5, 6),
                    new SettleBet("g1", "b1", Outcome.WIN, 40)), "roll-1")).code())
                    .as("one settlement short").isEqualTo("IDEMPOTENCY_CONFLICT");
        }
        try (Ledger ledger = open(dir)) {
            assertThat(ok(ledger.submit(RecordRoll.settledByTheRules("g1", 5, 6), "roll-1"))).as("after a reopen")
                    .isEqualTo(first);
            assertThat(ledger.view().balance(Account.player("alice"))).isEqualTo(100 + 40 + 10);
        }
    }

    @Test
    void anAtomicGroupWhoseLastCommandIsInvalidWritesNothing() throws Exception {
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new FundHouse(1_000, "bank")));
            ok(ledger.submit(new Deposit("alice", 100, "c")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 40)));
            ok(ledger.submit(new PlaceBet("g1", "b2", "alice", BetType.PASS_LINE, null, 40)));
            long before = ledger.view().seq();
            LedgerException e = error(ledger.submitAtomically(List.of(new RecordRoll("g1", 5, 6),
                    new SettleBet("g1", "b1", Outcome.WIN, 40),
                    new SettleBet("g1", "b1", Outcome.WIN, 40))));  // b1 twice: the last one is refused
            assertThat(e.code()).isEqualTo("BET_NOT_OPEN");
            assertThat(((Rejected) e).groupIndex()).isEqualTo(2);
            assertThat(e.getMessage()).contains("command 3 of 3");
            assertThat(ledger.view().seq()).isEqualTo(before);
            assertThat(ledger.view().openBets("g1")).hasSize(2);
            assertThat(ledger.view().game("g1").rolls()).isZero();
            assertThat(ledger.view().balance(Account.player("alice"))).isEqualTo(20);
            // later commands in the same batch see the state without the refused group
            Receipt next = ok(ledger.submit(new SettleBet("g1", "b1", Outcome.VOID, 0)));
            assertThat(next.seq()).isEqualTo(before + 1);
        }
        try (Connection conn = LedgerDatabase.openReadOnly(dir.resolve("ledger.db"))) {
            assertThat(EventReader.maxSeq(conn)).isEqualTo(6);
        }
    }

    @Test
    void aGroupThatOverdrawsPartWayIsRefusedAndLeavesTheBatchNeighboursAlone() {
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new Deposit("alice", 100, "c")));
            CompletableFuture<Receipt> before = ledger.submit(new Deposit("bob", 1, "c"));
            CompletableFuture<Receipt> group = ledger.submitAtomically(List.of(
                    new Command.Withdraw("alice", 60, "w1"), new Command.Withdraw("alice", 60, "w2")));
            CompletableFuture<Receipt> after = ledger.submit(new Command.Withdraw("alice", 100, "w3"));
            assertThat(ok(before).seq()).isEqualTo(2);
            assertThat(error(group).code()).isEqualTo("INSUFFICIENT_FUNDS");
            assertThat(ok(after).seq()).isEqualTo(3);
            assertThat(ledger.view().balance(Account.player("alice"))).isZero();
        }
    }
}
