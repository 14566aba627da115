package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.JournalRecord;
import io.bitcraps.ledger.internal.FileModes;
import io.bitcraps.ledger.store.EventRow;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
 */
public final class JournalArchive implements AutoCloseable {
    static final long SEGMENT_BYTES = 64L << 20;
    private static final String PREFIX = "journal-";
    private static final String SUFFIX = ".seg";

    /** One committed batch as the archive holds it. */
    public record Batch(long firstSeq, long lastSeq, long committedTs, byte[] hmac, List<JournalRecord.Event> events) {}

    private final Path dir;
    private final boolean syncEachBatch;
    private final Set<PosixFilePermission> fileMode;
    private FileChannel current;
    private long currentBytes;
    private long lastSeq;
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

    /** Reads the whole batches with events after {@code afterSeq}, in order, from every segment. */
    public static List<Batch> batchesAfter(Path dir, long afterSeq) throws IOException {
        List<Batch> out = new ArrayList<>();
        for (Path segment : segments(dir)) {
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
        if (current != null) {
            current.force(true);
            current.close();
            current = null;
        }
    }
}
