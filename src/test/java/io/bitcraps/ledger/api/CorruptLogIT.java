package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.LedgerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static io.bitcraps.ledger.support.Fixtures.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A log edited behind the ledger's back is refused at open, naming the first bad seq. */
class CorruptLogIT {
    @TempDir
    Path dir;

    private void writeTenDeposits() {
        try (Ledger ledger = open(dir)) {
            for (int i = 0; i < 10; i++) {
                ok(ledger.submit(new Deposit("alice", 10 + i, "c" + i)));
            }
        }
    }

    private void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    @Test
    void refusesToOpenWhenAPayloadByteWasChanged() throws Exception {
        writeTenDeposits();
        // flip one bit in the middle of seq 4's payload, as a disk or an editor might
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT payload FROM events WHERE seq = 4")) {
            byte[] payload = rs.getBytes(1);
            payload[payload.length / 2] ^= 0x01;
            try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE events SET payload = ? WHERE seq = 4")) {
                ps.setBytes(1, payload);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
        assertThatThrownBy(() -> open(dir))
                .isInstanceOfSatisfying(LedgerException.LedgerHalted.class, e -> assertThat(e.code()).isEqualTo("LEDGER_HALTED"))
                .hasMessageContaining("seq 4");
    }

    @Test
    void refusesToOpenWhenARowIsMissing() throws Exception {
        writeTenDeposits();
        sql("DELETE FROM events WHERE seq = 6");
        assertThatThrownBy(() -> open(dir)).isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining("seq 6 is missing");
    }

    @Test
    void refusesToOpenWhenTheTailWasCutBehindTheHeadRow() throws Exception {
        writeTenDeposits();
        sql("DELETE FROM events WHERE seq > 8");
        assertThatThrownBy(() -> open(dir)).isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining("ledger_head says seq 10");
    }

    @Test
    void refusesToOpenWhenTheHashColumnWasRewritten() throws Exception {
        writeTenDeposits();
        sql("UPDATE events SET hash = zeroblob(32) WHERE seq = 3");
        assertThatThrownBy(() -> open(dir)).isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining("seq 3 breaks the hash chain");
    }
}
