package io.bitcraps.ledger.reliability;

import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the reliability tests check on a ledger file after the fact, through a read-only
 * connection of its own: the events really on disk, and the audit's verdict.
 */
final class LedgerFile {
    private LedgerFile() {}

    /** Every event in the file, in seq order, decoded; asserts that the seqs run 1, 2, 3 … without a gap (I5). */
    static List<LedgerEvent> events(Path db) throws SQLException {
        PayloadCodec codec = new PayloadCodec();
        List<LedgerEvent> out = new ArrayList<>();
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            conn.setAutoCommit(false);
            EventReader.forEach(conn, 1, Long.MAX_VALUE, row -> out.add(StoredEvents.decode(codec, row)));
            conn.rollback();
        }
        for (int i = 0; i < out.size(); i++) {
            assertThat(out.get(i).seq()).as("seq at position %d", i).isEqualTo(i + 1L);
        }
        return out;
    }

    /** The events of the file by seq. */
    static Map<Long, LedgerEvent> bySeq(Path db) throws SQLException {
        Map<Long, LedgerEvent> out = new HashMap<>();
        for (LedgerEvent e : events(db)) {
            out.put(e.seq(), e);
        }
        return out;
    }

    static long maxSeq(Path db) throws SQLException {
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            return EventReader.maxSeq(conn);
        }
    }

    /** Runs the independent audit over the whole file and asserts it finds the ledger intact. */
    static AuditReport assertIntact(Path db) throws SQLException {
        AuditReport report = new Auditor().audit(db, Auditor.Options.everything(), seq -> { });
        assertThat(report.intact()).as("audit of %s: %s", db, report.problems()).isTrue();
        return report;
    }
}
