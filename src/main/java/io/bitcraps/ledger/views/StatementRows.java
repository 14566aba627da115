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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code statements} table of the views file: one line per account per event that moved the
 * account's chips (the sum of the event's postings to it; an event whose postings to an account
 * cancel out writes no line for it, as the statement read from the log shows none), keyed
 * {@code (account_id, seq)} so that a page of one account's statement, newest first, is one range
 * scan of the primary key. These are exactly the lines of {@code AccountRepository.statement}.
 * <p>
 * The account is an integer id, given by the {@code accounts} table ({@code id}, {@code key}: one
 * row per account that has a line, ids handed out in order of first appearance): a key of a
 * small integer instead of the account's text ({@code escrow:<game>}, {@code player:<id>}) makes
 * each of the 2–3 lines per event smaller and quicker to place in the B-tree, and the table about
 * a third smaller. This instance keeps the map in memory, read from the table when it is made.
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
    static final String[] DDL = {
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)",
            "CREATE TABLE statements (account_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
                    + " ts INTEGER NOT NULL, type INTEGER NOT NULL, delta INTEGER NOT NULL,"
                    + " PRIMARY KEY (account_id, seq)) WITHOUT ROWID"};

    private final PreparedStatement insert;
    private final PreparedStatement insertAccount;
    /** Every account of the table and those added since, by key. */
    private final Map<String, Long> ids = new HashMap<>();
    private long nextId = 1;
    private int pending;
    private int pendingAccounts;
    private long digestAdded;

    StatementRows(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT id, key FROM accounts")) {
            while (rs.next()) {
                long id = rs.getLong(1);
                ids.put(rs.getString(2), id);
                nextId = Math.max(nextId, id + 1);
            }
        }
        insert = conn.prepareStatement("INSERT INTO statements(account_id, seq, ts, type, delta) VALUES (?,?,?,?,?)");
        try {
            insertAccount = conn.prepareStatement("INSERT INTO accounts(id, key) VALUES (?,?)");
        } catch (SQLException | RuntimeException e) {
            insert.close();
            throw e;
        }
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
        Long id = ids.get(account);
        if (id == null) {
            id = nextId++;
            ids.put(account, id);
            insertAccount.setLong(1, id);
            insertAccount.setString(2, account);
            insertAccount.addBatch();
            pendingAccounts++;
        }
        insert.setLong(1, id);
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
        if (pendingAccounts > 0) {
            int[] counts = insertAccount.executeBatch();
            Invariants.check(counts.length == pendingAccounts, "views: %d accounts written, %d added", counts.length,
                    pendingAccounts);
            pendingAccounts = 0;
        }
        if (pending == 0) {
            return;
        }
        int[] counts = insert.executeBatch();
        Invariants.check(counts.length == pending, "views: %d statement lines written, %d added", counts.length, pending);
        pending = 0;
    }

    /**
     * The digest of every line of the table, read from scratch: what the writer keeps up to date.
     * A line hashes with its account's key, so a damaged {@code accounts} row changes the hash of
     * every line of that account, and a line whose id has no account hashes as one without a key.
     */
    static long digestOfRows(Connection conn) throws SQLException {
        Map<Long, String> keys = new HashMap<>();
        long d = 0;
        try (Statement st = conn.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT id, key FROM accounts")) {
                while (rs.next()) {
                    keys.put(rs.getLong(1), rs.getString(2));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT account_id, seq, ts, type, delta FROM statements")) {
                while (rs.next()) {
                    d += StateDigest.statementRow(keys.get(rs.getLong(1)), rs.getLong(2), rs.getLong(3), rs.getInt(4),
                            rs.getLong(5));
                }
            }
        }
        return d;
    }

    @Override
    public void close() throws SQLException {
        try {
            insert.close();
        } finally {
            insertAccount.close();
        }
    }
}
