package io.bitcraps.ledger.api;

import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.StateDigest;
import io.bitcraps.ledger.sim.CrapsFloor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
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
        exec("UPDATE state_snapshots SET state = substr(state, 1, length(state) - 9) || x'00' || substr(state, length(state) - 7)"
                + " WHERE seq = (SELECT max(seq) FROM state_snapshots)");
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).contains("the state snapshot was unusable", "hashes to", "replaying");
            assertSameState(ledger.view().state(), before);
        }
        exec("DELETE FROM state_snapshots");
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).contains("no state snapshot", "replaying " + before.seq() + " events");
            assertSameState(ledger.view().state(), before);
            assertThat(ledger.view().balance(Account.HOUSE)).isEqualTo(before.balance(Account.HOUSE));
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
}
