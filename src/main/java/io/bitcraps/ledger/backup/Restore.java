package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.projection.StateLoader;
import io.bitcraps.ledger.store.Durability;
import io.bitcraps.ledger.store.EventLog;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.StoreOptions;
import io.bitcraps.ledger.store.WriterLock;
import io.bitcraps.ledger.store.WriterLockHeld;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Restores a verified backup, optionally brought forward through the journal archive to a seq or
 * a time (point-in-time restore). Nothing is replaced before everything is verified: the backup
 * (manifest, SHA-256, chain, HMAC with a key), then the restored copy. The target is locked
 * against writers for the duration, its WAL and shared-memory files are removed with it (an old
 * WAL beside a new database would corrupt it), and the new file is renamed into place atomically.
 * Any refusal or failure leaves the target untouched and no temp file behind.
 */
public final class Restore {
    /** What a restore did. {@code archived} counts the events replayed from the archive. */
    public record Result(Path target, Manifest backup, long seq, long archived) {}

    private Restore() {}

    /**
     * @param untilSeq    last seq to restore (Long.MAX_VALUE: as far as the archive goes)
     * @param untilMicros last event time to restore, microseconds since the epoch (Long.MAX_VALUE: no bound)
     * @param archiveDir  the journal archive, or null to restore the backup as it is
     */
    public static Result restore(Path backupDir, String name, Path target, boolean force, byte[] key, long untilSeq,
                                 long untilMicros, Path archiveDir) throws BackupFailure {
        Path backup = SafePaths.insideDirectory(backupDir, name);
        Path to = SafePaths.target(target);
        boolean pointInTime = untilSeq != Long.MAX_VALUE || untilMicros != Long.MAX_VALUE;
        if (pointInTime && archiveDir == null) {
            throw new BackupFailure("a point-in-time restore needs the journal archive (--archive DIR)");
        }
        Manifest manifest = Backups.verify(backup, key);
        if (untilSeq < manifest.seq()) {
            throw new BackupFailure("backup " + backup.getFileName() + " is at seq " + manifest.seq()
                    + ", past the requested seq " + untilSeq + "; choose an older backup");
        }
        if (Files.exists(to) && !force) {
            throw new BackupFailure(to + " exists; restoring over it needs --force");
        }
        Path temp = null;
        Path firstCreated = firstMissingAncestor(to.getParent());
        boolean restored = false;
        try {
            Files.createDirectories(to.getParent());
            try (WriterLock lock = WriterLock.acquire(to)) {
                temp = to.resolveSibling(".restore-" + UUID.randomUUID() + ".db");
                Backups.createPrivateFile(temp);
                Files.copy(backup, temp, StandardCopyOption.REPLACE_EXISTING);
                ArchiveReplay.Result replayed = null;
                if (archiveDir != null) {
                    replayed = replayArchive(temp, archiveDir, untilSeq, untilMicros, key);
                }
                Backups.Verified verified = Backups.verifyDatabase(temp, null);
                if (untilSeq != Long.MAX_VALUE && verified.chain().seq() != untilSeq) {
                    long[] group = replayed == null ? null : replayed.heldBackSubmission();
                    throw new BackupFailure(group != null
                            ? "seq " + untilSeq + " lies inside the atomic submission seq " + group[0] + ".." + group[1]
                                    + ", which is restored whole or not at all: ask for seq " + (group[0] - 1) + " or " + group[1]
                            : "the archive ends at seq " + verified.chain().seq() + " and cannot bring the backup to seq " + untilSeq);
                }
                Backups.force(temp);
                Backups.deleteQuietly(sibling(to, "-wal"));
                Backups.deleteQuietly(sibling(to, "-shm"));
                Backups.move(temp, to);
                temp = null;
                JournalArchive.fsyncDirectory(to.getParent());
                restored = true;
                return new Result(to, manifest, verified.chain().seq(), replayed == null ? 0 : replayed.applied());
            }
        } catch (WriterLockHeld e) {
            throw new BackupFailure("cannot restore over " + to + ": " + e.getMessage(), e);
        } catch (IOException | SQLException e) {
            throw new BackupFailure("restore of " + backup.getFileName() + " to " + to + " failed: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                Backups.deleteQuietly(temp);
                Backups.deleteQuietly(sibling(temp, "-wal"));
                Backups.deleteQuietly(sibling(temp, "-shm"));
            }
            if (!restored && !Files.exists(to)) {
                // a refused restore leaves the disk as it found it: no lock file, no new directories
                Backups.deleteQuietly(sibling(to, ".writer-lock"));
                removeEmptyDirectories(to.getParent(), firstCreated);
            }
        }
    }

    /** The outermost directory of {@code dir} that does not exist yet (null when {@code dir} exists). */
    private static Path firstMissingAncestor(Path dir) {
        Path missing = null;
        for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }

    private static void removeEmptyDirectories(Path from, Path upTo) {
        if (upTo == null) {
            return;
        }
        for (Path p = from; p != null && p.startsWith(upTo); p = p.getParent()) {
            try {
                Files.deleteIfExists(p); // fails, harmlessly, on a directory that is not empty
            } catch (IOException notEmpty) {
                return;
            }
        }
    }

    private static ArchiveReplay.Result replayArchive(Path db, Path archiveDir, long untilSeq, long untilMicros, byte[] key)
            throws SQLException, IOException, BackupFailure {
        PayloadCodec codec = new PayloadCodec();
        try (Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL));
             EventLog log = new EventLog(conn);
             ReadModel readModel = new ReadModel(conn)) {
            String ledgerId = LedgerDatabase.ledgerId(conn);
            StateLoader.Loaded loaded = StateLoader.load(conn, codec, ledgerId);
            HeadSigner signer = key == null ? null : new HeadSigner(key, ledgerId);
            ArchiveReplay.Result r = ArchiveReplay.replay(log, readModel, codec, loaded.state(), archiveDir, untilSeq,
                    untilMicros, signer);
            log.checkpoint();
            return r;
        } catch (Replayer.CorruptLog | ArchiveReplay.ArchiveConflict e) {
            throw new BackupFailure("the archive cannot be applied to the backup: " + e.getMessage(), e);
        }
    }

    static Path sibling(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }
}
