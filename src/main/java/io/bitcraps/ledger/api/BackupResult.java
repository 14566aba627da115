package io.bitcraps.ledger.api;

import java.nio.file.Path;

/**
 * A backup just taken and verified: its file and manifest, the seq and chain hash (hex) it holds, whether its head
 * is signed with the ledger's HMAC key, its size and SHA-256 (hex), and how long it took.
 */
public record BackupResult(Path file, Path manifestFile, long seq, String headHash, boolean signed, long bytes,
                           String sha256, long durationNanos) {
    static BackupResult of(io.bitcraps.ledger.backup.Backups.Result r) {
        return new BackupResult(r.file(), r.manifestFile(), r.manifest().seq(), r.manifest().headHash(),
                r.manifest().hmac() != null, r.manifest().bytes(), r.manifest().sha256(), r.durationNanos());
    }
}
