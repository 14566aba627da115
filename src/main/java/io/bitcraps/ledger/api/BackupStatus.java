package io.bitcraps.ledger.api;

import java.nio.file.Path;
import java.time.Instant;

/**
 * The backups taken while this ledger was open: when the last was attempted and when one last succeeded (null
 * before the first), its file and the seq it holds, the last error (null after a success), how long the last
 * took, and how many succeeded and failed.
 */
public record BackupStatus(Instant lastAttempt, Instant lastSuccess, Path lastFile, long lastSeq, String lastError,
                           long lastDurationNanos, long successes, long failures) {
    static BackupStatus of(io.bitcraps.ledger.backup.BackupService.Status s) {
        return new BackupStatus(s.lastAttempt(), s.lastSuccess(), s.lastFile(), s.lastSeq(), s.lastError(),
                s.lastDurationNanos(), s.successes(), s.failures());
    }
}
