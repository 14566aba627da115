package io.bitcraps.ledger.views;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.feed.CommittedBatch;
import io.bitcraps.ledger.feed.CommittedEvent;
import io.bitcraps.ledger.feed.From;
import io.bitcraps.ledger.feed.Subscription;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.sim.CrapsFloor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A views file built from empty by the {@link ViewsWriter} directly, with the log's batches of a
 * seeded floor: while it builds it keeps no digest of the read model (its head says
 * {@code building}); closing it mid-build stores the full digest, so the next open serves it, and
 * a build resumed from there ends with the same rows, line for line, as a build in one go.
 */
class ViewsBuildIT {
    private static final String LEDGER_ID = "ledger-under-test";

    @TempDir
    Path dir;

    private record Log(List<CommittedBatch> batches, Map<Long, byte[]> hashes, long head) {}

    /** Runs a seeded floor on a ledger without views and collects every committed batch through a subscription. */
    private Log floorLog() throws Exception {
        long seed = Long.getLong("views.seed", ThreadLocalRandom.current().nextLong(1, 1_000_000));
        System.out.println("ViewsBuildIT seed " + seed + " (rerun with -Dviews.seed=" + seed + ")");
        List<CommittedBatch> batches = new CopyOnWriteArrayList<>();
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(dir.resolve("log.db")).logFirstCommit(false).build())) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(3, 12, 8, seed, "a", 1_000, 1_000_000)).run(n -> { });
            long head = ledger.view().seq();
            try (Subscription s = ledger.subscribe("collect", From.beginning(), batches::add)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while ((batches.isEmpty() || batches.get(batches.size() - 1).toSeq() < head)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
            }
            assertThat(batches.get(batches.size() - 1).toSeq()).isEqualTo(head);
            Map<Long, byte[]> hashes = new HashMap<>();
            for (CommittedBatch b : batches) {
                for (CommittedEvent e : b.events()) {
                    hashes.put(e.seq(), e.chainHash());
                }
            }
            return new Log(List.copyOf(batches), hashes, head);
        }
    }

    private ViewsFile.Opened open(Path db, Log log) throws Exception {
        return ViewsFile.open(db, PosixFilePermissions.fromString("rw-------"), 5_000, LEDGER_ID, log.head(),
                log.hashes()::get);
    }

    /** Applies {@code batches} with a writer that believes the log is far ahead (so it commits only at close), then closes it. */
    private static void applyAndClose(ViewsFile.Opened opened, LedgerState from, boolean building,
                                      List<CommittedBatch> batches) throws Exception {
        LongSupplier farAhead = () -> Long.MAX_VALUE / 2;
        ViewsWriter writer = new ViewsWriter(opened.conn(), from, opened.head().rowsDigest(), building, farAhead,
                Clock.systemUTC());
        for (CommittedBatch b : batches) {
            writer.onBatch(b);
        }
        writer.close();
    }

    /**
     * The one-go build of the whole log: its rows. Built in one transaction (the writer commits
     * only at close), it writes each read-model row once for all the log's batches; its four
     * read-model tables must still equal, row for row ({@code updated_seq} included), those the
     * ledger's writer wrote batch by batch in its commits.
     */
    private List<List<Object>> builtInOneGo(Log log) throws Exception {
        ViewsFile.Opened opened = open(dir.resolve("once.db"), log);
        try {
            assertThat(opened.rebuiltBecause()).isEqualTo(ViewsFile.MISSING);
            applyAndClose(opened, stateAt(opened), true, log.batches());
            assertThat(ViewsFile.readHead(opened.conn()).building()).as("closing finished the build").isFalse();
            List<List<Object>> rows = rows(opened.conn());
            try (Connection ledgerDb = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("log.db"))) {
                List<List<Object>> inCommit = rows(ledgerDb, READ_MODEL);
                assertThat(inCommit).as("the writer's read model").hasSizeGreaterThan(100);
                assertThat(rows(opened.conn(), READ_MODEL)).as("read model built in one transaction")
                        .containsExactlyElementsOf(inCommit);
            }
            return rows;
        } finally {
            opened.conn().close();
        }
    }

    private static LedgerState stateAt(ViewsFile.Opened opened) throws Exception {
        ViewsFile.Head head = opened.head();
        return head.seq() == 0 ? LedgerState.genesis(new byte[32])
                : ReadModel.load(opened.conn(), head.seq(), head.hash(), head.lastTimestampMicros());
    }

    /** The four tables of the read model, in the same shapes in the ledger database and the views file. */
    private static final String[] READ_MODEL = {"SELECT * FROM balances ORDER BY account",
            "SELECT * FROM games ORDER BY game_id", "SELECT * FROM bets ORDER BY game_id, bet_id",
            "SELECT * FROM player_stats ORDER BY player"};

    private static List<String> indexNames(Connection conn) throws Exception {
        List<String> names = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static List<List<Object>> rows(Connection conn) throws Exception {
        List<String> all = new ArrayList<>(List.of(READ_MODEL));
        // the lines by their account's key: two builds may number the accounts alike, but need not
        all.add("SELECT a.key, s.seq, s.ts, s.type, s.delta FROM statements s JOIN accounts a ON a.id = s.account_id"
                + " ORDER BY a.key, s.seq");
        return rows(conn, all.toArray(String[]::new));
    }

    private static List<List<Object>> rows(Connection conn, String... queries) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Statement st = conn.createStatement()) {
            for (String sql : queries) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        List<Object> row = new ArrayList<>();
                        row.add(sql.substring(sql.indexOf(" FROM ") + 6, sql.indexOf(" ", sql.indexOf(" FROM ") + 6)));
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            row.add(rs.getObject(i));
                        }
                        rows.add(row);
                    }
                }
            }
        }
        return rows;
    }

    @Test
    void aBuildClosedHalfwayStoresItsDigestAndResumesToTheSameRowsAsABuildInOneGo() throws Exception {
        Log log = floorLog();
        int half = log.batches().size() / 2;
        long halfSeq = log.batches().get(half - 1).toSeq();

        List<List<Object>> expected = builtInOneGo(log);

        // halfway, closed (the writer still believes the log is far ahead: it is mid-build)
        Path twice = dir.resolve("twice.db");
        ViewsFile.Opened opened = open(twice, log);
        applyAndClose(opened, stateAt(opened), true, log.batches().subList(0, half));
        ViewsFile.Head head = ViewsFile.readHead(opened.conn());
        assertThat(head.seq()).isEqualTo(halfSeq);
        assertThat(head.building()).as("closing finished the build").isFalse();
        assertThat(head.rowsDigest()).as("the digest stored at close covers every row")
                .isEqualTo(ViewsFile.digestOfRows(opened.conn()));
        opened.conn().close();

        // served at the next open, and resumed with a tracking writer
        opened = open(twice, log);
        assertThat(opened.rebuiltBecause()).as("served as found").isNull();
        assertThat(opened.head().seq()).isEqualTo(halfSeq);
        applyAndClose(opened, stateAt(opened), false, log.batches().subList(half, log.batches().size()));
        head = ViewsFile.readHead(opened.conn());
        assertThat(head.seq()).isEqualTo(log.head());
        assertThat(head.rowsDigest()).isEqualTo(ViewsFile.digestOfRows(opened.conn()));
        List<List<Object>> actual = rows(opened.conn());
        opened.conn().close();

        assertThat(actual).as("rows of a build closed halfway and resumed").isEqualTo(expected);
        assertThat(expected.stream().filter(r -> "statements".equals(r.get(0))).count()).as("statement lines")
                .isGreaterThan(log.head() / 2);
        opened = open(twice, log);
        opened.conn().close();
        assertThat(opened.rebuiltBecause()).as("served at the open after the resumed build").isNull();
    }

    @Test
    void aBuildClosedInsideABatchKeepsItsLastCommitWithADigestOfWhatStays() throws Exception {
        Log log = floorLog();
        List<List<Object>> expected = builtInOneGo(log);
        List<CommittedBatch> batches = log.batches();
        int cut = batches.size() / 2;
        while (cut < batches.size() && batches.get(cut).events().size() < 2) {
            cut++;
        }
        assertThat(cut).as("a batch of several events after the middle").isLessThan(batches.size());
        long committedAt = batches.get(cut - 1).toSeq();

        Path file = dir.resolve("cut.db");
        ViewsFile.Opened opened = open(file, log);
        // the log is always one event ahead: never caught up, never far behind, so it commits by time
        AtomicLong fed = new AtomicLong();
        ViewsWriter writer = new ViewsWriter(opened.conn(), stateAt(opened), 0, true, () -> fed.get() + 1,
                Clock.systemUTC());
        for (int i = 0; i < cut; i++) {
            if (i == cut - 1) {
                Thread.sleep(ViewsWriter.COMMIT_INTERVAL_MILLIS + 50); // the transaction is old enough at its end
            }
            fed.set(batches.get(i).toSeq());
            writer.onBatch(batches.get(i));
        }
        assertThat(ViewsFile.readHead(opened.conn()).building()).as("committed mid-build").isTrue();
        assertThat(indexNames(opened.conn())).as("mid-build, the read model has no secondary index")
                .doesNotContain("bets_by_player", "bets_by_game", "games_by_table", "games_open");
        assertThat(writer.watermark()).isEqualTo(committedAt);
        CommittedBatch whole = batches.get(cut);
        writer.onBatch(new CommittedBatch(whole.firstSeq(), whole.lastSeq(), whole.committedTsMicros(), whole.headHash(),
                whole.hmac(), whole.events().subList(0, 1))); // the first part of a batch, then the close
        writer.close();
        ViewsFile.Head head = ViewsFile.readHead(opened.conn());
        assertThat(head.seq()).as("the last commit stays; the part of a batch is rolled back").isEqualTo(committedAt);
        assertThat(head.building()).isFalse();
        assertThat(indexNames(opened.conn())).as("finishing the build at close created the indexes")
                .contains("bets_by_player", "bets_by_game", "games_by_table", "games_open");
        assertThat(head.rowsDigest()).as("the digest covers what stays, and only that")
                .isEqualTo(ViewsFile.digestOfRows(opened.conn()));
        opened.conn().close();

        opened = open(file, log);
        assertThat(opened.rebuiltBecause()).as("served as found").isNull();
        applyAndClose(opened, stateAt(opened), false, batches.subList(cut, batches.size()));
        assertThat(rows(opened.conn())).as("rows after resuming").isEqualTo(expected);
        opened.conn().close();
    }

    /**
     * A views transaction that fails for want of room (SQLITE_FULL, from a page cap on the views
     * connection): SQLite rolls it back itself, so the writer's ROLLBACK finds none. The retry must
     * still run in a transaction of its own: nothing of it visible to another connection before its
     * commit, the file's rows always matching its head's digest, and the file served as found at the
     * next open, with the rows of a build in one go.
     */
    @Test
    void aViewsTransactionThatFailsIsRetriedInATransactionAndTheFileStaysServable() throws Exception {
        Log log = floorLog();
        List<List<Object>> expected = builtInOneGo(log);
        List<CommittedBatch> batches = log.batches();
        int half = batches.size() / 2;
        Path file = dir.resolve("full.db");
        ViewsFile.Opened opened = open(file, log);
        applyAndClose(opened, stateAt(opened), true, batches.subList(0, half));
        opened.conn().close();

        opened = open(file, log);
        assertThat(opened.rebuiltBecause()).isNull();
        ViewsFile.Head before = opened.head();
        LongSupplier farAhead = () -> Long.MAX_VALUE / 2;
        ViewsWriter writer = new ViewsWriter(opened.conn(), stateAt(opened), before.rowsDigest(), false, farAhead,
                Clock.systemUTC());
        try (Statement st = opened.conn().createStatement()) {
            st.execute("PRAGMA max_page_count = " + pageCount(opened.conn()));
        }
        int failedAt = -1;
        for (int i = half; i < batches.size() && failedAt < 0; i++) {
            try {
                writer.onBatch(batches.get(i));
            } catch (java.sql.SQLException full) {
                assertThat(full.getMessage()).contains("FULL");
                failedAt = i;
            }
        }
        assertThat(failedAt).as("the page cap stopped a transaction").isGreaterThanOrEqualTo(half);
        try (Statement st = opened.conn().createStatement()) {
            st.execute("PRAGMA max_page_count = 1073741823");
        }
        // redelivered, as the subscription does after a failure, and the rest after it: no commit yet (far ahead)
        for (int i = failedAt; i < batches.size(); i++) {
            writer.onBatch(batches.get(i));
        }
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + opened.file())) {
            ViewsFile.Head seen = ViewsFile.readHead(other);
            assertThat(seen.seq()).as("nothing committed before the writer's commit").isEqualTo(before.seq());
            assertThat(ViewsFile.digestOfRows(other)).as("the rows another connection sees match the head")
                    .isEqualTo(seen.rowsDigest());
        }
        writer.close();
        assertThat(ViewsFile.readHead(opened.conn()).seq()).isEqualTo(log.head());
        opened.conn().close();

        opened = open(file, log);
        assertThat(opened.rebuiltBecause()).as("served as found after the failed transaction").isNull();
        assertThat(rows(opened.conn())).isEqualTo(expected);
        opened.conn().close();
    }

    private static long pageCount(Connection conn) throws Exception {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA page_count")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
