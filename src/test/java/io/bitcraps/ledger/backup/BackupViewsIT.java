package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A backup of a log-first ledger carries its views file (issue #12, item 7: "the views file
 * optional, with its watermark"): the manifest names its watermark and SHA-256, a restore puts it
 * beside the restored database and the open serves it instead of rebuilding; a changed views file
 * fails the backup's verification; a backup without it restores to an open that rebuilds the views.
 */
class BackupViewsIT {
    @TempDir
    Path dir;

    private Path writeLedger() throws Exception {
        Path db = dir.resolve("live").resolve("ledger.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO)
                .build())) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(2, 6, 6, 5, "bv", 1_000, 1_000_000)).run(n -> { });
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
        }
        return db;
    }

    private static final java.time.Instant T0 = java.time.Instant.parse("2026-12-05T04:00:00Z");

    /** A clock at T0 plus {@code minutes}: backups named in the order they were taken. */
    private static Clock at(int minutes) {
        return Clock.fixed(T0.plus(Duration.ofMinutes(minutes)), java.time.ZoneOffset.UTC);
    }

    private static Ledger open(Path db) {
        return Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build());
    }

    @Test
    void aBackupCarriesTheViewsFileAndARestoreServesItWithoutARebuild() throws Exception {
        Path db = writeLedger();
        Path backups = dir.resolve("backups");
        Backups.Result r = Backups.take(db, backups, null, Clock.systemUTC());
        Manifest m = r.manifest();
        assertThat(m.hasViews()).isTrue();
        assertThat(m.viewsSeq()).isEqualTo(m.seq()); // the ledger was closed with its views at the head
        assertThat(r.file().resolveSibling(Manifest.viewsFileNameFor(r.file().getFileName().toString()))).isRegularFile();
        assertThat(Files.readString(r.manifestFile())).contains("\"viewsSeq\":" + m.seq(), "\"viewsSha256\":\"" + m.viewsSha256());
        assertThat(Backups.verify(r.file(), null)).isEqualTo(m);

        Path to = dir.resolve("restored").resolve("ledger.db");
        Restore.restore(backups, r.file().getFileName().toString(), to, false, null, Long.MAX_VALUE, Long.MAX_VALUE, null);
        assertThat(LedgerDatabase.viewsFileOf(to)).isRegularFile();
        Map<String, Long> balances;
        try (Ledger ledger = open(to)) {
            assertThat(ledger.openReport()).doesNotContain("views file");
            assertThat(ledger.viewsSeq()).isEqualTo(m.seq());
            balances = ledger.view().balances();
            ok(ledger.submit(new Deposit("after-restore", 5, "cage")));
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
            assertThat(ledger.accounts().balance(Account.player("after-restore"))).hasValue(5);
        }
        assertThat(balances).isNotEmpty();
        AuditReport audit = new Auditor().audit(to, Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.views()).isEqualTo("compared with the replay at its watermark, seq " + (m.seq() + 1));
    }

    @Test
    void aChangedViewsFileFailsTheBackupsVerificationAndItsRestoreAMissingOneDoesNot() throws Exception {
        Path db = writeLedger();
        Path backups = dir.resolve("backups");
        Backups.Result r = Backups.take(db, backups, null, Clock.systemUTC());
        Path views = r.file().resolveSibling(Manifest.viewsFileNameFor(r.file().getFileName().toString()));
        try (RandomAccessFile f = new RandomAccessFile(views.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x40);
        }
        assertThatThrownBy(() -> Backups.verify(r.file(), null)).isInstanceOf(BackupFailure.class)
                .hasMessageContaining("the views file of backup " + r.file().getFileName() + " was changed after it was taken")
                .hasMessageContaining("the manifest says " + r.manifest().viewsSha256());
        Path to = dir.resolve("restored").resolve("ledger.db");
        assertThatThrownBy(() -> Restore.restore(backups, r.file().getFileName().toString(), to, false, null,
                Long.MAX_VALUE, Long.MAX_VALUE, null)).isInstanceOf(BackupFailure.class);
        assertThat(to).doesNotExist();

        // a backup copied without its views file is still whole: it restores, and the open builds the views
        Files.delete(views);
        assertThat(Backups.verify(r.file(), null)).isEqualTo(r.manifest());
        Restore.restore(backups, r.file().getFileName().toString(), to, false, null, Long.MAX_VALUE, Long.MAX_VALUE, null);
        assertThat(LedgerDatabase.viewsFileOf(to)).doesNotExist();
        try (Ledger ledger = open(to)) {
            assertThat(ledger.openReport()).contains("is rebuilt from the log", "because it was missing");
        }
    }

    @Test
    void aBackupWithoutTheViewsRestoresToAnOpenThatRebuildsThem() throws Exception {
        Path db = writeLedger();
        Path backups = dir.resolve("backups");
        Backups.Result r = Backups.take(db, backups, null, at(0), false);
        assertThat(r.manifest().hasViews()).isFalse();
        assertThat(Files.readString(r.manifestFile())).doesNotContain("views");
        Path to = dir.resolve("restored").resolve("ledger.db");
        Restore.restore(backups, r.file().getFileName().toString(), to, false, null, Long.MAX_VALUE, Long.MAX_VALUE, null);
        assertThat(LedgerDatabase.viewsFileOf(to)).doesNotExist();
        try (Ledger ledger = open(to)) {
            assertThat(ledger.openReport()).contains("is rebuilt from the log", "because it was missing");
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
        }
        // retention takes a backup's views file with it
        Backups.Result withViews = Backups.take(db, backups, null, at(1));
        Path itsViews = withViews.file().resolveSibling(Manifest.viewsFileNameFor(withViews.file().getFileName().toString()));
        assertThat(itsViews).isRegularFile();
        Backups.Result newest = Backups.take(db, backups, null, at(2));
        // keep none by age, at least the newest one: the two older backups go
        Retention.apply(backups, Duration.ZERO, 1, T0.plus(Duration.ofDays(1)));
        assertThat(newest.file()).exists();
        assertThat(withViews.file()).doesNotExist();
        assertThat(itsViews).doesNotExist();
        assertThat(r.file()).doesNotExist();
    }
}
