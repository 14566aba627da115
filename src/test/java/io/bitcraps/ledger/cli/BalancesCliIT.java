package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tools/ledger balances} on a log-first ledger (the default): from the views file as of its
 * watermark when the log holds the same chain hash there (saying so when that is behind the head),
 * by a replay of the log when the file is missing or on another history.
 */
class BalancesCliIT {
    @TempDir
    Path dir;

    @Test
    void balancesComeFromAViewsFileAtTheHeadAndFromAReplayOtherwise() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path early = dir.resolve("early.views");
        LedgerConfig config = LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build();
        try (Ledger ledger = Ledger.open(config)) {
            ok(ledger.submit(new FundHouse(1_000, "float")));
            ok(ledger.submit(new Deposit("alice", 300, "cage")));
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
        }
        Files.copy(LedgerDatabase.viewsFileOf(db), early);
        try (Ledger ledger = Ledger.open(config)) {
            ok(ledger.submit(new Deposit("bob", 50, "cage")));
            ok(ledger.submit(new Withdraw("alice", 100, "atm")));
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
        }
        String expected = "{\"seq\":4,\"accounts\":{\"house\":1000,\"player:alice\":200,\"player:bob\":50,\"world\":-1250}}";

        ChildJvm.Result fromViews = ChildJvm.run(dir, "balances", "--db", db.toString(), "--json");
        assertThat(fromViews.exitCode()).as(fromViews.stderr()).isZero();
        assertThat(fromViews.stdout().strip()).isEqualTo(expected);
        assertThat(OutputSchemas.errors("schemas/cli/balances.schema.json", OutputSchemas.json().readTree(fromViews.stdout())))
                .isEmpty();
        assertThat(OutputSchemas.errors("schemas/cli/balances.schema.json", OutputSchemas.json().readTree(
                "{\"seq\":4,\"accounts\":{\"bank\":1000}}"))).as("an account key the ledger has no kind of").isNotEmpty();
        assertThat(fromViews.stderr()).doesNotContain("replaying");

        // the views file of seq 2: on this log, behind its head: the balances of seq 2, and stderr says so
        Files.copy(early, LedgerDatabase.viewsFileOf(db), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ChildJvm.Result behind = ChildJvm.run(dir, "balances", "--db", db.toString(), "--json");
        assertThat(behind.exitCode()).as(behind.stderr()).isZero();
        assertThat(behind.stdout().strip()).isEqualTo(
                "{\"seq\":2,\"accounts\":{\"house\":1000,\"player:alice\":300,\"world\":-1300}}");
        assertThat(behind.stderr()).contains("balances as of seq 2, the views file's watermark; the log's head is at seq 4");

        // a views file on another history at its watermark is not taken: the log is replayed
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + LedgerDatabase.viewsFileOf(db));
             java.sql.Statement st = c.createStatement()) {
            st.execute("UPDATE views_head SET hash = zeroblob(32)");
        }
        ChildJvm.Result foreign = ChildJvm.run(dir, "balances", "--db", db.toString(), "--json");
        assertThat(foreign.exitCode()).as(foreign.stderr()).isZero();
        assertThat(foreign.stderr()).contains("is missing or not on this log; replaying the log");
        assertThat(foreign.stdout().strip()).isEqualTo(expected);

        Files.delete(LedgerDatabase.viewsFileOf(db));
        ChildJvm.Result missing = ChildJvm.run(dir, "balances", "--db", db.toString(), "--json");
        assertThat(missing.exitCode()).as(missing.stderr()).isZero();
        assertThat(missing.stdout().strip()).isEqualTo(expected);
    }
}
