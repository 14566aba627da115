package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.BatchRecord;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** What the log file holds, read on its own connection: the oracle the deliveries are compared with. */
final class StoredLog {
    private StoredLog() {}

    static List<BatchRecord> batches(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return EventReader.batchesEndingAfter(c, 0, Integer.MAX_VALUE);
        }
    }

    static List<EventRow> rows(Path db) throws Exception {
        List<EventRow> rows = new ArrayList<>();
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            EventReader.forEach(c, 1, Long.MAX_VALUE, rows::add);
        }
        return rows;
    }

    static List<Long> oneTo(long n) {
        return LongStream.rangeClosed(1, n).boxed().toList();
    }

    /**
     * The deliveries are exactly the log's batch records from the first onward (range, commit time,
     * head hash, HMAC), each whole, and every event is the stored one (decoded) with its chain hash.
     */
    static void assertDeliveriesAreTheBatches(List<CommittedBatch> got, Path db, boolean signed) throws Exception {
        List<BatchRecord> records = batches(db);
        List<EventRow> rows = rows(db);
        PayloadCodec codec = new PayloadCodec();
        assertThat(got).as("one delivery per batch record").hasSize(records.size());
        for (int i = 0; i < got.size(); i++) {
            CommittedBatch b = got.get(i);
            BatchRecord r = records.get(i);
            String where = "delivery " + i + " " + b;
            assertThat(b.whole()).as(where).isTrue();
            assertThat(new long[]{b.firstSeq(), b.lastSeq(), b.committedTsMicros()}).as(where)
                    .containsExactly(r.firstSeq(), r.lastSeq(), r.committedTs());
            assertThat(b.headHash()).as(where).isEqualTo(r.headHash());
            assertThat(b.hmac()).as(where).isEqualTo(r.hmac());
            if (signed) {
                assertThat(b.hmac()).as(where + " is signed").isNotNull();
            }
            for (CommittedEvent e : b.events()) {
                EventRow row = rows.get((int) e.seq() - 1);
                assertThat(row.seq()).isEqualTo(e.seq());
                assertThat(e.chainHash()).as("chain hash of seq " + e.seq()).isEqualTo(row.hash());
                assertThat(e.event()).as("event at seq " + e.seq()).isEqualTo(StoredEvents.decode(codec, row));
            }
        }
    }
}
