package io.bitcraps.ledger.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * What each down migration step would lose that the events cannot give back. A down script may drop
 * whatever is derived from the log (the read model, digests, snapshots, lookup tables, indexes),
 * because the up script and the next open build it again; it must never drop the log, or a record
 * that no event holds. For those steps this class says why the step is refused, from the rows as
 * they are; {@link Migrations#migrateTo} asks before it writes anything and again inside each step's
 * transaction. Each check reads only tables that exist at every version from its own upward.
 */
final class DownStepChecks {
    private DownStepChecks() {}

    /** Why going down from {@code version} to {@code version - 1} would lose information, or null when it would not. */
    static String lossOf(Connection conn, int version) throws SQLException {
        return switch (version) {
            case 1 -> eventsInTheLog(conn) != null ? eventsInTheLog(conn) : standbyRole(conn);
            case 3 -> batchRecordsNotDerivable(conn);
            case 6 -> timelineNotOriginal(conn);
            case 11 -> idempotencyKeysUsedTwice(conn);
            default -> null;
        };
    }

    /**
     * V0001 made ledger_meta too: an empty standby keeps there whose standby it is and where in the topic it
     * resumes, which no event holds (the ledger's id and creation time go as well; an empty ledger gets new ones).
     */
    private static String standbyRole(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT value FROM ledger_meta WHERE name = 'standby_of'")) {
            return rs.next() ? "this database is a standby of " + rs.getString(1) + ": its role and its position in the"
                    + " topic are in no event, and ledger_meta goes below version 1" : null;
        }
    }

    /** V0001 made the events table: below it there is no log. */
    private static String eventsInTheLog(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), min(seq), max(seq) FROM events")) {
            rs.next();
            long events = rs.getLong(1);
            return events == 0 ? null : "the log holds " + events + " event(s) (seq " + rs.getLong(2) + ".." + rs.getLong(3)
                    + "), which the events table dropped below version 1 would lose";
        }
    }

    /**
     * V0003's up script writes one unsigned batch ending at the head (none for an empty log). Any
     * other content (the boundaries of each batch, HMAC signatures) is in no event.
     */
    private static String batchRecordsNotDerivable(Connection conn) throws SQLException {
        long batches;
        long signed;
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(hmac) FROM batches")) {
            rs.next();
            batches = rs.getLong(1);
            signed = rs.getLong(2);
        }
        if (batches == 0) {
            return null;
        }
        String lost = "batches holds " + batches + " batch record(s)" + (signed > 0 ? ", " + signed + " with an HMAC signature" : "")
                + ": batch boundaries and signatures are in no event, so they cannot be written again";
        if (batches > 1 || signed > 0) {
            return lost;
        }
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT b.last_seq = h.seq AND b.first_seq = 1 AND b.committed_ts = h.updated_ts,"
                     + " b.head_hash, h.hash FROM batches b JOIN ledger_head h ON h.id = 1")) {
            boolean rewritable = rs.next() && rs.getBoolean(1) && Arrays.equals(rs.getBytes(2), rs.getBytes(3));
            return rewritable ? null : lost;
        }
    }

    /** V0006 writes the original timeline; a restore's branch is in no event. */
    private static String timelineNotOriginal(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT timeline, branched_at_seq, parent FROM ledger_timeline WHERE id = 1")) {
            if (!rs.next()) {
                return null;
            }
            String timeline = rs.getString(1);
            long branchedAt = rs.getLong(2);
            String parent = rs.getString(3);
            if ("original".equals(timeline) && branchedAt == 0 && parent == null) {
                return null;
            }
            return "the ledger is on timeline " + timeline + ", branched from " + parent + " at seq " + branchedAt
                    + " (a restore made it); that branch is in no event, and V0006 would write the original timeline instead";
        }
    }

    /**
     * Below V0011 the idempotency keys' index is always there and unique (V0001): the code of those versions
     * answers a retry through it. A log-first ledger lets a client use a key again after its retention window;
     * such a log cannot have that index.
     */
    private static String idempotencyKeysUsedTwice(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT idem_key FROM events WHERE idem_key IS NOT NULL"
                     + " GROUP BY idem_key HAVING count(*) > 1)")) {
            rs.next();
            long reused = rs.getLong(1);
            return reused == 0 ? null : reused + " idempotency key(s) were used again after their retention window,"
                    + " and below version 11 the keys' index (V0001) is unique";
        }
    }
}
