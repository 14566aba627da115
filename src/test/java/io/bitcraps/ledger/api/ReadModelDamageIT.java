package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command.CloseGame;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.domain.PlayerStats;
import io.bitcraps.ledger.projection.StateDigest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A damaged projection table (a flipped bit, a stray edit that keeps the balances summing to
 * zero) is never served: the read model must hash to the digest stored with the head, and when it
 * does not it is rebuilt from the log, and the repair is reported. The read model in the database is
 * the layout of {@code logFirstCommit(false)}; the views file's own digest is tested by ViewsFileIT.
 */
class ReadModelDamageIT {
    @TempDir
    Path dir;

    private static Ledger open(Path dir) {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).logFirstCommit(false).build());
    }

    private Map<String, Long> balances;
    private PlayerStats aliceStats;
    private long seq;

    @BeforeEach
    void writeALedgerWithAnOpenGame() {
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new FundHouse(10_000, "float")));
            ok(ledger.submit(new Deposit("alice", 1_000, "cash-1")));
            ok(ledger.submit(new Deposit("bob", 500, "cash-2")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 100)));
            ok(ledger.submit(new PlaceBet("g1", "b2", "bob", BetType.DONT_PASS, null, 50)));
            ok(ledger.submitAtomically(List.of(new RecordRoll("g1", 3, 4), new SettleBet("g1", "b1", Outcome.WIN, 100),
                    new SettleBet("g1", "b2", Outcome.LOSE, 0))));
            ok(ledger.submit(new PlaceBet("g1", "b3", "alice", BetType.FIELD, null, 40)));
            ok(ledger.submit(new OpenGame("g2", "t1")));
            ok(ledger.submit(new PlaceBet("g2", "b1", "bob", BetType.PASS_LINE, null, 25)));
            ok(ledger.submitAtomically(List.of(new RecordRoll("g2", 1, 1), new SettleBet("g2", "b1", Outcome.LOSE, 0))));
            ok(ledger.submit(new CloseGame("g2")));
            LedgerState state = ledger.view().state();
            assertThat(state.digest()).as("the running digest equals one computed from scratch")
                    .isEqualTo(StateDigest.of(state)).isNotZero();
            balances = Map.copyOf(ledger.view().balances());
            aliceStats = ledger.accounts().playerStats("alice");
            seq = ledger.view().seq();
        }
    }

    private void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             Statement st = c.createStatement()) {
            assertThat(st.executeUpdate(statement)).as(statement).isPositive();
        }
    }

    private void assertRebuiltAndRight(String damage) {
        try (Ledger ledger = open(dir)) {
            assertThat(ledger.openReport()).contains("read model was damaged", damage, "rebuilt by replaying " + seq);
            assertThat(ledger.view().balances()).isEqualTo(balances);
            assertThat(ledger.accounts().playerStats("alice")).isEqualTo(aliceStats);
            assertThat(ledger.view().state().digest()).isEqualTo(StateDigest.of(ledger.view().state()));
            // and it goes on: the next batch stores a digest that the next open accepts
            ok(ledger.submit(new Deposit("alice", 1, "after-repair")));
        }
        try (Ledger ledger = open(dir)) {
            assertThat(ledger.openReport()).doesNotContain("damaged");
            assertThat(ledger.view().balance(io.bitcraps.ledger.domain.Account.player("alice")))
                    .isEqualTo(balances.get("player:alice") + 1);
        }
    }

    @Test
    void anUndamagedReadModelLoadsWithoutARebuild() {
        try (Ledger ledger = open(dir)) {
            assertThat(ledger.openReport()).doesNotContain("rebuilt");
            assertThat(ledger.view().balances()).isEqualTo(balances);
        }
    }

    @Test
    void aRenamedAccountKeepsTheSumAtZeroButNotTheDigest() throws Exception {
        sql("UPDATE balances SET account = 'player:alicf' WHERE account = 'player:alice'");
        assertRebuiltAndRight("hashes to");
    }

    @Test
    void twoBalancesMovedTogetherKeepI1ButNotTheDigest() throws Exception {
        sql("UPDATE balances SET balance = balance + 500 WHERE account = 'player:bob'");
        sql("UPDATE balances SET balance = balance - 500 WHERE account = 'house'");
        assertRebuiltAndRight("hashes to");
    }

    /**
     * Rows of what left memory (a closed game, an account back at zero) are outside the digest, so
     * their damage is not repaired at open; it must not change a decision either. The rules ask
     * the log, never these rows: the closed game's id stays taken, the player at zero stays known.
     */
    @Test
    void deletedRowsOfAClosedGameAndAZeroBalanceDecideNothing() throws Exception {
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new Deposit("carol", 30, "cash-c")));
            ok(ledger.submit(new Command.Withdraw("carol", 30, "out-c")));
            ok(ledger.submit(new OpenGame("g9", "t1")));
            ok(ledger.submit(new Command.CloseGame("g9")));
        }
        sql("DELETE FROM games WHERE game_id = 'g9'");
        sql("DELETE FROM balances WHERE account = 'player:carol'");
        try (Ledger ledger = open(dir)) {
            assertThat(error(ledger.submit(new OpenGame("g9", "t2")))).isInstanceOf(Rejected.GameExists.class);
            assertThat(error(ledger.submit(new RecordRoll("g9", 1, 1)))).isInstanceOf(Rejected.GameClosed.class);
            assertThat(error(ledger.submit(new Command.Withdraw("carol", 1, "again"))))
                    .isInstanceOf(Rejected.InsufficientFunds.class);
        }
    }

    /**
     * Player statistics are not in the writer's memory (it decides nothing on them), so the digest
     * checked at open does not cover them: like a closed game's rows, a changed record is the
     * audit's to find, by its replay.
     */
    @Test
    void aChangedPlayerRecordIsFoundByTheAudit() throws Exception {
        sql("UPDATE player_stats SET won = won + 1000 WHERE player = 'alice'");
        try (Ledger ledger = open(dir)) {
            assertThat(ledger.openReport()).doesNotContain("damaged");
        }
        io.bitcraps.ledger.audit.AuditReport report = new io.bitcraps.ledger.audit.Auditor()
                .audit(dir.resolve("ledger.db"), io.bitcraps.ledger.audit.Auditor.Options.everything(), n -> { });
        assertThat(report.intact()).isFalse();
        assertThat(report.problems()).anySatisfy(p -> assertThat(p.toString()).contains("PROJECTION_MISMATCH", "player_stats", "alice"));
    }

    @Test
    void aChangedOpenBetAndItsEscrowTogetherAreCaught() throws Exception {
        sql("UPDATE bets SET amount = 400 WHERE game_id = 'g1' AND bet_id = 'b3'");
        sql("UPDATE balances SET balance = balance + 360 WHERE account = 'escrow:g1'");
        sql("UPDATE balances SET balance = balance - 360 WHERE account = 'player:alice'");
        assertRebuiltAndRight("hashes to");
    }

    @Test
    void aRowThatCannotBeReadIsRebuiltToo() throws Exception {
        sql("UPDATE bets SET bet_type = 'NOT_A_BET' WHERE game_id = 'g1' AND bet_id = 'b3'");
        assertRebuiltAndRight("cannot be read");
    }

    @Test
    void aDamagedDigestItselfOnlyCostsARebuild() throws Exception {
        sql("UPDATE ledger_head SET state_digest = state_digest + 1");
        assertRebuiltAndRight("the head row recorded");
    }

    @Test
    void aHeadWrittenBeforeTheDigestExistedIsTrustedOnTheOtherChecks() throws Exception {
        sql("UPDATE ledger_head SET state_digest = NULL");
        try (Ledger ledger = open(dir)) {
            assertThat(ledger.openReport()).doesNotContain("rebuilt");
            assertThat(ledger.view().balances()).isEqualTo(balances);
        }
    }
}
