package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.ingest.CommitNotice;
import io.bitcraps.ledger.store.EventRow;

import java.util.List;

/**
 * What a subscription needs of a commit notice: the batch's fields, its events and their stored
 * rows (for the chain hashes). Made once per commit on the writer thread and shared by every
 * subscription's queue; it drops the notice's state, so a queued batch holds no ledger snapshot.
 */
record LiveBatch(long firstSeq, long lastSeq, long committedTsMicros, byte[] hmac, List<LedgerEvent> events,
                 List<EventRow> rows) {
    static LiveBatch of(CommitNotice n) {
        return new LiveBatch(n.firstSeq(), n.lastSeq(), n.committedTs(), n.headSignature(), n.events(), n.rows());
    }

    int eventCount() {
        return events.size();
    }

    byte[] headHash() {
        return rows.get(rows.size() - 1).hash();
    }
}
