package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.store.WriterLock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What shows that a ledger existed at a path whose database file is missing. {@code Ledger.open}
 * asks before it creates a database: a new, empty ledger where the real one went missing (moved
 * aside by a half-done recover, deleted by mistake, a disk not mounted) would quietly lose every
 * balance. The evidence:
 * <ul>
 *   <li>the lock file names a ledger id (a writer once opened a database there; a lock file
 *       without that line is what a first open that failed before making the database leaves,
 *       and is no evidence);</li>
 *   <li>its {@code -wal} file is still there;</li>
 *   <li>a {@code <db>.damaged-*} copy lies beside it (recover moved it aside);</li>
 *   <li>the configured journal archive holds data;</li>
 *   <li>a backup manifest in the configured backup directory names this path (or, written before
 *       manifests named their database, names none).</li>
 * </ul>
 */
public final class FormerLedger {
    private FormerLedger() {}

    /** One line per piece of evidence; empty when the database exists or nothing shows a ledger was there. */
    public static List<String> evidence(Path db, Path archiveDir, Path backupDir) {
        Path abs = db.toAbsolutePath().normalize();
        List<String> found = new ArrayList<>();
        try {
            if (Files.exists(abs) && Files.size(abs) > 0) {
                return found;
            }
        } catch (IOException e) {
            return found; // there, though unreadable: opening it will say what is wrong
        }
        // a zero-byte file is no database: SQLite would quietly make a new, empty ledger of it
        String ledger = WriterLock.recordedLedger(abs);
        if (ledger != null) {
            found.add("its lock file " + WriterLock.lockFileOf(abs) + " says ledger " + ledger + " was written there");
        }
        Path wal = Restore.sibling(abs, "-wal");
        if (Files.exists(wal)) {
            found.add("its write-ahead log " + wal + " is still there");
        }
        String damagedPrefix = abs.getFileName() + ".damaged-";
        try (Stream<Path> siblings = Files.list(abs.getParent())) {
            siblings.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(damagedPrefix)).sorted().findFirst()
                    .ifPresent(n -> found.add("a damaged copy " + abs.resolveSibling(n) + " lies beside it"));
        } catch (IOException | RuntimeException e) {
            // no directory: nothing beside it
        }
        if (archiveDir != null) {
            try {
                if (JournalArchive.holdsData(archiveDir)) {
                    found.add("its journal archive " + archiveDir + " holds events up to seq " + JournalArchive.lastSeqIn(archiveDir));
                }
            } catch (IOException e) {
                found.add("its journal archive " + archiveDir + " exists but cannot be read (" + e.getMessage() + ")");
            }
        }
        if (backupDir != null) {
            String manifest = manifestNaming(abs, backupDir);
            if (manifest != null) {
                found.add(manifest);
            }
        }
        return found;
    }

    /**
     * True when both name the same file, through symbolic links on the way (a path given through
     * a link, or a directory moved behind one, is still the same database).
     */
    public static boolean samePath(Path a, Path b) {
        return canonical(a).equals(canonical(b));
    }

    private static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        try {
            return parent == null ? abs : parent.toRealPath().resolve(abs.getFileName());
        } catch (IOException e) {
            return abs; // a directory that is gone: compare as written
        }
    }

    private static String manifestNaming(Path db, Path backupDir) {
        try {
            for (Retention.Backup b : Retention.list(backupDir)) {
                Path file = b.file().resolveSibling(Manifest.fileNameFor(b.file().getFileName().toString()));
                Manifest m;
                try {
                    m = Manifest.parse(Files.readString(file, StandardCharsets.UTF_8));
                } catch (IOException | RuntimeException e) {
                    continue; // not a manifest this can read: no evidence either way
                }
                if (m.database() == null) {
                    return "backup " + m.file() + " in " + backupDir + " (ledger " + m.ledgerId() + ", seq " + m.seq()
                            + ") does not say which database it was taken from, so it may be this one's";
                }
                if (samePath(Path.of(m.database()), db)) {
                    return "backup " + m.file() + " in " + backupDir + " was taken from it (ledger " + m.ledgerId() + ", seq "
                            + m.seq() + ")";
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
