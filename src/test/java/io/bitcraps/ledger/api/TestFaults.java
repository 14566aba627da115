package io.bitcraps.ledger.api;

import io.bitcraps.ledger.store.FaultInjector;

/**
 * The test-only seam for fault injection: {@link LedgerConfig.Builder}'s fault hook is package-private, so the
 * library offers no public way to make its own commits fail; the tests reach it through this class, which is
 * in the test sources only.
 */
public final class TestFaults {
    private TestFaults() {
    }

    /** Calls {@code injector} before every COMMIT of the ledger built from {@code builder}; it may throw to fail it. */
    public static LedgerConfig.Builder inject(LedgerConfig.Builder builder, FaultInjector injector) {
        return builder.faultInjector(injector);
    }
}
