package io.bitcraps.ledger.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;

/**
 * Creating files with an exact POSIX mode. The mode given at creation is narrowed by the umask, so
 * it is set again right after: the file is never more open than asked, and ends exactly as asked.
 * On a file system without POSIX modes the file is created plainly.
 */
public final class FileModes {
    /** Owner read and write: the default of every file that holds ledger history. */
    public static final Set<PosixFilePermission> OWNER_ONLY = Set.copyOf(PosixFilePermissions.fromString("rw-------"));

    private FileModes() {}

    /** Creates {@code file} with {@code mode} unless it exists; an existing file keeps its mode. Returns true when created. */
    public static boolean createIfAbsent(Path file, Set<PosixFilePermission> mode) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(mode));
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException e) {
            try {
                Files.createFile(file);
            } catch (FileAlreadyExistsException exists) {
                return false;
            }
            return true;
        }
        Files.setPosixFilePermissions(file, mode);
        return true;
    }

    /** Opens a new file ({@code CREATE_NEW} is added to the options) with exactly {@code mode}. */
    public static FileChannel openNew(Path file, Set<PosixFilePermission> mode, OpenOption... options) throws IOException {
        Set<OpenOption> all = new HashSet<>(Set.of(options));
        all.add(StandardOpenOption.CREATE_NEW);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, all, PosixFilePermissions.asFileAttribute(mode));
        } catch (UnsupportedOperationException e) {
            return FileChannel.open(file, all);
        }
        try {
            Files.setPosixFilePermissions(file, mode);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return ch;
    }
}
