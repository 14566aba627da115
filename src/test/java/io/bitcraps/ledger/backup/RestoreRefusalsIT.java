package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.BackupResult;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.support.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Restore refuses what it cannot trust, before it touches anything: each refusal has its own
 * message, and the file tree is exactly as it was afterwards (no target, no temp file, no new
 * directory). {@code verify-backup} (the path rules, then {@link Backups#verify}) refuses the same
 * backups for the same reasons. And a forced restore over a database that crashed with a live
 * WAL does not let that old WAL leak into the restored file.
 */
class RestoreRefusalsIT {
    @TempDir
    static Path shared;
    static Path key;
    static Path otherKey;
    static String backupName;
    static Path goodBackupDir;
    static long backupSeq;

    @TempDir
    Path dir;
    /** The directory of the current case: everything a case makes is under it. */
    Path root;
    Path backups;
    Path backup;
    /** The restore target: its directory does not exist yet, so a restore that creates it shows. */
    Path target;

    @BeforeAll
    static void takeOneSignedBackup() throws Exception {
        key = shared.resolve("hmac.key");
        otherKey = shared.resolve("other.key");
        Fixtures.writeKey(key, "0123456789abcdef0123456789abcdef");
        Fixtures.writeKey(otherKey, "fedcba9876543210fedcba9876543210");
        goodBackupDir = shared.resolve("backups");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(shared.resolve("ledger.db")).hmacKeyFile(key)
                .backupDir(goodBackupDir).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new FundHouse(1_000_000, "bankroll")));
            for (int i = 0; i < 40; i++) {
                ok(ledger.submit(new Deposit("p" + (i % 5), 100 + i, "cage-" + i)));
            }
            BackupResult r = ledger.backup();
            backupName = r.file().getFileName().toString();
            backupSeq = r.seq();
            assertThat(r.signed()).isTrue();
        }
    }

    @BeforeEach
    void freshCopyOfTheBackup() throws IOException {
        freshCase(dir);
    }

    /** A case directory with its own copy of the backup and manifest. */
    private void freshCase(Path caseDir) throws IOException {
        root = caseDir;
        backups = caseDir.resolve("backups");
        Files.createDirectories(backups);
        Files.copy(goodBackupDir.resolve(backupName), backups.resolve(backupName));
        Files.copy(goodBackupDir.resolve(Manifest.fileNameFor(backupName)), backups.resolve(Manifest.fileNameFor(backupName)));
        Path views = goodBackupDir.resolve(Manifest.viewsFileNameFor(backupName));
        if (Files.exists(views)) { // the log-first ledger's backup carries its views file
            Files.copy(views, backups.resolve(Manifest.viewsFileNameFor(backupName)));
        }
        backup = backups.resolve(backupName);
        target = caseDir.resolve("restores").resolve("floor-1").resolve("ledger.db");
    }

    private Restore.Result restore(String name, Path to, boolean force, Path keyFile) throws Exception {
        return Restore.restore(backups, name, to, force, keyFile == null ? null : HeadSigner.readKey(keyFile),
                Long.MAX_VALUE, Long.MAX_VALUE, null);
    }

    /** What {@code tools/ledger verify-backup NAME --dir DIR} checks: the path rules, then the backup. */
    private Manifest verifyBackup(String name, Path keyFile) throws Exception {
        return Backups.verify(SafePaths.insideDirectory(backups, name), keyFile == null ? null : HeadSigner.readKey(keyFile));
    }

    /**
     * Expects restore to refuse with a message containing {@code expected}, leaving every file and
     * directory under the test's directory as it was; then expects verify-backup to refuse alike.
     */
    private String refused(String name, Path to, boolean force, Path keyFile, String expected) throws Exception {
        Map<String, String> before = tree(root);
        BackupFailure e = catchThrowableOfType(BackupFailure.class, () -> restore(name, to, force, keyFile));
        assertThat(e).as("restore of %s must be refused", name).isNotNull();
        assertThat(e.getMessage()).contains(expected);
        assertThat(tree(root)).as("nothing created, changed or removed by the refused restore").isEqualTo(before);
        assertThat(root.resolve("restores")).doesNotExist();
        return e.getMessage();
    }

    private void verifyBackupRefuses(String name, Path keyFile, String expected) {
        assertThatThrownBy(() -> verifyBackup(name, keyFile)).isInstanceOf(BackupFailure.class).hasMessageContaining(expected);
    }

    @Test
    void theUntouchedBackupVerifiesAndRestoresWithItsKey() throws Exception {
        // the control: every refusal below differs from this case by exactly one thing
        assertThat(verifyBackup(backupName, key).seq()).isEqualTo(backupSeq);
        Restore.Result r = restore(backupName, target, false, key);
        assertThat(r.seq()).isEqualTo(backupSeq);
        EventLogs.assertSameEvents(shared.resolve("ledger.db"), target, backupSeq);
        assertThat(EventLogs.filesStartingWith(target.getParent(), ".restore-")).isEmpty();
    }

    @Test
    void eachRefusalHasItsOwnMessage() throws Exception {
        // all seven again, each in a case directory of its own, to compare their messages
        List<ThrowingSupplier> cases = List.of(this::tampered, this::withoutManifest, this::dotDot, this::absoluteOutside,
                this::symlink, this::wrongKey, this::existingTarget);
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            freshCase(dir.resolve("case-" + i));
            messages.add(cases.get(i).get());
        }
        messages.forEach(m -> System.out.println("refused: " + m));
        assertThat(messages).doesNotHaveDuplicates();
    }

    @Test
    void aTamperedBackupIsRefused() throws Exception {
        tampered();
    }

    private String tampered() throws Exception {
        // one byte in the middle of the file: a page SQLite would still open
        long size = Files.size(backup);
        try (FileChannel ch = FileChannel.open(backup, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, size / 2);
            b.put(0, (byte) (b.get(0) ^ 0x01)).rewind();
            ch.write(b, size / 2);
        }
        String m = refused(backupName, target, false, null, "was changed after it was taken");
        verifyBackupRefuses(backupName, null, "was changed after it was taken");
        return m;
    }

    @Test
    void aBackupWithoutManifestIsRefused() throws Exception {
        withoutManifest();
    }

    private String withoutManifest() throws Exception {
        Files.delete(backups.resolve(Manifest.fileNameFor(backupName)));
        String m = refused(backupName, target, false, null, "has no manifest");
        verifyBackupRefuses(backupName, null, "has no manifest");
        return m;
    }

    @Test
    void aNameWithDotDotIsRefused() throws Exception {
        dotDot();
    }

    private String dotDot() throws Exception {
        // resolves to the very same, valid backup: the name alone is the reason
        String name = "../backups/" + backupName;
        String m = refused(name, target, false, null, "may not contain \"..\"");
        verifyBackupRefuses(name, null, "may not contain \"..\"");
        return m;
    }

    @Test
    void anAbsolutePathOutsideTheBackupDirectoryIsRefused() throws Exception {
        absoluteOutside();
    }

    private String absoluteOutside() throws Exception {
        // a real, valid backup with its manifest, just not in the backup directory
        Path elsewhere = root.resolve("elsewhere");
        Files.createDirectories(elsewhere);
        Files.copy(backup, elsewhere.resolve(backupName));
        Files.copy(backups.resolve(Manifest.fileNameFor(backupName)), elsewhere.resolve(Manifest.fileNameFor(backupName)));
        assertThat(Backups.verify(elsewhere.resolve(backupName), null).seq()).as("the file itself is fine").isEqualTo(backupSeq);
        String name = elsewhere.resolve(backupName).toAbsolutePath().toString();
        String m = refused(name, target, false, null, "outside the backup directory");
        verifyBackupRefuses(name, null, "outside the backup directory");
        // an absolute path inside the directory is fine: it is the place that matters, not the spelling
        assertThat(verifyBackup(backup.toAbsolutePath().toString(), null).seq()).isEqualTo(backupSeq);
        return m;
    }

    @Test
    void aTargetBelowASymlinkedDirectoryIsRefusedNamingTheLink() throws Exception {
        // the target's file name is plain; a directory on the way leads elsewhere
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(root.resolve("restores-link"), elsewhere);
        String m = refused(backupName, link.resolve("floor-1").resolve("ledger.db"), false, key, "symbolic link");
        assertThat(m).contains(link.toString());
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void aSymlinkToARealBackupIsRefused() throws Exception {
        symlink();
    }

    private String symlink() throws Exception {
        // the link has the shape of a backup name and a real manifest beside it; only the link is wrong
        Path real = root.resolve("real");
        Files.createDirectories(real);
        String linkName = backupName.replace(".db", "-2.db");
        Files.copy(backup, real.resolve(linkName));
        Files.copy(backups.resolve(Manifest.fileNameFor(backupName)), backups.resolve(Manifest.fileNameFor(linkName)));
        Files.createSymbolicLink(backups.resolve(linkName), real.resolve(linkName));
        String m = refused(linkName, target, false, null, "symbolic link");
        verifyBackupRefuses(linkName, null, "symbolic link");
        return m;
    }

    @Test
    void aManifestWhoseHmacDoesNotVerifyWithTheKeyIsRefused() throws Exception {
        wrongKey();
    }

    private String wrongKey() throws Exception {
        String m = refused(backupName, target, false, otherKey, "does not verify with key");
        verifyBackupRefuses(backupName, otherKey, "does not verify with key");
        // the HMAC is checked, not merely present: with the right key the same backup passes
        assertThat(verifyBackup(backupName, key).seq()).isEqualTo(backupSeq);
        return m;
    }

    @Test
    void anExistingTargetIsNotReplacedWithoutForce() throws Exception {
        existingTarget();
    }

    private String existingTarget() throws Exception {
        Path existing = root.resolve("floor-2.db");
        Files.writeString(existing, "the production database, not to be lost");
        Map<String, String> before = tree(root);
        BackupFailure e = catchThrowableOfType(BackupFailure.class, () -> restore(backupName, existing, false, null));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("exists", "--force");
        assertThat(tree(root)).isEqualTo(before);
        assertThat(Files.readString(existing)).isEqualTo("the production database, not to be lost");
        // verify-backup does not care about targets: the backup itself is fine
        assertThat(verifyBackup(backupName, null).seq()).isEqualTo(backupSeq);
        return e.getMessage();
    }

    @Test
    void aTargetThatARunningLedgerHoldsIsNotReplacedEvenWithForce() throws Exception {
        Path running = root.resolve("running").resolve("ledger.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(running).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new Deposit("r", 1, "live")));
            Map<String, String> before = tree(root);
            BackupFailure e = catchThrowableOfType(BackupFailure.class, () -> restore(backupName, running, true, null));
            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains("cannot restore over");
            // the running ledger is untouched and still writes
            assertThat(ok(ledger.submit(new Deposit("r", 1, "still-live"))).seq()).isEqualTo(2);
            assertThat(EventLogs.filesStartingWith(running.getParent(), ".restore-")).isEmpty();
            assertThat(tree(root).keySet()).isEqualTo(before.keySet());
        }
    }

    @Test
    void aForcedRestoreReplacesACrashedDatabaseAndDropsItsStaleWalAndShm() throws Exception {
        // a crash image of ANOTHER ledger: its .db with a -wal holding commits not yet checkpointed
        Path old = dir.resolve("old").resolve("ledger.db");
        Path crashed = dir.resolve("floor-3.db");
        try (Ledger other = Ledger.open(LedgerConfig.builder(old).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            ok(other.submit(new FundHouse(5_000, "other-bankroll")));
            for (int i = 0; i < 200; i++) {
                ok(other.submit(new Deposit("q" + (i % 3), 7, "other-" + i)));
                ok(other.submit(new Withdraw("q" + (i % 3), 7, "other-w-" + i)));
            }
            for (String suffix : new String[]{"", "-wal", "-shm"}) {
                Files.copy(old.resolveSibling("ledger.db" + suffix), dir.resolve("floor-3.db" + suffix));
            }
        }
        Path wal = dir.resolve("floor-3.db-wal");
        Path shm = dir.resolve("floor-3.db-shm");
        assertThat(Files.size(wal)).as("the crash image has a WAL with frames").isPositive();
        assertThat(shm).exists();

        // a backup of another ledger than the crashed one: refused unless it is meant (--foreign)
        BackupFailure foreign = catchThrowableOfType(BackupFailure.class, () -> restore(backupName, crashed, true, key));
        assertThat(foreign).isNotNull();
        assertThat(foreign.getMessage()).contains("--foreign");
        assertThat(wal).exists();
        Restore.Result r = Restore.restore(backups, backupName, crashed, new Restore.Options(true, true, false,
                HeadSigner.readKey(key), Long.MAX_VALUE, Long.MAX_VALUE, null));
        assertThat(r.seq()).isEqualTo(backupSeq);
        // an old WAL beside the new file would be replayed into it; it must be gone
        assertThat(wal).doesNotExist();
        assertThat(shm).doesNotExist();
        assertThat(EventLogs.filesStartingWith(dir, ".restore-")).isEmpty();
        EventLogs.assertSameEvents(shared.resolve("ledger.db"), crashed, backupSeq);
        AuditReport audit = new Auditor().audit(crashed, Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.intact()).isTrue();
        try (Ledger restored = Ledger.open(LedgerConfig.builder(crashed).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            assertThat(restored.view().seq()).isEqualTo(backupSeq);
            assertThat(ok(restored.submit(new Deposit("p0", 1, "after-restore"))).seq()).isEqualTo(backupSeq + 1);
        }
    }

    @FunctionalInterface
    private interface ThrowingSupplier {
        String get() throws Exception;
    }

    /** Every path under {@code root} (links not followed) with its size and SHA-256 (files) or a marker. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(rel, "dir");
                } else {
                    out.put(rel, Files.size(p) + " " + EventLogs.sha256(p));
                }
            }
        }
        return out;
    }
}
