package io.bitcraps.ledger.health;

/** UP: all is well. DEGRADED: serving, but something needs a person soon. DOWN: writes are stopped or the data is in doubt. */
public enum HealthStatus {
    UP, DEGRADED, DOWN;

    HealthStatus worst(HealthStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
