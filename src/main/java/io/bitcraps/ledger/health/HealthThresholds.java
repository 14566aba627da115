package io.bitcraps.ledger.health;

import java.time.Duration;

/**
 * Where DEGRADED begins. {@code maxBackupAge} of null means "no backup expectation" (no backup
 * check is graded); {@code chainTailEvents} is how many of the newest events each run re-hashes.
 */
public record HealthThresholds(long minFreeBytes, long maxWalBytes, Duration maxBackupAge, int chainTailEvents,
                               Duration maxCommitStall) {
    public HealthThresholds {
        if (minFreeBytes < 0 || maxWalBytes < 1 || chainTailEvents < 1 || maxCommitStall.isNegative()) {
            throw new IllegalArgumentException("health thresholds out of range: " + minFreeBytes + ", " + maxWalBytes
                    + ", " + chainTailEvents + ", " + maxCommitStall);
        }
    }

    public static HealthThresholds defaults() {
        return new HealthThresholds(1L << 30, 512L << 20, null, 1_000, Duration.ofSeconds(10));
    }

    public HealthThresholds withMinFreeBytes(long bytes) {
        return new HealthThresholds(bytes, maxWalBytes, maxBackupAge, chainTailEvents, maxCommitStall);
    }

    /** Submissions waiting with no commit for longer than this is DEGRADED (the disk is stalling); default 10 s. */
    public HealthThresholds withMaxCommitStall(Duration stall) {
        return new HealthThresholds(minFreeBytes, maxWalBytes, maxBackupAge, chainTailEvents, stall);
    }

    public HealthThresholds withMaxBackupAge(Duration age) {
        return new HealthThresholds(minFreeBytes, maxWalBytes, age, chainTailEvents, maxCommitStall);
    }
}
