package io.bitcraps.ledger.query;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.QueryCacheStats;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command.CloseGame;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.GameSummary;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.projection.Touched;
import io.bitcraps.ledger.api.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static io.bitcraps.ledger.support.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The query cache in front of the repositories (docs/architecture.md): a caller never reads data older than
 * its own last acknowledged write, keys no commit touched stay cached across commits, a touched
 * key is reloaded, and the cache stays within its weight bound. The last tests drive
 * {@link QueryCache} directly to simulate the one race a real run hits only by luck: a load that
 * read its snapshot before a commit and stored it after the commit's invalidation.
 */
@org.junit.jupiter.params.ParameterizedClass(name = "log-first commit: {0}")
@org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
class QueryCacheIT {
    /** Log-first, the repositories read the views file, which trails the receipts: {@code Fixtures.seen} waits for it. */
    @org.junit.jupiter.params.Parameter
    boolean logFirst;

    @TempDir
    Path dir;

    /**
     * The scenarios place and settle bets as a cache test needs them (one-chip bets, a settlement
     * without a roll), not as a table would: the writer's table rules are off. The read side is
     * under test here; {@code RulesAtCommitIT} and {@code RejectionsIT} hold the rules.
     */
    private Ledger open(long cacheBytes) {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).durability(Durability.NORMAL).logFirstCommit(logFirst)
                .tableRules(false).queryCacheBytes(cacheBytes).build());
    }

    @Test
    void aReadAfterAnAcknowledgedWriteAlwaysSeesIt() {
        try (Ledger ledger = open(32L << 20)) {
            seen(ledger, ledger.submit(new FundHouse(10_000_000, "bankroll")));
            seen(ledger, ledger.submit(new Deposit("x", 1_000_000, "cage")));
            seen(ledger, ledger.submit(new OpenGame("g", "t")));
            Account x = Account.player("x");
            for (int i = 0; i < 300; i++) {
                // read first (twice: the second is a hit), so each read after the write below
                // finds an entry the write made stale; a cache that ignored commits would serve it
                for (int twice = 0; twice < 2; twice++) {
                    ledger.bets().byPlayer("x", PageRequest.first(5));
                    ledger.bets().byGame("g", PageRequest.first(5));
                    ledger.accounts().balance(x);
                    ledger.accounts().statement(x, PageRequest.first(3));
                    ledger.games().find("g");
                }
                String bet = "b" + i;
                Receipt placed = seen(ledger, ledger.submit(new PlaceBet("g", bet, "x", BetType.FIELD, null, 1 + i % 7)));

                Page<BetState> mine = ledger.bets().byPlayer("x", PageRequest.first(5));
                assertThat(mine.items()).as("bets of x right after bet %s was acknowledged at seq %d", bet, placed.seq())
                        .isNotEmpty();
                assertThat(mine.items().get(0).betId()).as("newest bet of x after seq %d", placed.seq()).isEqualTo(bet);
                assertThat(mine.items().get(0).placedSeq()).isEqualTo(placed.seq());
                assertThat(mine.asOfSeq()).as("snapshot of the page read after seq %d", placed.seq())
                        .isGreaterThanOrEqualTo(placed.seq());
                assertThat(ledger.bets().byGame("g", PageRequest.first(5)).items().get(0).betId()).isEqualTo(bet);
                assertThat(ledger.accounts().balance(x)).as("stored balance of x after seq %d", placed.seq())
                        .hasValue(ledger.view().balance(x));
                assertThat(ledger.accounts().statement(x, PageRequest.first(3)).items().get(0).seq())
                        .as("newest statement line of x after seq %d", placed.seq()).isEqualTo(placed.seq());

                if (i % 2 == 0) {
                    // a settlement changes a row that is already in the cached pages: it must show too
                    Receipt settled = seen(ledger, ledger.submitAtomically(List.of(new RecordRoll("g", 3, 4),
                            new SettleBet("g", bet, Outcome.WIN, 2))));
                    Optional<BetState> found = ledger.bets().find("g", bet);
                    assertThat(found).as("bet %s after its settlement at seq %d", bet, settled.seq()).isPresent();
                    assertThat(found.get().settledSeq()).isEqualTo(settled.seq());
                    assertThat(found.get().outcome()).isEqualTo(Outcome.WIN);
                    assertThat(ledger.bets().byPlayer("x", PageRequest.first(5)).items().get(0).settledSeq())
                            .isEqualTo(settled.seq());
                    assertThat(ledger.games().find("g")).get().extracting(GameSummary::rolls)
                            .isEqualTo(ledger.view().game("g").rolls());
                    assertThat(ledger.accounts().balance(x)).hasValue(ledger.view().balance(x));
                }
            }
            QueryCacheStats stats = ledger.queryCacheStats();
            System.out.println("QueryCacheIT read-your-writes: " + stats);
            // the cache really was in the path: it served hits and refused stale entries
            assertThat(stats.hits()).isPositive();
            assertThat(stats.stale()).isPositive();
        }
    }

    /**
     * Writers each own a player and a game and check their own writes right after each
     * acknowledgement, while readers hammer the same keys (and bystanders') to keep filling the
     * cache with entries that race the commits: a load that read before a commit and stored after
     * it must never be served to the writer who is waiting for that commit.
     */
    @Test
    void readYourWritesHoldsUnderConcurrentReadersAndWriters() throws Exception {
        long seed = Long.getLong("ledger.seed", new SecureRandom().nextLong());
        System.out.println("QueryCacheIT concurrency seed " + seed
                + " (replay the readers' choices: -Dtest=QueryCacheIT -Dledger.seed=" + seed + ")");
        int writers = 4;
        int readers = 4;
        int rounds = Integer.getInteger("ledger.cache.rounds", 150);
        List<String> players = new ArrayList<>();
        try (Ledger ledger = open(32L << 20)) {
            seen(ledger, ledger.submit(new FundHouse(100_000_000, "bankroll")));
            for (int w = 0; w < writers; w++) {
                seen(ledger, ledger.submit(new Deposit("w" + w, 1_000_000, "cage")));
                seen(ledger, ledger.submit(new OpenGame("gw" + w, "t" + (w % 2))));
                players.add("w" + w);
            }
            for (int b = 0; b < 4; b++) {
                seen(ledger, ledger.submit(new Deposit("by" + b, 1_000 + b, "cage")));
                players.add("by" + b);
            }
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong readsDone = new AtomicLong();
            AtomicInteger writersLeft = new AtomicInteger(writers);
            ExecutorService pool = Executors.newFixedThreadPool(writers + readers);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String player = "w" + w;
                String game = "gw" + w;
                Account account = Account.player(player);
                done.add(pool.submit(() -> {
                    try {
                        long balance = 1_000_000; // only this thread moves this player's chips
                        for (int i = 0; i < rounds; i++) {
                            String bet = "b" + i;
                            long stake = 1 + i % 9;
                            Receipt placed = seen(ledger, ledger.submit(new PlaceBet(game, bet, player, BetType.PASS_LINE, null, stake)));
                            balance -= stake;
                            List<BetState> top = ledger.bets().byPlayer(player, PageRequest.first(2)).items();
                            check(!top.isEmpty() && top.get(0).placedSeq() == placed.seq(), player + " placed " + bet
                                    + " at seq " + placed.seq() + " but its history starts with " + top);
                            long stored = ledger.accounts().balance(account).orElse(-1);
                            check(stored == balance, player + " after seq " + placed.seq() + ": stored balance " + stored
                                    + ", expected " + balance);
                            long statementTop = ledger.accounts().statement(account, PageRequest.first(1)).items().get(0).seq();
                            check(statementTop == placed.seq(), player + " statement starts at seq " + statementTop
                                    + ", expected " + placed.seq());
                            Receipt settled = seen(ledger, ledger.submit(new SettleBet(game, bet, Outcome.PUSH, 0)));
                            balance += stake;
                            Optional<BetState> found = ledger.bets().find(game, bet);
                            check(found.isPresent() && found.get().settledSeq() == settled.seq(), player + " settled " + bet
                                    + " at seq " + settled.seq() + " but reads " + found);
                            List<BetState> byGame = ledger.bets().byGame(game, PageRequest.first(1)).items();
                            check(byGame.get(0).settledSeq() == settled.seq(), game + " newest bet reads " + byGame);
                            stored = ledger.accounts().balance(account).orElse(-1);
                            check(stored == balance, player + " after seq " + settled.seq() + ": stored balance " + stored
                                    + ", expected " + balance);
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    } finally {
                        if (writersLeft.decrementAndGet() == 0) {
                            writing.set(false);
                        }
                    }
                    return null;
                }));
            }
            for (int r = 0; r < readers; r++) {
                Random random = new Random(seed + r);
                done.add(pool.submit(() -> {
                    try {
                        while (writing.get()) {
                            String player = players.get(random.nextInt(players.size()));
                            switch (random.nextInt(5)) {
                                case 0 -> ledger.bets().byPlayer(player, PageRequest.first(1 + random.nextInt(2)));
                                case 1 -> ledger.accounts().balance(Account.player(player));
                                case 2 -> ledger.accounts().statement(Account.player(player), PageRequest.first(1));
                                case 3 -> ledger.bets().byGame("gw" + random.nextInt(writers), PageRequest.first(1));
                                default -> ledger.bets().find("gw" + random.nextInt(writers), "b" + random.nextInt(rounds));
                            }
                            readsDone.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            QueryCacheStats stats = ledger.queryCacheStats();
            System.out.println("QueryCacheIT concurrency: " + writers * rounds * 2 + " acknowledged writes checked, "
                    + readsDone.get() + " concurrent reads; " + stats);
            assertThat(failures).as("read-your-writes violations and errors").isEmpty();
            assertThat(readsDone.get()).as("the readers actually ran").isPositive();
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    @Test
    void keysNoCommitTouchedStayCachedAndATouchedKeyIsReloaded() {
        try (Ledger ledger = open(32L << 20)) {
            seen(ledger, ledger.submit(new FundHouse(1_000_000, "bankroll")));
            seen(ledger, ledger.submit(new Deposit("a", 1_000, "cage")));
            seen(ledger, ledger.submit(new Deposit("b", 1_000, "cage")));
            seen(ledger, ledger.submit(new OpenGame("ga", "ta")));
            seen(ledger, ledger.submit(new OpenGame("gb", "tb")));
            seen(ledger, ledger.submit(new PlaceBet("ga", "a1", "a", BetType.FIELD, null, 10)));
            seen(ledger, ledger.submit(new PlaceBet("gb", "b1", "b", BetType.FIELD, null, 10)));

            Page<BetState> first = ledger.bets().byPlayer("a", PageRequest.first(10));
            ledger.accounts().statement(Account.player("a"), PageRequest.first(10));
            ledger.games().byTable("ta", PageRequest.first(10));
            QueryCacheStats before = ledger.queryCacheStats();
            assertThat(ledger.bets().byPlayer("a", PageRequest.first(10))).isEqualTo(first);
            QueryCacheStats warm = ledger.queryCacheStats();
            assertThat(warm.hits() - before.hits()).as("a repeated read is a hit").isEqualTo(1);
            assertThat(warm.misses() - before.misses()).isZero();

            // commits that touch only b, its game, its table, the house and the world
            List<Receipt> others = new ArrayList<>();
            others.add(seen(ledger, ledger.submit(new PlaceBet("gb", "b2", "b", BetType.COME, null, 5))));
            others.add(seen(ledger, ledger.submit(new Deposit("b", 50, "cage"))));
            others.add(seen(ledger, ledger.submitAtomically(List.of(new RecordRoll("gb", 6, 6), new SettleBet("gb", "b1", Outcome.LOSE, 0),
                    new SettleBet("gb", "b2", Outcome.WIN, 7)))));
            others.add(seen(ledger, ledger.submit(new CloseGame("gb"))));
            others.add(seen(ledger, ledger.submit(new OpenGame("gb2", "tb"))));
            for (Receipt r : others) {
                assertThat(r.seq()).isPositive();
            }
            QueryCacheStats s0 = ledger.queryCacheStats();
            Page<BetState> again = ledger.bets().byPlayer("a", PageRequest.first(10));
            ledger.accounts().statement(Account.player("a"), PageRequest.first(10));
            ledger.games().byTable("ta", PageRequest.first(10));
            QueryCacheStats s1 = ledger.queryCacheStats();
            assertThat(again).as("a's history is untouched by b's commits").isEqualTo(first);
            assertThat(again.asOfSeq()).as("served from the cache, so still the old snapshot").isLessThan(ledger.view().seq());
            assertThat(s1.hits() - s0.hits()).as("hits for a's three untouched keys after %d commits touching only b",
                    others.size()).isEqualTo(3);
            assertThat(s1.misses() - s0.misses()).isZero();
            assertThat(s1.stale() - s0.stale()).isZero();

            // b's keys were touched: found in the cache or not, they must be reloaded, never served old
            ledger.bets().byPlayer("b", PageRequest.first(10)); // b was never read: a miss
            QueryCacheStats s2 = ledger.queryCacheStats();
            assertThat(s2.misses() - s1.misses()).isEqualTo(1);

            // now touch a: its cached entries must be refused (stale) and reloaded with the new bet
            Receipt touchA = seen(ledger, ledger.submit(new PlaceBet("ga", "a2", "a", BetType.FIELD, null, 3)));
            Page<BetState> reloaded = ledger.bets().byPlayer("a", PageRequest.first(10));
            QueryCacheStats s3 = ledger.queryCacheStats();
            assertThat(s3.stale() - s2.stale()).as("a's cached page was found and refused as stale").isEqualTo(1);
            assertThat(s3.hits() - s2.hits()).isZero();
            assertThat(reloaded.items()).extracting(BetState::betId).containsExactly("a2", "a1");
            assertThat(reloaded.asOfSeq()).isGreaterThanOrEqualTo(touchA.seq());
            // and once reloaded it is cached again
            ledger.bets().byPlayer("a", PageRequest.first(10));
            assertThat(ledger.queryCacheStats().hits() - s3.hits()).isEqualTo(1);
            // the statement of a (account topic) and table ta (game ga touched) were touched too
            QueryCacheStats s4 = ledger.queryCacheStats();
            assertThat(ledger.accounts().statement(Account.player("a"), PageRequest.first(10)).items().get(0).seq())
                    .isEqualTo(touchA.seq());
            assertThat(ledger.games().byTable("ta", PageRequest.first(10)).items().get(0).openBets()).isEqualTo(2);
            QueryCacheStats s5 = ledger.queryCacheStats();
            assertThat(s5.stale() - s4.stale()).isEqualTo(2);
            assertThat(s5.hits() - s4.hits()).isZero();
        }
    }

    @Test
    void theCacheStaysWithinItsWeightBound() throws Exception {
        long bound = 16 * 1024;
        try (Ledger ledger = open(bound)) {
            seen(ledger, ledger.submit(new FundHouse(1_000_000, "bankroll")));
            seen(ledger, ledger.submit(new Deposit("p", 100_000, "cage")));
            seen(ledger, ledger.submit(new OpenGame("g", "t")));
            for (int i = 0; i < 40; i++) {
                seen(ledger, ledger.submit(new PlaceBet("g", "b" + i, "p", BetType.FIELD, null, 1)));
            }
            long seq = ledger.view().seq();
            // every (limit, beforeSeq) pair is its own key; most pages hold several bets
            int queries = 0;
            for (int before = 1; before <= seq + 1; before++) {
                for (int limit = 1; limit <= 12; limit++) {
                    ledger.bets().byPlayer("p", new PageRequest(limit, before));
                    queries++;
                }
            }
            for (int i = 0; i < 500; i++) {
                ledger.games().find("nope" + i);
                queries++;
            }
            // Caffeine evicts in its maintenance pass, which may run just after the last put
            QueryCacheStats stats = ledger.queryCacheStats();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (stats.weightedSize() > bound && System.nanoTime() < deadline) {
                Thread.sleep(20);
                ledger.games().find("g"); // any access lets maintenance run
                stats = ledger.queryCacheStats();
            }
            System.out.println("QueryCacheIT bound: " + queries + " distinct queries into " + bound + " bytes: " + stats);
            assertThat(stats.misses()).isGreaterThanOrEqualTo(queries);
            assertThat(stats.evictions()).as("a full cache evicts").isPositive();
            assertThat(stats.weightedSize()).as("weighted size after %d distinct queries", queries)
                    .isPositive().isLessThanOrEqualTo(bound);
        }
    }

    @Test
    void aLedgerWithoutACacheStillReadsItsOwnWrites() {
        try (Ledger ledger = open(0)) {
            seen(ledger, ledger.submit(new Deposit("x", 100, "cage")));
            seen(ledger, ledger.submit(new OpenGame("g", "t")));
            for (int i = 0; i < 5; i++) {
                Receipt r = seen(ledger, ledger.submit(new PlaceBet("g", "b" + i, "x", BetType.FIELD, null, 1)));
                assertThat(ledger.bets().byPlayer("x", PageRequest.first(1)).items().get(0).placedSeq()).isEqualTo(r.seq());
                assertThat(ledger.accounts().balance(Account.player("x"))).hasValue(99 - i);
            }
            assertThat(ledger.queryCacheStats()).isEqualTo(new QueryCacheStats(0, 0, 0, 0, 0));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // QueryCache on its own

    /** A loader that hands out the snapshots it is given, in order, and counts its calls. */
    private static final class ScriptedLoader implements QueryCache.Loader<String> {
        private final List<ReaderPool.Snapshot<String>> answers = new ArrayList<>();
        private Runnable during = () -> { };
        int calls;

        ScriptedLoader then(String value, long seq) {
            answers.add(new ReaderPool.Snapshot<>(value, seq));
            return this;
        }

        @Override
        public ReaderPool.Snapshot<String> load() {
            Runnable r = during;
            during = () -> { };
            r.run(); // e.g. a commit that lands while this load runs
            return answers.get(calls++);
        }
    }

    private static Touched players(String... ids) {
        return new Touched(Set.of(), Set.of(), Set.of(ids), Set.of());
    }

    @Test
    void anEntryLoadedFromASnapshotOlderThanItsTopicsLastChangeIsNeverServed() throws Exception {
        QueryCache cache = new QueryCache(1 << 20);
        ScriptedLoader alice = new ScriptedLoader().then("alice@5", 5).then("alice@11", 11).then("alice@12", 12);
        ScriptedLoader bob = new ScriptedLoader().then("bob@5", 5);

        assertThat(cache.get("k-alice", "player:alice", alice)).isEqualTo("alice@5");
        assertThat(cache.get("k-bob", "player:bob", bob)).isEqualTo("bob@5");
        assertThat(cache.get("k-alice", "player:alice", alice)).isEqualTo("alice@5");
        assertThat(alice.calls).isEqualTo(1);

        // a commit at 7 touches alice only: alice's entry is refused, bob's stays
        cache.invalidate(players("alice"), 7);
        // the reload races a commit at 12 that touches alice again: it read snapshot 11, and stores
        // it after the invalidation at 12
        alice.during = () -> cache.invalidate(players("alice"), 12);
        QueryCache.Stats s0 = cache.stats();
        assertThat(cache.get("k-alice", "player:alice", alice)).isEqualTo("alice@11");
        assertThat(cache.stats().stale() - s0.stale()).isEqualTo(1);
        // so the next read must not trust the entry from snapshot 11: it reloads and gets 12
        assertThat(cache.get("k-alice", "player:alice", alice)).isEqualTo("alice@12");
        assertThat(alice.calls).isEqualTo(3);
        assertThat(cache.stats().stale() - s0.stale()).isEqualTo(2);
        // from then on the entry is current and served
        assertThat(cache.get("k-alice", "player:alice", alice)).isEqualTo("alice@12");
        assertThat(alice.calls).isEqualTo(3);

        assertThat(cache.get("k-bob", "player:bob", bob)).isEqualTo("bob@5");
        assertThat(bob.calls).as("bob's entry survived commits that touched only alice").isEqualTo(1);
    }

    @Test
    void eachKindOfTouchInvalidatesItsOwnTopic() throws Exception {
        QueryCache cache = new QueryCache(1 << 20);
        String[][] topics = {{"player:p", "players"}, {"game:g", "games"}, {"table:t", "tables"}, {"account:house", "accounts"}};
        Touched[] touches = {
                new Touched(Set.of(), Set.of(), Set.of("p"), Set.of()),
                new Touched(Set.of(), Set.of("g"), Set.of(), Set.of()),
                new Touched(Set.of(), Set.of(), Set.of(), Set.of("t")),
                new Touched(Set.of("house"), Set.of(), Set.of(), Set.of())};
        long seq = 1;
        for (int i = 0; i < topics.length; i++) {
            ScriptedLoader[] loaders = new ScriptedLoader[topics.length];
            for (int j = 0; j < topics.length; j++) {
                loaders[j] = new ScriptedLoader().then("old", seq).then("new", seq + 1);
                cache.get("key-" + i + "-" + j, topics[j][0], loaders[j]);
            }
            cache.invalidate(touches[i], ++seq);
            for (int j = 0; j < topics.length; j++) {
                String expected = i == j ? "new" : "old";
                assertThat(cache.get("key-" + i + "-" + j, topics[j][0], loaders[j]))
                        .as("%s after a commit that touched %s", topics[j][0], topics[i][1]).isEqualTo(expected);
            }
            seq++;
        }
    }

    @Test
    void whenTheTopicMapOverflowsEveryOlderEntryBecomesStale() throws Exception {
        QueryCache cache = new QueryCache(1 << 20);
        ScriptedLoader z = new ScriptedLoader().then("z@3", 3).then("z@5", 5);
        cache.get("k-z", "player:z", z);
        Set<String> many = new HashSet<>();
        for (int i = 0; i <= QueryCache.TOPICS_MAX; i++) {
            many.add("p" + i);
        }
        cache.invalidate(players(many.toArray(new String[0])), 4);
        // the map now holds more topics than allowed: the next commit drops it for a floor seq
        cache.invalidate(Touched.NOTHING, 5);
        assertThat(cache.get("k-z", "player:z", z)).as("an entry from before the floor").isEqualTo("z@5");
        assertThat(cache.get("k-z", "player:z", z)).isEqualTo("z@5");
        assertThat(z.calls).isEqualTo(2);
    }
}
