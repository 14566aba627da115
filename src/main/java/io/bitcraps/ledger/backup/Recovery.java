package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.Head;
import io.bitcraps.ledger.store.LedgerDatabase;

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
        long claimed = claimedHead(db);
        List<String> skipped = new ArrayList<>();
        List<Retention.Backup> candidates;
        try {
            candidates = Retention.list(backupDir);
        } catch (IOException e) {
            throw new BackupFailure("cannot list backups in " + backupDir + ": " + e.getMessage(), e);
        }
        Retention.Backup chosen = null;
        for (Retention.Backup b : candidates) {
            try {
                Backups.verify(b.file(), key);
                chosen = b;
                break;
            } catch (BackupFailure e) {
                skipped.add(b.file().getFileName() + ": " + e.getMessage());
            }
        }
        if (chosen == null) {
            throw new BackupFailure("no backup in " + backupDir + " verifies" + (skipped.isEmpty() ? " (there are none)"
                    : ": " + String.join("; ", skipped)) + "; the damaged database was left as it is");
        }
        Path damagedCopy = null;
        if (Files.exists(db)) {
            damagedCopy = db.resolveSibling(db.getFileName() + ".damaged-" + STAMP.format(clock.instant()));
            try {
                Backups.move(db, damagedCopy);
                for (String suffix : new String[]{"-wal", "-shm"}) {
                    Path side = Restore.sibling(db, suffix);
                    if (Files.exists(side)) {
                        Backups.move(side, Restore.sibling(damagedCopy, suffix));
                    }
                }
            } catch (IOException e) {
                throw new BackupFailure("cannot move the damaged database aside: " + e.getMessage(), e);
            }
        }
        Restore.Result r = Restore.restore(backupDir, chosen.file().getFileName().toString(), db, true, key,
                Long.MAX_VALUE, Long.MAX_VALUE, archiveDir);
        return new Report(db, damagedCopy, chosen.file(), r.backup().seq(), r.archived(), r.seq(), claimed, skipped);
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
