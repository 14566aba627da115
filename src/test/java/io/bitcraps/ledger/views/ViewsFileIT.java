package io.bitcraps.ledger.views;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.health.HealthCheck;
import io.bitcraps.ledger.health.HealthStatus;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.AccountEntry;
import io.bitcraps.ledger.query.AccountRepository;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.query.ReaderPool;
import io.bitcraps.ledger.sim.CrapsFloor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The views file against the read model the writer keeps in its commit (these ledgers run with
 * {@code logFirstCommit(false)}, which writes both): the same rows, table by
 * table, and every account's statement (players, escrows, house, world) the same page by page as
 * the statement read from the log, after a seeded craps floor and after a reopen; a views file that cannot be served
 * (deleted, damaged, foreign, ahead of the log) is rebuilt at open and then matches again; reads
 * say their seq and a caller can wait for its own; the writer never waits for the views.
 */
class ViewsFileIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The ids of the house's and the world's statement lines. */
    private static final String HOUSE_ID = "(SELECT id FROM accounts WHERE key = 'house')";
    private static final String WORLD_ID = "(SELECT id FROM accounts WHERE key = 'world')";
    private static final String[] TABLES = {
            "SELECT account, balance, updated_seq FROM balances ORDER BY account",
            "SELECT game_id, table_id, open, opened_seq, closed_seq, rolls, last_die1, last_die2, point, open_bets"
                    + " FROM games ORDER BY game_id",
            "SELECT game_id, bet_id, player, bet_type, point, amount, placed_seq, settled_seq, outcome, winnings"
                    + " FROM bets ORDER BY game_id, bet_id",
            "SELECT player, wagered, won, lost, bets_placed, bets_settled FROM player_stats ORDER BY player",
    };

    @TempDir
    Path dir;

    private Path db() {
        return dir.resolve("ledger.db");
    }

    private static Ledger openWithViews(Path db) {
        return Ledger.open(LedgerConfig.builder(db).logFirstCommit(false).views(true).build());
    }

    private static long seed() {
        long seed = Long.getLong("views.seed", ThreadLocalRandom.current().nextLong(1, 1_000_000));
        System.out.println("ViewsFileIT seed " + seed + " (rerun with -Dviews.seed=" + seed + ")");
        return seed;
    }

    private static void runFloor(Ledger ledger, long seed, String tag) throws InterruptedException {
        new CrapsFloor(ledger, new CrapsFloor.Settings(4, 16, 10, seed, tag, 1_000, 1_000_000)).run(n -> { });
    }

    /** Every row of the four tables, table by table, from a file read while nothing writes it. */
    private static Map<String, List<List<Object>>> tables(Path file) throws Exception {
        Map<String, List<List<Object>>> all = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            c.setAutoCommit(false); // one snapshot for all four
            for (String sql : TABLES) {
                List<List<Object>> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery(sql)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        List<Object> row = new ArrayList<>();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            row.add(rs.getObject(i));
                        }
                        rows.add(row);
                    }
                }
                all.put(sql.substring(sql.indexOf(" FROM ") + 6, sql.indexOf(" ORDER")), rows);
            }
            c.rollback();
        }
        return all;
    }

    private static long viewsHeadSeq(Path views) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + views); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq FROM views_head WHERE id = 1")) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    /**
     * Every account's statement from the views file against the statement read from the log by a
     * repository over the ledger database, page by page in pages of {@code limit}. An uncached
     * repository over the views file gives the same pages (lines, next request, and the seq: the
     * watermark, which is the head here); the ledger's own repository (cached, so a page of an
     * account untouched since an earlier read keeps that read's seq) gives the same lines and next
     * requests. Every account ever posted to has a balance row, so the log's {@code balances} table
     * lists them all. Returns the lines compared per kind of account; they must be every line of
     * the views file's {@code statements}.
     */
    private Map<Account.Kind, Long> assertStatementsEqualTheLog(Ledger ledger, int limit) throws Exception {
        List<String> accounts = new ArrayList<>();
        for (List<Object> row : tables(db()).get("balances")) {
            accounts.add((String) row.get(0));
        }
        assertThat(accounts).as("accounts").contains("house", "world").anyMatch(a -> a.startsWith("player:"));
        accounts.add("player:nobody"); // never posted to: empty from both
        long head = ledger.view().seq();
        Map<Account.Kind, Long> linesByKind = new java.util.EnumMap<>(Account.Kind.class);
        long lines = 0;
        try (ReaderPool logPool = new ReaderPool(db(), 2, null);
             ReaderPool viewsPool = new ReaderPool(ViewsFile.fileOf(db()), 2, null, ReaderPool.Source.VIEWS)) {
            AccountRepository fromLog = new AccountRepository(logPool, null);
            AccountRepository fromViews = new AccountRepository(viewsPool, null);
            for (String key : accounts) {
                Account account = Account.parse(key);
                PageRequest request = PageRequest.first(limit);
                for (int pages = 0; request != null; pages++) {
                    Page<AccountEntry> log = fromLog.statement(account, request);
                    Page<AccountEntry> views = fromViews.statement(account, request);
                    assertThat(views).as("page %d of the statement of %s", pages, key).isEqualTo(log);
                    assertThat(views.asOfSeq()).as("the watermark").isEqualTo(head);
                    Page<AccountEntry> ledgers = ledger.accounts().statement(account, request);
                    assertThat(ledgers.items()).as("page %d of %s through the ledger", pages, key).isEqualTo(log.items());
                    assertThat(ledgers.next()).isEqualTo(log.next());
                    assertThat(ledgers.asOfSeq()).isPositive().isLessThanOrEqualTo(head);
                    assertThat(pages).as("pages of %s", key).isLessThan(1_000_000);
                    lines += views.items().size();
                    linesByKind.merge(account.kind(), (long) views.items().size(), Long::sum);
                    request = views.next();
                }
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ViewsFile.fileOf(db()));
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM statements")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).as("every line of the views file was compared").isEqualTo(lines);
        }
        assertThat(lines).as("statement lines compared").isGreaterThan(accounts.size());
        return linesByKind;
    }

    /**
     * Waits for the views to hold the head, then compares them with the in-commit read model, table
     * by table, and every statement with the log's, page by page.
     */
    private void assertViewsEqualReadModel(Ledger ledger) throws Exception {
        long head = ledger.view().seq();
        assertThat(ledger.awaitViews(head, WAIT)).as("views reach seq %d", head).isTrue();
        assertThat(ledger.viewsSeq()).isEqualTo(head);
        // the writer is idle: the in-commit read model is at head too
        Map<String, List<List<Object>>> expected = tables(db());
        Map<String, List<List<Object>>> actual = tables(ViewsFile.fileOf(db()));
        int rows = 0;
        for (String table : expected.keySet()) {
            assertThat(actual.get(table)).as("views table %s", table).containsExactlyElementsOf(expected.get(table));
            rows += actual.get(table).size();
        }
        assertThat(rows).as("rows compared").isPositive();
        assertStatementsEqualTheLog(ledger, 3);
    }

    /** After a floor: the statements compared include every kind of account. */
    private void assertStatementsOfEveryKindEqualTheLog(Ledger ledger) throws Exception {
        Map<Account.Kind, Long> lines = assertStatementsEqualTheLog(ledger, 2);
        System.out.println("ViewsFileIT statement lines compared by kind of account: " + lines);
        for (Account.Kind kind : Account.Kind.values()) {
            assertThat(lines.getOrDefault(kind, 0L)).as("lines of %s accounts", kind).isPositive();
        }
    }

    private long writeFloorAndClose(long seed) throws Exception {
        try (Ledger ledger = openWithViews(db())) {
            runFloor(ledger, seed, "a");
            assertViewsEqualReadModel(ledger);
            return ledger.view().seq();
        }
    }

    @Test
    void viewsEqualTheInCommitReadModelAfterASeededFloorAndAfterReopen() throws Exception {
        long seed = seed();
        long head = writeFloorAndClose(seed);
        assertThat(head).isGreaterThan(100);
        assertThat(viewsHeadSeq(ViewsFile.fileOf(db()))).as("the watermark stored at close").isEqualTo(head);
        assertThat(Files.getPosixFilePermissions(ViewsFile.fileOf(db())))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (Ledger ledger = openWithViews(db())) {
            assertThat(ledger.openReport()).doesNotContain("views file");
            assertThat(ledger.viewsSeq()).as("served as found, at its watermark").isEqualTo(head);
            assertViewsEqualReadModel(ledger);
            runFloor(ledger, seed + 1, "b");
            assertViewsEqualReadModel(ledger);
            assertStatementsOfEveryKindEqualTheLog(ledger);
        }
    }

    /**
     * The next open rebuilds the views file for {@code because}; the rebuilt file equals the log,
     * and the open after that serves it as found (the digest stored when the build finished holds).
     */
    private void assertRebuiltAtOpen(String because) throws Exception {
        try (Ledger ledger = openWithViews(db())) {
            assertThat(ledger.openReport()).contains("views file").contains("rebuilt from the log").contains(because);
            assertViewsEqualReadModel(ledger);
            assertStatementsOfEveryKindEqualTheLog(ledger);
        }
        try (Ledger ledger = openWithViews(db())) {
            assertThat(ledger.openReport()).as("the rebuilt file is served at the next open").doesNotContain("views file");
            assertViewsEqualReadModel(ledger);
        }
    }

    @Test
    void aDeletedViewsFileIsRebuiltAtOpen() throws Exception {
        writeFloorAndClose(seed());
        Files.delete(ViewsFile.fileOf(db()));
        assertRebuiltAtOpen(ViewsFile.MISSING);
    }

    private void damageOneRow(String update) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ViewsFile.fileOf(db()));
             Statement st = c.createStatement()) {
            assertThat(st.executeUpdate(update)).as(update).isEqualTo(1);
        }
    }

    @Test
    void aDamagedRowIsFoundByTheDigestAndTheFileRebuilt() throws Exception {
        writeFloorAndClose(seed());
        // a plausible edit: one player's winnings, nothing else, the head untouched
        damageOneRow("UPDATE player_stats SET won = won + 1 WHERE player = (SELECT min(player) FROM player_stats)");
        assertRebuiltAtOpen("damaged");
    }

    @Test
    void aViewsFileWhoseBuildWasCutShortIsBuiltAgainAtOpen() throws Exception {
        writeFloorAndClose(seed());
        damageOneRow("UPDATE views_head SET building = 1"); // as a process killed mid-build leaves it
        assertRebuiltAtOpen("still being built");
    }

    @Test
    void aViewsFileClosedWhileItIsBuiltKeepsItsProgressAndIsServedAtTheNextOpen() throws Exception {
        long head = writeFloorAndClose(seed());
        Files.delete(ViewsFile.fileOf(db()));
        try (Ledger ledger = openWithViews(db())) {
            assertThat(ledger.openReport()).contains(ViewsFile.MISSING);
        } // closed at once, most likely mid-build
        long kept = viewsHeadSeq(ViewsFile.fileOf(db()));
        System.out.println("ViewsFileIT: closed at watermark " + kept + " of " + head);
        try (Ledger ledger = openWithViews(db())) {
            assertThat(ledger.openReport()).as("served, not built again").doesNotContain("views file");
            assertThat(ledger.viewsSeq()).isEqualTo(kept);
            assertViewsEqualReadModel(ledger);
        }
    }

    @Test
    void aDamagedStatementLineIsFoundByTheDigestAndTheFileRebuilt() throws Exception {
        writeFloorAndClose(seed());
        // one line of the house's statement moves one chip more; the head untouched
        damageOneRow("UPDATE statements SET delta = delta + 1 WHERE account_id = " + HOUSE_ID
                + " AND seq = (SELECT max(seq) FROM statements WHERE account_id = " + HOUSE_ID + ")");
        assertRebuiltAtOpen("damaged");
    }

    @Test
    void aMissingStatementLineIsFoundByTheDigestAndTheFileRebuilt() throws Exception {
        writeFloorAndClose(seed());
        damageOneRow("DELETE FROM statements WHERE account_id = " + WORLD_ID
                + " AND seq = (SELECT min(seq) FROM statements WHERE account_id = " + WORLD_ID + ")");
        assertRebuiltAtOpen("damaged");
    }

    @Test
    void aDamagedAccountKeyIsFoundByTheDigestAndTheFileRebuilt() throws Exception {
        writeFloorAndClose(seed());
        // the lines stay, but the id of the house's lines now names another account
        damageOneRow("UPDATE accounts SET key = 'house2' WHERE key = 'house'");
        assertRebuiltAtOpen("damaged");
    }

    @Test
    void aViewsFileOfTheFormatBeforeIsRebuiltNotMisread() throws Exception {
        writeFloorAndClose(seed());
        // format 2 keyed statements by the account's text and kept the bets' indexes all along
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ViewsFile.fileOf(db()));
             Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 2");
        }
        assertRebuiltAtOpen("it has format 2, this code writes format " + ViewsFile.FORMAT);
    }

    @Test
    void aServedViewsFileWithoutTheBetsIndexesIsRebuilt() throws Exception {
        writeFloorAndClose(seed());
        assertThat(indexes(ViewsFile.fileOf(db()))).as("a finished build created them")
                .contains("bets_by_player", "bets_by_game", "games_by_table", "games_open");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ViewsFile.fileOf(db()));
             Statement st = c.createStatement()) {
            st.execute("DROP INDEX bets_by_player");
        }
        assertRebuiltAtOpen("it lacks the indexes bets_by_player");
        assertThat(indexes(ViewsFile.fileOf(db()))).as("the rebuild created them again").contains("bets_by_player");
    }

    private static List<String> indexes(Path file) throws Exception {
        List<String> names = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    @Test
    void aPageOfAStatementIsOneRangeScanOfThePrimaryKey() throws Exception {
        writeFloorAndClose(seed());
        List<String> plan = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ViewsFile.fileOf(db()));
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN"
                     + " SELECT seq, ts, type, delta FROM statements"
                     + " WHERE account_id = (SELECT id FROM accounts WHERE key = 'house') AND seq < 1000"
                     + " ORDER BY seq DESC LIMIT 11")) {
            while (rs.next()) {
                plan.add(rs.getString("detail"));
            }
        }
        assertThat(plan).as("the plan: the account's id by its key, then one range of the key")
                .containsExactly("SEARCH statements USING PRIMARY KEY (account_id=? AND seq<?)", "SCALAR SUBQUERY 1",
                        "SEARCH accounts USING COVERING INDEX sqlite_autoindex_accounts_1 (key=?)");
    }

    @Test
    void aViewsFileOfAnotherLedgerIsRebuiltAtOpen() throws Exception {
        long seed = seed();
        writeFloorAndClose(seed);
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        try (Ledger ledger = openWithViews(other.resolve("ledger.db"))) {
            runFloor(ledger, seed, "a"); // the same floor: only the ledger id tells them apart
            assertThat(ledger.awaitViews(ledger.view().seq(), WAIT)).isTrue();
        }
        Path views = ViewsFile.fileOf(db());
        assertThat(views.resolveSibling(views.getFileName() + "-wal")).as("closing emptied the WAL").doesNotExist();
        Files.copy(ViewsFile.fileOf(other.resolve("ledger.db")), views, StandardCopyOption.REPLACE_EXISTING);
        assertRebuiltAtOpen("belongs to ledger");
    }

    @Test
    void aViewsFileAheadOfARestoredLogIsRebuiltAtOpen() throws Exception {
        long seed = seed();
        long older = writeFloorAndClose(seed);
        Path backup = dir.resolve("backup.db");
        Files.copy(db(), backup); // closed: the WAL was checkpointed into the file
        try (Ledger ledger = openWithViews(db())) {
            runFloor(ledger, seed + 1, "b");
            assertViewsEqualReadModel(ledger);
        }
        assertThat(viewsHeadSeq(ViewsFile.fileOf(db()))).isGreaterThan(older);
        Files.deleteIfExists(dir.resolve("ledger.db-wal"));
        Files.deleteIfExists(dir.resolve("ledger.db-shm"));
        Files.copy(backup, db(), StandardCopyOption.REPLACE_EXISTING);
        assertRebuiltAtOpen("ahead of the log");
        try (Ledger ledger = openWithViews(db())) {
            assertThat(ledger.view().seq()).isEqualTo(older);
        }
    }

    @Test
    void aCallerWaitsForItsReceiptAndEveryPageSaysItsSeq() throws Exception {
        try (Ledger ledger = openWithViews(db())) {
            ok(ledger.submit(new FundHouse(10_000, "float")));
            ok(ledger.submit(new Deposit("alice", 1_000, "cash-1")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            Receipt bet = ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 100)));
            assertThat(ledger.awaitViews(bet.lastSeq(), WAIT)).isTrue();
            assertThat(ledger.viewsSeq()).isGreaterThanOrEqualTo(bet.lastSeq());
            Page<BetState> page = ledger.bets().byPlayer("alice", PageRequest.first(10));
            assertThat(page.asOfSeq()).isGreaterThanOrEqualTo(bet.lastSeq());
            assertThat(page.items()).extracting(BetState::betId).containsExactly("b1");
            assertThat(ledger.accounts().balance(io.bitcraps.ledger.domain.Account.player("alice"))).hasValue(900);
            assertThat(ledger.awaitViews(bet.lastSeq() + 1, Duration.ofMillis(50)))
                    .as("a seq not committed yet is not waited for past the timeout").isFalse();
        }
    }

    @Test
    void theWriterKeepsCommittingWhileTheViewsSubscriberIsBlocked() throws Exception {
        LedgerConfig config = LedgerConfig.builder(db()).logFirstCommit(false).views(true).busyTimeout(Duration.ofMillis(100)).build();
        try (Ledger ledger = Ledger.open(config)) {
            ok(ledger.submit(new FundHouse(1_000_000, "float")));
            assertThat(ledger.awaitViews(ledger.view().seq(), WAIT)).isTrue();
            long blockedAt = ledger.viewsSeq();
            int deposits = 500;
            try (Connection blocker = DriverManager.getConnection("jdbc:sqlite:" + ViewsFile.fileOf(db()));
                 Statement st = blocker.createStatement()) {
                st.execute("BEGIN IMMEDIATE"); // the views file's write lock, held until released below
                for (int i = 0; i < deposits; i++) {
                    ok(ledger.submit(new Deposit("p" + (i % 50), 10, "cash-" + i)));
                }
                assertThat(ledger.view().seq()).isEqualTo(blockedAt + deposits);
                assertThat(ledger.viewsSeq()).as("the views could not commit while blocked").isEqualTo(blockedAt);
                HealthCheck views = ledger.health().checks().stream().filter(c -> c.name().equals("views"))
                        .findFirst().orElseThrow();
                assertThat(views.detail()).contains(deposits + " event(s)");
                Page<AccountEntry> statement = ledger.accounts().statement(Account.player("p0"), PageRequest.first(5));
                assertThat(statement.asOfSeq()).as("a statement read from the blocked views").isEqualTo(blockedAt);
                assertThat(statement.items()).as("p0's deposits are not in the views yet").isEmpty();
                st.execute("ROLLBACK");
            }
            assertViewsEqualReadModel(ledger);
            HealthCheck views = ledger.health().checks().stream().filter(c -> c.name().equals("views"))
                    .findFirst().orElseThrow();
            assertThat(views.status()).isEqualTo(HealthStatus.UP);
            assertThat(views.detail()).contains(" 0 event(s)");
            Page<AccountEntry> statement = ledger.accounts().statement(Account.player("p0"), PageRequest.first(5));
            assertThat(statement.asOfSeq()).isEqualTo(ledger.view().seq());
            assertThat(statement.items()).hasSize(5).allMatch(e -> e.delta() == 10);
        }
    }
}
