package io.bitcraps.ledger;

import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.feed.Subscriptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** How the limits relate, so that raising one does not quietly break another (the derived ones are derived in code). */
class LimitsRelationsTest {
    @Test
    void aBatchOfTheDefaultBoundIsDeliveredWholeToASubscriber() {
        int batchEventsMax = LedgerConfig.builder(Path.of("unused.db")).build().batchEventsMax();
        assertThat(batchEventsMax).isLessThanOrEqualTo(Subscriptions.DELIVERY_EVENTS_MAX);
        assertThat((long) Subscriptions.DELIVERY_EVENTS_MAX).isLessThanOrEqualTo(Subscriptions.QUEUE_EVENTS_MAX);
    }

    @Test
    void anAtomicGroupOfTheLargestSizeFitsOneBatch() {
        int batchEventsMax = LedgerConfig.builder(Path.of("unused.db")).build().batchEventsMax();
        assertThat(Limits.ATOMIC_COMMANDS_MAX).isLessThanOrEqualTo(batchEventsMax);
    }

    @Test
    void aCommandLineHoldsEveryFieldAtItsLongest() {
        // a place_bet line with every text field at its limit, escaped at worst as \\uXXXX, is far below the line bound
        int fields = 4 * Limits.ID_LENGTH_MAX + Limits.REFERENCE_LENGTH_MAX + Limits.IDEMPOTENCY_KEY_LENGTH_MAX
                + Limits.TABLE_RULES_LENGTH_MAX + Limits.CLIENT_SEED_LENGTH_MAX;
        assertThat(6 * fields + 1_024).isLessThan(Limits.COMMAND_LINE_CHARS_MAX);
    }
}
