package io.bitcraps.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The events' indexes that the default commit keeps and the log-first commit keeps out of its
 * durable transaction, where each would dirty scattered leaf pages on every commit: the four that
 * exist only to read an account's statement from the log (by game, by player, and the house and
 * world partial indexes; the log-first commit serves statements from the views file), and the
 * unique index of idempotency keys (the log-first commit holds the keys of a retention window in
 * memory, {@code ingest.KeyWindow}, rebuilt from the log's tail at open). A ledger opened in one
 * mode after the other gains or loses them at open.
 * <p>
 * The log-first open records in {@code ledger_meta} that it dropped them, and only that record
 * makes a default open build them again: an index missing without it is damage, which the health
 * check and the audit report, and is not papered over here.
 * <p>
 * The definitions are those of migrations V0001 and V0005, so a ledger that goes back to the
 * default commit has the same schema as one that never left it.
 */
public final class CommitModeIndexes {
    private CommitModeIndexes() {}

    /** {@code fallback}: made instead when {@code sql} fails on the rows (a unique index over keys used twice). */
    private record Definition(String name, String sql, String fallback) {
        Definition(String name, String sql) {
            this(name, sql, null);
        }
    }

    private static final List<Definition> ALL = List.of(
            // keys the log-first commit let a client use again after its retention window are not unique
            new Definition("events_by_idem_key", "CREATE UNIQUE INDEX events_by_idem_key ON events (idem_key) WHERE idem_key IS NOT NULL",
                    "CREATE INDEX events_by_idem_key ON events (idem_key) WHERE idem_key IS NOT NULL"),
            new Definition("events_by_game", "CREATE INDEX events_by_game ON events (game_id, seq) WHERE game_id IS NOT NULL"),
            new Definition("events_by_player", "CREATE INDEX events_by_player ON events (player_id, seq) WHERE player_id IS NOT NULL"),
            new Definition("events_touching_house", "CREATE INDEX events_touching_house ON events (seq) WHERE type IN (3, 7)"),
            new Definition("events_touching_world", "CREATE INDEX events_touching_world ON events (seq) WHERE type IN (1, 2, 3)"));

    /** The names of these indexes, for the health check and the tests. */
    public static List<String> names() {
        return ALL.stream().map(Definition::name).toList();
    }

    private static final String DROPPED = "statement_indexes_dropped";

    /**
     * Brings the set of statement indexes in line with the commit mode, in one transaction: drops
     * them for the log-first commit; for the default, builds them again (a pass over the log) if
     * a log-first open dropped them. Returns what was changed, for the open's report, or null.
     */
    public static String adopt(Connection conn, boolean logFirst) throws SQLException {
        List<String> present = present(conn);
        boolean dropped = droppedByLogFirst(conn);
        if (logFirst ? present.isEmpty() && dropped : !dropped) {
            return null;
        }
        List<String> changed = new ArrayList<>();
        boolean autoCommit = conn.getAutoCommit();
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement()) {
            for (Definition d : ALL) {
                if (logFirst && present.contains(d.name())) {
                    st.execute("DROP INDEX " + d.name());
                    changed.add(d.name());
                } else if (!logFirst && !present.contains(d.name())) {
                    changed.add(create(conn, st, d));
                }
            }
            if (logFirst) {
                st.execute("INSERT OR REPLACE INTO ledger_meta(name, value) VALUES ('" + DROPPED + "', 'true')");
            } else {
                st.execute("DELETE FROM ledger_meta WHERE name = '" + DROPPED + "'");
            }
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(autoCommit);
        }
        if (changed.isEmpty()) {
            return null;
        }
        return logFirst ? "dropped the indexes " + String.join(", ", changed)
                + " (the log-first commit serves statements from the views file and holds recent idempotency keys in memory)"
                : "built the indexes " + String.join(", ", changed)
                + " from the log (the default commit reads statements and idempotency keys through them)";
    }

    private static String create(Connection conn, Statement st, Definition d) throws SQLException {
        if (d.fallback() == null) {
            st.execute(d.sql());
            return d.name();
        }
        long reused;
        try (Statement probe = conn.createStatement();
             ResultSet rs = probe.executeQuery("SELECT count(*) FROM (SELECT idem_key FROM events WHERE idem_key IS NOT NULL"
                     + " GROUP BY idem_key HAVING count(*) > 1)")) {
            reused = rs.next() ? rs.getLong(1) : 0;
        }
        if (reused > 0) {
            st.execute(d.fallback());
            return d.name() + " (not unique: " + reused + " keys were used again after their retention window)";
        }
        st.execute(d.sql());
        return d.name();
    }

    /** True when a log-first open dropped the statement indexes and no default open has built them since. */
    public static boolean droppedByLogFirst(Connection conn) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM ledger_meta WHERE name = ?")) {
            ps.setString(1, DROPPED);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The statement indexes the database has now. */
    public static List<String> present(Connection conn) throws SQLException {
        List<String> present = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (names().contains(rs.getString(1))) {
                    present.add(rs.getString(1));
                }
            }
        }
        return present;
    }
}
