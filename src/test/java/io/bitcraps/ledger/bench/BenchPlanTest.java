package io.bitcraps.ledger.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sizes of a bench run: --smoke (what BenchQuickE2E runs) is cut down from --quick, and
 * --quick and the full run keep the sizes docs/performance.md states.
 */
class BenchPlanTest {
    @Test
    void quickAndFullKeepTheirDocumentedSizes() {
        Bench.Plan quick = Bench.Plan.of(Bench.Size.QUICK);
        assertThat(quick).isEqualTo(new Bench.Plan(Duration.ofSeconds(3), Duration.ofSeconds(6), 100_000, Duration.ofSeconds(4),
                Duration.ofSeconds(6), Duration.ofSeconds(4), Duration.ofSeconds(4), true, 3, 0, List.of(1, 32, 1024),
                Duration.ofSeconds(3), Duration.ofSeconds(3), 0, 100_000));
        Bench.Plan full = Bench.Plan.of(Bench.Size.FULL);
        assertThat(full).isEqualTo(new Bench.Plan(Duration.ofSeconds(10), Duration.ofSeconds(30), 400_000, Duration.ofSeconds(10),
                Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(10), true, 3, 200L << 20,
                List.of(1, 8, 64, 256, 1024), Duration.ofSeconds(6), Duration.ofSeconds(6), 10_000_000, 400_000));
    }

    @Test
    void smokeRunsEveryPhaseOfQuickOnlyShorter() {
        Bench.Plan quick = Bench.Plan.of(Bench.Size.QUICK);
        Bench.Plan smoke = Bench.Plan.of(Bench.Size.SMOKE);
        for (var phase : List.of(
                List.of(smoke.warmUp(), quick.warmUp()), List.of(smoke.ledger(), quick.ledger()),
                List.of(smoke.naive(), quick.naive()), List.of(smoke.latency(), quick.latency()),
                List.of(smoke.waitLatency(), quick.waitLatency()), List.of(smoke.reads(), quick.reads()),
                List.of(smoke.perCap(), quick.perCap()), List.of(smoke.filled(), quick.filled()))) {
            assertThat(phase.get(0)).isPositive().isLessThan(phase.get(1));
        }
        assertThat(smoke.rawRows()).isPositive().isLessThan(quick.rawRows());
        assertThat(smoke.ingestEvents()).isPositive().isLessThan(quick.ingestEvents());
        assertThat(smoke.auditPairs()).isPositive();
        // the report's curve has the same points, so the chart and the schema's minimum of three hold
        assertThat(smoke.batchCaps()).isEqualTo(quick.batchCaps());
        assertThat(Bench.modeOf(Bench.Size.SMOKE)).isEqualTo("quick, smoke");
        assertThat(Bench.modeOf(Bench.Size.QUICK)).isEqualTo("quick");
        assertThat(Bench.modeOf(Bench.Size.FULL)).isEqualTo("full");
    }
}
