package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Fills {@code fair_commitments} (migration V0013) with the commitments of the provably fair games
 * opened before the table existed: the commitment is inside the Smile payload, which the migration's
 * SQL cannot read. Runs once per database, at the writer's open, in one transaction with the
 * {@code ledger_meta} row that says it ran; after that the writer records each commitment in the
 * transaction of its game's opening.
 */
public final class FairCommitments {
    private static final String DONE = "fair_commitments_filled";

    private FairCommitments() {}

    /** Adds what is missing; returns the number of commitments added (0 once done). */
    public static int fill(Connection conn, PayloadCodec codec) throws SQLException {
        try (Statement st = conn.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM ledger_meta WHERE name = '" + DONE + "'")) {
                if (rs.next()) {
                    return 0;
                }
            }
            st.execute("BEGIN IMMEDIATE");
            try {
                int added = 0;
                try (PreparedStatement insert = conn.prepareStatement(
                        "INSERT OR IGNORE INTO fair_commitments(commitment, game_id) VALUES (?, ?)");
                     ResultSet rs = st.executeQuery("SELECT seq, payload FROM events WHERE type = "
                             + EventType.GAME_OPENED.code() + " ORDER BY seq")) {
                    while (rs.next()) {
                        Command.OpenGame g;
                        try {
                            g = (Command.OpenGame) codec.decode(EventType.GAME_OPENED, rs.getBytes(2)).command();
                        } catch (RuntimeException undecodable) {
                            continue; // the audit reports the row; its commitment, if any, cannot be known here
                        }
                        if (g.commitment() != null) {
                            insert.setString(1, g.commitment());
                            insert.setString(2, g.gameId());
                            added += insert.executeUpdate();
                        }
                    }
                }
                st.executeUpdate("INSERT INTO ledger_meta(name, value) VALUES ('" + DONE + "', '" + added + "')");
                st.execute("COMMIT");
                return added;
            } catch (SQLException | RuntimeException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }
}
