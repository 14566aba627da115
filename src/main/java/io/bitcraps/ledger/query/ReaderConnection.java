package io.bitcraps.ledger.query;

import org.sqlite.jdbc4.JDBC4Connection;

import java.sql.SQLException;
import java.util.Properties;

/**
 * A physical read-only sqlite-jdbc connection of a {@link ReaderPool}, carrying its own
 * {@link StatementCache}. HikariCP hands out proxies and closes, when a borrower returns one, every
 * statement prepared through it; statements prepared on this connection itself (reached through
 * {@code unwrap}) outlive the loan, which is what lets them be reused. The cache lives and dies
 * with this connection: the pool closes the connection (evicted, past its lifetime, or at the
 * pool's close) and {@link #close} closes the cached statements first.
 * <p>
 * A subclass of the driver's connection rather than a wrapper: the driver connection is the one
 * object whose lifetime is exactly the statements' lifetime, and a {@code Connection} wrapper
 * would be some fifty delegating methods.
 */
final class ReaderConnection extends JDBC4Connection {
    private final StatementCache statements;

    ReaderConnection(String url, String file, Properties driverProperties, StatementCache.Counters counters)
            throws SQLException {
        super(url, file, driverProperties);
        this.statements = new StatementCache(this, counters);
    }

    StatementCache statements() {
        return statements;
    }

    @Override
    public void close() throws SQLException {
        try {
            statements.close();
        } finally {
            super.close();
        }
    }
}
