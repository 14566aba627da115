package io.bitcraps.ledger.jmh;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.QueryCacheStats;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.api.WriterStats;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.GameSummary;
import io.bitcraps.ledger.api.Durability;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Repository point reads against a real ledger file while the writer works (issue 3; issue 8
 * target "repository point reads p99 ≤ 200 µs under 50% write load").
 * <p>
 * The ledger file holds 100,001 events written through the public API ({@value #PLAYERS} players
 * funded, {@value #GAMES} games with {@value #BETS_PER_GAME} bets each, half of the games played
 * to the end and closed, top-up deposits); it is built once and copied for each trial (see
 * {@code template()}), then opened with {@code Durability.FULL}. A background producer thread
 * submits deposits to random players at {@code writeRate} events/s (0: the writer is idle), in
 * ticks of 5 ms, for as long as the trial runs; the tear-down prints the rate achieved and the
 * query cache's counters.
 * <ul>
 *   <li>{@code betFind}: {@code bets().find(game, bet)} of a random bet (open or settled);</li>
 *   <li>{@code balance}: {@code accounts().balance(player)} of a random player; the producer's
 *   deposits touch these, so with the cache on part of them are refused as stale and reloaded;</li>
 *   <li>{@code gameFind}: {@code games().find(game)} of a random game.</li>
 * </ul>
 * {@code cache=on} is the default query cache, warmed in setup by reading every key once;
 * {@code cache=off} is {@code LedgerConfig.queryCacheBytes(0)}: every read goes to SQLite through
 * the read-only HikariCP pool.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_REFLECT, BenchSupport.ADD_EXPORTS_REF,
        BenchSupport.ADD_EXPORTS_NIO, BenchSupport.NO_ANALYTICS, BenchSupport.SQLITE_TMPDIR, BenchSupport.BENCH_LOG, "-Xmx1g"})
@State(Scope.Benchmark)
public class RepositoryBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryBenchmark.class);

    static final int PLAYERS = 20_000;
    static final int GAMES = 2_000;
    static final int BETS_PER_GAME = 20;
    static final int TOP_UPS = 15_000;

    @Param({"on", "off"})
    public String cache;

    /** Deposits per second submitted by the background producer; 0 leaves the writer idle. */
    @Param({"0", "5000"})
    public int writeRate;

    private Path dir;
    private Ledger ledger;
    private String[] players;
    private Account[] accounts;
    private String[] games;
    private Thread producer;
    private volatile boolean stop;
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private long producerStartNanos;
    private WriterStats statsAtStart;

    @State(Scope.Thread)
    public static class Picker {
        final BenchSupport.XorShift random = new BenchSupport.XorShift((int) System.nanoTime());
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        long start = System.nanoTime();
        BenchSupport.prepareSqliteTmpdir();
        names();
        Path template = template();
        dir = BenchSupport.tempDir("ledger-repo-bench");
        Path db = dir.resolve("bench.db");
        Files.copy(template, db);
        LedgerConfig.Builder config = LedgerConfig.builder(db).durability(Durability.FULL);
        if (cache.equals("off")) {
            config.queryCacheBytes(0);
        }
        ledger = Ledger.open(config.build());
        if (cache.equals("on")) {
            warmCache();
        }
        LOG.info(String.format("cache=%s: ledger of %d events (%d MB) ready in %.1f s", cache,
                ledger.view().seq(), Files.size(db) >> 20, (System.nanoTime() - start) / 1e9));
        statsAtStart = ledger.stats();
        if (writeRate > 0) {
            producer = new Thread(this::produce, "bench-producer");
            producer.setDaemon(true);
            producerStartNanos = System.nanoTime();
            producer.start();
        }
    }

    private void names() {
        players = new String[PLAYERS];
        accounts = new Account[PLAYERS];
        games = new String[GAMES];
        for (int i = 0; i < PLAYERS; i++) {
            players[i] = "player-" + i;
            accounts[i] = Account.player(players[i]);
        }
        for (int g = 0; g < GAMES; g++) {
            games[g] = "game-" + g;
        }
    }

    /**
     * The populated ledger, written once (about 30 s on a busy 2-core machine) under
     * {@code target/jmh-data/} and copied for each trial: a closed, checkpointed database is a
     * single file, safe to copy. Delete the directory to rebuild it.
     */
    private Path template() throws IOException {
        Path dir = Path.of("target", "jmh-data");
        Path template = dir.resolve("repository-v1-" + PLAYERS + "-" + GAMES + "-" + BETS_PER_GAME + "-" + TOP_UPS + ".db");
        if (Files.exists(template)) {
            return template;
        }
        Files.createDirectories(dir);
        Path building = BenchSupport.tempDir("ledger-repo-template");
        Path db = building.resolve("template.db");
        // the games are shaped for the reads (20 bets, one random roll, settled at random), not
        // played by the rulebook: the writer's table rules (issue #13) are off, as in RepositoriesIT
        try (Ledger l = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).tableRules(false).build())) {
            populate(l);
        }
        if (Files.exists(Path.of(db + "-wal")) && Files.size(Path.of(db + "-wal")) > 0) {
            throw new IllegalStateException("the template still has a WAL after close; not safe to copy");
        }
        Path tmp = dir.resolve(template.getFileName() + ".tmp");
        Files.copy(db, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, template, StandardCopyOption.ATOMIC_MOVE);
        BenchSupport.deleteTree(building);
        return template;
    }

    private void populate(Ledger ledger) {
        SplittableRandom random = new SplittableRandom(7);
        Pending pending = new Pending();
        pending.add(ledger.submit(new Command.FundHouse(1_000_000_000_000L, "bankroll")));
        for (int i = 0; i < PLAYERS; i++) {
            pending.add(ledger.submit(new Command.Deposit(players[i], 100_000, "cashier-7")));
        }
        for (int g = 0; g < GAMES; g++) {
            pending.add(ledger.submit(new Command.OpenGame(games[g], "table-" + (g % 50))));
            for (int b = 0; b < BETS_PER_GAME; b++) {
                String player = players[random.nextInt(PLAYERS)];
                pending.add(ledger.submit(new Command.PlaceBet(games[g], BET_IDS[b], player, BetType.PASS_LINE, null, 10)));
            }
            pending.add(ledger.submit(new Command.RecordRoll(games[g], 1 + random.nextInt(6), 1 + random.nextInt(6))));
            if (g % 2 == 0) {
                for (int b = 0; b < BETS_PER_GAME; b++) {
                    boolean win = random.nextBoolean();
                    pending.add(ledger.submit(new Command.SettleBet(games[g], BET_IDS[b],
                            win ? Outcome.WIN : Outcome.LOSE, win ? 10 : 0)));
                }
                pending.add(ledger.submit(new Command.CloseGame(games[g])));
            }
        }
        for (int i = 0; i < TOP_UPS; i++) {
            pending.add(ledger.submit(new Command.Deposit(players[random.nextInt(PLAYERS)], 500, "cashier-7")));
        }
        pending.joinAll();
    }

    /** Joins every few thousand submissions, so a setup error surfaces where it happens. */
    private static final class Pending {
        private CompletableFuture<?>[] window = new CompletableFuture<?>[4_096];
        private int n;

        void add(CompletableFuture<Receipt> f) {
            window[n++] = f;
            if (n == window.length) {
                joinAll();
            }
        }

        void joinAll() {
            CompletableFuture.allOf(java.util.Arrays.copyOf(window, n)).join();
            n = 0;
        }
    }

    private void warmCache() {
        for (Account a : accounts) {
            ledger.accounts().balance(a);
        }
        for (String g : games) {
            ledger.games().find(g);
            for (int b = 0; b < BETS_PER_GAME; b++) {
                ledger.bets().find(g, BET_IDS[b]);
            }
        }
    }

    private void produce() {
        int perTick = Math.max(1, writeRate / 200);
        long tick = TimeUnit.MILLISECONDS.toNanos(5);
        long next = System.nanoTime();
        BenchSupport.XorShift random = new BenchSupport.XorShift(99);
        CompletableFuture<Receipt> last = null;
        while (!stop) {
            for (int i = 0; i < perTick; i++) {
                last = ledger.submit(new Command.Deposit(players[random.next(PLAYERS)], 1, "bench-producer"));
                last.whenComplete((r, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                    }
                });
            }
            produced.addAndGet(perTick);
            next += tick;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                next = System.nanoTime(); // fell far behind (GC, a slow commit): do not burst to catch up
            }
        }
        if (last != null) {
            last.join();
        }
    }

    @TearDown(Level.Trial)
    public void close() throws InterruptedException {
        stop = true;
        if (producer != null) {
            producer.join(10_000);
        }
        double seconds = producer == null ? 0 : (System.nanoTime() - producerStartNanos) / 1e9;
        WriterStats s = ledger.stats();
        long events = s.events() - statsAtStart.events();
        long commits = s.commits() - statsAtStart.commits();
        QueryCacheStats c = ledger.queryCacheStats();
        LOG.info(String.format("cache=%s writeRate=%d: producer submitted %d, writer committed %d events"
                        + " in %.1f s (%.0f/s), %d commits (%.1f events/commit), %d failed; cache hits=%d misses=%d stale=%d",
                cache, writeRate, produced.get(), events, seconds, seconds == 0 ? 0.0 : events / seconds, commits,
                commits == 0 ? 0.0 : (double) events / commits, failed.get(), c.hits(), c.misses(), c.stale()));
        ledger.close();
        BenchSupport.deleteTree(dir);
    }

    @Benchmark
    public Optional<BetState> betFind(Picker p) {
        return ledger.bets().find(games[p.random.next(GAMES)], BET_IDS[p.random.next(BETS_PER_GAME)]);
    }

    @Benchmark
    public OptionalLong balance(Picker p) {
        return ledger.accounts().balance(accounts[p.random.next(PLAYERS)]);
    }

    @Benchmark
    public Optional<GameSummary> gameFind(Picker p) {
        return ledger.games().find(games[p.random.next(GAMES)]);
    }

    private static final String[] BET_IDS = new String[BETS_PER_GAME];

    static {
        for (int b = 0; b < BETS_PER_GAME; b++) {
            BET_IDS[b] = "bet-" + b;
        }
    }
}
