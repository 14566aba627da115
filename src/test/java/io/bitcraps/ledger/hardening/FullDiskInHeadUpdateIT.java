package io.bitcraps.ledger.hardening;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A full disk can strike any statement of a batch, not only the event inserts. sqlite-jdbc
 * finalizes a prepared statement whose step fails with SQLITE_FULL, so before the writer renewed
 * its statements after a failed batch, one full disk inside the batch-record insert failed every
 * later batch with "statement is not executing", however much room was made. A trigger here makes
 * the batch-record insert itself allocate the pages that do not fit.
 */
class FullDiskInHeadUpdateIT {
    @TempDir
    Path dir;

    @Test
    void batchesCommitAgainOnceRoomIsMadeAfterTheBatchRecordInsertFoundTheDiskFull() throws Exception {
        Path db = dir.resolve("ledger.db");
        try (Ledger ledger = open(db, 64L << 20)) {
            ledger.submit(new Deposit("alice", 1, "first")).get(30, TimeUnit.SECONDS);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE ballast (b BLOB)");
            // every batch record drags 300 KB in with it, inside the INSERT INTO batches step
            st.execute("CREATE TRIGGER ballast_with_every_batch AFTER INSERT ON batches"
                    + " BEGIN INSERT INTO ballast VALUES (randomblob(300000)); END");
        }
        try (Ledger ledger = open(db, 1L << 20)) {
            LedgerException full = null;
            for (int i = 0; i < 20 && full == null; i++) {
                try {
                    ledger.submit(new Deposit("alice", 1, "fill-" + i)).get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    full = (LedgerException) e.getCause();
                }
            }
            if (full == null) {
                fail("20 batches of 300 KB fitted under a 1 MiB cap");
            }
            assertThat(full.code()).isEqualTo("STORAGE_FAILURE");
            assertThat(full.getMessage()).contains("FULL");

            ledger.setMaxDatabaseBytes(256L << 20).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                Receipt r = ledger.submit(new Deposit("alice", 1, "after-" + i)).get(30, TimeUnit.SECONDS);
                assertThat(r.seq()).isPositive();
            }
            assertThat(ledger.haltReason()).isNull();
        }
    }

    private static Ledger open(Path db, long maxBytes) {
        return Ledger.open(LedgerConfig.builder(db).maxDatabaseBytes(maxBytes).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build());
    }
}
