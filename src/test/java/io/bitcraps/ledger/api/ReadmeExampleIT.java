package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.feed.CommittedEvent;
import io.bitcraps.ledger.feed.From;
import io.bitcraps.ledger.feed.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's API examples, compiled and run; ToolsLedgerE2E checks the README still quotes them. */
class ReadmeExampleIT {
    @TempDir
    Path dir;

    @Test
    void theReadmeExampleRunsAsPrinted() {
        Path path = dir.resolve("casino.db");
        long chips;
        Receipt cash;
        // README:start
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(path).build())) {
            ledger.submit(new FundHouse(1_000_000, "bankroll")).join();
            cash = ledger.submit(new Deposit("alice", 1_000, "cashier-7"), "cash-0001").join();
            ledger.submit(new OpenGame("g1", "table-3")).join();
            ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 100)).join();
            ledger.submitAtomically(List.of(new RecordRoll("g1", 3, 4),            // a natural 7:
                    new SettleBet("g1", "b1", Outcome.WIN, 100))).join();          // roll + payout, all or nothing
            LedgerView view = ledger.view();                  // immutable, consistent at a batch boundary
            chips = view.balance(Account.player("alice"));    // 1_100
        }
        // README:end
        assertThat(chips).isEqualTo(1_100);
        assertThat(cash.seq()).isEqualTo(2);
    }

    @Test
    void theReadmeSubscriptionExampleRunsAsPrinted() throws Exception {
        Path path = dir.resolve("casino.db");
        List<String> statements = new CopyOnWriteArrayList<>();
        // README-subscribe:start
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(path).build())) {
            Subscription feed = ledger.subscribe("statements", From.checkpoint(), batch -> {  // its own thread
                for (CommittedEvent e : batch.events()) {
                    statements.add(e.seq() + " " + e.event().type());   // acknowledged when this returns
                }
            });
            ledger.submit(new Deposit("alice", 1_000, "cashier-7")).join();
            feed.awaitPosition(ledger.view().seq(), Duration.ofSeconds(5));   // lag 0: "1 DEPOSITED"
        }
        // README-subscribe:end
        assertThat(statements).containsExactly("1 DEPOSITED");
    }
}
