package io.bitcraps.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Which history a ledger database (table {@code ledger_timeline}) or a journal archive (its
 * {@code TIMELINE} file) follows. Every ledger starts on {@link #ORIGINAL}; a restore that stops
 * before the newest history it knows of starts a new timeline that shares seq 1..{@code
 * branchedAtSeq} with its parent and nothing after. Two histories on different timelines are never
 * mixed: that is what keeps reopening with the archive from undoing a point-in-time restore.
 */
public record Timeline(String id, long branchedAtSeq, String parent) {
    public static final String ORIGINAL_ID = "original";
    public static final Timeline ORIGINAL = new Timeline(ORIGINAL_ID, 0, null);

    /** A new timeline that shares seq 1..{@code atSeq} with {@code parent}. */
    public static Timeline branch(Timeline parent, long atSeq) {
        return new Timeline(UUID.randomUUID().toString(), atSeq, parent.id());
    }

    /** The database's timeline; {@link #ORIGINAL} for a database not yet migrated to have one. */
    public static Timeline read(Connection conn) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='ledger_timeline'");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || rs.getInt(1) == 0) {
                return ORIGINAL;
            }
        }
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT timeline, branched_at_seq, parent FROM ledger_timeline WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Timeline(rs.getString(1), rs.getLong(2), rs.getString(3)) : ORIGINAL;
        }
    }

    /** Records the timeline in a migrated database, in its own transaction. The caller holds the writer lock. */
    public static void write(Connection conn, Timeline t) throws SQLException {
        try (java.sql.Statement st = conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT OR REPLACE INTO ledger_timeline (id, timeline, branched_at_seq, parent) VALUES (1, ?, ?, ?)")) {
                ps.setString(1, t.id());
                ps.setLong(2, t.branchedAtSeq());
                ps.setString(3, t.parent());
                ps.executeUpdate();
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }

    /** For messages: {@code original}, or {@code <id> (branched from <parent> at seq N)}. */
    public String describe() {
        return parent == null ? id : id + " (branched from " + parent + " at seq " + branchedAtSeq + ")";
    }
}
