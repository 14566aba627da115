package io.bitcraps.ledger.health;

import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteConnection;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * SQLite's {@code quick_check} at a bounded cost. A whole-file {@code quick_check} reads every page
 * in one read transaction: on a ledger of gigabytes that is seconds of I/O and a snapshot that
 * keeps the WAL from being reset for as long, which the monitor used to pay every 30 s.
 * <p>
 * With an {@code interval}, a full pass is due once per interval. A pass checks the tables one at
 * a time ({@code PRAGMA quick_check(table)}: that table and its indexes), each in its own read
 * transaction, and a health run spends at most {@code budget} on it: a progress handler interrupts
 * a table whose check outlives its budget, and the pass resumes at that table on the next run.
 * Each cut-off doubles that table's budget, so a table bigger than the budget is still checked
 * after a few runs (the snapshot it then holds is at most about twice its check time) instead of
 * never. The per-table checks do not look for pages that no table uses (the freelist and lost
 * pages, which only a whole-file check sees); {@code tools/ledger audit} runs the full
 * {@code integrity_check}.
 * <p>
 * With a zero interval every run checks the whole file, unbounded, as before (small files).
 */
final class IntegrityPass {
    /** SQLite VM steps between two calls of the progress handler; quick_check calls it about every few pages. */
    private static final int PROGRESS_STEPS = 1_000;
    /** A table's budget doubles at most this many times (budget × 2^20 is beyond any real check). */
    private static final int MAX_DOUBLINGS = 20;

    /** One table's check within a run: how long it held its snapshot, and whether the budget cut it off. */
    record Step(String table, long heldNanos, long budgetNanos, boolean cutOff) {}

    private final Duration interval;
    private final Duration budget;
    private final Clock clock;
    private final Instant started;
    private final ReentrantLock running = new ReentrantLock();

    /** Tables still to check in the pass in progress; null when no pass is in progress. */
    private List<String> remaining;
    private int passTables;
    private Instant passStartedAt;
    private final Map<String, Integer> cutOffs = new HashMap<>();
    private Instant lastFullPass;
    private Duration lastFullPassTook;
    private long longestHeldNanos;
    private long passLongestHeldNanos;
    private boolean failed;
    private volatile List<Step> lastSteps = List.of();
    /** Set when the monitor closes: a table check in progress is interrupted at once, so close need not wait it out. */
    private volatile boolean stopping;

    IntegrityPass(Duration interval, Duration budget, Clock clock) {
        this.interval = interval;
        this.budget = budget;
        this.clock = clock;
        this.started = clock.instant();
    }

    /** Interrupts a table check in progress and every later one (the monitor is closing). */
    void stop() {
        stopping = true;
    }

    /** The steps of the last run (for tests and reports). */
    List<Step> lastSteps() {
        return lastSteps;
    }

    Instant lastFullPass() {
        running.lock();
        try {
            return lastFullPass;
        } finally {
            running.unlock();
        }
    }

    /**
     * Runs the part of the pass that is due, on {@code conn} (auto-commit off; every snapshot it
     * opens is rolled back before it returns). A failure to read is thrown, for the caller to retry.
     */
    HealthCheck run(Connection conn) throws SQLException {
        if (interval.isZero()) {
            try {
                return DatabaseChecks.quickCheck(conn);
            } finally {
                conn.rollback();
            }
        }
        if (!running.tryLock()) {
            // another check (on demand beside the periodic one) is running the pass: never wait on it
            return HealthCheck.up("integrity", "a pass step is running in another health check; " + lastPassText());
        }
        try {
            return step(conn);
        } finally {
            running.unlock();
        }
    }

    private HealthCheck step(Connection conn) throws SQLException {
        Instant now = clock.instant();
        if (remaining == null) {
            if (!failed && lastFullPass != null && now.isBefore(lastFullPass.plus(interval))) {
                lastSteps = List.of();
                return verdict(now, "no table due; next pass in " + DatabaseChecks.human(Duration.between(now,
                        lastFullPass.plus(interval))));
            }
            remaining = tables(conn);
            passTables = remaining.size();
            passStartedAt = now;
            passLongestHeldNanos = 0;
            cutOffs.keySet().retainAll(remaining);
        }
        List<Step> steps = new ArrayList<>();
        long runStart = System.nanoTime();
        while (!remaining.isEmpty() && !stopping && System.nanoTime() - runStart < budget.toNanos()) {
            String table = remaining.get(0);
            long stepBudget = budget.toNanos() << Math.min(MAX_DOUBLINGS, cutOffs.getOrDefault(table, 0));
            List<String> problems = new ArrayList<>();
            Step s = checkTable(conn, table, stepBudget, problems);
            steps.add(s);
            passLongestHeldNanos = Math.max(passLongestHeldNanos, s.heldNanos());
            if (s.cutOff()) {
                cutOffs.merge(table, 1, Integer::sum);
                break;
            }
            if (!problems.isEmpty()) {
                lastSteps = List.copyOf(steps);
                remaining = null;
                failed = true;
                return HealthCheck.down("integrity", "quick_check(" + table + ") reports " + String.join("; ",
                        problems.subList(0, Math.min(5, problems.size()))) + "; stop writing, audit, recover from a backup");
            }
            cutOffs.remove(table);
            remaining.remove(0);
        }
        lastSteps = List.copyOf(steps);
        if (remaining.isEmpty()) {
            remaining = null;
            failed = false;
            lastFullPass = clock.instant();
            lastFullPassTook = Duration.between(passStartedAt, lastFullPass);
            longestHeldNanos = passLongestHeldNanos;
            return verdict(lastFullPass, "this run: " + describe(steps) + "; full pass finished");
        }
        return verdict(now, "this run: " + describe(steps) + "; " + (passTables - remaining.size()) + " of " + passTables
                + " tables checked in the pass started " + DatabaseChecks.human(Duration.between(passStartedAt, now)) + " ago");
    }

    /** UP while a full pass completed within two intervals (or the monitor is younger than that); DEGRADED after. */
    private HealthCheck verdict(Instant now, String thisRun) {
        Instant since = lastFullPass != null ? lastFullPass : started;
        String text = thisRun + "; " + lastPassText();
        if (Duration.between(since, now).compareTo(interval.multipliedBy(2)) > 0) {
            return HealthCheck.degraded("integrity", text + "; no full quick_check pass completed in "
                    + DatabaseChecks.human(interval.multipliedBy(2)) + " (2 intervals): raise integrityCheckBudget, or run"
                    + " tools/ledger audit");
        }
        return HealthCheck.up("integrity", text);
    }

    private String lastPassText() {
        if (lastFullPass == null) {
            return "no full pass completed yet";
        }
        return String.format(Locale.ROOT, "last full pass (%d tables ok) completed %s ago at %s, took %s, longest snapshot %d ms",
                passTables, DatabaseChecks.human(Duration.between(lastFullPass, clock.instant())), lastFullPass,
                DatabaseChecks.human(lastFullPassTook), longestHeldNanos / 1_000_000);
    }

    private static String describe(List<Step> steps) {
        if (steps.isEmpty()) {
            return "nothing checked";
        }
        List<String> parts = new ArrayList<>();
        for (Step s : steps) {
            parts.add(s.cutOff()
                    ? String.format(Locale.ROOT, "%s cut off at its %d ms budget (resumed next run with %d ms)", s.table(),
                    s.budgetNanos() / 1_000_000, 2 * s.budgetNanos() / 1_000_000)
                    : String.format(Locale.ROOT, "%s ok in %d ms", s.table(), s.heldNanos() / 1_000_000));
        }
        return String.join(", ", parts);
    }

    /** The tables, smallest names first: a fixed order, so that a pass resumes where it stopped. */
    private static List<String> tables(Connection conn) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } finally {
            conn.rollback();
        }
        return out;
    }

    /** One table's quick_check in its own snapshot, interrupted past {@code budgetNanos}. */
    private Step checkTable(Connection conn, String table, long budgetNanos, List<String> problems) throws SQLException {
        SQLiteConnection sqlite = conn.isWrapperFor(SQLiteConnection.class) ? conn.unwrap(SQLiteConnection.class) : null;
        long start = System.nanoTime();
        long deadline = start + budgetNanos;
        boolean[] interrupted = {false};
        if (sqlite != null) {
            ProgressHandler.setHandler(sqlite, PROGRESS_STEPS, new ProgressHandler() {
                @Override
                protected int progress() {
                    if (stopping || System.nanoTime() - deadline > 0) {
                        interrupted[0] = true;
                        return 1; // non-zero: SQLite stops the statement with SQLITE_INTERRUPT
                    }
                    return 0;
                }
            });
        }
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA quick_check(\"" + table.replace("\"", "\"\"") + "\")")) {
            while (rs.next()) {
                String r = rs.getString(1);
                if (!"ok".equals(r)) {
                    problems.add(r);
                }
            }
        } catch (SQLException e) {
            if (!interrupted[0]) {
                throw e;
            }
        } finally {
            try {
                conn.rollback();
            } finally {
                if (sqlite != null) {
                    ProgressHandler.clearHandler(sqlite); // the connection goes back to the pool
                }
            }
        }
        return new Step(table, System.nanoTime() - start, budgetNanos, interrupted[0]);
    }
}
