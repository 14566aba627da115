package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.CloseGame;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.projection.GameState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jepsen's bank test, for the ledger's views. Eight producers move chips between the house and
 * a shared pool of players (one-roll bets from random players, then a roll the ledger settles by
 * the rulebook, all in one transaction, or, when the house cannot pay, the bets voided; now and
 * then a deposit or a withdrawal), each in games of its own, while
 * four readers take views as fast as they can. Every view must balance (I1, both the running
 * {@code totals()} and the sum of {@code balances()}), hold no negative account but {@code world}
 * (I2), have each game's escrow equal to its open stakes (I3), and never be older than the
 * reader's previous view or than any write acknowledged before it was taken (read-your-writes,
 * across threads). Refusals (a player short of chips) are expected and counted; a storage
 * failure or a halt is not. At the end the ledger is closed and reopened, and the reopened view
 * must equal the last view before close.
 * <p>
 * {@code -Dledger.bank.seconds=<n>} sets how long the producers run (default 10);
 * {@code -Dledger.seed=<seed>} replays the producers' choices (the thread interleaving, of
 * course, is not replayable).
 */
class BankConcurrencyIT {
    private static final int PRODUCERS = 8;
    private static final int READERS = 4;
    private static final int PLAYERS = 24;
    private static final long HOUSE_FUNDS = 5_000_000;
    private static final long PLAYER_FUNDS = 400;

    @TempDir
    Path dir;

    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
    /** The highest seq any producer has seen acknowledged; a view taken after must include it. */
    private final AtomicLong acknowledged = new AtomicLong();
    /** Chips in from the world minus chips out to it, over acknowledged commands: -balance(world). */
    private final AtomicLong issued = new AtomicLong();

    @Test
    void everyViewBalancesWhileEightProducersMoveChipsAndFourReadersWatch() throws Exception {
        long seed = Long.getLong("ledger.seed", new SecureRandom().nextLong());
        int seconds = Integer.getInteger("ledger.bank.seconds", 10);
        System.out.println("BankConcurrencyIT seed " + seed + ", " + seconds + " s (replay: -Dtest=BankConcurrencyIT -Dledger.seed="
                + seed + " -Dledger.bank.seconds=" + seconds + ")");
        Path db = dir.resolve("ledger.db");
        LedgerView lastBeforeClose;
        long[] viewsPerReader = new long[READERS];
        long[] distinctSeqsPerReader = new long[READERS];
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).build())) {
            List<Command> funding = new ArrayList<>();
            funding.add(new FundHouse(HOUSE_FUNDS, "bankroll"));
            for (int p = 0; p < PLAYERS; p++) {
                funding.add(new Deposit(player(p), PLAYER_FUNDS, "cage"));
            }
            acknowledge(await(ledger.submitAtomically(funding)));
            issued.addAndGet(HOUSE_FUNDS + PLAYERS * PLAYER_FUNDS);

            AtomicBoolean producing = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + READERS);
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                int reader = r;
                readers.add(pool.submit(() -> {
                    try {
                        long[] counts = watch(ledger, producing);
                        viewsPerReader[reader] = counts[0];
                        distinctSeqsPerReader[reader] = counts[1];
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                Random random = new Random(seed + p);
                int producer = p;
                producers.add(pool.submit(() -> {
                    try {
                        produce(ledger, producer, random, deadline);
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                    return null;
                }));
            }
            for (Future<?> f : producers) {
                f.get(seconds + 120L, TimeUnit.SECONDS);
            }
            producing.set(false);
            for (Future<?> f : readers) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            lastBeforeClose = ledger.view();
            WriterStats stats = ledger.stats();
            long views = 0;
            for (long v : viewsPerReader) {
                views += v;
            }
            Map<String, Long> refused = new TreeMap<>();
            refusals.forEach((code, n) -> refused.put(code, n.sum()));
            System.out.printf("BankConcurrencyIT: %d views checked by %d readers (per reader %s, distinct seqs seen %s); "
                            + "%d events in %d commits, %d submissions, refusals %s%n", views, READERS,
                    java.util.Arrays.toString(viewsPerReader), java.util.Arrays.toString(distinctSeqsPerReader),
                    stats.events(), stats.commits(), stats.submissions(), refused);

            assertThat(failures).as("violations and unexpected errors").isEmpty();
            assertThat(ledger.haltReason()).isNull();
            for (int r = 0; r < READERS; r++) {
                assertThat(viewsPerReader[r]).as("views checked by reader %d", r).isPositive();
                assertThat(distinctSeqsPerReader[r]).as("distinct seqs reader %d saw: it watched the writes happen", r)
                        .isGreaterThan(1);
            }
            assertThat(stats.events()).as("events written").isGreaterThan(PRODUCERS * 10L);
            // the bank's books: the outside world holds exactly minus what was issued to the floor
            assertThat(lastBeforeClose.balance(Account.WORLD)).isEqualTo(-issued.get());
            checkView(lastBeforeClose);
            for (GameState g : lastBeforeClose.state().games().values()) {
                assertThat(g.open()).as("game %s was closed by its producer", g.gameId()).isFalse();
            }
        }

        try (Ledger reopened = Ledger.open(LedgerConfig.builder(db).build())) {
            LedgerView after = reopened.view();
            checkView(after);
            assertThat(after.totals()).isEqualTo(lastBeforeClose.totals());
            assertThat(after.balances()).isEqualTo(lastBeforeClose.balances());
            ReadModelProperties.assertSameProjections(lastBeforeClose.state(), after.state(), "the last view before close");
        }
    }

    private static String player(int p) {
        return "p" + p;
    }

    // ---------------------------------------------------------------------------------------------
    // Producers

    private static final List<BetType> ONE_ROLL = List.of(BetType.FIELD, BetType.ANY_SEVEN, BetType.ANY_CRAPS,
            BetType.ELEVEN, BetType.ACES, BetType.TWELVE, BetType.ACE_DEUCE);

    /** Plays rounds in games of its own until the deadline, then settles what is open and closes. */
    private void produce(Ledger ledger, int producer, Random random, long deadline) {
        int games = 0;
        int betIds = 0;
        while (System.nanoTime() < deadline && failures.isEmpty()) {
            String game = "g" + producer + "-" + games++;
            acknowledge(await(ledger.submit(new OpenGame(game, "t" + producer))));
            int rounds = 1 + random.nextInt(8);
            for (int round = 0; round < rounds && System.nanoTime() < deadline && failures.isEmpty(); round++) {
                // bets from random players, in flight together
                List<PlaceBet> bets = new ArrayList<>();
                List<CompletableFuture<Receipt>> placed = new ArrayList<>();
                for (int k = 1 + random.nextInt(4); k > 0; k--) {
                    // one-roll bets: the next roll decides every one of them
                    PlaceBet bet = new PlaceBet(game, "b" + betIds++, player(random.nextInt(PLAYERS)),
                            ONE_ROLL.get(random.nextInt(ONE_ROLL.size())), null, 5 + random.nextInt(200));
                    bets.add(bet);
                    placed.add(ledger.submit(bet));
                }
                List<PlaceBet> open = new ArrayList<>();
                for (int i = 0; i < bets.size(); i++) {
                    Receipt r = await(placed.get(i));
                    if (r != null) {
                        acknowledge(r);
                        open.add(bets.get(i));
                    }
                }
                // the roll and every settlement it decides, in one transaction: the ledger pays by the rulebook
                Receipt settled = await(ledger.submit(RecordRoll.settledByTheRules(game, 1 + random.nextInt(6),
                        1 + random.nextInt(6))));
                if (settled != null && settled.lastSeq() - settled.firstSeq() != open.size()) {
                    failures.add(new AssertionError("the roll of " + game + " settled " + (settled.lastSeq()
                            - settled.firstSeq()) + " bets, " + open.size() + " one-roll bets were open"));
                }
                if (settled == null) {
                    // refused as a whole (the house short of chips): nothing moved, no bet decided; return the stakes
                    List<Command> voids = new ArrayList<>();
                    for (PlaceBet bet : open) {
                        voids.add(new SettleBet(game, bet.betId(), Outcome.VOID, 0));
                    }
                    if (!voids.isEmpty()) {
                        settled = require(voids.size() == 1 ? ledger.submit(voids.get(0)) : ledger.submitAtomically(voids),
                                "voiding the bets of " + game);
                    }
                }
                acknowledge(settled);
                // now and then, cash moves across the cage
                int cash = random.nextInt(100);
                if (cash < 15) {
                    long amount = 1 + random.nextInt(500);
                    if (acknowledge(await(ledger.submit(new Deposit(player(random.nextInt(PLAYERS)), amount, "cage"))))) {
                        issued.addAndGet(amount);
                    }
                } else if (cash < 25) {
                    long amount = 1 + random.nextInt(400);
                    if (acknowledge(await(ledger.submit(new Withdraw(player(random.nextInt(PLAYERS)), amount, "cage"))))) {
                        issued.addAndGet(-amount);
                    }
                }
            }
            // every bet of the game is settled: it must close
            acknowledge(require(ledger.submit(new CloseGame(game)), "closing " + game));
        }
    }

    /** Records an acknowledged write's seq; false for a refusal (null). */
    private boolean acknowledge(Receipt r) {
        if (r == null) {
            return false;
        }
        acknowledged.accumulateAndGet(r.lastSeq(), Math::max);
        return true;
    }

    /** The receipt, or null when the rules refused the command (counted); any other failure is a test failure. */
    private Receipt await(CompletableFuture<Receipt> future) {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Rejected r) {
                refusals.computeIfAbsent(r.code(), c -> new LongAdder()).increment();
                return null;
            }
            throw new AssertionError("a submission failed with " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("a submission did not complete", e);
        }
    }

    private Receipt require(CompletableFuture<Receipt> future, String what) {
        Receipt r = await(future);
        if (r == null) {
            throw new AssertionError(what + " was refused");
        }
        return r;
    }

    // ---------------------------------------------------------------------------------------------
    // Readers

    /** Takes and checks views until the producers stop; returns {views checked, distinct seqs seen}. */
    private long[] watch(Ledger ledger, AtomicBoolean producing) {
        long last = -1;
        long views = 0;
        long distinct = 0;
        while (producing.get() && failures.isEmpty()) {
            long floor = acknowledged.get();
            LedgerView v = ledger.view();
            long seq = v.seq();
            if (seq < last) {
                throw new AssertionError("a reader's seq went backwards: " + last + " then " + seq);
            }
            if (seq < floor) {
                throw new AssertionError("view at seq " + seq + " taken after seq " + floor + " was acknowledged");
            }
            if (seq != last) {
                distinct++;
            }
            last = seq;
            checkView(v);
            views++;
        }
        return new long[]{views, distinct};
    }

    /** I1, I2 and I3 within one view. */
    private static void checkView(LedgerView v) {
        String at = " in the view at seq " + v.seq();
        if (v.totals() != 0) {
            throw new AssertionError("totals() is " + v.totals() + at + " (I1)");
        }
        Map<String, Long> balances = v.balances();
        long sum = 0;
        for (Map.Entry<String, Long> e : balances.entrySet()) {
            sum = Math.addExact(sum, e.getValue());
            if (e.getValue() < 0 && !e.getKey().equals("world")) {
                throw new AssertionError(e.getKey() + " is " + e.getValue() + at + " (I2)");
            }
        }
        if (sum != 0) {
            throw new AssertionError("balances() sum to " + sum + at + " (I1)");
        }
        for (GameState g : v.state().games().values()) {
            List<BetState> open = v.openBets(g.gameId());
            long stakes = 0;
            for (BetState b : open) {
                stakes += b.amount();
            }
            long escrow = balances.getOrDefault("escrow:" + g.gameId(), 0L);
            if (escrow != stakes || open.size() != g.openBetCount()) {
                throw new AssertionError("game " + g.gameId() + at + ": escrow " + escrow + ", open stakes " + stakes + " in "
                        + open.size() + " bets, openBetCount " + g.openBetCount() + " (I3)");
            }
            if (!g.open() && escrow != 0) {
                throw new AssertionError("closed game " + g.gameId() + " holds " + escrow + " in escrow" + at);
            }
        }
    }
}
