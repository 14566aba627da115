package io.bitcraps.ledger.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The path rules of backups and restores: a backup is named inside its backup directory. A name
 * with {@code ..}, an absolute path outside the directory, and a symbolic link (the file, or a
 * directory on the way) are refused, each with its own message, before anything is read.
 */
public final class SafePaths {
    private SafePaths() {}

    /** Resolves {@code name} inside {@code dir}, or says why it may not be used. */
    public static Path insideDirectory(Path dir, String name) throws BackupFailure {
        for (Path part : Path.of(name)) {
            if (part.toString().equals("..")) {
                throw new BackupFailure("refusing " + name + ": a backup path may not contain \"..\"");
            }
        }
        Path base = dir.toAbsolutePath().normalize();
        Path given = Path.of(name);
        Path resolved = given.isAbsolute() ? given.normalize() : base.resolve(given).normalize();
        if (!resolved.startsWith(base)) {
            throw new BackupFailure("refusing " + name + ": it is outside the backup directory " + base);
        }
        refuseLinks(base, resolved, name);
        return resolved;
    }

    /** Refuses a target path with {@code ..} or a symbolic link on the way. */
    public static Path target(Path target) throws BackupFailure {
        for (Path part : target) {
            if (part.toString().equals("..")) {
                throw new BackupFailure("refusing target " + target + ": it may not contain \"..\"");
            }
        }
        Path abs = target.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(abs)) {
            throw new BackupFailure("refusing target " + target + ": it is a symbolic link");
        }
        return abs;
    }

    private static void refuseLinks(Path base, Path file, String name) throws BackupFailure {
        for (Path p = file; p != null && p.startsWith(base) && !p.equals(base); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new BackupFailure("refusing " + name + ": " + (p.equals(file) ? "it is" : p + " is")
                        + " a symbolic link");
            }
        }
        try {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                    && !file.toRealPath().startsWith(base.toRealPath())) {
                throw new BackupFailure("refusing " + name + ": it resolves outside the backup directory");
            }
        } catch (IOException e) {
            throw new BackupFailure("cannot resolve " + name + ": " + e.getMessage(), e);
        }
    }
}
