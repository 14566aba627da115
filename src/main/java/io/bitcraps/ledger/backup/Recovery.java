package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.Head;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.Timeline;
import io.bitcraps.ledger.store.WriterLock;
import io.bitcraps.ledger.store.WriterLockHeld;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tools/ledger recover}: after corruption or a chain break, replace the database with the
 * newest backup that verifies, brought forward through the journal archive, and say exactly what,
 * if anything, was lost. The damaged file is kept beside it ({@code <db>.damaged-<stamp>}) for the
 * investigation; nothing is deleted.
 */
public final class Recovery {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /**
     * The outcome. {@code damagedClaimedSeq} is what the damaged database's head row said (-1 when
     * unreadable); {@code lostFrom..lostTo} is the range not recovered (empty when lostFrom > lostTo).
     */
    public record Report(Path database, Path damagedCopy, Path backupUsed, long backupSeq, long archivedEvents,
                         long recoveredSeq, long damagedClaimedSeq, List<String> skippedBackups) {
        public long lostFrom() {
            return recoveredSeq + 1;
        }

        public long lostTo() {
            return damagedClaimedSeq;
        }

        public boolean lostNothingKnown() {
            return damagedClaimedSeq >= 0 && recoveredSeq >= damagedClaimedSeq;
        }
    }

    private Recovery() {}

    public static Report recover(Path db, Path backupDir, Path archiveDir, byte[] key, Clock clock) throws BackupFailure {
        return recover(db, backupDir, archiveDir, key, false, clock);
    }

    /**
     * Takes the writer lock first and holds it to the end: a process that still holds the database
     * (a writer that halted on corruption stays alive, its health DOWN) is named and nothing is
     * touched. Under the lock: choose the newest backup that verifies and is of this ledger (any
     * ledger with {@code foreign}), move the database, its -wal and its -shm aside, restore. If
     * anything fails after the move, the three files are put back exactly as they were.
     */
    public static Report recover(Path db, Path backupDir, Path archiveDir, byte[] key, boolean foreign, Clock clock)
            throws BackupFailure {
        Path to = SafePaths.target(db);
        if (to.getParent() == null || !Files.isDirectory(to.getParent())) {
            throw new BackupFailure("cannot recover " + db + ": its directory " + to.getParent() + " does not exist");
        }
        // read before the lock is taken: taking it rewrites the lock file, which names the ledger last
        // opened here, the one thing that still says whose database this was when the file is unreadable
        String recordedLedger = WriterLock.recordedLedger(to);
        WriterLock lock;
        try {
            lock = WriterLock.acquire(to);
        } catch (WriterLockHeld e) {
            throw new BackupFailure("cannot recover " + db + ": " + e.getMessage() + ". A writer that halted (health DOWN)"
                    + " still holds the database: stop that process first, then run recover again; nothing was changed", e);
        } catch (IOException e) {
            throw new BackupFailure("cannot take the writer lock of " + db + ": " + e.getMessage(), e);
        }
        try (lock) {
            Report r = recoverHoldingLock(to, backupDir, archiveDir, key, foreign, recordedLedger, clock);
            String id = Restore.ledgerIdOf(to);
            if (id != null) {
                lock.recordLedger(id);
            }
            return r;
        } catch (IOException e) {
            throw new BackupFailure("releasing the writer lock of " + db + " failed: " + e.getMessage(), e);
        }
    }

    private static Report recoverHoldingLock(Path db, Path backupDir, Path archiveDir, byte[] key, boolean foreign,
                                             String recordedLedger, Clock clock) throws BackupFailure {
        String readId = Restore.ledgerIdOf(db);
        // whose ledger this is: the database says, or, when it cannot be read, its lock file does, or
        // the manifests taken from this path agree; never "any backup will do" unless --foreign
        String targetId = foreign ? null : readId != null ? readId : recordedLedger != null ? recordedLedger
                : ledgerNamedByManifests(db, backupDir);
        Timeline targetTimeline = timelineOf(db, archiveDir);
        List<String> skipped = new ArrayList<>();
        List<Retention.Backup> candidates;
        try {
            candidates = Retention.list(backupDir);
        } catch (IOException e) {
            throw new BackupFailure("cannot list backups in " + backupDir + ": " + e.getMessage(), e);
        }
        Retention.Backup chosen = null;
        Manifest manifest = null;
        for (Retention.Backup b : candidates) {
            try {
                Manifest m = Backups.verify(b.file(), key);
                if (targetId != null && !targetId.equals(m.ledgerId())) {
                    skipped.add(b.file().getFileName() + ": " + Restore.foreignMessage(m, db, targetId, "recover"));
                    continue;
                }
                if (targetTimeline != null) {
                    String conflict = Restore.timelineConflict(b.file(), m.seq(), targetTimeline,
                            readId != null ? db.toString() : "the journal archive in " + archiveDir);
                    if (conflict != null) {
                        skipped.add(b.file().getFileName() + ": " + conflict);
                        continue;
                    }
                }
                chosen = b;
                manifest = m;
                break;
            } catch (BackupFailure e) {
                skipped.add(b.file().getFileName() + ": " + e.getMessage());
            }
        }
        if (chosen == null) {
            throw new BackupFailure("no backup in " + backupDir + " verifies" + (skipped.isEmpty() ? " (there are none)"
                    : ": " + String.join("; ", skipped)) + "; the damaged database was left as it is");
        }
        Restore.Options options = new Restore.Options(true, foreign, false, key, Long.MAX_VALUE, Long.MAX_VALUE, archiveDir);
        String stamp = db.getFileName() + ".damaged-" + STAMP.format(clock.instant());
        Path damagedCopy = db.resolveSibling(stamp);
        for (int i = 2; Files.exists(damagedCopy) || Files.exists(Restore.sibling(damagedCopy, "-wal"))
                || Files.exists(Restore.sibling(damagedCopy, "-shm")); i++) {
            damagedCopy = db.resolveSibling(stamp + "-" + i); // never over an earlier copy: they are evidence
        }
        List<Path[]> moved = new ArrayList<>();
        try {
            for (String suffix : new String[]{"", "-wal", "-shm"}) {
                Path from = Restore.sibling(db, suffix);
                if (Files.exists(from)) {
                    Path aside = Restore.sibling(damagedCopy, suffix);
                    Backups.move(from, aside);
                    moved.add(new Path[]{from, aside});
                }
            }
        } catch (IOException e) {
            throw new BackupFailure("cannot move the damaged database aside: " + e.getMessage() + putBack(moved), e);
        }
        Restore.Result r;
        try {
            r = Restore.restoreHoldingLock(chosen.file(), manifest, db, options, false);
        } catch (BackupFailure | RuntimeException e) {
            throw new BackupFailure(e.getMessage() + putBack(moved), e);
        }
        // read only now, from the copy set aside: opening the damaged file before the move would rewrite
        // its -shm, and a failed recover must put it back exactly as it was
        long claimed = moved.isEmpty() ? -1 : claimedHead(damagedCopy);
        return new Report(db, moved.isEmpty() ? null : damagedCopy, chosen.file(), r.backup().seq(), r.archived(), r.seq(),
                claimed, skipped);
    }

    /**
     * Moves the files moved aside back where they were (the restore failed, so nothing else is
     * there), and says so for the failure's message.
     */
    private static String putBack(List<Path[]> moved) {
        if (moved.isEmpty()) {
            return "";
        }
        List<String> stuck = new ArrayList<>();
        for (Path[] m : moved) {
            try {
                Backups.move(m[1], m[0]); // a rename: replaces whatever the failed restore left at that name
            } catch (IOException e) {
                stuck.add(m[1] + " (" + e.getMessage() + ")");
            }
        }
        return stuck.isEmpty() ? "; the database, its -wal and -shm were put back as they were"
                : "; putting the damaged database back failed, it is still at " + String.join(", ", stuck)
                        + ": move it back by hand";
    }

    /** The one ledger id the manifests taken from {@code db} name, or null when none or several do. */
    private static String ledgerNamedByManifests(Path db, Path backupDir) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        try {
            for (Retention.Backup b : Retention.list(backupDir)) {
                try {
                    Manifest m = Manifest.parse(Files.readString(
                            b.file().resolveSibling(Manifest.fileNameFor(b.file().getFileName().toString()))));
                    if (m.database() != null && FormerLedger.samePath(Path.of(m.database()), db)) {
                        ids.add(m.ledgerId());
                    }
                } catch (IOException | RuntimeException e) {
                    // unreadable manifest: it says nothing about whose database this was
                }
            }
        } catch (IOException e) {
            return null;
        }
        return ids.size() == 1 ? ids.iterator().next() : null;
    }

    /** The timeline the recovered database must continue: the database's, else the archive's; null when neither is known. */
    private static Timeline timelineOf(Path db, Path archiveDir) throws BackupFailure {
        Timeline own = Restore.timelineOf(db); // never opens the file in place: a failed recover puts it back as it was
        if (own != null) {
            return own;
        }
        if (archiveDir != null && Files.isDirectory(archiveDir)) {
            try {
                return JournalArchive.timeline(archiveDir);
            } catch (IOException e) {
                throw new BackupFailure("cannot read the timeline of the journal archive in " + archiveDir + ": " + e.getMessage(), e);
            }
        }
        return null;
    }

    /** The seq the damaged database's head row claims, or -1 when it cannot be read at all. */
    private static long claimedHead(Path db) {
        if (!Files.isRegularFile(db)) {
            return -1;
        }
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            Head head = EventReader.head(conn);
            return head.seq();
        } catch (SQLException | RuntimeException e) {
            return -1;
        }
    }
}
