package io.bitcraps.ledger.api;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full disk, made portable with {@code PRAGMA max_page_count} (the ledger's size cap): the
 * batches that cannot fit fail with StorageFailure carrying SQLITE_FULL, every acknowledged
 * command stays, the writer keeps serving, and writes succeed again once room is made.
 */
class DiskFullIT {
    private static final int SQLITE_FULL = 13;

    @TempDir
    Path dir;

    @Test
    void aFullDiskFailsOnlyTheBatchesThatDoNotFitAndTheLedgerRecoversWhenRoomIsMade() throws Exception {
        Path db = dir.resolve("ledger.db");
        List<Receipt> acknowledged = new ArrayList<>();
        long acknowledgedChips = 0;
        int storageFailures = 0;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).maxDatabaseBytes(1 << 20).build())) {
            // fill the 1 MiB cap in chunks of concurrent submissions until some fail
            for (int chunk = 0; chunk < 400 && storageFailures == 0; chunk++) {
                List<CompletableFuture<Receipt>> futures = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    futures.add(ledger.submit(new Deposit("p" + (i % 7), 1, "filler-" + "x".repeat(50) + chunk + "-" + i)));
                }
                for (CompletableFuture<Receipt> f : futures) {
                    try {
                        acknowledged.add(f.get());
                        acknowledgedChips++;
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(LedgerException.StorageFailure.class);
                        LedgerException.StorageFailure sf = (LedgerException.StorageFailure) e.getCause();
                        assertThat(sf.sqliteResultCode() & 0xff).isEqualTo(SQLITE_FULL);
                        assertThat(sf.getMessage()).contains("rolled back");
                        storageFailures++;
                    }
                }
            }
            assertThat(storageFailures).as("the cap was reached").isPositive();
            assertThat(ledger.haltReason()).isNull();
            // the view holds exactly the acknowledged commands; no failed batch leaked into it
            assertThat(ledger.view().seq()).isEqualTo(acknowledged.size());
            assertThat(sumOfPlayers(ledger.view())).isEqualTo(acknowledgedChips);

            // the operator makes room; the same ledger accepts writes again without a restart
            long cap = ledger.setMaxDatabaseBytes(64L << 20).get();
            assertThat(cap).isGreaterThanOrEqualTo(64L << 20);
            Receipt after = ok(ledger.submit(new Deposit("p0", 1, "after")));
            assertThat(after.seq()).isEqualTo(acknowledged.size() + 1);
            acknowledged.add(after);
        }
        // every acknowledged seq is on disk, with no gap and a chain that verifies
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            Set<Long> stored = new HashSet<>();
            EventReader.forEach(conn, 1, Long.MAX_VALUE, row -> stored.add(row.seq()));
            for (Receipt r : acknowledged) {
                assertThat(stored).contains(r.seq());
            }
            assertThat(stored).hasSize(acknowledged.size());
            LedgerState replayed = new Replayer(new PayloadCodec()).replay(conn, LedgerDatabase.ledgerId(conn));
            assertThat(replayed.seq()).isEqualTo(acknowledged.size());
            assertThat(replayed.balanceSum()).isZero();
        }
    }

    private static long sumOfPlayers(LedgerView view) {
        long sum = 0;
        for (int p = 0; p < 7; p++) {
            sum += view.balance(Account.player("p" + p));
        }
        return sum;
    }
}
