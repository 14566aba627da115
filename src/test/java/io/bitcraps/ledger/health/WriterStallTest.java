package io.bitcraps.ledger.health;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The writer check reads its stall threshold from {@link HealthThresholds#maxCommitStall}, not a constant. */
class WriterStallTest {
    private static HealthMonitor.LedgerSnapshot waiting(long backlog, Duration sinceCommit) {
        return new HealthMonitor.LedgerSnapshot(null, backlog, 8192, sinceCommit.toNanos(), 42, 0, 0, 4, 0, 0, null);
    }

    @Test
    void submissionsWaitingLongerThanTheThresholdAreDegraded() {
        Duration stall = Duration.ofSeconds(3);
        assertThat(HealthMonitor.writer(waiting(5, Duration.ofSeconds(4)), stall).status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(HealthMonitor.writer(waiting(5, Duration.ofSeconds(2)), stall).status()).isEqualTo(HealthStatus.UP);
        // the default, 10 s, would call a 4 s stall UP
        assertThat(HealthMonitor.writer(waiting(5, Duration.ofSeconds(4)), HealthThresholds.defaults().maxCommitStall())
                .status()).isEqualTo(HealthStatus.UP);
        assertThat(HealthThresholds.defaults().withMaxCommitStall(stall).maxCommitStall()).isEqualTo(stall);
    }

    @Test
    void anIdleWriterIsNeverStalledAndAHaltedOneIsDown() {
        assertThat(HealthMonitor.writer(waiting(0, Duration.ofHours(1)), Duration.ofSeconds(1)).status())
                .isEqualTo(HealthStatus.UP);
        HealthMonitor.LedgerSnapshot halted = new HealthMonitor.LedgerSnapshot("seq 7 breaks the chain", 0, 8192, 0, 6, 0,
                0, 4, 0, 0, null);
        assertThat(HealthMonitor.writer(halted, Duration.ofSeconds(10)).status()).isEqualTo(HealthStatus.DOWN);
    }
}
