package io.bitcraps.ledger.health;

/** One check: what it looked at, its verdict, and a reason a person can act on. */
public record HealthCheck(String name, HealthStatus status, String detail) {
    static HealthCheck up(String name, String detail) {
        return new HealthCheck(name, HealthStatus.UP, detail);
    }

    static HealthCheck degraded(String name, String detail) {
        return new HealthCheck(name, HealthStatus.DEGRADED, detail);
    }

    static HealthCheck down(String name, String detail) {
        return new HealthCheck(name, HealthStatus.DOWN, detail);
    }
}
