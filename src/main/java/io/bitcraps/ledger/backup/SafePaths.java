package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.domain.BackupFailure;
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

    /**
     * Refuses a target path with {@code ..} or a symbolic link on the way, naming the link.
     * <p>
     * Which components are checked: the file itself always, and every directory the caller named
     * above it (one that does not exist yet is no link). Directories not checked:
     * <ul>
     *   <li>for a relative target, the working directory and its ancestors: the caller did not name
     *       them, and a shell's working directory is often reached through a link;</li>
     *   <li>for an absolute target, the components directly under the file system root: links there
     *       are the operating system's layout (macOS {@code /var}, {@code /tmp} and {@code /etc} lead to
     *       {@code /private/...}; FreeBSD's {@code /home} to {@code /usr/home}), made by the
     *       administrator, not a way to redirect one restore.</li>
     * </ul>
     * Anything deeper that is a link, {@code /srv/ledgers/floor-1 -> /elsewhere} say, is refused:
     * a restore replaces a database, and it must replace the one the caller named. Name the real
     * directory instead.
     */
    public static Path target(Path target) throws BackupFailure {
        for (Path part : target) {
            if (part.toString().equals("..")) {
                throw new BackupFailure("refusing target " + target + ": it may not contain \"..\"");
            }
        }
        Path abs = target.toAbsolutePath().normalize();
        Path unnamed = target.isAbsolute() ? null : Path.of("").toAbsolutePath().normalize();
        if (Files.isSymbolicLink(abs)) {
            throw new BackupFailure("refusing target " + target + ": it is a symbolic link");
        }
        for (Path p = abs.getParent(); p != null && p.getNameCount() > 1 && !p.equals(unnamed); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new BackupFailure("refusing target " + target + ": the directory " + p + " is a symbolic link"
                        + linkText(p) + "; name the real directory instead");
            }
        }
        return abs;
    }

    private static String linkText(Path link) {
        try {
            return " (to " + Files.readSymbolicLink(link) + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
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
