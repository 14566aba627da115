package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The journal archive heals a database that lost committed batches: rows deleted behind the
 * ledger's back, or an older copy of the file put in its place. Reopening brings back exactly the
 * lost events, with their original batches, says so, and the result audits intact.
 */
class SelfHealIT {
    @TempDir
    Path dir;

    private LedgerConfig config(Path db, Path archive) {
        return LedgerConfig.builder(db).archiveDir(archive).backupInterval(java.time.Duration.ZERO).build();
    }

    private long writeAFloor(Path db, Path archive, String tag, int rounds) throws Exception {
        try (Ledger ledger = Ledger.open(config(db, archive))) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 16, rounds, 11, tag, 1_000, 1_000_000)).run(n -> { });
            return ledger.view().seq();
        }
    }

    private static List<EventRow> events(Path db) throws Exception {
        List<EventRow> rows = new ArrayList<>();
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            EventReader.forEach(c, 1, Long.MAX_VALUE, rows::add);
        }
        return rows;
    }

    private static long batchBoundaryBefore(Path db, long seq) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(last_seq) FROM batches WHERE last_seq < " + seq)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void assertSameEvents(List<EventRow> expected, List<EventRow> actual) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            EventRow e = expected.get(i);
            EventRow a = actual.get(i);
            assertThat(a.seq()).isEqualTo(e.seq());
            assertThat(a.timestampMicros()).isEqualTo(e.timestampMicros());
            assertThat(Arrays.equals(a.payload(), e.payload())).as("payload of seq %d", e.seq()).isTrue();
            assertThat(Arrays.equals(a.hash(), e.hash())).as("hash of seq %d", e.seq()).isTrue();
            assertThat(a.playerId()).isEqualTo(e.playerId());
        }
    }

    @Test
    void rowsDeletedBehindTheLedgersBackAreRestoredFromTheArchiveAndReported() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path archive = dir.resolve("archive");
        long head = writeAFloor(db, archive, "heal", 20);
        List<EventRow> original = events(db);
        long keep = batchBoundaryBefore(db, head - 40); // drop the last committed batches, at least 40 events
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("DELETE FROM events WHERE seq > " + keep)).isEqualTo((int) (head - keep));
        }
        try (Ledger ledger = Ledger.open(config(db, archive))) {
            assertThat(ledger.openReport()).contains("healed from the journal archive", (head - keep) + " committed event(s)",
                    "seq " + (keep + 1) + ".." + head);
            assertThat(ledger.view().seq()).isEqualTo(head);
            // and the healed ledger goes on writing
            Receipt next = ledger.submit(new Command.Deposit("p00001", 5, "after-heal")).join();
            assertThat(next.seq()).isEqualTo(head + 1);
        }
        List<EventRow> healed = events(db);
        assertSameEvents(original, healed.subList(0, original.size()));
        AuditReport audit = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.intact()).isTrue();
    }

    @Test
    void anOlderCopyOfTheFileIsBroughtForwardByTheArchive() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path archive = dir.resolve("archive");
        writeAFloor(db, archive, "first", 5);
        Path older = dir.resolve("older.db");
        Files.copy(db, older); // closed and checkpointed: the file is the whole ledger at this point
        long head = writeAFloor(db, archive, "second", 5);
        List<EventRow> original = events(db);
        Files.copy(older, db, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (String side : new String[]{"-wal", "-shm"}) {
            Files.deleteIfExists(db.resolveSibling(db.getFileName() + side));
        }
        try (Ledger ledger = Ledger.open(config(db, archive))) {
            assertThat(ledger.openReport()).contains("healed from the journal archive");
            assertThat(ledger.view().seq()).isEqualTo(head);
        }
        assertSameEvents(original, events(db));
        assertThat(new Auditor().audit(db, Auditor.Options.everything(), n -> { }).intact()).isTrue();
    }

    @Test
    void anArchiveOfAnotherHistoryIsRefusedNotApplied() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path archive = dir.resolve("archive");
        writeAFloor(db, archive, "ours", 3);
        Path otherDb = dir.resolve("other.db");
        Path otherArchive = dir.resolve("other-archive");
        writeAFloor(otherDb, otherArchive, "theirs", 6);
        long before = events(db).size();
        assertThatThrownBy(() -> Ledger.open(config(db, otherArchive)))
                .isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining("does not continue");
        assertThat(events(db)).hasSize((int) before);
    }

    @Test
    void anArchiveBehindTheDatabaseIsCaughtUpAtOpen() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path archive = dir.resolve("archive");
        writeAFloor(db, archive, "a", 3);
        // a ledger that ran for a while without its archive (e.g. the archive disk was unmounted)
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(java.time.Duration.ZERO).build())) {
            for (int i = 0; i < 50; i++) {
                ledger.submit(new Command.Deposit("p00002", 1, "no-archive"));
            }
            ledger.submit(new Command.Deposit("p00002", 1, "no-archive")).join();
        }
        try (Ledger ledger = Ledger.open(config(db, archive))) {
            assertThat(ledger.openReport()).contains("caught up with 51 event(s)");
        }
        assertThat(JournalArchive.batchesAfter(archive, 0).stream().mapToLong(b -> b.events().size()).sum())
                .isEqualTo(events(db).size());
    }
}
