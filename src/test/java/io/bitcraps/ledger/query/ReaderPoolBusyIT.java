package io.bitcraps.ledger.query;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reader pool's SQLITE_BUSY path: a read that meets BUSY (a WAL reset or recovery by another
 * connection, which SQLite reports without waiting in its busy handler) is retried on a fresh
 * snapshot with exponential backoff, a bounded number of times; any other error is not retried;
 * every attempt returns its connection to the pool. The BUSY comes from the query, the one seam
 * a caller controls, as the driver's own SQLiteException with the real result code.
 */
class ReaderPoolBusyIT {
    @TempDir
    Path dir;
    Path db;

    @BeforeEach
    void aLedgerWithOneEvent() {
        db = dir.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).build())) {
            ok(ledger.submit(new Deposit("alice", 10, "x")));
        }
    }

    private static SQLiteException busy() {
        return new SQLiteException("[SQLITE_BUSY_RECOVERY] another connection is recovering the WAL", SQLiteErrorCode.SQLITE_BUSY_RECOVERY);
    }

    @Test
    void aBusyReadIsRetriedOnAFreshSnapshotAndSucceeds() throws Exception {
        try (ReaderPool pool = new ReaderPool(db, 2, null)) {
            AtomicInteger calls = new AtomicInteger();
            ReaderPool.Snapshot<String> s = pool.read((conn, seq) -> {
                if (calls.incrementAndGet() <= 3) {
                    throw busy();
                }
                return "read at " + seq;
            });
            assertThat(calls.get()).isEqualTo(4);
            assertThat(s.value()).isEqualTo("read at 1");
            assertThat(s.seq()).isEqualTo(1);
            assertThat(pool.stats().getActiveConnections()).as("every attempt gave its connection back").isZero();
        }
    }

    @Test
    void aReadThatStaysBusyGivesUpAfterTheBoundedBackoff() throws Exception {
        try (ReaderPool pool = new ReaderPool(db, 2, null)) {
            AtomicInteger calls = new AtomicInteger();
            long start = System.nanoTime();
            assertThatThrownBy(() -> pool.read((conn, seq) -> {
                calls.incrementAndGet();
                throw busy();
            })).isInstanceOf(SQLException.class).hasMessageContaining("SQLITE_BUSY");
            long elapsedMicros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
            assertThat(calls.get()).as("first try plus 6 retries").isEqualTo(7);
            // each backoff sleeps at least half its step: 100 µs × (1 + 2 + 4 + 8 + 16 + 32)
            assertThat(elapsedMicros).isGreaterThanOrEqualTo(6_300);
            assertThat(pool.stats().getActiveConnections()).isZero();
        }
    }

    @Test
    void otherErrorsAreNotRetried() throws Exception {
        try (ReaderPool pool = new ReaderPool(db, 2, null)) {
            AtomicInteger calls = new AtomicInteger();
            assertThatThrownBy(() -> pool.read((conn, seq) -> {
                calls.incrementAndGet();
                throw new SQLiteException("[SQLITE_IOERR] disk I/O error", SQLiteErrorCode.SQLITE_IOERR);
            })).hasMessageContaining("SQLITE_IOERR");
            assertThat(calls.get()).isEqualTo(1);
        }
    }
}
