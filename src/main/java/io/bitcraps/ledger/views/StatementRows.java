package io.bitcraps.ledger.views;

import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.internal.Invariants;
import io.bitcraps.ledger.projection.StateDigest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The {@code statements} table of the views file: one line per account per event that moved the
 * account's chips (the sum of the event's postings to it; an event whose postings to an account
 * cancel out writes no line for it, as the statement read from the log shows none), keyed
 * {@code (account, seq)} so that a page of one account's statement, newest first, is one range
 * scan of the primary key. These are exactly the lines of {@code AccountRepository.statement}.
 * <p>
 * Lines are only ever inserted (a plain {@code INSERT}: applying an event twice fails on the key
 * instead of writing a second line), so the digest of the table is kept by adding each new line's
 * hash; no old value is ever read. {@link #digestAdded()} is what this instance added since it was
 * made; the views writer adds it to the digest of the other tables.
 * <p>
 * Owned by the thread that owns the connection (the views subscription). Lines are added to a
 * JDBC batch and written by {@link #flush}, in the transaction of the rest of the batch. After a
 * failed statement make a new instance: sqlite-jdbc finalizes a prepared statement whose step
 * failed.
 */
final class StatementRows implements AutoCloseable {
    static final String DDL = "CREATE TABLE statements (account TEXT NOT NULL, seq INTEGER NOT NULL,"
            + " ts INTEGER NOT NULL, type INTEGER NOT NULL, delta INTEGER NOT NULL,"
            + " PRIMARY KEY (account, seq)) WITHOUT ROWID";

    private final PreparedStatement insert;
    private int pending;
    private long digestAdded;

    StatementRows(Connection conn) throws SQLException {
        insert = conn.prepareStatement("INSERT INTO statements(account, seq, ts, type, delta) VALUES (?,?,?,?,?)");
    }

    /** The sum of the hashes of the lines this instance added (flushed or not). */
    long digestAdded() {
        return digestAdded;
    }

    /** Adds one line per account the event moved, to be written by the next {@link #flush}. */
    void add(LedgerEvent e) throws SQLException {
        List<Posting> postings = e.postings();
        int typeCode = e.type().code();
        for (int i = 0; i < postings.size(); i++) {
            String account = postings.get(i).account().key();
            if (seenBefore(postings, i, account)) {
                continue;
            }
            long delta = 0;
            for (int j = i; j < postings.size(); j++) {
                if (postings.get(j).account().key().equals(account)) {
                    delta = Math.addExact(delta, postings.get(j).delta());
                }
            }
            if (delta != 0) {
                addLine(account, e.seq(), e.timestampMicros(), typeCode, delta);
            }
        }
    }

    private static boolean seenBefore(List<Posting> postings, int i, String account) {
        for (int j = 0; j < i; j++) {
            if (postings.get(j).account().key().equals(account)) {
                return true;
            }
        }
        return false;
    }

    private void addLine(String account, long seq, long ts, int typeCode, long delta) throws SQLException {
        insert.setString(1, account);
        insert.setLong(2, seq);
        insert.setLong(3, ts);
        insert.setInt(4, typeCode);
        insert.setLong(5, delta);
        insert.addBatch();
        pending++;
        digestAdded += StateDigest.statementRow(account, seq, ts, typeCode, delta);
    }

    /** Writes the lines added since the last flush. */
    void flush() throws SQLException {
        if (pending == 0) {
            return;
        }
        int[] counts = insert.executeBatch();
        Invariants.check(counts.length == pending, "views: %d statement lines written, %d added", counts.length, pending);
        pending = 0;
    }

    /** The digest of every line of the table, read from scratch: what the writer keeps up to date. */
    static long digestOfRows(Connection conn) throws SQLException {
        long d = 0;
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT account, seq, ts, type, delta FROM statements")) {
            while (rs.next()) {
                d += StateDigest.statementRow(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getInt(4), rs.getLong(5));
            }
        }
        return d;
    }

    @Override
    public void close() throws SQLException {
        insert.close();
    }
}
