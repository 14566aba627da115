package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Exclusion;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tools/ledger history} in a child JVM: a protected player's limits, with what is used and
 * left of each and a raise waiting out its day, and their cool-off, folded from the log; then their
 * bets from the views file. A player who never asked for protection gets their bets only.
 */
class HistoryCliIT {
    @TempDir
    Path dir;

    @Test
    void historyShowsAProtectedPlayersLimitsUsageAndExclusionBeforeTheirBets() throws Exception {
        Path db = dir.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new Command.FundHouse(100_000, "bank")));
            ok(ledger.submit(new Command.SetLimits("ann", 500L, null, null, 200L, 100L)));
            ok(ledger.submit(new Command.Deposit("ann", 300, "cage")));
            ok(ledger.submit(new Command.Deposit("bob", 300, "cage")));
            ok(ledger.submit(new Command.OpenGame("g", "t1")));
            ok(ledger.submit(new Command.PlaceBet("g", "b1", "ann", BetType.FIELD, null, 40)));
            ok(ledger.submit(new Command.PlaceBet("g", "b2", "bob", BetType.FIELD, null, 40)));
            ok(ledger.submit(new Command.SetLimits("ann", 500L, null, null, 200L, 150L))); // the raise waits a day
            ok(ledger.submit(new Command.SelfExclude("ann", Exclusion.COOL_OFF, 24)));
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
        }
        ChildJvm.Result text = ChildJvm.run(dir, "history", "--db", db.toString(), "--player", "ann");
        assertThat(text.exitCode()).as(text.stderr()).isZero();
        assertThat(text.stdout()).contains("protection of ann at ")
                .containsPattern("deposit_24h +500 per 24h: deposited 300, 200 left")
                .containsPattern("loss_24h +200 per 24h: net loss 40, 160 left")
                .containsPattern("stake_max +100 per bet; raised to 150 from 20")
                .containsPattern("cool_off +until 20.*: deposits and bets refused")
                .contains("b1");
        assertThat(text.stdout().indexOf("protection of ann")).isLessThan(text.stdout().indexOf("b1"));

        ChildJvm.Result json = ChildJvm.run(dir, "history", "--db", db.toString(), "--player", "ann", "--json");
        assertThat(json.exitCode()).as(json.stderr()).isZero();
        String first = json.stdout().lines().findFirst().orElseThrow();
        assertThat(first).startsWith("{\"protection\":{\"player\":\"ann\"")
                .contains("\"deposit_24h\":{\"value\":500,\"used\":300,\"left\":200}")
                .contains("\"stake_max\":{\"value\":100,\"used\":0,\"left\":100,\"raised_to\":150,\"raised_from\":\"")
                .contains("\"exclusion\":\"cool_off\"");
        // the protection line (a raise waiting, a cool-off) and the open bet, each against the history schema
        assertThat(json.stdout().lines()).hasSize(2).allSatisfy(line -> assertThat(
                OutputSchemas.errors("schemas/cli/history.schema.json", OutputSchemas.json().readTree(line))).as(line).isEmpty());

        ChildJvm.Result unprotected = ChildJvm.run(dir, "history", "--db", db.toString(), "--player", "bob");
        assertThat(unprotected.exitCode()).as(unprotected.stderr()).isZero();
        assertThat(unprotected.stdout()).doesNotContain("protection").contains("b2");
    }
}
