package io.bitcraps.ledger.api;

import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the public API hands out is the caller's to keep: scribbling over the head hash of a view's
 * state changes neither the next view, nor the hash the next commit chains to, nor what the audit
 * finds; a commit listener is shown the head as an immutable hex string, the same the views show.
 */
class HeadHashCopiesIT {
    @TempDir
    Path dir;

    @Test
    void scribblingOverTheHeadHashesTheApiHandsOutChangesNothingInTheLedger() throws Exception {
        Path db = dir.resolve("ledger.db");
        List<String> heads = new CopyOnWriteArrayList<>();
        LedgerConfig config = LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO)
                .commitListener(notice -> heads.add(notice.lastSeq() + " " + notice.headHash()))
                .build();
        try (Ledger ledger = Ledger.open(config)) {
            ok(ledger.submit(new Deposit("p1", 100, "cage-1")));
            LedgerView view = ledger.view();
            String before = view.headHash();

            Arrays.fill(view.state().headHashUnsafe(), (byte) 0x5a);
            Arrays.fill(view.state().headHash(), (byte) 0x5a);

            assertThat(view.headHash()).as("the same view, read again").isEqualTo(before);
            assertThat(ledger.view().headHash()).as("a fresh view").isEqualTo(before);
            assertThat(Hex.of(ledger.view().state().headHashUnsafe())).isEqualTo(before);

            // the next commit chains to the real head, not to the scribbled bytes
            ok(ledger.submit(new Deposit("p2", 50, "cage-2")));
            ok(ledger.submit(new Deposit("p1", 25, "cage-3")));
            assertThat(ledger.health().check("chain").detail()).contains("chain to the head at seq 3");
            assertThat(heads).as("the heads the listener was told of").endsWith("3 " + ledger.view().headHash());
            assertThat(heads.get(0)).isEqualTo("1 " + before);
            try (Connection conn = LedgerDatabase.openReadOnly(db)) {
                assertThat(Hex.of(EventReader.head(conn).hash())).isEqualTo(ledger.view().headHash());
            }
        }
        AuditReport report = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, null, null), n -> { });
        assertThat(report.problems()).as("audit problems").isEmpty();
        assertThat(report.intact()).isTrue();
        assertThat(report.events()).isEqualTo(3);
    }
}
