package io.bitcraps.ledger.support;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.sim.CrapsFloor;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import static io.bitcraps.ledger.support.Fixtures.ok;

/**
 * Makes an index of {@code events} disagree with its table, the way a lost index write would:
 * the index's row is taken out of {@code sqlite_master} ({@code PRAGMA writable_schema}), the
 * ledger writes more events (a small floor, keyed deposits and withdrawals, house funding)
 * without maintaining it, and the row is put back. Every table row is what the ledger wrote; the
 * index lacks the entries of the later events. {@code quick_check} still says ok;
 * {@code integrity_check} names the missing rows.
 */
public final class IndexDamage {
    private IndexDamage() {}

    /** With the read model in the commit ({@code logFirstCommit(false)}): that layout keeps every index of the events. */
    public static LedgerConfig.Builder config(Path db) {
        return LedgerConfig.builder(db).logFirstCommit(false).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
    }

    /** A ledger of every event type, some with idempotency keys, closed. */
    public static void writeLedger(Path db, String tag) throws Exception {
        try (Ledger ledger = Ledger.open(config(db).build())) {
            write(ledger, tag);
        }
    }

    public static void write(Ledger ledger, String tag) throws Exception {
        new CrapsFloor(ledger, new CrapsFloor.Settings(2, 6, 3, 11, tag, 1_000, 1_000_000),
                CrapsFloor.Options.defaults().withGameLength(CrapsFloor.GameLength.ROUND)).run(n -> { });
        ok(ledger.submit(new FundHouse(5_000, tag + "-top-up")));
        for (int i = 0; i < 10; i++) {
            ok(ledger.submit(new Deposit(tag + "-walk-in-" + i, 100 + i, tag + "-cage-" + i), tag + "-key-d" + i));
            ok(ledger.submit(new Withdraw(tag + "-walk-in-" + i, 50, tag + "-out-" + i), tag + "-key-w" + i));
        }
    }

    /** Writes more events through the ledger while {@code index} is hidden from SQLite, then restores it. */
    public static void damage(Path db, String index) throws Exception {
        String url = "jdbc:sqlite:" + db.toAbsolutePath();
        String[] row = new String[5];
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master WHERE name = ?")) {
                ps.setString(1, index);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalArgumentException("no index " + index + " in " + db);
                    }
                    for (int i = 0; i < 5; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                }
            }
            st.execute("PRAGMA writable_schema = ON");
            st.executeUpdate("DELETE FROM sqlite_master WHERE name = '" + index + "'");
            st.execute("PRAGMA writable_schema = OFF");
        }
        writeLedger(db, "late");
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("PRAGMA writable_schema = ON");
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO sqlite_master(type, name, tbl_name, rootpage, sql) VALUES (?, ?, ?, ?, ?)")) {
                for (int i = 0; i < 5; i++) {
                    if (i == 3) {
                        ps.setLong(4, Long.parseLong(row[3]));
                    } else {
                        ps.setString(i + 1, row[i]);
                    }
                }
                ps.executeUpdate();
            }
            st.execute("PRAGMA writable_schema = OFF");
        }
    }
}
