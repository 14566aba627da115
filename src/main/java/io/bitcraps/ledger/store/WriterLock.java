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
 */
public final class WriterLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, Boolean> HELD_IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private WriterLock(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
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
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
        return new WriterLock(path, channel, lock);
    }

    private static String readHolder(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(512);
            int n = channel.read(buf, 0);
            return n <= 0 ? "another process" : new String(buf.array(), 0, n, StandardCharsets.UTF_8).trim();
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
