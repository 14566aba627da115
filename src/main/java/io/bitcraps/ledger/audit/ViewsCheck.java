package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The views file beside a ledger ({@code <db>.views}, the read model of the log-first commit),
 * compared with the audit's own replay at the file's watermark: the same tables as the database's
 * read model ({@link ProjectionCheck}), and the account statements (each account's lines sum to
 * its balance, and there are as many lines as the log's events moved accounts).
 * <p>
 * The file is read in one snapshot taken <em>before</em> the log's: the views writer only ever
 * follows the committed log, so in a healthy pair the watermark is at or below the log's head. A
 * file the ledger would not serve anyway (missing, of another format or ledger, still being built
 * from empty) is not compared, and the report says why; one that claims seqs the log does not hold,
 * or another history at its watermark, is a finding: while the ledger runs, readers are served from
 * it. This class reads the file's tables itself, as the audit reads everything, independent of the
 * code that writes them.
 */
final class ViewsCheck implements AutoCloseable {
    /** The views file's format this check knows; see {@code ViewsFile.FORMAT}. */
    private static final int FORMAT = 3;

    private final Path file;
    private Connection conn;
    private long watermark = -1;
    private byte[] hash;
    private String ledgerOfFile;
    /** The statements added up per account, in the views snapshot; owns {@link #conn} until it is done. */
    private java.util.concurrent.FutureTask<StatementTotals> totals;

    /** Per account key, the sum of its statement lines; all lines; lines whose account id has no key. */
    private record StatementTotals(Map<String, Long> sums, long lines, long orphanLines) {}
    private String status;
    private boolean compared;

    private ViewsCheck(Path file) {
        this.file = file;
    }

    /**
     * Opens the views file of {@code db}, if there is one, and fixes its snapshot; call before the
     * log's snapshot is taken. With {@code compare} (a full audit) it starts adding up the
     * statements at once, on a thread of its own: that needs no books, and it overlaps the replay.
     */
    static ViewsCheck open(Path db, boolean compare) {
        ViewsCheck v = new ViewsCheck(LedgerDatabase.viewsFileOf(db));
        if (!Files.isRegularFile(v.file)) {
            v.status = "none";
            return v;
        }
        try {
            v.conn = LedgerDatabase.connect(LedgerDatabase.readOnlyConfig(5_000), v.file);
            try (Statement st = v.conn.createStatement()) {
                st.execute("PRAGMA query_only = 1");
            }
            v.conn.setAutoCommit(false);
            v.readHead();
            if (compare && v.watermark >= 0) {
                v.totals = new java.util.concurrent.FutureTask<>(v::statementTotals);
                Thread t = new Thread(v.totals, "audit-views-statements");
                t.setDaemon(true);
                t.start();
            }
        } catch (SQLException | RuntimeException e) {
            v.status = "not compared: " + v.file + " could not be read (" + e.getMessage() + "); opening the ledger rebuilds it";
            v.watermark = -1;
        }
        return v;
    }

    private void readHead() throws SQLException {
        int format;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            format = rs.next() ? rs.getInt(1) : 0;
        }
        if (format != FORMAT) {
            status = "not compared: " + file + " has format " + format + ", not " + FORMAT + "; opening the ledger rebuilds it";
            return;
        }
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT seq, hash, ledger_id, building FROM views_head WHERE id = 1")) {
            if (!rs.next()) {
                status = "not compared: " + file + " has no head row; opening the ledger rebuilds it";
                return;
            }
            long seq = rs.getLong(1);
            byte[] h = rs.getBytes(2);
            String ledger = rs.getString(3);
            boolean building = rs.getInt(4) != 0;
            if (building) {
                status = "not compared: " + file + " is being built from the log (at seq " + seq + ")";
                return;
            }
            ledgerOfFile = ledger;
            watermark = seq;
            hash = h;
        }
    }

    /** Before the replay: a file of another ledger is not this one's read model. */
    void checkOwner(String ledgerId) {
        if (watermark >= 0 && !ledgerId.equals(ledgerOfFile)) {
            status = "not compared: " + file + " belongs to ledger " + ledgerOfFile + "; opening this ledger rebuilds it";
            watermark = -1;
        }
    }

    /** The seq at which {@link #compare} wants the books, or -1 when the file is not compared. */
    long watermark() {
        return watermark;
    }

    /** What the report says about the views file. */
    String status() {
        return status;
    }

    boolean compared() {
        return compared;
    }

    /** The books at the watermark, and the log's hash there (null at seq 0). */
    void compare(Books books, byte[] logHash, long statementLines, BiConsumer<String, Problem> report) {
        long at = watermark;
        watermark = -1; // once
        BiConsumer<String, Problem> named = (subject, p) -> report.accept(subject, new Problem(p.seq() == 0 ? at : p.seq(),
                p.kind(), "views file at its watermark seq " + at + ": " + p.detail()));
        if (at > 0 && !Arrays.equals(logHash, hash)) {
            named.accept(RootCauses.WHOLE_BOOKS, new Problem(at, ProblemKind.PROJECTION_MISMATCH, "it follows another history: its chain hash is "
                    + (hash == null ? "none" : Hex.of(hash)) + ", the log's is " + Hex.of(logHash)));
            status = "compared at seq " + at + ": another history";
            compared = true;
            return;
        }
        try {
            StatementTotals t = awaitTotals(); // first: until then the connection is the adding-up thread's
            new ProjectionCheck(conn, books, named).run();
            statements(t, books, statementLines, named);
            status = "compared with the replay at its watermark, seq " + at;
        } catch (SQLException | RuntimeException e) {
            // a finding about the views file, never about the log row the replay stands on
            named.accept(RootCauses.WHOLE_BOOKS, new Problem(at, ProblemKind.STORAGE_CORRUPT, "reading it failed: " + e));
            status = "compared at seq " + at + ": unreadable";
        }
        compared = true;
    }

    /** After the replay of a log that ended at {@code lastSeq} before the watermark was reached. */
    void finish(long lastSeq, Consumer<Problem> report) {
        if (watermark > lastSeq) {
            report.accept(new Problem(lastSeq + 1, ProblemKind.PROJECTION_MISMATCH, "the views file " + file
                    + " has applied the log up to seq " + watermark + ", the log ends at seq " + lastSeq
                    + ": events the views saw are gone from the log"));
            status = "ahead of the log (watermark seq " + watermark + ")";
            compared = true;
            watermark = -1;
        }
    }

    private StatementTotals statementTotals() throws SQLException {
        Map<String, Long> sums = new HashMap<>();
        long lines = 0;
        long orphans = 0;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT a.key, SUM(s.delta), COUNT(*)"
                + " FROM statements s LEFT JOIN accounts a ON a.id = s.account_id GROUP BY s.account_id")) {
            while (rs.next()) {
                lines += rs.getLong(3);
                if (rs.getString(1) == null) {
                    orphans += rs.getLong(3);
                } else {
                    sums.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return new StatementTotals(sums, lines, orphans);
    }

    /** The totals the thread of {@link #open} added up (it has let go of the connection after this returns). */
    private StatementTotals awaitTotals() throws SQLException {
        if (totals == null) {
            return statementTotals();
        }
        try {
            return totals.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while the statements were added up", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof SQLException q ? q : new SQLException(e.getCause());
        } finally {
            totals = null;
        }
    }

    private void statements(StatementTotals t, Books books, long expectedLines, BiConsumer<String, Problem> report) {
        int differences = 0;
        if (t.orphanLines() > 0) {
            report.accept(RootCauses.WHOLE_BOOKS, new Problem(0, ProblemKind.PROJECTION_MISMATCH, "statements: " + t.orphanLines()
                    + " lines name an account id that accounts does not hold"));
        }
        for (Map.Entry<String, Long> e : books.balances.entrySet()) {
            long sum = t.sums().getOrDefault(e.getKey(), 0L);
            if (sum != e.getValue() && ++differences <= ProjectionCheck.PER_TABLE_MAX) {
                report.accept(ProjectionCheck.subjectOfAccount(e.getKey()), new Problem(0, ProblemKind.PROJECTION_MISMATCH,
                        "statements: the lines of " + e.getKey()
                        + " sum to " + sum + ", the replay's balance is " + e.getValue()));
            }
        }
        for (String account : t.sums().keySet()) {
            if (!books.balances.containsKey(account) && ++differences <= ProjectionCheck.PER_TABLE_MAX) {
                report.accept(ProjectionCheck.subjectOfAccount(account), new Problem(0, ProblemKind.PROJECTION_MISMATCH,
                        "statements: lines of " + account
                        + ", which the log never moved"));
            }
        }
        if (t.lines() != expectedLines) {
            report.accept(RootCauses.WHOLE_BOOKS, new Problem(0, ProblemKind.PROJECTION_MISMATCH, "statements: " + t.lines() + " lines, the log's"
                    + " events make " + expectedLines));
        }
    }

    @Override
    public void close() {
        if (totals != null) {
            try {
                totals.get(); // an audit that never compared: the thread still reads the connection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException ignored) {
                // nothing was compared; the connection is closed below either way
            }
        }
        if (conn != null) {
            try {
                conn.rollback();
                conn.close();
            } catch (SQLException ignored) {
                // read-only: nothing to lose
            }
        }
    }
}
