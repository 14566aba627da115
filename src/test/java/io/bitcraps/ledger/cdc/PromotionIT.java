package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
