package io.bitcraps.ledger.api;

import io.bitcraps.ledger.projection.LedgerState;

/**
 * The test-only seam to a view's whole state (the rulebook tables, settled bets, the head hash bytes), which the
 * public {@link LedgerView} does not hand out; in the test sources only.
 */
public final class TestViews {
    private TestViews() {
    }

    public static LedgerState state(LedgerView view) {
        return view.state();
    }
}
