package io.bitcraps.ledger.query;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.SqliteFailure;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A HikariCP pool of read-only SQLite connections. Read-only is set in the driver config (the
 * pool's own {@code setReadOnly} cannot change sqlite-jdbc's flag after connecting), the pragmas
 * travel as driver properties, and {@code query_only} is set on every new connection.
 * <p>
 * {@link #read} runs a query inside one read transaction, so every statement in it sees the same
 * snapshot, and reports that snapshot's seq: the read model's in the ledger database, the
 * watermark in the views file ({@link Source}). A reader that meets SQLITE_BUSY (a WAL reset or
 * recovery by another connection) backs off exponentially with jitter, a bounded number of times.
 * <p>
 * Prepared statements: each physical connection is a {@link ReaderConnection} with its own
 * {@link StatementCache}; the pool makes them itself (a data source given to HikariCP) so the
 * cache is created with the connection and closed with it. Queries reach the cache through
 * {@link #statements(Connection)}; every statement comes back to it reset, so no idle connection
 * holds a read transaction open and checkpoints can always complete.
 */
public final class ReaderPool implements AutoCloseable {
    private static final int BUSY_RETRIES = 6;
    private static final long BUSY_BACKOFF_NANOS = 200_000;

    private final HikariDataSource pool;
    private final Source source;
    private final StatementCache.Counters statementCounters = new StatementCache.Counters();

    /**
     * Which file a pool reads, and where that file keeps the seq its tables reflect: the ledger
     * database (the read model kept in the writer's commit, {@code ledger_head.read_model_seq}) or
     * the views file beside it (the watermark, {@code views_head.seq}).
     */
    public enum Source {
        // the statements read the log itself, current at the head; in a database that keeps its read
        // model in its commit the read model's seq is the same (a log-first one keeps none: -1, and its
        // read-model tables are not read)
        LEDGER("ledger-readers", "SELECT seq FROM ledger_head WHERE id = 1"),
        VIEWS("ledger-views-readers", "SELECT seq FROM views_head WHERE id = 1");

        private final String poolName;
        private final String seqQuery;

        Source(String poolName, String seqQuery) {
            this.poolName = poolName;
            this.seqQuery = seqQuery;
        }
    }

    /** A query against one snapshot; {@code snapshotSeq} is the read model's seq in that snapshot. */
    @FunctionalInterface
    public interface SnapshotQuery<T> {
        T run(Connection conn, long snapshotSeq) throws SQLException;
    }

    /** A result and the seq of the snapshot it came from. */
    public record Snapshot<T>(T value, long seq) {}

    /**
     * The statement caches of this pool's connections, summed since open: statements prepared,
     * uses served by a statement prepared earlier, and statements closed (failed, surplus, past the
     * bound, or with their connection). {@code prepared - closed} is the number still open.
     */
    public record StatementStats(long prepared, long reused, long closed) {}

    /** A pool over the ledger database. */
    public ReaderPool(Path database, int size, Object meterRegistry) {
        this(database, size, meterRegistry, Source.LEDGER);
    }

    /** A pool over {@code file}, a ledger database or a views file as {@code source} says. */
    public ReaderPool(Path file, int size, Object meterRegistry, Source source) {
        this.source = source;
        Path database = file;
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(source.poolName);
        hc.setDataSource(new ConnectionSource(LedgerDatabase.readOnlyConfig(5_000), LedgerDatabase.url(database),
                database.toAbsolutePath().toString(), statementCounters));
        hc.setConnectionInitSql("PRAGMA query_only = 1");
        // The driver opened the connection read-only already; Hikari sets its flag on every
        // checkout, and sqlite-jdbc refuses a *change*, so the pool must say the same thing.
        hc.setReadOnly(true);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(Math.min(2, size));
        hc.setConnectionTimeout(10_000);
        hc.setInitializationFailTimeout(10_000);
        if (meterRegistry != null) {
            hc.setMetricRegistry(meterRegistry);
        }
        this.pool = new HikariDataSource(hc);
    }

    public <T> Snapshot<T> read(SnapshotQuery<T> query) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try (Connection conn = pool.getConnection()) {
                conn.setAutoCommit(false);
                try {
                    long seq = snapshotSeq(conn, source);
                    return new Snapshot<>(query.run(conn, seq), seq);
                } finally {
                    conn.rollback();
                }
            } catch (SQLException e) {
                if (SqliteFailure.classify(e) != SqliteFailure.BUSY || attempt >= BUSY_RETRIES) {
                    throw e;
                }
                long backoff = BUSY_BACKOFF_NANOS << attempt;
                LockSupport.parkNanos(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
            }
        }
    }

    private static long snapshotSeq(Connection conn, Source source) throws SQLException {
        return statements(conn).query(source.seqQuery, ps -> {}, rs -> rs.next() ? rs.getLong(1) : 0L);
    }

    /** The statement cache of a connection this pool lent ({@link #read}); an SQLException for any other connection. */
    static StatementCache statements(Connection conn) throws SQLException {
        return conn.unwrap(ReaderConnection.class).statements();
    }

    public StatementStats statementStats() {
        return new StatementStats(statementCounters.prepared.sum(), statementCounters.reused.sum(),
                statementCounters.closed.sum());
    }

    /** Which file this pool reads. */
    public Source source() {
        return source;
    }

    /** A pooled read-only connection, for checks that run their own statements (health). Close it to return it. */
    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    public HikariPoolMXBean stats() {
        return pool.getHikariPoolMXBean();
    }

    @Override
    public void close() {
        pool.close();
    }

    /**
     * How HikariCP makes the pool's physical connections: read-only sqlite-jdbc connections that
     * carry their statement cache. The driver's own data source with one change, the class of
     * connection it opens; it also keeps the login timeout HikariCP sets, which HikariCP's shutdown
     * reads back as how long to wait for a connection still being added.
     */
    private static final class ConnectionSource extends SQLiteDataSource {
        private final String file;
        private final StatementCache.Counters counters;

        ConnectionSource(SQLiteConfig config, String url, String file, StatementCache.Counters counters) {
            super(config);
            setUrl(url);
            this.file = file;
            this.counters = counters;
        }

        @Override
        public SQLiteConnection getConnection(String username, String password) throws SQLException {
            return new ReaderConnection(getUrl(), file, getConfig().toProperties(), counters); // a SQLite file has no users
        }
    }
}
