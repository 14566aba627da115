package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.backup.Recovery;
import io.bitcraps.ledger.backup.Restore;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Variants of findings 1 and 7 that an adversarial review of the first fix found open, each shown
 * to fail before its fix: recover taking another ledger's backup when the database is gone,
 * recover undoing a point-in-time restore with a newer backup of the abandoned timeline, a restore
 * of a copy forking the archive of a running ledger, a zero-byte database and a path through a
 * symbolic link hiding the evidence that a ledger existed, and a damaged copy overwritten.
 */
class RecoverReviewCliIT {
    @TempDir
    Path dir;

    private static LedgerConfig.Builder config(Path db) {
        return LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
    }

    private static String ledgerIdOf(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return LedgerDatabase.ledgerId(c);
        }
    }

    private static long headOf(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return EventReader.maxSeq(c);
        }
    }

    /** A ledger of {@code n} deposits with one backup at its end, in the shared backup directory. */
    private static void ledgerWithBackup(Path db, Path backups, int n) throws Exception {
        try (Ledger ledger = Ledger.open(config(db).backupDir(backups).build())) {
            ok(ledger.submit(new FundHouse(1_000, "bankroll")));
            for (int i = 1; i < n; i++) {
                ok(ledger.submit(new Deposit("p", 1, "d" + i)));
            }
            ledger.backup();
        }
    }

    @Test
    void recoverOfAMissingDatabaseNeverTakesAnotherLedgersBackupFromASharedDirectory() throws Exception {
        Path s = Files.createDirectories(dir.resolve("s"));
        Path backups = s.resolve("backups");
        Path a = s.resolve("a.db");
        Path b = s.resolve("b.db");
        ledgerWithBackup(b, backups, 7); // only b has a backup; a's lock file still names a
        try (Ledger ledger = Ledger.open(config(a).backupDir(backups).build())) {
            ok(ledger.submit(new FundHouse(1_000, "bankroll")));
        }
        String idOfA = ledgerIdOf(a);
        for (String suffix : new String[]{"", "-wal", "-shm"}) {
            Files.deleteIfExists(s.resolve("a.db" + suffix));
        }
        ChildJvm.Result r = ChildJvm.run(s, "recover", "--db", a.toString(), "--dir", backups.toString());
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
        assertThat(r.stderr()).contains(idOfA, ledgerIdOf(b), "--foreign");
        assertThat(Files.exists(a)).as("no database of ledger b was put at a's path").isFalse();
    }

    @Test
    void recoverAfterAPointInTimeRestoreDoesNotUndoItWithANewerBackupOfTheAbandonedTimeline() throws Exception {
        Path db = dir.resolve("l.db");
        Path backups = dir.resolve("backups");
        Path archive = dir.resolve("archive");
        String older;
        try (Ledger ledger = Ledger.open(config(db).backupDir(backups).archiveDir(archive).build())) {
            ok(ledger.submit(new FundHouse(1_000, "bankroll")));
            for (int i = 1; i < 10; i++) {
                ok(ledger.submit(new Deposit("p", 1, "a" + i)));
            }
            older = ledger.backup().file().getFileName().toString(); // seq 10
            for (int i = 0; i < 50; i++) {
                ok(ledger.submit(new Deposit("p", 1, "b" + i)));
            }
            ledger.backup(); // seq 60, on the timeline the restore below abandons
        }
        ChildJvm.Result restored = ChildJvm.run(dir, "restore", older, "--dir", backups.toString(), "--to", db.toString(),
                "--force", "--archive", archive.toString(), "--until-seq", "30");
        assertThat(restored.exitCode()).as(restored.stdout() + restored.stderr()).isZero();
        try (Ledger ledger = Ledger.open(config(db).backupDir(backups).archiveDir(archive).build())) {
            for (int i = 0; i < 3; i++) {
                ok(ledger.submit(new Deposit("new-timeline", 7, "t" + i)));
            }
        }
        assertThat(headOf(db)).isEqualTo(33);
        ChildJvm.Result r = ChildJvm.run(dir, "recover", "--db", db.toString(), "--dir", backups.toString(),
                "--archive", archive.toString());
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).contains("skipped backup", "seq 60", "timeline").contains("at seq 10");
        assertThat(headOf(db)).as("the new timeline's seq 31..33 survive the recover").isEqualTo(33);
        try (Ledger ledger = Ledger.open(config(db).archiveDir(archive).build())) {
            assertThat(ledger.view().balance(io.bitcraps.ledger.domain.Account.player("new-timeline"))).isEqualTo(21);
        }
    }

    @Test
    void aRestoreOfACopyRefusesToForkTheArchiveOfARunningLedger() throws Exception {
        Path db = dir.resolve("live.db");
        Path backups = dir.resolve("backups");
        Path archive = dir.resolve("archive");
        Path copy = dir.resolve("copy.db");
        try (Ledger live = Ledger.open(config(db).backupDir(backups).archiveDir(archive).build())) {
            ok(live.submit(new FundHouse(1_000, "bankroll")));
            for (int i = 1; i < 20; i++) {
                ok(live.submit(new Deposit("p", 1, "a" + i)));
            }
            String name = live.backup().file().getFileName().toString();
            Restore.restore(backups, name, copy, new Restore.Options(false, false, false, null, Long.MAX_VALUE,
                    Long.MAX_VALUE, null));
            for (int i = 0; i < 10; i++) {
                ok(live.submit(new Deposit("p", 1, "b" + i)));
            }
            assertThatThrownBy(() -> Restore.restore(backups, name, copy, new Restore.Options(true, false, false, null,
                    25, Long.MAX_VALUE, archive)))
                    .isInstanceOf(BackupFailure.class).hasMessageContaining("in use by a ledger");
            assertThat(headOf(copy)).as("the copy was left as it was").isEqualTo(20);
            ok(live.submit(new Deposit("p", 1, "after")));
        }
        // the live ledger's archive was not forked: it reopens with it and carries on
        try (Ledger reopened = Ledger.open(config(db).backupDir(backups).archiveDir(archive).build())) {
            assertThat(reopened.view().seq()).isEqualTo(31);
            ok(reopened.submit(new Deposit("p", 1, "again")));
        }
    }

    @Test
    void aZeroByteDatabaseIsNoLedgerAndIngestRefusesToStartAnEmptyOneOverTheEvidence() throws Exception {
        Path db = dir.resolve("z.db");
        try (Ledger ledger = Ledger.open(config(db).build())) {
            ok(ledger.submit(new FundHouse(1_000, "bankroll")));
        }
        for (String suffix : new String[]{"-wal", "-shm"}) {
            Files.deleteIfExists(dir.resolve("z.db" + suffix));
        }
        Files.write(db, new byte[0]);
        ChildJvm.Result r = ChildJvm.run(dir, "ingest", "--db", db.toString());
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
        assertThat(r.stderr()).contains("lock file");
        assertThat(Files.size(db)).isZero();
    }

    @Test
    void aDatabasePathThroughASymbolicLinkStillFindsTheManifestsTakenFromIt() throws Exception {
        Path s = Files.createDirectories(dir.resolve("s"));
        Path db = s.resolve("b.db");
        Path backups = s.resolve("backups");
        ledgerWithBackup(db, backups, 3);
        for (String suffix : new String[]{"", "-wal", "-shm", ".writer-lock"}) {
            Files.deleteIfExists(s.resolve("b.db" + suffix));
        }
        Path link = Files.createSymbolicLink(dir.resolve("s2"), s);
        ChildJvm.Result r = ChildJvm.run(dir, "ingest", "--db", link.resolve("b.db").toString());
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
        assertThat(r.stderr()).contains("was taken from it");
        assertThat(Files.exists(db)).isFalse();
    }

    @Test
    void twoRecoversInTheSameSecondKeepBothDamagedCopies() throws Exception {
        Path db = dir.resolve("d.db");
        Path backups = dir.resolve("backups");
        ledgerWithBackup(db, backups, 5);
        Clock sameSecond = Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);
        Recovery.Report first = Recovery.recover(db, backups, null, null, sameSecond);
        Recovery.Report second = Recovery.recover(db, backups, null, null, sameSecond);
        assertThat(first.damagedCopy()).isNotNull();
        assertThat(second.damagedCopy()).isNotNull().isNotEqualTo(first.damagedCopy());
        assertThat(first.damagedCopy()).exists();
        assertThat(second.damagedCopy()).exists();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("d.db.damaged-")
                    && !p.toString().endsWith("-wal") && !p.toString().endsWith("-shm")).count()).isEqualTo(2);
        }
    }

    @Test
    void aRefusedKeyLeavesNoDatabaseAndNoLockFileBehind() throws Exception {
        Path key = dir.resolve("open.key");
        Files.writeString(key, "a-key-that-is-long-enough-0123456789");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path db = dir.resolve("x.db");
        ChildJvm.Result r = ChildJvm.run(dir, "ingest", "--db", db.toString(), "--key", key.toString());
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
        assertThat(r.stderr()).contains("chmod 600");
        assertThat(db).doesNotExist();
        assertThat(dir.resolve("x.db.writer-lock")).doesNotExist();
    }
}
