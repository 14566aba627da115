package io.bitcraps.ledger.health;

import java.time.Instant;
import java.util.List;

/** All checks of one run; the overall status is the worst of them. */
public record HealthReport(HealthStatus status, Instant at, List<HealthCheck> checks) {
    public static HealthReport of(Instant at, List<HealthCheck> checks) {
        HealthStatus worst = HealthStatus.UP;
        for (HealthCheck c : checks) {
            worst = worst.worst(c.status());
        }
        return new HealthReport(worst, at, List.copyOf(checks));
    }

    public HealthCheck check(String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }
}
