package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** An audit beside a writer that keeps committing judges one snapshot, says which, and finds it intact. */
class AuditLiveIT {
    @TempDir
    Path dir;

    @Test
    void auditsALiveLedgerAtTheSnapshotItRead() throws Exception {
        Path db = dir.resolve("live.db");
        AtomicBoolean stop = new AtomicBoolean();
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).build())) {
            for (int i = 0; i < 2_000; i++) {
                ledger.submit(new Deposit("p" + (i % 10), 5, "warm-up"));
            }
            ledger.submit(new Deposit("p0", 1, "barrier")).join();
            Thread writer = new Thread(() -> {
                List<CompletableFuture<Receipt>> window = new ArrayList<>();
                while (!stop.get()) {
                    window.add(ledger.submit(new Deposit("p" + (window.size() % 10), 1, "live")));
                    if (window.size() == 32) {
                        window.forEach(CompletableFuture::join);
                        window.clear();
                    }
                }
                window.forEach(CompletableFuture::join);
            });
            writer.start();
            List<AuditReport> reports = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                reports.add(new Auditor().audit(db, Auditor.Options.everything(), n -> { }));
            }
            stop.set(true);
            writer.join();
            long finalSeq = ledger.view().seq();
            long previous = 0;
            for (AuditReport r : reports) {
                assertThat(r.problems()).isEmpty();
                assertThat(r.intact()).isTrue();
                assertThat(r.snapshotSeq()).isEqualTo(r.events()).isBetween(2_001L, finalSeq);
                assertThat(r.snapshotSeq()).isGreaterThanOrEqualTo(previous);
                previous = r.snapshotSeq();
            }
            assertThat(finalSeq).as("the writer kept committing during the audits").isGreaterThan(reports.get(0).snapshotSeq());
        }
    }
}
