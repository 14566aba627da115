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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding 6 of the hardening review: an unexpected exception while the writer commits a batch
 * (here a RuntimeException thrown right before COMMIT) gets the writer's one failure policy: the
 * transaction is rolled back, writing halts, and every future of the batch fails. Before the fix
 * it reached the Disruptor's last-resort handler, which only logged: futures hung forever and the
 * open BEGIN IMMEDIATE kept the database locked.
 */
class WriterFailurePolicyIT {
    @TempDir
    Path dir;

    @Test
    void anUnexpectedExceptionAtCommitHaltsRollsBackAndFailsTheBatchsFutures() throws Exception {
        AtomicBoolean explode = new AtomicBoolean();
        Path db = dir.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(TestFaults.inject(LedgerConfig.builder(db),
                (first, last) -> {
                    if (explode.get()) {
                        throw new IllegalStateException("a bug inside the commit path (injected)");
                    }
                }).build())) {
            ok(ledger.submit(new Deposit("alice", 100, "before")));
            explode.set(true);
            List<CompletableFuture<Receipt>> batch = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                batch.add(ledger.submit(new Deposit("alice", 1, "doomed-" + i)));
            }
            for (CompletableFuture<Receipt> f : batch) {
                LedgerException e = error(f); // waits at most 30 s: a hung future fails the test
                assertThat(e).isInstanceOf(LedgerException.LedgerHalted.class);
            }
            assertThat(ledger.haltReason()).contains("a bug inside the commit path");
            assertThat(error(ledger.submit(new Deposit("alice", 1, "after"))).code()).isEqualTo("LEDGER_HALTED");
            assertThat(ledger.view().seq()).isEqualTo(1);

            // no transaction was left open: another connection gets the write lock at once
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement st = other.createStatement()) {
                st.execute("PRAGMA busy_timeout=2000");
                st.execute("BEGIN IMMEDIATE");
                st.execute("ROLLBACK");
            }
        }
        // and nothing of the failed batch is in the file
        try (Ledger reopened = Ledger.open(LedgerConfig.builder(db).build())) {
            assertThat(reopened.view().seq()).isEqualTo(1);
        }
    }

    @Test
    void anErrorThrownByACommitListenerStillDeliversTheCommittedBatchThenHalts() throws Exception {
        Path db = dir.resolve("listener-error.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).commitListener(n -> {
            if (n.firstSeq() == 2) {
                throw new AssertionError("a listener's Error (injected)");
            }
        }).build())) {
            ok(ledger.submit(new Deposit("alice", 100, "one")));
            // seq 2 is committed before its listener runs: its caller gets the receipt, never a failure
            assertThat(ok(ledger.submit(new Deposit("alice", 1, "two"))).firstSeq()).isEqualTo(2);
            assertThat(ledger.view().seq()).isEqualTo(2);
            assertThat(ledger.haltReason()).contains("commit listener", "injected");
            assertThat(error(ledger.submit(new Deposit("alice", 1, "three"))).code()).isEqualTo("LEDGER_HALTED");
        }
        try (Ledger reopened = Ledger.open(LedgerConfig.builder(db).build())) {
            assertThat(reopened.view().seq()).isEqualTo(2);
        }
    }
}
