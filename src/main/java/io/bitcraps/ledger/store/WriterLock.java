package io.bitcraps.ledger.store;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one-writer-per-database rule, as an OS file lock on {@code <db>.writer-lock}. The file
 * names its holder (pid, host, since) so that a refused writer can say who holds it. The OS drops
 * the lock when the holder dies, even by SIGKILL, so a stale file never blocks a restart.
 * <p>
 * Once a database is open under the lock, the file also records the ledger's id (a second line,
 * {@code ledger <id>}, kept across later holders). A lock file with that line beside a missing
 * database is evidence that a ledger existed there; one without it was left by a first open
 * that failed before it made a database, and is no evidence of anything.
 */
public final class WriterLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, Boolean> HELD_IN_THIS_JVM = new ConcurrentHashMap<>();
    private static final String LEDGER_LINE = "ledger ";

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final String holder;

    private WriterLock(Path path, FileChannel channel, FileLock lock, String holder) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
    }

    public static Path lockFileOf(Path database) {
        return database.resolveSibling(database.getFileName() + ".writer-lock");
    }

    public static WriterLock acquire(Path database) throws IOException {
        Path path = lockFileOf(database).toAbsolutePath().normalize();
        // POSIX drops every lock a process holds on a file when ANY of its channels on that file
        // closes, so this JVM must never open (and then close) a second channel on a lock it holds.
        if (HELD_IN_THIS_JVM.putIfAbsent(path, Boolean.TRUE) != null) {
            throw new WriterLockHeld(database + " is already open for writing by this process (pid "
                    + ProcessHandle.current().pid() + "); only one writer per ledger");
        }
        FileChannel channel;
        FileLock lock;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
        } catch (IOException | RuntimeException e) {
            HELD_IN_THIS_JVM.remove(path);
            throw e;
        }
        if (lock == null) {
            String holder = readHolder(channel);
            channel.close();
            HELD_IN_THIS_JVM.remove(path);
            throw new WriterLockHeld(database + " is already open for writing by " + holder
                    + "; only one process may write a ledger (read-only commands work beside it)");
        }
        String holder = "pid " + ProcessHandle.current().pid() + " on " + hostName() + " since " + Instant.now()
                + " (" + ManagementFactory.getRuntimeMXBean().getName() + ")";
        String ledger = ledgerLine(readAll(channel));
        WriterLock held = new WriterLock(path, channel, lock, holder);
        try {
            held.write(ledger == null ? holder : holder + "\n" + LEDGER_LINE + ledger);
        } catch (IOException | RuntimeException e) {
            held.close();
            throw e;
        }
        return held;
    }

    /** Records in the lock file that the database is ledger {@code ledgerId} (see the class comment). */
    public void recordLedger(String ledgerId) throws IOException {
        write(holder + "\n" + LEDGER_LINE + ledgerId);
    }

    private void write(String content) throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((content + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
    }

    /**
     * The ledger id the lock file of {@code database} records, or null when there is no lock file,
     * it records none, or this JVM holds it (reading it would open and close a second channel on
     * the file, which drops this process's lock; see {@link #acquire}).
     */
    public static String recordedLedger(Path database) {
        Path path = lockFileOf(database).toAbsolutePath().normalize();
        if (HELD_IN_THIS_JVM.containsKey(path) || !java.nio.file.Files.isRegularFile(path)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return ledgerLine(readAll(ch));
        } catch (IOException e) {
            return null;
        }
    }

    private static String ledgerLine(String content) {
        for (String line : content.split("\n")) {
            if (line.startsWith(LEDGER_LINE) && line.length() > LEDGER_LINE.length()) {
                return line.substring(LEDGER_LINE.length()).strip();
            }
        }
        return null;
    }

    private static String readAll(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1024);
        int n = channel.read(buf, 0);
        return n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.UTF_8);
    }

    private static String readHolder(FileChannel channel) {
        try {
            String first = readAll(channel).split("\n", 2)[0].trim();
            return first.isEmpty() ? "another process" : first;
        } catch (IOException e) {
            return "another process (lock file unreadable: " + e.getMessage() + ")";
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown host";
        }
    }

    @Override
    public void close() throws IOException {
        // The file stays: deleting it after release would let a second process lock the old inode
        // while a third locks a new file of the same name.
        try {
            lock.release();
        } finally {
            try {
                channel.close();
            } finally {
                HELD_IN_THIS_JVM.remove(path);
            }
        }
    }
}
