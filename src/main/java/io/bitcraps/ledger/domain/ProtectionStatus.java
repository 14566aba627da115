package io.bitcraps.ledger.domain;

import java.util.List;

/**
 * A protected player at a moment: each limit ({@link LimitStatus}, in {@link PlayerLimit} order), and the
 * cool-off or self-exclusion in force with its end (null and 0 when none is).
 */
public record ProtectionStatus(String player, long atMicros, List<LimitStatus> limits, Exclusion exclusion,
                               long excludedUntilMicros) {
    public ProtectionStatus {
        limits = List.copyOf(limits);
    }

    public LimitStatus limit(PlayerLimit l) {
        return limits.get(l.ordinal());
    }
}
