package io.bitcraps.ledger.hardening;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.TestFaults;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer retries a batch while another connection holds the database's write lock (the
 * seed's retry-on-busy behaviour), with backoff, within a stated deadline; past the deadline the
 * batch fails as the retryable STORAGE_FAILURE (code BUSY) and the writer goes on. The lock is
 * held by a second real SQLite connection in BEGIN IMMEDIATE, as an operator's shell would.
 */
class BusyRetryIT {
    private static final int SQLITE_BUSY = 5;

    @TempDir
    Path dir;

    private static Connection holdWriteLock(Path db) throws Exception {
        Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement st = other.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
        }
        return other;
    }

    private static void release(Connection other) throws Exception {
        try (Statement st = other.createStatement()) {
            st.execute("ROLLBACK");
        }
        other.close();
    }

    @Test
    void aBatchThatMeetsABusyDatabaseIsRetriedUntilTheLockIsFree() throws Exception {
        Path db = dir.resolve("ledger.db");
        // each attempt waits only 50 ms inside SQLite; the lock is held far longer than that
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).busyTimeout(Duration.ofMillis(50)).build())) {
            ok(ledger.submit(new Deposit("alice", 100, "before")));
            Connection other = holdWriteLock(db);
            long start = System.nanoTime();
            CompletableFuture<Receipt> during = ledger.submit(new Deposit("alice", 5, "during"));
            Thread.sleep(800);
            assertThat(during.isDone()).as("still retrying while the lock is held").isFalse();
            release(other);
            Receipt r = during.get(30, TimeUnit.SECONDS);
            assertThat(r.firstSeq()).isEqualTo(2);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(800);
            assertThat(ledger.stats().failedBatches()).isZero();
        }
    }

    @Test
    void pastTheDeadlineTheBatchFailsAsRetryableBusyAndTheWriterGoesOn() throws Exception {
        Path db = dir.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).busyTimeout(Duration.ofMillis(20))
                .busyRetryDeadline(Duration.ofMillis(300)).build())) {
            ok(ledger.submit(new Deposit("alice", 100, "before")));
            Connection other = holdWriteLock(db);
            LedgerException e;
            try {
                e = error(ledger.submit(new Deposit("alice", 5, "during")));
            } finally {
                release(other);
            }
            assertThat(e).isInstanceOf(LedgerException.StorageFailure.class);
            assertThat(((LedgerException.StorageFailure) e).sqliteResultCode() & 0xff).isEqualTo(SQLITE_BUSY);
            assertThat(e.getMessage()).contains("BUSY");
            assertThat(ledger.haltReason()).isNull();
            assertThat(ok(ledger.submit(new Deposit("alice", 5, "during"))).firstSeq()).isEqualTo(2);
        }
    }

    @Test
    void aBusyAtCommitWithTheRowsAlreadySentIsRetriedWithoutWritingThemTwice() throws Exception {
        Path db = dir.resolve("busy-at-commit.db");
        java.util.concurrent.atomic.AtomicInteger busyLeft = new java.util.concurrent.atomic.AtomicInteger();
        try (Ledger ledger = Ledger.open(TestFaults.inject(LedgerConfig.builder(db), (first, last) -> {
            if (busyLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                // the rows, the batch record and the head are sent; COMMIT meets a busy database
                throw new org.sqlite.SQLiteException("[SQLITE_BUSY] database is locked (injected at COMMIT)",
                        org.sqlite.SQLiteErrorCode.SQLITE_BUSY);
            }
        }).build())) {
            ok(ledger.submit(new Deposit("alice", 100, "before")));
            busyLeft.set(3);
            java.util.List<CompletableFuture<Receipt>> batch = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                batch.add(ledger.submit(new Deposit("alice", 1, "b" + i)));
            }
            for (CompletableFuture<Receipt> f : batch) {
                ok(f);
            }
            assertThat(busyLeft.get()).isZero();
            assertThat(ledger.view().seq()).isEqualTo(6);
            assertThat(ledger.stats().failedBatches()).isZero();
        }
        try (Ledger reopened = Ledger.open(LedgerConfig.builder(db).build())) {
            assertThat(reopened.view().seq()).isEqualTo(6);
            assertThat(reopened.view().balance(io.bitcraps.ledger.domain.Account.player("alice"))).isEqualTo(105);
        }
    }
}
