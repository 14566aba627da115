package io.bitcraps.ledger.api;

import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.domain.AccountEntry;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.projection.StateDigest;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.store.LogLookups;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log-first commit (issue #12): the durable transaction carries the log only. The read model
 * is the views file's; the writer's state at open comes from its newest snapshot and the log after
 * it, and is the same state a full replay gives.
 */
class LogFirstCommitIT {
    @TempDir
    Path dir;

    private Ledger open(boolean logFirst) {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).logFirstCommit(logFirst)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build());
    }

    private static CrapsFloor.Report floor(Ledger ledger, long seed) throws InterruptedException {
        return new CrapsFloor(ledger, new CrapsFloor.Settings(3, 9, 4, seed, "f" + Long.toHexString(seed), 1_000, 1_000_000))
                .run(n -> { });
    }

    @Test
    void theCommitKeepsNoReadModelAndAnOpenStartsFromTheSnapshotAtClose() throws Exception {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("LogFirstCommitIT seed=" + seed + " (replay: -Dseed=" + seed + ")");
        LedgerState before;
        Map<String, Long> viewsBalances;
        try (Ledger ledger = open(true)) {
            floor(ledger, seed);
            before = ledger.view().state();
            assertThat(ledger.awaitViews(before.seq(), Duration.ofSeconds(30))).isTrue();
            viewsBalances = ledger.accounts().allBalances().value();
        }
        assertThat(sql("SELECT read_model_seq FROM ledger_head")).as("the head says the read model is elsewhere").isEqualTo(-1);
        assertThat(sql("SELECT count(*) FROM balances")).as("no read-model row in the durable commit").isZero();
        assertThat(sql("SELECT max(seq) FROM state_snapshots")).as("a snapshot at close").isEqualTo(before.seq());
        Map<String, Long> nonZero = new TreeMap<>(viewsBalances);
        nonZero.values().removeIf(b -> b == 0);
        assertThat(nonZero).as("the views file's balances").isEqualTo(new TreeMap<>(before.balances()));

        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).as("nothing to replay or rebuild").isEmpty();
            assertSameState(ledger.view().state(), before);
            floor(ledger, seed + 1); // and it goes on writing
            before = ledger.view().state();
        }
        AuditReport audit = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.intact()).isTrue();
    }

    @Test
    void aMissingOrDamagedSnapshotCostsAReplayAndGivesTheSameState() throws Exception {
        LedgerState before;
        try (Ledger ledger = open(true)) {
            floor(ledger, 7);
            before = ledger.view().state();
        }
        // byte 21 lies in the first account's name (the version byte, the count, then a name): never 0xff in ASCII
        exec("UPDATE state_snapshots SET state = substr(state, 1, 20) || x'ff' || substr(state, 22)"
                + " WHERE seq = (SELECT max(seq) FROM state_snapshots)");
        try (Ledger ledger = open(true)) {
            // a byte changed: the snapshot's CRC finds it
            assertThat(ledger.openReport()).contains("the state snapshot was unusable", "CRC-32C", "replaying");
            assertSameState(ledger.view().state(), before);
        }
        exec("DELETE FROM state_snapshots");
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).contains("no state snapshot", "replaying " + before.seq() + " events");
            assertSameState(ledger.view().state(), before);
            assertThat(ledger.view().balance(Account.HOUSE)).isEqualTo(before.balance(Account.HOUSE));
        }
        // the close above stored a sound snapshot; one balance in it changed and the CRC made to
        // match: the state digest finds it
        changeABalanceInTheNewestSnapshotKeepingItsCrc();
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).contains("the state snapshot was unusable", "hashes to", "replaying");
            assertSameState(ledger.view().state(), before);
        }
    }

    /**
     * A snapshot the log does not fold onto (here: its seq moved one back, so the next event meets
     * a state without it) is snapshot damage, not log damage: the open replays the log instead of
     * refusing the ledger. A damaged head digest after an intact chain is the digest's damage: the
     * replay is kept and the digest rewritten, so the next open is clean.
     */
    @Test
    void aSnapshotTheLogDoesNotFoldOntoAndADamagedHeadDigestAreRepairedNotRefused() throws Exception {
        LedgerState before;
        try (Ledger ledger = open(true)) {
            floor(ledger, 21);
            before = ledger.view().state();
        }
        exec("UPDATE state_snapshots SET seq = seq - 1 WHERE seq = (SELECT max(seq) FROM state_snapshots)");
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).contains("does not fold onto the snapshot", "replaying " + before.seq());
            assertSameState(ledger.view().state(), before);
        }
        exec("UPDATE ledger_head SET state_digest = state_digest + 1");
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).contains("the head row recorded state digest");
            assertSameState(ledger.view().state(), before);
        }
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).as("repaired: nothing to replay").isEmpty();
            assertSameState(ledger.view().state(), before);
        }
        assertThat(sql("SELECT count(*) FROM state_snapshots WHERE seq > " + before.seq())).isZero();
    }

    /** The snapshot's stored timestamp is not trusted: the position comes from the log's row. */
    @Test
    void theTimestampAtASnapshotComesFromTheLog() throws Exception {
        LedgerState before;
        try (Ledger ledger = open(true)) {
            floor(ledger, 31);
            before = ledger.view().state();
        }
        exec("UPDATE state_snapshots SET last_ts = last_ts + 3600000000000");
        try (Ledger ledger = open(true)) {
            assertThat(ledger.view().state().lastTimestampMicros()).isEqualTo(before.lastTimestampMicros());
        }
    }

    /**
     * The snapshots taken while running (encoded off the writer thread, stored with a later batch)
     * are good ones: with the one written at close gone, the open starts from the newest periodic
     * snapshot and folds the rest, with nothing to report.
     */
    @Test
    void periodicSnapshotsTakenWhileRunningOpenTheLedger() throws Exception {
        LedgerState before;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).logFirstCommit(true)
                .stateSnapshotEveryEvents(300).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            floor(ledger, 41);
            before = ledger.view().state();
        }
        assertThat(sql("SELECT count(*) FROM state_snapshots")).as("the newest two are kept").isEqualTo(2);
        exec("DELETE FROM state_snapshots WHERE seq = " + before.seq());
        long periodic = sql("SELECT max(seq) FROM state_snapshots");
        assertThat(periodic).as("a snapshot taken while running").isPositive().isLessThan(before.seq());
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).isEmpty();
            assertSameState(ledger.view().state(), before);
        }
    }

    @Test
    void aLedgerMovesBetweenTheTwoCommitsBothWays() throws Exception {
        LedgerState before;
        try (Ledger ledger = open(false)) {
            floor(ledger, 11);
        }
        try (Ledger ledger = open(true)) { // loads the read model the previous run kept, then writes log-first
            floor(ledger, 12);
            before = ledger.view().state();
        }
        try (Ledger ledger = open(false)) { // rebuilds the read model from the log
            assertThat(ledger.openReport()).contains("rebuilt");
            assertSameState(ledger.view().state(), before);
        }
        assertThat(sql("SELECT read_model_seq = seq FROM ledger_head")).isEqualTo(1);
        AuditReport audit = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
    }

    /**
     * The log-first commit keeps no statement index on the events (the views file serves
     * statements); the rules' lookups go through the narrow indexes of V0010, not a scan; a
     * default open builds the statement indexes again, and statements read from the log then
     * equal those the views file served.
     */
    @Test
    void theLogFirstCommitKeepsOnlyTheIndexesTheRulesAskAndTheDefaultBuildsTheRestAgain() throws Exception {
        Map<Account, List<AccountEntry>> fromViews = new java.util.LinkedHashMap<>();
        List<Account> accounts = List.of(Account.HOUSE, Account.WORLD, Account.player("p00000"), Account.player("p00001"),
                Account.escrow("f1b-t0-g0"));
        try (Ledger ledger = open(false)) {
            assertThat(indexes()).contains("events_by_game", "events_by_player", "events_touching_house",
                    "events_touching_world", "events_games_opened");
        }
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).contains("dropped the indexes");
            floor(ledger, 0x1b);
            assertThat(ledger.awaitViews(ledger.view().state().seq(), Duration.ofSeconds(30))).isTrue();
            for (Account a : accounts) {
                fromViews.put(a, ledger.accounts().statement(a, PageRequest.first(500)).items());
            }
        }
        assertThat(fromViews.values()).allSatisfy(lines -> assertThat(lines).isNotEmpty());
        assertThat(indexes()).doesNotContain("events_by_game", "events_by_player", "events_touching_house",
                "events_touching_world", "events_by_idem_key", "events_deposits").contains("events_games_opened");
        assertThat(plan(LogLookups.GAME_OPENED_LOOKUP)).contains("events_games_opened");
        assertThat(plan(LogLookups.PLAYER_DEPOSITED_LOOKUP)).contains("players_known USING PRIMARY KEY");

        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).as("nothing to drop again").isEmpty();
        }
        try (Ledger ledger = open(false)) {
            assertThat(ledger.openReport()).contains("built the indexes");
            for (Account a : accounts) {
                assertThat(ledger.accounts().statement(a, PageRequest.first(500)).items()).as("statement of %s from the log", a)
                        .isEqualTo(fromViews.get(a));
            }
        }
        assertThat(indexes()).contains("events_by_game", "events_by_player", "events_touching_house", "events_touching_world",
                "events_by_idem_key");
        assertThat(sql("SELECT count(*) FROM ledger_meta WHERE name = 'statement_indexes_dropped'")).isZero();
        AuditReport audit = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
    }

    private List<String> indexes() throws Exception {
        List<String> names = new java.util.ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private String plan(String query) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + query)) {
            while (rs.next()) {
                out.append(rs.getString(4)).append('\n');
            }
        }
        return out.toString();
    }

    private static void assertSameState(LedgerState actual, LedgerState expected) {
        assertThat(actual.seq()).isEqualTo(expected.seq());
        assertThat(actual.headHash()).isEqualTo(expected.headHash());
        assertThat(new TreeMap<>(actual.balances())).isEqualTo(new TreeMap<>(expected.balances()));
        assertThat(new TreeMap<>(actual.games())).isEqualTo(new TreeMap<>(expected.games()));
        assertThat(actual.digest()).isEqualTo(expected.digest()).isEqualTo(StateDigest.of(actual));
    }

    private long sql(String query) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            return rs.getLong(1);
        }
    }

    private void exec(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             Statement st = c.createStatement()) {
            assertThat(st.executeUpdate(statement)).as(statement).isPositive();
        }
    }

    /** Adds one to the first balance of the newest snapshot (version byte, count, then account and balance) and re-seals its CRC-32C. */
    private void changeABalanceInTheNewestSnapshotKeepingItsCrc() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"))) {
            long seq;
            byte[] state;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT seq, state FROM state_snapshots ORDER BY seq DESC LIMIT 1")) {
                assertThat(rs.next()).isTrue();
                seq = rs.getLong(1);
                state = rs.getBytes(2);
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(state);
            assertThat(b.get()).as("snapshot format").isEqualTo((byte) 4);
            assertThat(b.getInt()).as("balances").isPositive();
            int nameLength = b.getShort() & 0xffff;
            int balanceAt = b.position() + nameLength;
            b.putLong(balanceAt, b.getLong(balanceAt) + 1);
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(state, 0, state.length - 4);
            b.putInt(state.length - 4, (int) crc.getValue());
            try (var ps = c.prepareStatement("UPDATE state_snapshots SET state = ? WHERE seq = ?")) {
                ps.setBytes(1, state);
                ps.setLong(2, seq);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
    }
}
