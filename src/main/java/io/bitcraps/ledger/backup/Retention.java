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
 * {@code keepMin} whatever their age. The rest go, each with its manifest. Age comes from the
 * UTC stamp in the file name, which the backup wrote; files that are not backups are never touched.
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

    /** Deletes the backups past the policy; returns what it deleted. */
    public static List<Path> apply(Path dir, Duration keep, int keepMin, Instant now) throws IOException {
        List<Backup> all = list(dir);
        List<Path> removed = new ArrayList<>();
        Instant cutoff = now.minus(keep);
        for (int i = keepMin; i < all.size(); i++) {
            Backup b = all.get(i);
            if (b.takenAt().isBefore(cutoff)) {
                Files.deleteIfExists(dir.resolve(Manifest.fileNameFor(b.file().getFileName().toString())));
                Files.deleteIfExists(b.file());
                removed.add(b.file());
            }
        }
        return removed;
    }
}
