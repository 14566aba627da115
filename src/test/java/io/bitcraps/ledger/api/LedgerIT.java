package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command.CloseGame;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.domain.GameSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static io.bitcraps.ledger.support.Fixtures.open;
import static org.assertj.core.api.Assertions.assertThat;

class LedgerIT {
    @TempDir
    Path dir;

    @Test
    void recordsAFullCrapsRoundAndBalancesTheBooks() throws Exception {
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new FundHouse(100_000, "bankroll")));
            ok(ledger.submit(new Deposit("alice", 1_000, "cashier-7")));
            ok(ledger.submit(new Deposit("bob", 500, "cashier-7")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 100)));
            ok(ledger.submit(new PlaceBet("g1", "b2", "bob", BetType.DONT_PASS, null, 50)));
            Receipt roll = ok(ledger.submitAtomically(List.of(
                    new RecordRoll("g1", 3, 4),
                    new SettleBet("g1", "b1", Outcome.WIN, 100),
                    new SettleBet("g1", "b2", Outcome.LOSE, 0))));
            assertThat(roll.seqs()).containsExactly(7, 8, 9);
            ok(ledger.submit(new CloseGame("g1")));
            ok(ledger.submit(new Withdraw("alice", 1_100, "cashier-2")));

            LedgerView view = ledger.view();
            assertThat(view.seq()).isEqualTo(11);
            assertThat(view.balance(Account.player("alice"))).isZero();
            assertThat(view.balance(Account.player("bob"))).isEqualTo(450);
            assertThat(view.balance(Account.HOUSE)).isEqualTo(100_000 - 100 + 50);
            assertThat(view.balance(Account.escrow("g1"))).isZero();
            assertThat(view.balance(Account.WORLD)).isEqualTo(-100_000 - 1_000 - 500 + 1_100);
            assertThat(view.totals()).isZero();
            assertThat(view.balances().values().stream().mapToLong(Long::longValue).sum()).isZero();
            // the repositories read the views file, which trails the receipts
            assertThat(ledger.awaitViews(view.seq(), java.time.Duration.ofSeconds(30))).isTrue();
            assertThat(ledger.accounts().playerStats("alice").won()).isEqualTo(100);
            assertThat(ledger.accounts().playerStats("bob").lost()).isEqualTo(50);
            assertThat(view.game("g1")).as("a closed game leaves the writer's memory").isNull();
            assertThat(ledger.games().find("g1")).get().extracting(GameSummary::open).isEqualTo(false);
        }
        try (Connection conn = LedgerDatabase.openReadOnly(dir.resolve("ledger.db"))) {
            assertThat(EventReader.maxSeq(conn)).isEqualTo(11);
            assertThat(EventReader.head(conn).seq()).isEqualTo(11);
        }
    }

    @Test
    void restartRestoresBalancesOpenBetsGamesAndContinuesTheSequence() {
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new FundHouse(10_000, "bankroll")));
            ok(ledger.submit(new Deposit("alice", 1_000, "c1"), "dep-1"));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.FIELD, null, 100)));
        }
        try (Ledger ledger = open(dir)) {
            LedgerView view = ledger.view();
            assertThat(view.seq()).isEqualTo(4);
            assertThat(view.balance(Account.player("alice"))).isEqualTo(900);
            assertThat(view.openBets("g1")).extracting(b -> b.betId()).containsExactly("b1");
            // the idempotency key survived the restart
            assertThat(ok(ledger.submit(new Deposit("alice", 1_000, "c1"), "dep-1")).seq()).isEqualTo(2);
            // the bet is still open in its game, and the game's table came back with it: a roll of 4 the
            // ledger settles by the rulebook pays the field even money, once
            Receipt settle = ok(ledger.submit(RecordRoll.settledByTheRules("g1", 3, 1)));
            assertThat(settle.firstSeq()).isEqualTo(5);
            assertThat(settle.lastSeq()).isEqualTo(6);
            assertThat(error(ledger.submit(new SettleBet("g1", "b1", Outcome.WIN, 100))).code()).isEqualTo("BET_NOT_OPEN");
            assertThat(error(ledger.submit(new OpenGame("g1", "t1"))).code()).isEqualTo("GAME_EXISTS");
            assertThat(ledger.view().balance(Account.player("alice"))).isEqualTo(1_100);
        }
    }
}
