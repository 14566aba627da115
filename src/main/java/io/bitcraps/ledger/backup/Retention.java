package io.bitcraps.ledger.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which backups to keep: every backup younger than {@code keep}, and always the newest
 * {@code keepMin} whatever their age; then, with a byte cap, the oldest of those go until the
 * backups fit under it. The newest verified backup (the newest with its manifest, which is written
 * only after the backup verified) is never deleted, whatever the policy says. The rest go, each with
 * its manifest. Age comes from the UTC stamp in the file name, which the backup wrote; files that
 * are not backups are never touched.
 * <p>
 * Journal archive segments are never deleted here: a kept backup needs every segment from its seq
 * on to reach the present, and the ledger's self-heal reads the archive too (docs/operations.md
 * says which segments an operator may move away).
 */
public final class Retention {
    private static final Pattern NAME = Pattern.compile("ledger-(\\d{8}-\\d{6})-seq(\\d+)(-\\d+)?\\.db");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** A backup file and when it was taken. */
    public record Backup(Path file, Instant takenAt, long seq) {}

    private Retention() {}

    /** The backups in {@code dir}, newest first. */
    public static List<Backup> list(Path dir) throws IOException {
        List<Backup> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    try {
                        Instant at = LocalDateTime.parse(m.group(1), STAMP).toInstant(ZoneOffset.UTC);
                        out.add(new Backup(p, at, Long.parseLong(m.group(2))));
                    } catch (DateTimeParseException | NumberFormatException ignored) {
                        // not one of ours
                    }
                }
            }
        }
        out.sort(Comparator.comparing(Backup::takenAt).thenComparingLong(Backup::seq)
                .thenComparing(b -> b.file().getFileName().toString()).reversed());
        return out;
    }

    /** The newest backup that has its manifest, or null. */
    public static Backup newestVerified(Path dir) throws IOException {
        for (Backup b : list(dir)) {
            if (Files.isRegularFile(manifestOf(b))) {
                return b;
            }
        }
        return null;
    }

    /** Deletes the backups past the age and count policy; returns what it deleted. */
    public static List<Path> apply(Path dir, Duration keep, int keepMin, Instant now) throws IOException {
        return apply(dir, keep, keepMin, 0, now);
    }

    /**
     * Deletes the backups past the policy (age and count, then {@code maxBytes} when it is not 0);
     * returns what it deleted.
     */
    public static List<Path> apply(Path dir, Duration keep, int keepMin, long maxBytes, Instant now) throws IOException {
        List<Backup> all = list(dir);
        Backup newestVerified = newestVerified(dir);
        List<Path> removed = new ArrayList<>();
        List<Backup> kept = new ArrayList<>();
        Instant cutoff = now.minus(keep);
        for (int i = 0; i < all.size(); i++) {
            Backup b = all.get(i);
            if (i >= keepMin && b.takenAt().isBefore(cutoff) && !b.equals(newestVerified)) {
                delete(dir, b);
                removed.add(b.file());
            } else {
                kept.add(b);
            }
        }
        if (maxBytes > 0) {
            long total = 0;
            for (Backup b : kept) {
                total += bytes(b);
            }
            // oldest first; the cap is a hard limit on the disk, so it overrides keepMin
            for (int i = kept.size() - 1; i >= 0 && total > maxBytes; i--) {
                Backup b = kept.get(i);
                if (b.equals(newestVerified)) {
                    continue;
                }
                total -= bytes(b);
                delete(dir, b);
                removed.add(b.file());
            }
        }
        return removed;
    }

    private static Path manifestOf(Backup b) {
        return b.file().resolveSibling(Manifest.fileNameFor(b.file().getFileName().toString()));
    }

    private static long bytes(Backup b) throws IOException {
        Path manifest = manifestOf(b);
        Path views = viewsOf(b);
        return (Files.exists(b.file()) ? Files.size(b.file()) : 0) + (Files.exists(manifest) ? Files.size(manifest) : 0)
                + (Files.exists(views) ? Files.size(views) : 0);
    }

    private static Path viewsOf(Backup b) {
        return b.file().resolveSibling(Manifest.viewsFileNameFor(b.file().getFileName().toString()));
    }

    private static void delete(Path dir, Backup b) throws IOException {
        Files.deleteIfExists(dir.resolve(Manifest.fileNameFor(b.file().getFileName().toString())));
        Files.deleteIfExists(viewsOf(b));
        Files.deleteIfExists(b.file());
    }
}
