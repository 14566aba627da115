package io.bitcraps.ledger.query;

import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.GameSummary;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reader connections' prepared-statement cache (issue #15), on real SQLite files: repository
 * calls reuse their statements instead of preparing per call; a reused statement carries nothing
 * of its previous use; a statement always comes back reset, so reads under writes leave no
 * snapshot behind and a TRUNCATE checkpoint from the writer's side completes while the pool keeps
 * its connections (and the control shows the checkpoint would be stopped by one unreset
 * statement); a failed statement is closed, not lent again; the bound holds and the least recently
 * used goes; statements die with their connection; no statement is shared between connections.
 * <p>
 * The repositories here run with no query cache ({@code null}), so every call reaches SQLite, and
 * over the ledger database with the read model kept in the writer's commit (not log-first: then
 * the read model lives in the views file), so one pool serves every repository.
 */
class StatementCacheIT {
    private static final int PLAYERS = 20;
    private static final int GAMES = 4;
    private static final int BETS_PER_GAME = 5;

    @TempDir
    Path dir;

    private Path db() {
        return dir.resolve("ledger.db");
    }

    private Ledger openLedger() {
        return Ledger.open(LedgerConfig.builder(db()).durability(Durability.NORMAL).logFirstCommit(false)
                .tableRules(false).build());
    }

    /** Players funded, games opened, a few bets each: every repository has something to find. */
    private static void populate(Ledger ledger) {
        ok(ledger.submit(new FundHouse(1_000_000, "bankroll")));
        for (int p = 0; p < PLAYERS; p++) {
            ok(ledger.submit(new Deposit(player(p), 1_000, "cage")));
        }
        for (int g = 0; g < GAMES; g++) {
            ok(ledger.submit(new OpenGame(game(g), "t" + (g % 2))));
            for (int b = 0; b < BETS_PER_GAME; b++) {
                ok(ledger.submit(new PlaceBet(game(g), bet(b), player((g * BETS_PER_GAME + b) % PLAYERS), BetType.PASS_LINE,
                        null, 10)));
            }
        }
    }

    private static String player(int p) {
        return "p" + p;
    }

    private static String game(int g) {
        return "g" + g;
    }

    private static String bet(int b) {
        return "b" + b;
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void repositoryCallsReuseThePreparedStatementsOfTheirConnection() {
        try (Ledger ledger = openLedger()) {
            populate(ledger);
        }
        int poolSize = 2;
        try (ReaderPool pool = new ReaderPool(db(), poolSize, null)) {
            BetRepository bets = new BetRepository(pool, null);
            GameRepository games = new GameRepository(pool, null);
            AccountRepository accounts = new AccountRepository(pool, null);
            int rounds = 200;
            for (int i = 0; i < rounds; i++) {
                assertThat(bets.find(game(i % GAMES), bet(i % BETS_PER_GAME))).isPresent();
                assertThat(games.find(game(i % GAMES))).isPresent();
                assertThat(accounts.balance(Account.player(player(i % PLAYERS)))).isPresent();
                assertThat(accounts.statement(Account.player(player(i % PLAYERS)), PageRequest.first(5)).items()).isNotEmpty();
            }
            ReaderPool.StatementStats stats = pool.statementStats();
            int reads = 4 * rounds;
            // each read runs two statements: the snapshot's seq and the repository's query; five
            // distinct texts in all, prepared at most once on each connection
            int distinct = 5;
            assertThat(stats.prepared()).as("statements prepared in %d reads: %s", reads, stats)
                    .isLessThanOrEqualTo((long) distinct * poolSize);
            assertThat(stats.prepared() + stats.reused()).as("statement uses").isEqualTo(2L * reads);
            assertThat(stats.closed()).as("nothing failed, nothing past the bound").isZero();
        }
    }

    @Test
    void aReusedStatementCarriesNothingOfItsPreviousUse() {
        try (Ledger ledger = openLedger()) {
            populate(ledger);
        }
        try (ReaderPool pool = new ReaderPool(db(), 1, null)) {
            AccountRepository accounts = new AccountRepository(pool, null);
            GameRepository games = new GameRepository(pool, null);
            BetRepository bets = new BetRepository(pool, null);
            for (int round = 0; round < 3; round++) {
                assertThat(accounts.balance(Account.player(player(1)))).isEqualTo(OptionalLong.of(1_000 - 10));
                assertThat(accounts.balance(Account.player("nobody"))).as("no row: not the previous call's").isEmpty();
                assertThat(games.find(game(2)).map(GameSummary::gameId)).contains(game(2));
                assertThat(games.find("g-missing")).isEmpty();
                Optional<BetState> b = bets.find(game(3), bet(4));
                assertThat(b.map(BetState::player)).contains(player((3 * BETS_PER_GAME + 4) % PLAYERS));
                assertThat(bets.find(game(3), "b-missing")).isEmpty();
                assertThat(bets.byGame(game(1), PageRequest.first(2)).items()).extracting(BetState::betId)
                        .containsExactly(bet(4), bet(3));
                assertThat(bets.byGame(game(1), PageRequest.first(100)).items()).hasSize(BETS_PER_GAME);
            }
            assertThat(pool.statementStats().reused()).as("the single connection reused its statements").isPositive();
        }
    }

    /**
     * The must-have of issue #15: many repository calls on a real ledger under writes, and afterwards
     * (the pool still holding its connections and their cached statements) a TRUNCATE checkpoint on
     * a connection of the writer's side gets every frame into the database file and empties the WAL.
     * A statement left unreset in any cache would keep its snapshot and make the checkpoint busy.
     */
    @Test
    void readsUnderWritesLeaveNoSnapshotBehindAndTheWalCanBeTruncated() throws Exception {
        try (Ledger ledger = openLedger()) {
            populate(ledger);
            int poolSize = 3;
            try (ReaderPool pool = new ReaderPool(db(), poolSize, null)) {
                BetRepository bets = new BetRepository(pool, null);
                GameRepository games = new GameRepository(pool, null);
                AccountRepository accounts = new AccountRepository(pool, null);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger written = new AtomicInteger();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    int i = 0;
                    while (!stop.get()) {
                        List<CompletableFuture<Receipt>> window = new ArrayList<>();
                        for (int k = 0; k < 16; k++, i++) {
                            window.add(ledger.submit(new Deposit(player(i % PLAYERS), 1, "cage")));
                        }
                        window.forEach(f -> ok(f));
                        written.addAndGet(window.size());
                    }
                });
                AtomicInteger calls = new AtomicInteger();
                List<CompletableFuture<Void>> readers = new ArrayList<>();
                for (int t = 0; t < poolSize; t++) {
                    int offset = t;
                    readers.add(CompletableFuture.runAsync(() -> {
                        for (int i = offset; i < 1_500 + offset; i++) {
                            bets.find(game(i % GAMES), bet(i % BETS_PER_GAME));
                            games.find(game(i % GAMES));
                            accounts.balance(Account.player(player(i % PLAYERS)));
                            accounts.statement(Account.player(player(i % PLAYERS)), PageRequest.first(3));
                            bets.byPlayer(player(i % PLAYERS), PageRequest.first(2));
                            calls.addAndGet(5);
                        }
                    }));
                }
                CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
                stop.set(true);
                writer.get(60, TimeUnit.SECONDS);

                ReaderPool.StatementStats stats = pool.statementStats();
                assertThat(written.get()).as("the writer ran during the reads").isPositive();
                assertThat(pool.stats().getTotalConnections()).as("the pool still holds its connections").isPositive();
                assertThat(pool.stats().getActiveConnections()).isZero();
                assertThat(stats.prepared() - stats.closed()).as("cached statements still open: %s", stats).isPositive();
                assertThat(stats.reused()).isGreaterThan(calls.get());

                long walBefore = Files.size(wal());
                long[] checkpoint = truncateCheckpoint(2_000);
                System.out.printf("StatementCacheIT: %d repository calls while %d deposits were written; %s;"
                                + " WAL %d bytes before TRUNCATE, checkpoint (busy, log, checkpointed) = (%d, %d, %d), %d bytes after%n",
                        calls.get(), written.get(), stats, walBefore, checkpoint[0], checkpoint[1], checkpoint[2],
                        Files.size(wal()));
                assertThat(walBefore).as("the writes went through the WAL").isPositive();
                assertThat(checkpoint[0]).as("busy: a reader's snapshot held the checkpoint back").isZero();
                assertThat(Files.size(wal())).as("the WAL after TRUNCATE").isZero();
            }
        }
    }

    /**
     * The control for the test above: one statement that returned a row and was not reset holds
     * its snapshot, and the same TRUNCATE checkpoint reports busy and leaves the WAL; resetting the
     * statement (closing its result set) releases it. So a busy of 0 above does mean no pinned reader.
     */
    @Test
    void oneUnresetStatementIsEnoughToStopTheCheckpoint() throws Exception {
        try (Ledger ledger = openLedger()) {
            populate(ledger);
            try (Connection reader = LedgerDatabase.openReadOnly(db());
                 PreparedStatement ps = reader.prepareStatement("SELECT seq FROM events ORDER BY seq")) {
                ResultSet rs = ps.executeQuery();
                assertThat(rs.next()).isTrue(); // a row returned, the statement left as it is
                for (int i = 0; i < 50; i++) {
                    ok(ledger.submit(new Deposit(player(i % PLAYERS), 1, "cage")));
                }
                long[] pinned = truncateCheckpoint(200);
                assertThat(pinned[0]).as("busy while the statement holds its snapshot").isEqualTo(1);
                assertThat(Files.size(wal())).isPositive();

                rs.close(); // sqlite-jdbc resets the statement
                long[] released = truncateCheckpoint(2_000);
                assertThat(released[0]).as("busy once the statement is reset").isZero();
                assertThat(Files.size(wal())).isZero();
            }
        }
    }

    private Path wal() {
        return Path.of(db() + "-wal");
    }

    /** {@code PRAGMA wal_checkpoint(TRUNCATE)} from a read-write connection of its own: (busy, log frames, checkpointed frames). */
    private long[] truncateCheckpoint(int busyTimeoutMillis) throws SQLException {
        try (Connection conn = DriverManager.getConnection(LedgerDatabase.url(db()));
             Statement st = conn.createStatement()) {
            st.execute("PRAGMA busy_timeout = " + busyTimeoutMillis);
            try (ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                assertThat(rs.next()).isTrue();
                return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void aStatementWhoseUseFailedIsClosedAndPreparedAfresh() throws Exception {
        try (Ledger ledger = openLedger()) {
            populate(ledger);
        }
        String sql = "SELECT balance FROM balances WHERE account = ?";
        try (ReaderPool pool = new ReaderPool(db(), 1, null)) {
            List<PreparedStatement> lent = new ArrayList<>();
            pool.read((conn, seq) -> ReaderPool.statements(conn).query(sql, ps -> {
                lent.add(ps);
                ps.setString(1, "house");
            }, rs -> rs.next()));
            ReaderPool.StatementStats before = pool.statementStats();

            assertThatThrownBy(() -> pool.read((conn, seq) -> ReaderPool.statements(conn).query(sql, ps -> {
                lent.add(ps);
                ps.setString(1, "house");
            }, rs -> rs.next() && rs.getLong(99) > 0))).isInstanceOf(SQLException.class);
            assertThat(lent.get(1)).as("the failing use had the cached statement").isSameAs(lent.get(0));
            assertThat(lent.get(1).isClosed()).as("closed after its use failed").isTrue();
            assertThat(pool.statementStats().closed()).isEqualTo(before.closed() + 1);

            assertThatThrownBy(() -> pool.read((conn, seq) -> ReaderPool.statements(conn).query(sql, ps -> {
                lent.add(ps);
                ps.setString(1, "house");
            }, rs -> {
                throw new IllegalStateException("a row reader that fails on its own");
            }))).isInstanceOf(IllegalStateException.class);
            assertThat(lent.get(2)).as("a new statement after the failure").isNotSameAs(lent.get(1));
            assertThat(lent.get(2).isClosed()).as("any failed use closes the statement").isTrue();

            long balance = pool.read((conn, seq) -> ReaderPool.statements(conn).query(sql, ps -> {
                lent.add(ps);
                ps.setString(1, "house");
            }, rs -> rs.next() ? rs.getLong(1) : -1L)).value();
            assertThat(balance).isEqualTo(1_000_000);
            assertThat(lent.get(3)).isNotSameAs(lent.get(2));
            assertThat(lent.get(3).isClosed()).as("a clean use keeps it").isFalse();
        }
    }

    @Test
    void theCacheKeepsItsBoundAndClosesTheLeastRecentlyUsed() throws Exception {
        try (Connection conn = plainDatabase()) {
            StatementCache.Counters counters = new StatementCache.Counters();
            StatementCache cache = new StatementCache(conn, counters, 3);
            List<PreparedStatement> first = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                cache.query("SELECT v + " + k + " FROM t WHERE k = ?", ps -> {
                    first.add(ps);
                    ps.setInt(1, 1);
                }, rs -> rs.next());
            }
            assertThat(cache.size()).isEqualTo(3);
            assertThat(counters.closed.sum()).isEqualTo(2);
            assertThat(first.get(0).isClosed()).as("least recently used").isTrue();
            assertThat(first.get(1).isClosed()).isTrue();
            assertThat(first.subList(2, 5)).noneMatch(StatementCacheIT::closed);

            PreparedStatement[] again = new PreparedStatement[1];
            cache.query("SELECT v + 2 FROM t WHERE k = ?", ps -> {
                again[0] = ps;
                ps.setInt(1, 1);
            }, rs -> rs.next());
            assertThat(again[0]).as("a kept one is reused").isSameAs(first.get(2));
            cache.query("SELECT v + 0 FROM t WHERE k = ?", ps -> ps.setInt(1, 1), rs -> rs.next());
            assertThat(counters.prepared.sum()).as("an evicted one is prepared again").isEqualTo(6);
            assertThat(first.get(3).isClosed()).as("now the least recently used").isTrue();
            assertThat(first.get(2).isClosed()).as("used more recently than v + 3").isFalse();

            cache.close();
            assertThat(counters.closed.sum()).isEqualTo(counters.prepared.sum());
            assertThatThrownBy(() -> cache.query("SELECT 1", ps -> {}, rs -> rs.next())).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void aNestedUseOfTheSameSqlGetsItsOwnStatement() throws Exception {
        try (Connection conn = plainDatabase()) {
            StatementCache.Counters counters = new StatementCache.Counters();
            StatementCache cache = new StatementCache(conn, counters);
            String sql = "SELECT v FROM t WHERE k = ?";
            long sum = cache.query(sql, ps -> ps.setInt(1, 1), outer -> {
                long total = 0;
                while (outer.next()) {
                    total += outer.getLong(1) + cache.query(sql, ps -> ps.setInt(1, 2), inner -> inner.next() ? inner.getLong(1) : 0L);
                }
                return total;
            });
            assertThat(sum).isEqualTo(10 + 20);
            assertThat(counters.prepared.sum()).isEqualTo(2);
            assertThat(cache.size()).as("one kept, the surplus closed").isEqualTo(1);
            assertThat(counters.closed.sum()).isEqualTo(1);
        }
    }

    @Test
    void statementsAreClosedWithTheirConnection() throws Exception {
        try (Ledger ledger = openLedger()) {
            populate(ledger);
        }
        try (ReaderPool pool = new ReaderPool(db(), 2, null)) {
            GameRepository games = new GameRepository(pool, null);
            for (int i = 0; i < 20; i++) {
                games.find(game(i % GAMES));
            }
            ReaderPool.StatementStats used = pool.statementStats();
            assertThat(used.prepared() - used.closed()).as("open in the caches").isPositive();

            pool.stats().softEvictConnections(); // idle connections are closed at once, in the background
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.statementStats().closed() < used.prepared() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(pool.statementStats().closed()).as("every statement of the evicted connections")
                    .isEqualTo(used.prepared());

            assertThat(games.find(game(0))).as("the pool's new connections prepare their own").isPresent();
            assertThat(pool.statementStats().prepared()).isGreaterThan(used.prepared());
            pool.close();
            ReaderPool.StatementStats closed = pool.statementStats();
            assertThat(closed.closed()).as("none left open after the pool's close").isEqualTo(closed.prepared());
        }
    }

    @Test
    void noStatementIsSharedBetweenConnections() throws Exception {
        try (Ledger ledger = openLedger()) {
            populate(ledger);
        }
        int poolSize = 3;
        try (ReaderPool pool = new ReaderPool(db(), poolSize, null)) {
            ConcurrentHashMap<PreparedStatement, Connection> owner = new ConcurrentHashMap<>();
            AtomicInteger mismatches = new AtomicInteger();
            List<CompletableFuture<Void>> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 300; i++) {
                        int g = i % GAMES;
                        try {
                            String found = pool.read((conn, seq) -> {
                                ReaderConnection physical = conn.unwrap(ReaderConnection.class);
                                return ReaderPool.statements(conn).query("SELECT game_id FROM games WHERE game_id = ?", ps -> {
                                    Connection earlier = owner.putIfAbsent(ps, physical);
                                    if (ps.getConnection() != physical || earlier != null && earlier != physical) {
                                        mismatches.incrementAndGet();
                                    }
                                    ps.setString(1, game(g));
                                }, rs -> rs.next() ? rs.getString(1) : null);
                            }).value();
                            if (!game(g).equals(found)) {
                                mismatches.incrementAndGet();
                            }
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }));
            }
            CompletableFuture.allOf(threads.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(mismatches.get()).isZero();
            assertThat(owner.size()).as("one statement per connection for one SQL text").isLessThanOrEqualTo(poolSize);
            assertThat(owner.values().stream().distinct().count()).isEqualTo(owner.size());
        }
    }

    /** A file with {@code t(k, v)}: (1, 10), (2, 20). */
    private Connection plainDatabase() throws SQLException {
        Connection conn = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("plain.db"));
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER)");
            st.execute("INSERT INTO t VALUES (1, 10), (2, 20)");
        }
        return conn;
    }

    private static boolean closed(PreparedStatement ps) {
        try {
            return ps.isClosed();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
