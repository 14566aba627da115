package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.projection.StateLoader;
import io.bitcraps.ledger.store.Durability;
import io.bitcraps.ledger.store.EventLog;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.StoreOptions;
import io.bitcraps.ledger.store.Timeline;
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
 * (manifest, SHA-256, chain, HMAC with a key, and that it is a backup of the ledger it replaces),
 * then the restored copy. The target is locked against writers for the duration, its WAL and
 * shared-memory files are removed with it (an old WAL beside a new database would corrupt it),
 * and the new file is renamed into place atomically. Any refusal or failure leaves the target
 * untouched and no temp file behind.
 * <p>
 * Timelines (see {@link Timeline}): a restore that stops before the end of the archive, or
 * restores a backup without the archive, gives the restored database a new timeline branched at
 * its seq, so that the history it left behind is never replayed into it. Restoring in place
 * (over an existing database) with the archive, or with {@code forkArchive}, also forks the
 * archive there, so that the restored ledger goes on writing to it.
 */
public final class Restore {
    /**
     * What a restore did. {@code archived} counts the events replayed from the archive;
     * {@code timeline} is the restored database's; {@code newTimeline} says whether this restore
     * started it; {@code archiveSetAside} is where the forked archive's later records went (null
     * when the archive was not forked or had nothing past the restore point); {@code archiveForked}
     * says whether the archive now follows the new timeline.
     */
    public record Result(Path target, Manifest backup, long seq, long archived, RestoredTimeline timeline, boolean newTimeline,
                         boolean archiveForked, Path archiveSetAside) {}

    /**
     * The restored database's timeline, as a restore's caller sees it: its id, and the seq and parent
     * timeline it branched from ({@code 0} and null for the original timeline).
     */
    public record RestoredTimeline(String id, long branchedAtSeq, String parent) {
        static RestoredTimeline of(Timeline t) {
            return new RestoredTimeline(t.id(), t.branchedAtSeq(), t.parent());
        }
    }

    /**
     * How to restore.
     *
     * @param force       replace an existing database
     * @param foreign     allow replacing a database of another ledger (id) than the backup's
     * @param forkArchive fork the archive at the restore point even when the target did not exist
     *                    (an in-place restore forks it anyway)
     * @param key         HMAC key the backup must verify with, or null
     * @param untilSeq    last seq to restore (Long.MAX_VALUE: as far as the archive goes)
     * @param untilMicros last event time to restore, microseconds since the epoch (Long.MAX_VALUE: no bound)
     * @param archiveDir  the journal archive, or null to restore the backup as it is
     */
    public record Options(boolean force, boolean foreign, boolean forkArchive, byte[] key, long untilSeq, long untilMicros,
                          Path archiveDir) {
        public static Options of(boolean force, byte[] key, long untilSeq, long untilMicros, Path archiveDir) {
            return new Options(force, false, false, key, untilSeq, untilMicros, archiveDir);
        }
    }

    private Restore() {}

    /** Same as {@link #restore(Path, String, Path, Options)} without {@code foreign} or {@code forkArchive}. */
    public static Result restore(Path backupDir, String name, Path target, boolean force, byte[] key, long untilSeq,
                                 long untilMicros, Path archiveDir) throws BackupFailure {
        return restore(backupDir, name, target, Options.of(force, key, untilSeq, untilMicros, archiveDir));
    }

    public static Result restore(Path backupDir, String name, Path target, Options o) throws BackupFailure {
        Path backup = SafePaths.insideDirectory(backupDir, name);
        Path to = SafePaths.target(target);
        Manifest manifest = checkRequest(backup, o);
        if (Files.exists(to) && !o.force()) {
            throw new BackupFailure(to + " exists; restoring over it needs --force");
        }
        Path firstCreated = firstMissingAncestor(to.getParent());
        Path lockFile = WriterLock.lockFileOf(to);
        boolean lockFileExisted = Files.exists(lockFile);
        boolean restored = false;
        WriterLock lock = null;
        try {
            Files.createDirectories(to.getParent());
            lock = WriterLock.acquire(to);
            boolean inPlace = Files.exists(to);
            refuseForeign(manifest, to, o.foreign(), "restore");
            if (o.archiveDir() != null && (inPlace || o.forkArchive())) {
                try {
                    // this restore may fork the archive: never one a running ledger appends to (the
                    // target's own writer is excluded by its lock, but the archive may be another's)
                    JournalArchive.requireNotInUse(o.archiveDir());
                } catch (IOException e) {
                    throw new BackupFailure("cannot restore " + to + " with the archive " + o.archiveDir() + ": "
                            + e.getMessage() + "; nothing was changed", e);
                }
            }
            Result r = restoreHoldingLock(backup, manifest, to, o, inPlace || o.forkArchive());
            restored = true;
            try {
                lock.recordLedger(manifest.ledgerId());
            } catch (IOException e) {
                // only evidence for a later missing-database check; the restore itself is done
            }
            return r;
        } catch (WriterLockHeld e) {
            throw new BackupFailure("cannot restore over " + to + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BackupFailure("restore of " + backup.getFileName() + " to " + to + " failed: " + e.getMessage(), e);
        } finally {
            if (lock != null) {
                if (!restored && !lockFileExisted && !Files.exists(to)) {
                    // a refused restore to a new path leaves the disk as it found it: the lock file is
                    // ours (it did not exist and we hold it), so it goes, while still held, so that no
                    // other process can lock the old file meanwhile
                    Backups.deleteQuietly(lockFile);
                }
                try {
                    lock.close();
                } catch (IOException e) {
                    // released by the OS when this process ends; the restore's outcome stands
                }
            }
            if (!restored && !Files.exists(to)) {
                removeEmptyDirectories(to.getParent(), firstCreated);
            }
        }
    }

    /** Checks what can be checked before touching anything; returns the verified backup's manifest. */
    static Manifest checkRequest(Path backup, Options o) throws BackupFailure {
        boolean pointInTime = o.untilSeq() != Long.MAX_VALUE || o.untilMicros() != Long.MAX_VALUE;
        if (pointInTime && o.archiveDir() == null) {
            throw new BackupFailure("a point-in-time restore needs the journal archive (--archive DIR)");
        }
        Manifest manifest = Backups.verify(backup, o.key());
        if (o.untilSeq() < manifest.seq()) {
            throw new BackupFailure("backup " + backup.getFileName() + " is at seq " + manifest.seq()
                    + ", past the requested seq " + o.untilSeq() + "; choose an older backup");
        }
        return manifest;
    }

    /**
     * Refuses a backup of another ledger over an existing, readable database unless {@code foreign}.
     * An unreadable target (the damaged database recover replaces) cannot say what it was, and is not refused.
     */
    static void refuseForeign(Manifest manifest, Path target, boolean foreign, String command) throws BackupFailure {
        if (foreign) {
            return;
        }
        String targetId = ledgerIdOf(target);
        if (targetId != null && !targetId.equals(manifest.ledgerId())) {
            throw new BackupFailure(foreignMessage(manifest, target, targetId, command));
        }
    }

    /**
     * Why the backup cannot serve a history on timeline {@code target}, or null when it can. A backup
     * on another timeline is fine up to the seq where {@code target} branched (that part is shared,
     * and a replay on top of it checks the chain); past it, it holds history the target's timeline
     * abandoned (or never had), and using it would silently undo a point-in-time restore.
     */
    static String timelineConflict(Path backup, long backupSeq, Timeline target, String targetWhat) throws BackupFailure {
        Timeline own;
        try (Connection conn = LedgerDatabase.openReadOnly(backup)) {
            own = Timeline.read(conn);
        } catch (SQLException e) {
            throw new BackupFailure("cannot read the timeline of backup " + backup.getFileName() + ": " + e.getMessage(), e);
        }
        if (own.id().equals(target.id()) || backupSeq <= target.branchedAtSeq()) {
            return null;
        }
        return "backup " + backup.getFileName() + " (seq " + backupSeq + ") is on timeline " + own.describe() + ", but "
                + targetWhat + " follows timeline " + target.describe() + ": the backup holds history past seq "
                + target.branchedAtSeq() + " that this timeline does not have, and restoring it would undo the restore that"
                + " started this timeline. Choose a backup at or before seq " + target.branchedAtSeq()
                + " or one taken on timeline " + target.id();
    }

    static String foreignMessage(Manifest manifest, Path target, String targetId, String command) {
        return "backup " + manifest.file() + " is of ledger " + manifest.ledgerId() + ", but " + target + " is ledger "
                + targetId + "; " + command + " would replace one ledger with another. Check --dir and the backup name,"
                + " or, if that is what you mean, add --foreign";
    }

    /**
     * The ledger id of an existing database, or null when there is none or it cannot be read. Never
     * opened in place: any ordinary open of a WAL database nobody else has open rebuilds its -shm,
     * and a refused or failed restore or recover must leave the target's files exactly as they
     * were. So the id is read from the main file alone ({@code immutable=1}: no -wal, no -shm, no
     * locks), and only when it is not there yet (a database never checkpointed keeps it in its
     * WAL) from a scratch copy of the database and its -wal.
     */
    static String ledgerIdOf(Path db) {
        return readWithoutTouching(db, LedgerDatabase::ledgerId);
    }

    /** The database's timeline, read as {@link #ledgerIdOf} reads the id; null when unreadable. */
    static Timeline timelineOf(Path db) {
        return readWithoutTouching(db, Timeline::read);
    }

    private interface Read<T> {
        T from(Connection conn) throws SQLException;
    }

    private static <T> T readWithoutTouching(Path db, Read<T> read) {
        if (!Files.isRegularFile(db)) {
            return null;
        }
        try (Connection conn = immutable(db)) {
            return read.from(conn);
        } catch (SQLException | RuntimeException mainFileOnly) {
            return readScratchCopy(db, read);
        }
    }

    private static Connection immutable(Path db) throws SQLException {
        org.sqlite.SQLiteConfig cfg = LedgerDatabase.readOnlyConfig(1_000);
        cfg.setOpenMode(org.sqlite.SQLiteOpenMode.OPEN_URI);
        return cfg.createConnection("jdbc:sqlite:" + db.toAbsolutePath().toUri() + "?immutable=1");
    }

    private static <T> T readScratchCopy(Path db, Read<T> read) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory(db.toAbsolutePath().getParent(), ".ledger-id-");
            Path copy = scratch.resolve("ledger.db");
            Files.copy(db, copy);
            if (Files.exists(sibling(db, "-wal"))) {
                Files.copy(sibling(db, "-wal"), sibling(copy, "-wal"));
            }
            try (Connection conn = LedgerDatabase.openReadOnly(copy)) {
                return read.from(conn);
            }
        } catch (IOException | SQLException | RuntimeException e) {
            return null;
        } finally {
            if (scratch != null) {
                for (String suffix : new String[]{"", "-wal", "-shm"}) {
                    Backups.deleteQuietly(sibling(scratch.resolve("ledger.db"), suffix));
                }
                Backups.deleteQuietly(scratch);
            }
        }
    }

    /**
     * The restore itself, for a caller that already holds the target's writer lock and has checked
     * the request ({@link #checkRequest}). Replaces the target (and drops its -wal and -shm) only
     * once the restored copy verifies; forks the archive afterwards when {@code forkArchive} and the
     * restore branched a new timeline off it.
     */
    static Result restoreHoldingLock(Path backup, Manifest manifest, Path to, Options o, boolean forkArchive)
            throws BackupFailure {
        Path temp = null;
        try {
            temp = to.resolveSibling(".restore-" + UUID.randomUUID() + ".db");
            Backups.createPrivateFile(temp);
            Files.copy(backup, temp, StandardCopyOption.REPLACE_EXISTING);
            ArchiveReplay.Result replayed = null;
            Timeline archiveTimeline = null;
            long archiveEnd = 0;
            if (o.archiveDir() != null) {
                archiveTimeline = JournalArchive.timeline(o.archiveDir());
                archiveEnd = JournalArchive.lastSeqIn(o.archiveDir());
                String conflict = timelineConflict(backup, manifest.seq(), archiveTimeline,
                        "the journal archive in " + o.archiveDir());
                if (conflict != null) {
                    throw new BackupFailure(conflict);
                }
                replayed = replayArchive(temp, o.archiveDir(), o.untilSeq(), o.untilMicros(), o.key());
            }
            Backups.Verified verified = Backups.verifyDatabase(temp, null);
            long seq = verified.chain().seq();
            if (o.untilSeq() != Long.MAX_VALUE && seq != o.untilSeq()) {
                long[] group = replayed == null ? null : replayed.heldBackSubmission();
                throw new BackupFailure(group != null
                        ? "seq " + o.untilSeq() + " lies inside the atomic submission seq " + group[0] + ".." + group[1]
                                + ", which is restored whole or not at all: ask for seq " + (group[0] - 1) + " or " + group[1]
                        : "the archive ends at seq " + seq + " and cannot bring the backup to seq " + o.untilSeq());
            }
            Timeline timeline;
            boolean branched;
            try (Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(temp, Durability.FULL))) {
                Timeline backupTimeline = Timeline.read(conn);
                if (o.archiveDir() == null) {
                    // the history after the backup is unknown here: whatever the old database wrote past
                    // it is another timeline now
                    timeline = Timeline.branch(backupTimeline, seq);
                    branched = true;
                } else if (seq < archiveEnd) {
                    timeline = Timeline.branch(archiveTimeline, seq);
                    branched = true;
                } else {
                    // as far as the archive goes: the restored database is where the archive's timeline is
                    timeline = replayed.applied() > 0 ? archiveTimeline : backupTimeline;
                    branched = false;
                }
                Timeline.write(conn, timeline);
                try (java.sql.Statement st = conn.createStatement()) {
                    st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                }
            }
            Backups.verifyDatabase(temp, null);
            // all of it is in the main file (checkpointed above); the -wal and -shm the connections
            // left are empty, and would sit beside the temp name forever once the file moves
            Backups.deleteQuietly(sibling(temp, "-wal"));
            Backups.deleteQuietly(sibling(temp, "-shm"));
            Backups.force(temp);
            Backups.deleteQuietly(sibling(to, "-wal"));
            Backups.deleteQuietly(sibling(to, "-shm"));
            // the views file beside the old database is its read model, not the restored one's: the
            // open that follows builds it again from the restored log
            // its -wal first: a -wal left beside a missing file would be replayed into the next one made there
            Path views = io.bitcraps.ledger.store.LedgerDatabase.viewsFileOf(to);
            Backups.deleteQuietly(sibling(views, "-wal"));
            Backups.deleteQuietly(sibling(views, "-shm"));
            Backups.deleteQuietly(views);
            Backups.move(temp, to);
            temp = null;
            if (manifest.hasViews()) {
                restoreViews(backup, manifest, to);
            }
            JournalArchive.fsyncDirectory(to.getParent());
            boolean forked = false;
            Path setAside = null;
            if (branched && o.archiveDir() != null && forkArchive) {
                try {
                    setAside = JournalArchive.fork(o.archiveDir(), seq, timeline);
                    forked = true;
                } catch (IOException e) {
                    throw new BackupFailure(to + " is restored to seq " + seq + " on the new timeline " + timeline.id()
                            + ", but forking the journal archive in " + o.archiveDir() + " failed: " + e.getMessage()
                            + "; until it is forked, opening the ledger with that archive is refused. Fix the cause and run"
                            + " the same restore again, or give the ledger a new, empty archive directory", e);
                }
            }
            return new Result(to, manifest, seq, replayed == null ? 0 : replayed.applied(), RestoredTimeline.of(timeline),
                    branched, forked, setAside);
        } catch (IOException | SQLException e) {
            throw new BackupFailure("restore of " + backup.getFileName() + " to " + to + " failed: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                Backups.deleteQuietly(temp);
                Backups.deleteQuietly(sibling(temp, "-wal"));
                Backups.deleteQuietly(sibling(temp, "-shm"));
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

    /**
     * Puts the backup's views file (verified with the backup: its SHA-256 is in the manifest) beside
     * the restored database. Its watermark is at or below the backup's seq, on the same history, so
     * the next open serves it and folds the rest of the log into it. When it cannot be copied the
     * restore stands: that open builds the views from the log instead.
     */
    private static void restoreViews(Path backup, Manifest manifest, Path to) {
        Path from = backup.resolveSibling(Manifest.viewsFileNameFor(backup.getFileName().toString()));
        if (!Files.isRegularFile(from)) {
            return; // not copied along with the backup (Backups.verify said so): the open builds the views
        }
        Path views = LedgerDatabase.viewsFileOf(to);
        Path temp = to.resolveSibling(".restore-" + UUID.randomUUID() + ".views");
        try {
            Backups.createPrivateFile(temp);
            Files.copy(from, temp, StandardCopyOption.REPLACE_EXISTING);
            Backups.force(temp);
            Backups.move(temp, views);
        } catch (IOException | RuntimeException e) {
            Backups.deleteQuietly(temp);
            org.slf4j.LoggerFactory.getLogger(Restore.class).warn("the views file of {} (seq {}) was not restored ({});"
                    + " the next open builds the views from the log", backup.getFileName(), manifest.viewsSeq(), e.getMessage());
        }
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
