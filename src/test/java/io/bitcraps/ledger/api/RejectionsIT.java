package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.CloseGame;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every rejection code, each shown on a real database: the command is refused with its code and
 * its facts, nothing is written, and the writer goes on serving the next command.
 */
class RejectionsIT {
    @TempDir
    Path dir;
    Ledger ledger;

    @BeforeEach
    void openWithATableInPlay() {
        ledger = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).build());
        ok(ledger.submit(new FundHouse(1_000, "bankroll")));
        ok(ledger.submit(new Deposit("alice", 500, "c1")));
        ok(ledger.submit(new OpenGame("g1", "t1")));
        ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 100)));
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    /** Submits, expects the code, and proves nothing was written and the writer still works. */
    private LedgerException refused(Command command, String code) {
        long before = ledger.view().seq();
        LedgerException e = error(ledger.submit(command));
        assertThat(e.code()).isEqualTo(code);
        assertThat(e).isInstanceOf(Rejected.class);
        assertThat(ledger.view().seq()).isEqualTo(before);
        assertThat(ok(ledger.submit(new Deposit("carol", 1, "probe"))).seq()).isEqualTo(before + 1);
        return e;
    }

    @Test
    void rejectsAWithdrawalLargerThanTheBalance() {
        LedgerException e = refused(new Withdraw("alice", 401, "c2"), "INSUFFICIENT_FUNDS");
        assertThat(e.getMessage()).contains("player:alice", "400", "401");
    }

    @Test
    void rejectsABetLargerThanTheBalance() {
        refused(new PlaceBet("g1", "b2", "alice", BetType.FIELD, null, 401), "INSUFFICIENT_FUNDS");
    }

    @Test
    void rejectsWinningsTheHouseCannotPay() {
        // aces pay 30:1: 40 chips win 1,200; the house holds 1,000, and 1,100 once the pass line (b1) loses on the 2
        ok(ledger.submit(new PlaceBet("g1", "b2", "alice", BetType.ACES, null, 40)));
        LedgerException e = refused(RecordRoll.settledByTheRules("g1", 1, 1), "INSUFFICIENT_FUNDS");
        assertThat(e.getMessage()).contains("house", "1100", "1200");
    }

    @Test
    void rejectsMoneyMovementsOfAnUnknownPlayer() {
        refused(new Withdraw("nobody", 1, "c2"), "UNKNOWN_ACCOUNT");
        refused(new PlaceBet("g1", "b9", "nobody", BetType.FIELD, null, 5), "UNKNOWN_ACCOUNT");
    }

    @Test
    void rejectsABetTheTableRulesDoNotAllowNow() {
        LedgerException e = refused(new PlaceBet("g1", "b2", "alice", BetType.PASS_ODDS, null, 10), "BET_NOT_ALLOWED");
        assertThat(((Rejected.BetNotAllowed) e).rule()).isEqualTo("ONLY_WHILE_POINT_ON");
        assertThat(e.getMessage()).contains("b2", "PASS_ODDS", "come-out", "ONLY_WHILE_POINT_ON",
                Command.OpenGame.STANDARD_RULES);
        e = refused(new PlaceBet("g1", "b3", "alice", BetType.FIELD, null, 4), "BET_NOT_ALLOWED");
        assertThat(((Rejected.BetNotAllowed) e).rule()).isEqualTo("BELOW_MINIMUM");
    }

    @Test
    void rejectsAWinLossOrPushOfABetNoRollDecided() {
        LedgerException e = refused(new SettleBet("g1", "b1", Outcome.WIN, 100), "EARLY_SETTLEMENT");
        assertThat(e.getMessage()).contains("b1", "no roll has decided it", "WIN 100");
        // a VOID takes an undecided bet down
        ok(ledger.submit(new SettleBet("g1", "b1", Outcome.VOID, 0)));
    }

    @Test
    void rejectsASettlementOtherThanTheRulebooks() {
        long before = ledger.view().seq();
        // a natural: the pass line wins even money
        LedgerException e = error(ledger.submitAtomically(List.of(new RecordRoll("g1", 3, 4),
                new SettleBet("g1", "b1", Outcome.WIN, 99))));
        assertThat(e.code()).isEqualTo("WRONG_PAYOUT");
        assertThat(((Rejected) e).groupIndex()).isEqualTo(1);
        assertThat(e.getMessage()).contains("b1", "won on roll 0 (3+4)", "expected WIN 100, given WIN 99");
        e = error(ledger.submitAtomically(List.of(new RecordRoll("g1", 3, 4), new SettleBet("g1", "b1", Outcome.VOID, 0))));
        assertThat(e.code()).isEqualTo("WRONG_PAYOUT");
        assertThat(ledger.view().seq()).isEqualTo(before);
        ok(ledger.submitAtomically(List.of(new RecordRoll("g1", 3, 4), new SettleBet("g1", "b1", Outcome.WIN, 100))));
    }

    @Test
    void rejectsARollSubmittedWithoutTheSettlementsItDecides() {
        LedgerException e = refused(new RecordRoll("g1", 3, 4), "MISSING_SETTLEMENT");
        assertThat(e.getMessage()).contains("roll 0 (3+4)", "b1 WIN 100", "settle=auto");
        // a roll that decides nothing needs no settlement
        ok(ledger.submit(new RecordRoll("g1", 2, 2)));
    }

    /**
     * A roll while an earlier roll's settlements are owed: only a history written with the rules
     * off (or a roll deciding more bets than a submission holds) leaves them owed past the roll.
     */
    @Test
    void rejectsARollWhileAnEarlierRollsSettlementsAreOwed() {
        ledger.close();
        ledger = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).tableRules(false).build());
        ok(ledger.submit(new RecordRoll("g1", 3, 4))); // the rules off: recorded, b1's win left owed
        ledger.close();
        ledger = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).build());
        LedgerException e = refused(new RecordRoll("g1", 2, 2), "UNSETTLED_BETS");
        assertThat(e.getMessage()).contains("roll 1 (2+2)", "b1 WIN 100 on roll 0");
        ok(ledger.submit(new SettleBet("g1", "b1", Outcome.WIN, 100)));
        ok(ledger.submit(new RecordRoll("g1", 2, 2)));
    }

    @Test
    void rejectsCommandsForAGameThatWasNeverOpened() {
        refused(new RecordRoll("g9", 1, 2), "UNKNOWN_GAME");
        refused(new PlaceBet("g9", "b1", "alice", BetType.FIELD, null, 1), "UNKNOWN_GAME");
        refused(new SettleBet("g9", "b1", Outcome.LOSE, 0), "UNKNOWN_GAME");
        refused(new CloseGame("g9"), "UNKNOWN_GAME");
    }

    @Test
    void rejectsReopeningAGame() {
        refused(new OpenGame("g1", "t2"), "GAME_EXISTS");
    }

    @Test
    void rejectsEveryCommandOnAClosedGame() {
        ok(ledger.submit(new SettleBet("g1", "b1", Outcome.VOID, 0)));
        ok(ledger.submit(new CloseGame("g1")));
        refused(new RecordRoll("g1", 1, 2), "GAME_CLOSED");
        refused(new PlaceBet("g1", "b2", "alice", BetType.FIELD, null, 1), "GAME_CLOSED");
        refused(new SettleBet("g1", "b1", Outcome.LOSE, 0), "GAME_CLOSED");
        refused(new CloseGame("g1"), "GAME_CLOSED");
    }

    @Test
    void rejectsClosingAGameWithOpenBets() {
        LedgerException e = refused(new CloseGame("g1"), "GAME_HAS_OPEN_BETS");
        assertThat(e.getMessage()).contains("1 open bet");
    }

    @Test
    void rejectsSettlingABetThatDoesNotExistInThatGame() {
        ok(ledger.submit(new OpenGame("g2", "t1")));
        refused(new SettleBet("g1", "b7", Outcome.LOSE, 0), "UNKNOWN_BET");
        // b1 is g1's bet: it cannot be settled as a bet of g2 (I4: only in its own game)
        refused(new SettleBet("g2", "b1", Outcome.LOSE, 0), "UNKNOWN_BET");
    }

    @Test
    void rejectsReusingABetIdInTheSameGame() {
        refused(new PlaceBet("g1", "b1", "alice", BetType.FIELD, null, 1), "DUPLICATE_BET");
    }

    @Test
    void rejectsSettlingABetTwice() {
        Receipt first = ok(ledger.submit(new SettleBet("g1", "b1", Outcome.VOID, 0)));
        LedgerException e = refused(new SettleBet("g1", "b1", Outcome.WIN, 10), "BET_NOT_OPEN");
        assertThat(e.getMessage()).contains("seq " + first.seq());
    }

    @Test
    void rejectsAmountsOutOfBoundsBeforeTheyReachTheRing() {
        for (long amount : new long[]{0, -1, Limits.AMOUNT_MAX + 1, Long.MAX_VALUE, Long.MIN_VALUE}) {
            assertThatThrownBy(() -> new Deposit("alice", amount, "c"))
                    .isInstanceOfSatisfying(Rejected.InvalidAmount.class, e -> assertThat(e.code()).isEqualTo("INVALID_AMOUNT"));
        }
        assertThatThrownBy(() -> new SettleBet("g1", "b1", Outcome.WIN, 0)).hasMessageContaining("winnings");
    }

    @Test
    void rejectsDiceOutsideOneToSix() {
        assertThatThrownBy(() -> new RecordRoll("g1", 0, 3)).isInstanceOf(Rejected.InvalidDice.class);
        assertThatThrownBy(() -> new RecordRoll("g1", 3, 7)).isInstanceOf(Rejected.InvalidDice.class)
                .hasMessageContaining("3 and 7");
    }

    @Test
    void rejectsIdsThatAreEmptyTooLongOrCarryControlCharacters() {
        for (String bad : new String[]{"", "x".repeat(65), "al\u0000ice", "a b", "ali:ce", "\uD800", "'); DROP TABLE events;--"}) {
            assertThatThrownBy(() -> new Deposit(bad, 1, "c")).isInstanceOf(Rejected.InvalidId.class);
        }
        assertThatThrownBy(() -> new Deposit("alice", 1, "bad\nref")).isInstanceOf(Rejected.InvalidId.class);
    }

    @Test
    void storesSqlTextInAReferenceAsPlainData() throws Exception {
        String sql = "'); DROP TABLE events;--";
        Receipt r = ok(ledger.submit(new Deposit("alice", 1, sql)));
        try (Connection conn = LedgerDatabase.openReadOnly(dir.resolve("ledger.db"))) {
            assertThat(EventReader.maxSeq(conn)).isEqualTo(r.seq());
        }
    }

    @Test
    void rejectsBetTypesWithTheWrongPointNumber() {
        assertThatThrownBy(() -> new PlaceBet("g1", "b2", "alice", BetType.PLACE, null, 1)).isInstanceOf(Rejected.InvalidBet.class);
        assertThatThrownBy(() -> new PlaceBet("g1", "b2", "alice", BetType.HARDWAY, 5, 1)).isInstanceOf(Rejected.InvalidBet.class);
        assertThatThrownBy(() -> new PlaceBet("g1", "b2", "alice", BetType.FIELD, 6, 1)).isInstanceOf(Rejected.InvalidBet.class);
        assertThatThrownBy(() -> new PlaceBet("g1", "b2", "alice", BetType.PLACE, 7, 1)).isInstanceOf(Rejected.InvalidBet.class);
    }

    @Test
    void rejectsSettlementsWhoseWinningsDoNotFitTheOutcome() {
        assertThatThrownBy(() -> new SettleBet("g1", "b1", Outcome.LOSE, 5))
                .isInstanceOfSatisfying(Rejected.class, e -> assertThat(e.code()).isEqualTo("INVALID_SETTLEMENT"));
        assertThatThrownBy(() -> new SettleBet("g1", "b1", null, 0)).isInstanceOf(Rejected.InvalidSettlement.class);
    }

    @Test
    void rejectsEmptyAndNullSubmissions() {
        assertThat(error(ledger.submitAtomically(List.of())).code()).isEqualTo("INVALID_COMMAND");
        List<Command> withNull = new ArrayList<>();
        withNull.add(null);
        assertThat(error(ledger.submitAtomically(withNull)).code()).isEqualTo("INVALID_COMMAND");
    }

    @Test
    void rejectsAnAtomicGroupLargerThanTheLimit() {
        List<Command> group = new ArrayList<>();
        for (int i = 0; i <= Limits.ATOMIC_COMMANDS_MAX; i++) {
            group.add(new Deposit("alice", 1, "c" + i));
        }
        assertThat(error(ledger.submitAtomically(group)).code()).isEqualTo("LIMIT_EXCEEDED");
    }

    @Test
    void rejectsADepositThatWouldPushABalancePastTheLimit() {
        List<CompletableFuture<Receipt>> fills = new ArrayList<>();
        long perDeposit = Limits.AMOUNT_MAX;
        for (long held = 500; held + perDeposit <= Limits.BALANCE_MAX; held += perDeposit) {
            fills.add(ledger.submit(new Deposit("alice", perDeposit, "whale")));
        }
        fills.forEach(f -> ok(f));
        LedgerException e = refused(new Deposit("alice", perDeposit, "whale"), "LIMIT_EXCEEDED");
        assertThat(e.getMessage()).contains("player:alice");
    }

    @Test
    void rejectsAKeyThatIsNotPrintableAscii() {
        assertThat(error(ledger.submit(new Deposit("alice", 1, "c"), "k\u0001")).code()).isEqualTo("INVALID_ID");
        assertThat(error(ledger.submit(new Deposit("alice", 1, "c"), "k".repeat(65))).code()).isEqualTo("INVALID_ID");
    }

    @Test
    void failsWithOverloadedWhenTheRingStaysFullPastTheTimeout() throws Exception {
        ledger.close();
        CountDownLatch release = new CountDownLatch(1);
        ledger = Ledger.open(LedgerConfig.builder(dir.resolve("slow.db")).ringSize(64).batchSubmissionsMax(1)
                .submitTimeout(Duration.ofMillis(50))
                .commitListener(n -> {
                    try {
                        release.await(); // a writer stuck behind a slow listener, as a throttled disk would be
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }).build());
        List<CompletableFuture<Receipt>> accepted = new ArrayList<>();
        LedgerException overloaded = null;
        for (int i = 0; i < 1_000 && overloaded == null; i++) {
            CompletableFuture<Receipt> f = ledger.submit(new Deposit("alice", 1, "flood"));
            if (f.isCompletedExceptionally()) {
                overloaded = error(f);
            } else {
                accepted.add(f);
            }
        }
        release.countDown();
        assertThat(overloaded).isNotNull();
        assertThat(overloaded.code()).isEqualTo("OVERLOADED");
        assertThat(overloaded.getMessage()).contains("64 slots", "50 ms");
        // everything accepted before the overload drains and commits
        for (CompletableFuture<Receipt> f : accepted) {
            ok(f);
        }
        assertThat(ledger.view().seq()).isEqualTo(accepted.size());
    }
}
