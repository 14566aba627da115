package io.bitcraps.ledger.api;

import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.PlayerStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A ledger written by the layout before V0008 (its digest covered closed games, zero balances and
 * player statistics; see {@code fixtures/layout-v7/README.md}) opens under this one: the migration
 * marks its read model as lagging, the open replays the log once, and every read-model row comes
 * out as the old writer left it; memory then holds only what is live, and the audit finds the
 * ledger intact. Under both commits: the log-first one (the default) leaves the old read-model rows
 * where they are and serves the views file built from the log.
 */
@org.junit.jupiter.params.ParameterizedClass(name = "log-first commit: {0}")
@org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
class PreviousLayoutIT {
    @org.junit.jupiter.params.Parameter
    boolean logFirst;
    @TempDir
    Path dir;

    private Ledger open(Path dir) {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).logFirstCommit(logFirst).build());
    }

    @Test
    void aLedgerOfThePreviousLayoutOpensAndKeepsEveryRow() throws Exception {
        Path db = dir.resolve("ledger.db");
        try (InputStream in = PreviousLayoutIT.class.getResourceAsStream("/fixtures/layout-v7/ledger.db")) {
            Files.copy(in, db);
        }
        Map<String, List<List<Object>>> before = readModel(db);
        assertThat(before.get("games")).hasSize(9);
        assertThat(schemaVersion(db)).isEqualTo(7);

        try (Ledger ledger = open(dir)) {
            assertThat(ledger.openReport()).contains("lagged the log and was rebuilt by replaying 303 events");
            assertThat(ledger.view().seq()).isEqualTo(303);
            assertThat(ledger.view().state().games().keySet()).containsExactly("still-open");
            Map<String, Long> nonZero = new TreeMap<>();
            for (List<Object> row : before.get("balances")) {
                if ((Long) row.get(1) != 0) {
                    nonZero.put((String) row.get(0), (Long) row.get(1));
                }
            }
            assertThat(ledger.view().balances()).isEqualTo(nonZero);
            assertThat(ledger.view().balances()).doesNotContainKey("player:yan"); // cashed out to zero
            assertThat(ledger.awaitViews(ledger.view().seq(), java.time.Duration.ofSeconds(60))).isTrue();
            assertThat(ledger.accounts().balance(Account.player("yan"))).hasValue(0);
            assertThat(ledger.accounts().playerStats("zoe")).isEqualTo(new PlayerStats(70, 20, 0, 2, 1));
        }
        assertThat(schemaVersion(db)).isEqualTo(io.bitcraps.ledger.store.Migrations.latestVersion());
        assertThat(readModel(db)).as("every read-model row as the previous layout wrote it").isEqualTo(before);
        try (Ledger ledger = open(dir)) {
            assertThat(ledger.openReport()).as("the second open loads, it does not rebuild").doesNotContain("rebuilt");
        }
        AuditReport audit = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.intact()).isTrue();
    }

    private static long schemaVersion(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(version) FROM schema_migrations")) {
            return rs.getLong(1);
        }
    }

    /** Every row of the four read-model tables but the balances' updated_seq, in key order. */
    private static Map<String, List<List<Object>>> readModel(Path db) throws SQLException {
        Map<String, List<List<Object>>> tables = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            tables.put("balances", rows(st, "SELECT account, balance FROM balances ORDER BY account"));
            tables.put("games", rows(st, "SELECT * FROM games ORDER BY game_id"));
            tables.put("bets", rows(st, "SELECT * FROM bets ORDER BY game_id, bet_id"));
            tables.put("player_stats", rows(st, "SELECT * FROM player_stats ORDER BY player"));
        }
        return tables;
    }

    private static List<List<Object>> rows(Statement st, String sql) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.add(v instanceof Integer n ? Long.valueOf(n) : v);
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
