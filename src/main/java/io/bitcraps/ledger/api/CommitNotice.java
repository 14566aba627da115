package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.internal.Hex;

import java.util.List;

/**
 * One commit, as a {@link CommitListener} is told of it: the seq range now durable, how many submissions the
 * batch held, how long the batch took from its start to COMMIT returning ({@code commitNanos}), the ledger
 * time of its last event ({@code committedMicros}, epoch microseconds), the events in seq order, and the chain
 * hash at the batch's end in hex.
 * Every part is immutable, so a listener can keep it and can change nothing the ledger holds.
 */
public record CommitNotice(long firstSeq, long lastSeq, int submissions, long commitNanos, long committedMicros,
                           List<LedgerEvent> events, String headHash) {
    public CommitNotice {
        events = List.copyOf(events);
    }

    public int eventCount() {
        return events.size();
    }

    static CommitNotice of(io.bitcraps.ledger.ingest.CommitNotice n) {
        return new CommitNotice(n.firstSeq(), n.lastSeq(), n.submissions(), n.commitNanos(), n.committedTs(),
                n.events(), Hex.of(n.state().headHash()));
    }
}
