package io.bitcraps.ledger.jmh;

import io.bitcraps.ledger.api.LedgerView;
import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Projector;
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
import org.openjdk.jmh.annotations.Warmup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The in-memory read side (issue 3, issue 8 target "LedgerView lookups p99 ≤ 1 µs"): what a game
 * engine pays to read a {@link LedgerView}, and what the writer pays to publish the next one.
 * <p>
 * The state is built the way a real ledger holds it: {@link Projector#apply} over synthetic events
 * (a house funding, one deposit per player, then every player's bet placed and settled in a few
 * thousand finished games so that every player has statistics, and {@value #ACTIVE_GAMES} games
 * still running with {@value #OPEN_BETS_PER_GAME} open bets each). {@code accounts} is the number
 * of players; the persistent maps (PCollections {@code HashTreePMap}) then hold that many balances.
 * <ul>
 *   <li>Reads: {@code balance} of a random existing player (with the {@link Account} built ahead, as
 *   an engine that keeps its accounts would, and built per call from the id), {@code openBets} of a
 *   random running game (8 bets, sorted). (Player statistics left the view for the read model.) Keys are picked
 *   uniformly over all players with a xorshift generator (a few ns, included), so at 1M accounts
 *   the lookups miss the CPU caches as real traffic would.</li>
 *   <li>Publishing: the writer folds each event of a batch into the state with
 *   {@link Projector#apply}; the view is then a pointer handoff. {@code publishDeposits16} applies a
 *   batch of 16 deposits to random existing players (each touches {@code world} and one player),
 *   {@code publishBets16} 16 bets on random running games (player, escrow, game and player-stats
 *   maps). Each invocation starts from the same base state; 1,024 pre-built batches rotate so
 *   that the touched paths differ from call to call.</li>
 * </ul>
 * {@code baselineHashMapBalance} is the control: the same lookups, keys and picking in a plain
 * {@code java.util.HashMap} holding the same balances, on the same machine in the same run. It
 * shows how much of a lookup is the machine (cache misses at 1M keys) and how much the persistent map.
 * <p>
 * Mode SampleTime: the score is the mean, and JMH prints the percentiles (p50, p99, p99.9). Each
 * sample is one call timed with {@code System.nanoTime}, so a figure includes the timer's own
 * ~20-30 ns: an upper bound for the fastest reads.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_REFLECT, BenchSupport.ADD_EXPORTS_REF,
        BenchSupport.ADD_EXPORTS_NIO, BenchSupport.NO_ANALYTICS, BenchSupport.SQLITE_TMPDIR, BenchSupport.BENCH_LOG, "-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class ViewBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(ViewBenchmark.class);

    static final int ACTIVE_GAMES = 1_000;
    static final int OPEN_BETS_PER_GAME = 8;
    static final int BATCH = 16;
    static final int BATCHES = 1_024;
    /** Bets per finished game in setup (the per-game open-bet limit is 4,096). */
    private static final int BETS_PER_HISTORY_GAME = 4_000;

    @Param({"10000", "1000000"})
    public int accounts;

    private LedgerView view;
    private LedgerState base;
    /** Lookup keys built separately from the ones in the maps, so equals compares characters, as for a caller. */
    private Account[] playerAccounts;
    private String[] playerIds;
    private String[] activeGames;
    private Map<String, Long> plainBalances;
    private LedgerEvent[][] depositBatches;
    private LedgerEvent[][] betBatches;
    private final byte[] hash = new byte[ChainHash.BYTES];

    @State(Scope.Thread)
    public static class Picker {
        final BenchSupport.XorShift random = new BenchSupport.XorShift((int) System.nanoTime());
        int batch;
    }

    @Setup(Level.Trial)
    public void build() {
        long start = System.nanoTime();
        SplittableRandom random = new SplittableRandom(42);
        LedgerState s = LedgerState.genesis(new ChainHash().genesis("bench"));
        BenchSupport.Events ev = BenchSupport.Events.after(s);
        s = apply(s, ev.fundHouse(1_000_000_000_000L));
        for (int i = 0; i < accounts; i++) {
            s = apply(s, ev.deposit(player(i), 1_000_000));
        }
        // every player bets once in a finished game, which then leaves memory (the history is in the log)
        for (int first = 0, g = 0; first < accounts; first += BETS_PER_HISTORY_GAME, g++) {
            String game = "h" + g;
            int last = Math.min(accounts, first + BETS_PER_HISTORY_GAME);
            s = apply(s, ev.openGame(game, "t" + (g % 50)));
            for (int i = first; i < last; i++) {
                s = apply(s, ev.placeBet(game, "b" + i, player(i), 100));
            }
            s = apply(s, ev.roll(game, 3, 4));
            for (int i = first; i < last; i++) {
                s = apply(s, ev.settle(game, "b" + i, player(i), 100, (i & 1) == 0));
            }
            s = apply(s, ev.closeGame(game));
        }
        activeGames = new String[ACTIVE_GAMES];
        for (int g = 0; g < ACTIVE_GAMES; g++) {
            activeGames[g] = "g" + g;
            s = apply(s, ev.openGame(activeGames[g], "t" + (g % 50)));
            for (int b = 0; b < OPEN_BETS_PER_GAME; b++) {
                s = apply(s, ev.placeBet(activeGames[g], "o" + b, player(random.nextInt(accounts)), 10));
            }
        }
        base = s;
        view = BenchSupport.viewOf(s);

        playerIds = new String[accounts];
        playerAccounts = new Account[accounts];
        for (int i = 0; i < accounts; i++) {
            playerIds[i] = new String(player(i)); // a distinct String: no identity shortcut in equals
            playerAccounts[i] = Account.player(player(i));
        }

        plainBalances = new HashMap<>(base.balances());
        depositBatches = new LedgerEvent[BATCHES][];
        betBatches = new LedgerEvent[BATCHES][];
        for (int k = 0; k < BATCHES; k++) {
            BenchSupport.Events d = BenchSupport.Events.after(base);
            BenchSupport.Events b = BenchSupport.Events.after(base);
            depositBatches[k] = new LedgerEvent[BATCH];
            betBatches[k] = new LedgerEvent[BATCH];
            for (int i = 0; i < BATCH; i++) {
                depositBatches[k][i] = d.deposit(player(random.nextInt(accounts)), 50);
                betBatches[k][i] = b.placeBet(activeGames[random.nextInt(ACTIVE_GAMES)], "n" + k + "_" + i,
                        player(random.nextInt(accounts)), 25);
            }
        }
        // sanity: the state is what the figures claim
        // players, world, house, and the escrow of each running game (a finished game's zero escrow left memory)
        check(view.accountCount() == accounts + 2 + ACTIVE_GAMES, "account count " + view.accountCount());
        check(view.totals() == 0, "totals " + view.totals());
        check(view.openBets("g0").size() == OPEN_BETS_PER_GAME, "open bets of g0");
        check(view.game("h0") == null, "a finished game left memory");
        LOG.info(String.format("state: %d players, %d accounts, %d events, built in %.1f s, heap used %d MB",
                accounts, view.accountCount(), base.seq(), (System.nanoTime() - start) / 1e9, usedHeapMb()));
    }

    private static long usedHeapMb() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark state is not as built: " + what);
        }
    }

    private static String player(int i) {
        return "p" + i;
    }

    private LedgerState apply(LedgerState s, LedgerEvent e) {
        return Projector.apply(s, e, hash);
    }

    // ---- reads ----

    @Benchmark
    public long balance(Picker p) {
        return view.balance(playerAccounts[p.random.next(accounts)]);
    }

    /** Control: the same lookup in a plain {@link HashMap} with the same contents. */
    @Benchmark
    public Long baselineHashMapBalance(Picker p) {
        return plainBalances.get(playerAccounts[p.random.next(accounts)].key());
    }

    /** As a caller that has only the player id: {@code view.balance(Account.player(id))}. */
    @Benchmark
    public long balanceFromId(Picker p) {
        return view.balance(Account.player(playerIds[p.random.next(accounts)]));
    }

    @Benchmark
    public List<BetState> openBets(Picker p) {
        return view.openBets(activeGames[p.random.next(ACTIVE_GAMES)]);
    }

    // ---- publishing ----

    @Benchmark
    public LedgerState publishDeposits16(Picker p) {
        return applyBatch(depositBatches[p.batch++ & (BATCHES - 1)]);
    }

    @Benchmark
    public LedgerState publishBets16(Picker p) {
        return applyBatch(betBatches[p.batch++ & (BATCHES - 1)]);
    }

    private LedgerState applyBatch(LedgerEvent[] batch) {
        LedgerState s = base;
        for (LedgerEvent e : batch) {
            s = Projector.apply(s, e, hash);
        }
        return s;
    }
}
