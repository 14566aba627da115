package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The promotion of a standby as a library call: its mark goes only once the log holds the new epoch, so a starter
 * that returns without committing it leaves the promotion pending, and the next promote finishes it.
 */
class PromotionIT {
    @TempDir
    Path dir;

    private static Ledger open(Path db) {
        return Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build());
    }

    private static long startThroughTheWriter(Path db, long epoch, String reason) throws Exception {
        try (Ledger ledger = open(db)) {
            return ledger.submit(new Command.StartEpoch(epoch, reason)).get().seq();
        }
    }

    private static String meta(Path db, String name) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT value FROM ledger_meta WHERE name = '" + name + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void aStarterThatCommitsNothingLeavesThePromotionPendingAndTheNextPromoteFinishesIt() throws Exception {
        Path db = dir.resolve("standby.db");
        try (Ledger ledger = open(db)) {
            ok(ledger.submit(new Command.Deposit("alice", 100, "cage-1")));
        }
        // what a standby records (cdc.Standby): whose standby it is
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO ledger_meta(name, value) VALUES ('standby_of', 'bitcraps-events')");
        }

        assertThatThrownBy(() -> Promotion.promote(db, "failover drill", (epoch, reason) -> 42L))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the epoch 1 is not in the log")
                .hasMessageContaining("stays pending");
        assertThat(meta(db, "promotion_pending")).as("the promotion is still pending").isEqualTo("1");
        assertThat(meta(db, "standby_of")).isNull();

        Promotion.Result again = Promotion.promote(db, "failover drill", (epoch, reason) -> startThroughTheWriter(db, epoch, reason));
        assertThat(again.outcome()).isEqualTo(Promotion.Outcome.PROMOTED);
        assertThat(again.epoch()).isEqualTo(1);
        assertThat(again.seq()).isEqualTo(2);
        assertThat(meta(db, "promotion_pending")).isNull();

        assertThat(Promotion.promote(db, "again", (epoch, reason) -> startThroughTheWriter(db, epoch, reason)).outcome())
                .as("a primary is not promoted twice").isEqualTo(Promotion.Outcome.NOT_A_STANDBY);
    }

    /** The one JSON document a {@code promote --json} run printed, valid against its schema. */
    private static JsonNode json(ChildJvm.Result r, int exitCode, String schema) {
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(exitCode);
        assertThat(r.stdout().strip().lines()).as(r.stdout()).hasSize(1);
        JsonNode n = OutputSchemas.json().readTree(r.stdout().strip());
        assertThat(OutputSchemas.errors(schema, n)).as("%s", n).isEmpty();
        return n;
    }

    @Test
    void promoteJsonSaysTheEpochTheSeqAndTheFormerTopicAndAPrimaryIsAJsonError() throws Exception {
        Path db = dir.resolve("standby.db");
        try (Ledger ledger = open(db)) {
            ok(ledger.submit(new Command.Deposit("alice", 100, "cage-1")));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO ledger_meta(name, value) VALUES ('standby_of', 'bitcraps-events')");
        }

        ChildJvm.Result run = ChildJvm.run(dir, "promote", "--db", db.toString(), "--json");
        JsonNode promoted = json(run, 0, "schemas/cli/promote.schema.json");
        assertThat(promoted.get("db").stringValue()).isEqualTo(db.toString());
        assertThat(promoted.get("outcome").stringValue()).isEqualTo("PROMOTED");
        assertThat(promoted.get("epoch").asLong()).isEqualTo(1);
        assertThat(promoted.get("seq").asLong()).isEqualTo(2);
        assertThat(promoted.get("former_topic").stringValue()).isEqualTo("bitcraps-events");
        System.out.print("$ tools/ledger promote --db standby.db --json\n" + run.stdout());

        // a promotion interrupted after its epoch was committed: only the mark is left
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO ledger_meta(name, value) VALUES ('promotion_pending', '1')");
        }
        JsonNode finished = json(ChildJvm.run(dir, "promote", "--db", db.toString(), "--json"), 0,
                "schemas/cli/promote.schema.json");
        assertThat(finished.get("outcome").stringValue()).isEqualTo("FINISHED_INTERRUPTED");
        assertThat(finished.get("epoch").asLong()).isEqualTo(1);
        assertThat(finished.get("seq").asLong()).isZero();
        assertThat(finished.get("former_topic").isNull()).isTrue();
        assertThat(meta(db, "promotion_pending")).isNull();

        JsonNode primary = json(ChildJvm.run(dir, "promote", "--db", db.toString(), "--json"), 2,
                "schemas/cli/error.schema.json");
        assertThat(primary.get("error").get("code").stringValue()).isEqualTo("NOT_A_STANDBY");
        assertThat(primary.get("error").get("message").stringValue()).contains("is not a standby");
    }
}
