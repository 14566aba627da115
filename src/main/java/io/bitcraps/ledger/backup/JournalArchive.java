package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.JournalRecord;
import io.bitcraps.ledger.internal.FileModes;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.Timeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardCopyOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The journal archive: every committed batch appended, event by event plus a batch-end record,
 * to segment files {@code journal-<first seq>.seg} in its own directory (ideally on another
 * disk). A backup plus the archive rebuilds any later point in time, and a database that lost
 * committed batches can be healed from it.
 * <p>
 * Appends come from the writer thread after each commit; with {@code syncEachBatch} (durability
 * FULL) each batch is forced to disk before the batch's callers are answered. A segment rolls
 * over at a batch boundary once it passes {@link #SEGMENT_BYTES}. At open, a tail torn by a crash
 * (a partial record, or events without their batch end) is cut off: the archive only ever holds
 * whole batches.
 * <p>
 * The archive follows one timeline (see {@link Timeline}), named in its {@code TIMELINE} file
 * (none: the original). A point-in-time restore that was given the archive forks it: the records
 * past the restore point move, whole and untouched, into a {@code timeline-<old id>-after-seq-<N>}
 * sub-directory (kept for the investigation, never read again), and {@code TIMELINE} names the
 * new timeline, so that the archive goes on with the restored history.
 */
public final class JournalArchive implements AutoCloseable {
    static final long SEGMENT_BYTES = 64L << 20;
    private static final String PREFIX = "journal-";
    private static final String SUFFIX = ".seg";
    static final String TIMELINE_FILE = "TIMELINE";

    /** One committed batch as the archive holds it. */
    public record Batch(long firstSeq, long lastSeq, long committedTs, byte[] hmac, List<JournalRecord.Event> events) {}

    private final Path dir;
    private final boolean syncEachBatch;
    private final Set<PosixFilePermission> fileMode;
    private FileChannel current;
    private long currentBytes;
    /** Written by the writer thread only; read by the health monitor, hence volatile. */
    private volatile long lastSeq;
    private final String openReport;

    private JournalArchive(Path dir, boolean syncEachBatch, Set<PosixFilePermission> fileMode, long lastSeq,
                           FileChannel current, long currentBytes, String openReport) {
        this.dir = dir;
        this.syncEachBatch = syncEachBatch;
        this.fileMode = Set.copyOf(fileMode);
        this.lastSeq = lastSeq;
        this.current = current;
        this.currentBytes = currentBytes;
        this.openReport = openReport;
    }

    /** Opens with new segments owner read and write only. */
    public static JournalArchive open(Path dir, boolean syncEachBatch) throws IOException {
        return open(dir, syncEachBatch, FileModes.OWNER_ONLY);
    }

    /**
     * Opens (creating the directory if needed) and cuts any torn tail of the last segment. New
     * segments get exactly {@code fileMode}; existing ones keep theirs.
     */
    public static JournalArchive open(Path dir, boolean syncEachBatch, Set<PosixFilePermission> fileMode) throws IOException {
        Files.createDirectories(dir);
        InUse inUse = InUse.take(dir, fileMode);
        try {
            JournalArchive archive = openLocked(dir, syncEachBatch, fileMode);
            archive.inUse = inUse;
            return archive;
        } catch (IOException | RuntimeException e) {
            inUse.close();
            throw e;
        }
    }

    /**
     * The OS lock on {@code <archive>/.in-use} a writing ledger holds for as long as it appends to
     * the archive, so that a restore of another database (a copy) can never fork the archive out
     * from under a running ledger. The OS drops it when the holder dies, even by SIGKILL.
     */
    static final class InUse implements AutoCloseable {
        private static final java.util.concurrent.ConcurrentHashMap<Path, Boolean> HELD_IN_THIS_JVM =
                new java.util.concurrent.ConcurrentHashMap<>();
        private final Path file;
        private final FileChannel channel;
        private final java.nio.channels.FileLock lock;

        private InUse(Path file, FileChannel channel, java.nio.channels.FileLock lock) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
        }

        static InUse take(Path dir) throws IOException {
            return take(dir, FileModes.OWNER_ONLY);
        }

        /** {@code fileMode} for the lock file when this creates it, like every other file of the archive. */
        static InUse take(Path dir, Set<PosixFilePermission> fileMode) throws IOException {
            Path file = dir.resolve(".in-use").toAbsolutePath().normalize();
            // one channel per file per JVM: closing a second one would drop the lock of the first (POSIX)
            if (HELD_IN_THIS_JVM.putIfAbsent(file, Boolean.TRUE) != null) {
                throw new IOException("the journal archive in " + dir + " is in use by a ledger open in this process");
            }
            FileChannel ch = null;
            try {
                boolean created = !Files.exists(file);
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                if (created) {
                    try {
                        Files.setPosixFilePermissions(file, fileMode);
                    } catch (UnsupportedOperationException noPosix) {
                        // no POSIX modes on this file system: nothing to set
                    }
                }
                java.nio.channels.FileLock lock = ch.tryLock();
                if (lock == null) {
                    throw new IOException("the journal archive in " + dir + " is in use by a running ledger in another"
                            + " process; stop it first");
                }
                return new InUse(file, ch, lock);
            } catch (IOException | RuntimeException e) {
                if (ch != null) {
                    ch.close();
                }
                HELD_IN_THIS_JVM.remove(file);
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                try {
                    channel.close();
                } finally {
                    HELD_IN_THIS_JVM.remove(file);
                }
            }
        }
    }

    private InUse inUse;

    private static JournalArchive openLocked(Path dir, boolean syncEachBatch, Set<PosixFilePermission> fileMode)
            throws IOException {
        List<Path> segments = segments(dir);
        if (segments.isEmpty()) {
            return new JournalArchive(dir, syncEachBatch, fileMode, 0, null, 0, "empty archive");
        }
        Path last = segments.get(segments.size() - 1);
        byte[] bytes = Files.readAllBytes(last);
        Scan scan = scan(bytes);
        String report = "archive ends at seq " + scan.lastSeq;
        if (scan.wholeBytes < bytes.length) {
            report += "; cut " + (bytes.length - scan.wholeBytes) + " bytes of an unfinished batch (" + scan.why + ")";
            try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
                ch.truncate(scan.wholeBytes);
                ch.force(true);
            }
        }
        long lastSeq = scan.lastSeq;
        if (lastSeq == 0 && segments.size() > 1) {
            lastSeq = lastSeqOf(segments.get(segments.size() - 2));
        }
        FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return new JournalArchive(dir, syncEachBatch, fileMode, lastSeq, ch, scan.wholeBytes, report);
    }

    /** True when the archive holds no batch at all. */
    public boolean isEmpty() {
        return current == null || (currentBytes == 0 && lastSeq == 0);
    }

    /**
     * Starts an empty archive after {@code seq}: a ledger that gains an archive later keeps its
     * history in its backups, and the archive covers what follows.
     */
    public void startAfter(long seq) {
        if (!isEmpty()) {
            throw new IllegalStateException("the archive already holds batches up to seq " + lastSeq);
        }
        lastSeq = seq;
    }

    /** The last seq of the last whole batch in the archive, or 0. */
    public long lastSeq() {
        return lastSeq;
    }

    /** What opening found, for the log and the health report. */
    public String openReport() {
        return openReport;
    }

    public Path directory() {
        return dir;
    }

    /** Appends one committed batch. Called on the writer thread, in seq order. */
    public void append(List<EventRow> rows, long committedTs, byte[] hmac) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        long first = rows.get(0).seq();
        long last = rows.get(rows.size() - 1).seq();
        if (first != lastSeq + 1) {
            throw new IOException("archive ends at seq " + lastSeq + " but the batch starts at seq " + first);
        }
        if (current == null || currentBytes >= SEGMENT_BYTES) {
            roll(first);
        }
        EventFrame frames = frames();
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows.size() * 160 + JournalRecord.BATCH_END_BYTES);
        for (EventRow r : rows) {
            out.write(JournalRecord.event(frames.encode(r.typeCode(), r.seq(), r.timestampMicros(), r.payload()), r.hash()));
        }
        out.write(JournalRecord.batchEnd(first, last, committedTs, hmac));
        ByteBuffer buf = ByteBuffer.wrap(out.toByteArray());
        while (buf.hasRemaining()) {
            current.write(buf);
        }
        currentBytes += out.size();
        if (syncEachBatch) {
            current.force(false);
        }
        lastSeq = last;
    }

    private final EventFrame frameEncoder = new EventFrame();

    private EventFrame frames() {
        return frameEncoder;
    }

    private void roll(long firstSeq) throws IOException {
        if (current != null) {
            current.force(true);
            current.close();
        }
        Path next = dir.resolve(String.format("%s%020d%s", PREFIX, firstSeq, SUFFIX));
        current = FileModes.openNew(next, fileMode, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        currentBytes = 0;
        fsyncDirectory(dir);
    }

    /**
     * Reads the whole batches with events after {@code afterSeq}, in order. Segments roll at batch
     * boundaries, so a segment whose successor starts at or below {@code afterSeq + 1} holds only
     * batches at or below {@code afterSeq} and is not read: bringing a backup forward reads the
     * increment, not the whole archive (at 5 GB the archive from seq 1 is gigabytes).
     */
    public static List<Batch> batchesAfter(Path dir, long afterSeq) throws IOException {
        List<Batch> out = new ArrayList<>();
        List<Path> all = segments(dir);
        for (int i = 0; i < all.size(); i++) {
            Path segment = all.get(i);
            if (i + 1 < all.size() && firstSeqOf(all.get(i + 1)) <= afterSeq + 1) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(segment);
            int at = 0;
            List<JournalRecord.Event> events = new ArrayList<>();
            while (true) {
                JournalRecord.Read r = JournalRecord.read(bytes, at, bytes.length);
                if (r instanceof JournalRecord.Event e) {
                    events.add(e);
                    at += e.bytes();
                } else if (r instanceof JournalRecord.BatchEnd b) {
                    if (b.lastSeq() > afterSeq) {
                        out.add(new Batch(b.firstSeq(), b.lastSeq(), b.committedTs(), b.hmac(), List.copyOf(events)));
                    }
                    events.clear();
                    at += b.bytes();
                } else {
                    break;
                }
            }
        }
        return out;
    }

    /** The timeline the archive in {@code dir} follows: its {@code TIMELINE} file, or the original when it has none. */
    public static Timeline timeline(Path dir) throws IOException {
        Path file = dir.resolve(TIMELINE_FILE);
        if (!Files.isRegularFile(file)) {
            return Timeline.ORIGINAL;
        }
        String id = null;
        long branchedAt = 0;
        String parent = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] kv = line.strip().split("\\s+", 2);
            if (kv.length < 2) {
                continue;
            }
            switch (kv[0]) {
                case "timeline" -> id = kv[1];
                case "branched-at-seq" -> branchedAt = Long.parseLong(kv[1]);
                case "parent" -> parent = "-".equals(kv[1]) ? null : kv[1];
                default -> { } // a later release may add lines
            }
        }
        if (id == null) {
            throw new IOException(file + " names no timeline (expected a line \"timeline <id>\")");
        }
        return new Timeline(id, branchedAt, parent);
    }

    /** Records the timeline the archive follows, atomically (temp file, fsync, rename). */
    public static void writeTimeline(Path dir, Timeline t) throws IOException {
        Files.createDirectories(dir);
        Path temp = dir.resolve(TIMELINE_FILE + ".tmp");
        Files.writeString(temp, "timeline " + t.id() + "\nbranched-at-seq " + t.branchedAtSeq() + "\nparent "
                + (t.parent() == null ? "-" : t.parent()) + "\n", StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(temp, dir.resolve(TIMELINE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
    }

    /** The last seq of the last whole batch in the archive in {@code dir}, or 0; reads only the newest segments. */
    public static long lastSeqIn(Path dir) throws IOException {
        List<Path> all = segments(dir);
        for (int i = all.size() - 1; i >= 0; i--) {
            long last = lastSeqOf(all.get(i));
            if (last > 0) {
                return last;
            }
        }
        return 0;
    }

    /** True when {@code dir} holds archived data: a segment file that is not empty. */
    public static boolean holdsData(Path dir) throws IOException {
        for (Path p : segments(dir)) {
            if (Files.size(p) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Forks the archive in {@code dir} at {@code atSeq} onto timeline {@code next}: every batch that
     * ends after {@code atSeq} leaves the archive for a sub-directory named after the old timeline
     * (segments wholly past it are moved; a segment that straddles it is copied whole, then cut at
     * its last batch ending at or before {@code atSeq}), then {@code TIMELINE} names {@code next}.
     * A batch cut by the restore point is not kept in the archive: the restored database has that
     * part of it, and the next open appends it from there. The caller holds the writer lock of the
     * database this archive belongs to. Returns the sub-directory, or null when nothing lay past
     * {@code atSeq}.
     */
    public static Path fork(Path dir, long atSeq, Timeline next) throws IOException {
        try (InUse ignored = InUse.take(dir)) {
            return forkLocked(dir, atSeq, next);
        }
    }

    /** Refuses, naming why, an archive a running ledger appends to: a restore must not fork it then. */
    public static void requireNotInUse(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            InUse.take(dir).close();
        }
    }

    private static Path forkLocked(Path dir, long atSeq, Timeline next) throws IOException {
        Timeline old = timeline(dir);
        List<Path> all = segments(dir);
        List<Path> toMove = new ArrayList<>();
        Path toCut = null;
        int cutAt = 0;
        for (Path segment : all) {
            byte[] bytes = Files.readAllBytes(segment);
            int keep = wholeBytesUpTo(bytes, atSeq);
            Scan scan = scan(bytes);
            if (scan.lastSeq <= atSeq && scan.wholeBytes == bytes.length) {
                continue; // wholly on the shared history
            }
            if (keep == 0) {
                toMove.add(segment);
            } else if (keep < bytes.length) {
                toCut = segment;
                cutAt = keep;
            }
        }
        if (toMove.isEmpty() && toCut == null) {
            writeTimeline(dir, next);
            return null;
        }
        String base = "timeline-" + old.id() + "-after-seq-" + atSeq;
        Path aside = dir.resolve(base);
        for (int i = 2; Files.exists(aside); i++) {
            aside = dir.resolve(base + "-" + i);
        }
        Files.createDirectories(aside);
        if (toCut != null) {
            Path copy = aside.resolve(toCut.getFileName());
            Files.copy(toCut, copy);
            try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        for (Path segment : toMove) {
            Files.move(segment, aside.resolve(segment.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        Files.writeString(aside.resolve("README"), "Journal archive records of timeline " + old.describe()
                + " after seq " + atSeq + ", set aside when a restore branched timeline " + next.id()
                + " off it at seq " + atSeq + ". Kept for investigation; the ledger never reads them again.\n",
                StandardCharsets.UTF_8);
        fsyncDirectory(aside);
        if (toCut != null) {
            try (FileChannel ch = FileChannel.open(toCut, StandardOpenOption.WRITE)) {
                ch.truncate(cutAt);
                ch.force(true);
            }
        }
        fsyncDirectory(dir);
        writeTimeline(dir, next);
        return aside;
    }

    /** The length of the prefix of a segment that holds only whole batches ending at or before {@code atSeq}. */
    private static int wholeBytesUpTo(byte[] bytes, long atSeq) {
        int at = 0;
        int keep = 0;
        while (true) {
            JournalRecord.Read r = JournalRecord.read(bytes, at, bytes.length);
            if (r instanceof JournalRecord.Event e) {
                at += e.bytes();
            } else if (r instanceof JournalRecord.BatchEnd b) {
                if (b.lastSeq() > atSeq) {
                    return keep;
                }
                at += b.bytes();
                keep = at;
            } else {
                return keep;
            }
        }
    }

    /** The first seq in a segment's name; Long.MAX_VALUE (never skip its predecessor) for a name that does not parse. */
    private static long firstSeqOf(Path segment) {
        String n = segment.getFileName().toString();
        try {
            return Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    static List<Path> segments(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(PREFIX) && n.endsWith(SUFFIX);
            }).sorted().toList();
        }
    }

    private record Scan(long lastSeq, int wholeBytes, String why) {}

    /** Finds the end of the last whole batch in a segment. */
    private static Scan scan(byte[] bytes) {
        int at = 0;
        int whole = 0;
        long lastSeq = 0;
        String why = "";
        while (true) {
            JournalRecord.Read r = JournalRecord.read(bytes, at, bytes.length);
            if (r instanceof JournalRecord.Event e) {
                at += e.bytes();
            } else if (r instanceof JournalRecord.BatchEnd b) {
                at += b.bytes();
                whole = at;
                lastSeq = b.lastSeq();
            } else {
                JournalRecord.End end = (JournalRecord.End) r;
                why = at > whole ? "events without their batch end" : end.why();
                if (!end.torn() && at == whole) {
                    why = "";
                }
                break;
            }
        }
        return new Scan(lastSeq, whole, why);
    }

    private static long lastSeqOf(Path segment) throws IOException {
        return scan(Files.readAllBytes(segment)).lastSeq;
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems refuse to open a directory; the data files themselves were forced
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (current != null) {
                current.force(true);
                current.close();
                current = null;
            }
        } finally {
            if (inUse != null) {
                inUse.close();
                inUse = null;
            }
        }
    }
}
