package io.bitcraps.ledger.ingest;

import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Touched;
import io.bitcraps.ledger.store.EventRow;

import java.util.List;

/**
 * What the writer tells its listeners after a COMMIT returned: the seq range now durable, the
 * state at that boundary, and the events. Sent on the writer thread before the batch's futures
 * complete, so a listener (a cache, say) has acted before any caller learns of the commit.
 * {@code touched} names the accounts, games, players and tables the batch changed; {@code rows}
 * are the stored rows (for the journal archive), {@code headSignature} the batch's HMAC or null.
 */
public record CommitNotice(long firstSeq, long lastSeq, int submissions, long commitNanos, LedgerState state,
                           List<LedgerEvent> events, Touched touched, List<EventRow> rows, long committedTs,
                           byte[] headSignature) {
    public int eventCount() {
        return events.size();
    }
}
