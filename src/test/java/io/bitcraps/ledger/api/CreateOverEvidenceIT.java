package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.store.WriterLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Ledger#open} does not quietly start a new, empty ledger where one evidently existed; the
 * CLI side, with every kind of evidence, is {@code cli.RecoverCliIT}.
 */
class CreateOverEvidenceIT {
    @TempDir
    Path dir;

    private LedgerConfig.Builder config(Path db) {
        return LedgerConfig.builder(db).backupDir(dir.resolve("backups")).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO);
    }

    @Test
    void aDeletedDatabaseIsRefusedNamingTheEvidenceAndCreatedOnlyWithTheFlag() throws Exception {
        Path db = dir.resolve("ledger.db");
        String id;
        try (Ledger ledger = Ledger.open(config(db).build())) {
            ok(ledger.submit(new FundHouse(1_000, "bankroll")));
            ledger.backup();
            id = ledger.ledgerId();
        }
        Files.delete(db);

        assertThatThrownBy(() -> Ledger.open(config(db).build()).close())
                .isInstanceOf(DatabaseMissing.class)
                .hasMessageContaining("no ledger database at " + db)
                .hasMessageContaining(WriterLock.lockFileOf(db) + " says ledger " + id)
                .hasMessageContaining("was taken from it")
                .hasMessageContaining("tools/ledger recover --db " + db)
                .hasMessageContaining("allowCreateOverEvidence(true)");
        assertThat(db).doesNotExist();

        try (Ledger fresh = Ledger.open(config(db).allowCreateOverEvidence(true).build())) {
            assertThat(fresh.view().seq()).isZero();
            assertThat(fresh.ledgerId()).isNotEqualTo(id);
            assertThat(fresh.openReport()).contains("created a new, empty ledger");
            assertThat(ok(fresh.submit(new Deposit("a", 1, "x"))).seq()).isEqualTo(1);
        }
    }

    @Test
    void aFreshPathNeedsNoFlagAndTheOpenDoesNotDisturbALedgerThisJvmHolds() throws Exception {
        Path db = dir.resolve("new").resolve("ledger.db");
        try (Ledger ledger = Ledger.open(config(db).build())) {
            assertThat(ledger.view().seq()).isZero();
            // a second open of the same path in this JVM is refused by the lock as before
            assertThatThrownBy(() -> Ledger.open(config(db).build()).close()).isInstanceOf(
                    io.bitcraps.ledger.store.WriterLockHeld.class);
            assertThat(ok(ledger.submit(new FundHouse(1, "r"))).seq()).isEqualTo(1);
        }
    }
}
