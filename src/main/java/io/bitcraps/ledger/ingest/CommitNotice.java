package io.bitcraps.ledger.ingest;

import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Touched;
import io.bitcraps.ledger.store.EventRow;

import java.util.ArrayList;
import java.util.Collections;
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
    /**
     * The notice reaches the user's listeners, and the writer's committed state shares its head
     * hash array with the last row: both get their own copy here (one small array per batch), so a
     * listener that writes into them cannot change the hash the next commit chains to.
     */
    public CommitNotice {
        byte[] writersHead = state.headHashUnsafe();
        state = state.withHeadHashCopy();
        int last = rows.size() - 1;
        if (last >= 0 && rows.get(last).hash() == writersHead) {
            EventRow r = rows.get(last);
            List<EventRow> own = new ArrayList<>(rows);
            own.set(last, new EventRow(r.seq(), r.timestampMicros(), r.typeCode(), r.gameId(), r.playerId(), r.betId(),
                    r.amount(), r.key(), r.payload(), writersHead.clone()));
            rows = Collections.unmodifiableList(own);
        }
    }

    public int eventCount() {
        return events.size();
    }
}
