package io.bitcraps.ledger.store;

import io.bitcraps.ledger.internal.FileModes;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Objects;
import java.util.Set;

/**
 * What the store needs to open the writer connection. Validated by the caller's config; the
 * compact constructor only guards against programmer error.
 *
 * @param maxDatabaseBytes hard cap on the database file ({@code PRAGMA max_page_count}); a batch
 *                         that would grow past it fails with a storage error like a full disk
 * @param fileMode         the mode a new database file is created with (SQLite copies it to the
 *                         -wal and -shm); an existing file keeps its own
 */
public record StoreOptions(Path path, Durability durability, int busyTimeoutMillis, int cacheKibibytes,
                           long mmapBytes, long journalSizeLimitBytes, long maxDatabaseBytes,
                           Set<PosixFilePermission> fileMode) {
    public static final int PAGE_BYTES = 4096;

    public StoreOptions {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(durability, "durability");
        fileMode = Set.copyOf(Objects.requireNonNull(fileMode, "fileMode"));
        if (busyTimeoutMillis < 0 || cacheKibibytes < 1 || mmapBytes < 0 || journalSizeLimitBytes < 0
                || maxDatabaseBytes < PAGE_BYTES * 16L) {
            throw new IllegalArgumentException("store options out of range: " + this);
        }
    }

    /** With the default file mode, owner read and write. */
    public StoreOptions(Path path, Durability durability, int busyTimeoutMillis, int cacheKibibytes,
                        long mmapBytes, long journalSizeLimitBytes, long maxDatabaseBytes) {
        this(path, durability, busyTimeoutMillis, cacheKibibytes, mmapBytes, journalSizeLimitBytes, maxDatabaseBytes,
                FileModes.OWNER_ONLY);
    }

    public StoreOptions withFileMode(Set<PosixFilePermission> mode) {
        return new StoreOptions(path, durability, busyTimeoutMillis, cacheKibibytes, mmapBytes, journalSizeLimitBytes,
                maxDatabaseBytes, mode);
    }

    public static StoreOptions defaults(Path path, Durability durability) {
        return new StoreOptions(path, durability, 5_000, 64_000, 268_435_456L, 64L << 20, 1L << 40);
    }

    long maxPageCount() {
        return Math.max(16, maxDatabaseBytes / PAGE_BYTES);
    }
}
