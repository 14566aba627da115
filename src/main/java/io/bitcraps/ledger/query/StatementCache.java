package io.bitcraps.ledger.query;

import io.bitcraps.ledger.domain.Limits;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The prepared statements of one physical reader connection, by SQL text, so that a repository
 * compiles its SQL once per connection instead of once per call (issue #15; the seed's
 * {@code prepare_cached}).
 * <p>
 * Ownership and threads: one cache per {@link ReaderConnection}, made with it and closed with it,
 * never shared between connections. HikariCP lends a connection to one borrower at a time, so one
 * thread at a time uses the cache; the methods are synchronized only so that the pool's closer
 * thread, which closes an evicted connection, sees the last borrower's writes (uncontended, tens of
 * nanoseconds against a query's tens of microseconds).
 * <p>
 * A statement is taken out of the map for one use ({@link #query}) and put back only once it is
 * reset: its result set closed (sqlite-jdbc then calls {@code sqlite3_reset}) and its parameters
 * cleared. So the map holds idle, reset statements only. This matters: an SQLite statement that
 * has returned a row and was not reset keeps its read transaction, and with it its snapshot of the
 * WAL, after the connection's own transaction ended; no checkpoint can get past that snapshot and
 * the WAL grows without bound. A use that fails in any way (an SQLException, or anything the
 * caller's row reader throws) closes the statement instead of putting it back: a broken statement
 * is never lent again. A nested use of the same SQL (the row reader of one query running the same
 * SQL again) finds no idle statement and prepares its own; the surplus one is closed when both
 * come back. At most {@link Limits#READER_STATEMENTS_MAX} are kept; past that the least recently
 * used is closed.
 */
final class StatementCache implements AutoCloseable {

    /** Binds a statement's parameters. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Reads the rows of one execution; the cache closes the result set afterwards. */
    @FunctionalInterface
    interface Rows<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** What every cache of one pool did, summed; shared by the pool's connections, safe from any thread. */
    static final class Counters {
        final LongAdder prepared = new LongAdder();
        final LongAdder reused = new LongAdder();
        /** Statements that left the cache, each closed: failed, surplus, least recently used past the bound, or at the connection's close. */
        final LongAdder closed = new LongAdder();
    }

    private final Connection physical;
    private final Counters counters;
    private final int statementsMax;
    /** Idle, reset statements in the order last returned: the first is the least recently used. */
    private final LinkedHashMap<String, PreparedStatement> idle;
    private boolean closed;

    StatementCache(Connection physical, Counters counters) {
        this(physical, counters, Limits.READER_STATEMENTS_MAX);
    }

    StatementCache(Connection physical, Counters counters, int statementsMax) {
        if (statementsMax < 1) {
            throw new IllegalArgumentException("statementsMax must be positive, got " + statementsMax);
        }
        this.physical = physical;
        this.counters = counters;
        this.statementsMax = statementsMax;
        this.idle = new LinkedHashMap<>(16, 0.75f, false);
    }

    /**
     * Runs {@code sql} once with the parameters {@code bind} sets and returns what {@code rows} read
     * from the result. The statement is reset before this returns, whatever happened.
     */
    <T> T query(String sql, Binder bind, Rows<T> rows) throws SQLException {
        PreparedStatement ps = take(sql);
        boolean reset = false;
        try {
            bind.bind(ps);
            T result;
            try (ResultSet rs = ps.executeQuery()) {
                result = rows.read(rs);
            }
            ps.clearParameters();
            reset = true;
            return result;
        } finally {
            if (reset) {
                giveBack(sql, ps);
            } else {
                discard(ps);
            }
        }
    }

    private synchronized PreparedStatement take(String sql) throws SQLException {
        if (closed) {
            throw new SQLException("the reader connection is closed");
        }
        PreparedStatement ps = idle.remove(sql);
        if (ps != null) {
            counters.reused.increment();
            return ps;
        }
        ps = physical.prepareStatement(sql);
        counters.prepared.increment();
        return ps;
    }

    private synchronized void giveBack(String sql, PreparedStatement ps) {
        if (closed) {
            discard(ps);
            return;
        }
        PreparedStatement surplus = idle.put(sql, ps);
        if (surplus != null) {
            discard(surplus);
        }
        if (idle.size() > statementsMax) {
            Map.Entry<String, PreparedStatement> eldest = idle.entrySet().iterator().next();
            idle.remove(eldest.getKey());
            discard(eldest.getValue());
        }
    }

    /** Closes a statement that leaves the cache. A close that fails leaves it to the connection's close (sqlite-jdbc finalizes every statement it still has). */
    private void discard(PreparedStatement ps) {
        counters.closed.increment();
        try {
            ps.close();
        } catch (SQLException | RuntimeException ignored) {
            // the connection's close finalizes it
        }
    }

    /** How many idle statements are kept now. */
    synchronized int size() {
        return idle.size();
    }

    /** Closes every idle statement; a statement lent out now is closed when it comes back. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (PreparedStatement ps : idle.values()) {
            discard(ps);
        }
        idle.clear();
    }
}
