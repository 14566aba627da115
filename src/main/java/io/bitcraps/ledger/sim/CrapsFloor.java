package io.bitcraps.ledger.sim;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * A simulated craps floor driving a ledger: one thread per table, each running games from
 * come-out to decision with real dice from a seeded generator. Players bet the pass line or
 * don't pass; a decision roll and all the settlements it causes go in one atomic submission.
 * Even money: a winning line bet wins its stake; don't pass pushes on a come-out 12.
 * <p>
 * Each table owns its players, so a player's balance is only ever changed by one thread and the
 * floor can size bets without reading the ledger. Latency is measured from submit to the
 * future's completion (the commit), recorded into a wait-free HdrHistogram recorder.
 */
public final class CrapsFloor {
    /** Shape of a run. {@code runTag} keeps game ids unique when a database hosts several runs. */
    public record Settings(int tables, int players, int roundsPerTable, long seed, String runTag,
                           long playerBankroll, long houseBankroll) {
        public Settings {
            if (tables < 1 || tables > 256) {
                throw new IllegalArgumentException("tables must be in 1..256, got " + tables);
            }
            if (players < tables || players > 100_000) {
                throw new IllegalArgumentException("players must be in tables(" + tables + ")..100000, got " + players);
            }
            if (roundsPerTable < 1) {
                throw new IllegalArgumentException("rounds must be at least 1, got " + roundsPerTable);
            }
        }
    }

    /** What happened, for the summary. */
    public record Report(long submissions, long rejected, long games, long rolls, long elapsedNanos,
                         Histogram latencyNanos) {}

    private static final long STAKE_MIN = 5;
    private static final long STAKE_MAX = 50;

    private final Ledger ledger;
    private final Settings settings;
    private final Recorder latency = new Recorder(3);
    private final AtomicLong submissions = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong games = new AtomicLong();
    private final AtomicLong rolls = new AtomicLong();

    public CrapsFloor(Ledger ledger, Settings settings) {
        this.ledger = ledger;
        this.settings = settings;
    }

    /** Runs every table to completion; {@code roundDone} is called once per finished game. */
    public Report run(LongConsumer roundDone) throws InterruptedException {
        long start = System.nanoTime();
        await(submit(new Command.FundHouse(settings.houseBankroll(), settings.runTag() + "-bankroll")));
        ExecutorService pool = Executors.newFixedThreadPool(settings.tables(), r -> new Thread(r, "craps-table"));
        try {
            List<Future<?>> tables = new ArrayList<>();
            for (int t = 0; t < settings.tables(); t++) {
                Table table = new Table(t);
                tables.add(pool.submit(() -> {
                    table.play(roundDone);
                    return null;
                }));
            }
            for (Future<?> f : tables) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("a table failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return new Report(submissions.get(), rejected.get(), games.get(), rolls.get(), System.nanoTime() - start,
                latency.getIntervalHistogram());
    }

    private CompletableFuture<Receipt> submit(Command c) {
        return track(ledger.submit(c));
    }

    private CompletableFuture<Receipt> submitAtomically(List<Command> cs) {
        return track(ledger.submitAtomically(cs));
    }

    private CompletableFuture<Receipt> track(CompletableFuture<Receipt> f) {
        long start = System.nanoTime();
        submissions.incrementAndGet();
        // runs on the writer thread at completion: one wait-free record, nothing more
        f.whenComplete((r, e) -> latency.recordValue(Math.max(0, System.nanoTime() - start)));
        return f;
    }

    private Receipt await(CompletableFuture<Receipt> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Rejected) {
                rejected.incrementAndGet();
                return null;
            }
            throw new IllegalStateException("ledger failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** One table: its players, its dice, its games, on its own thread. */
    private final class Table {
        private final int index;
        private final SplittableRandom dice;
        private final List<String> players = new ArrayList<>();
        private final long[] balances;

        Table(int index) {
            this.index = index;
            this.dice = new SplittableRandom(settings.seed() * 1_000_003L + index);
            for (int p = index; p < settings.players(); p += settings.tables()) {
                players.add(String.format("p%05d", p));
            }
            this.balances = new long[players.size()];
        }

        void play(LongConsumer roundDone) throws InterruptedException {
            for (int round = 0; round < settings.roundsPerTable(); round++) {
                playGame(settings.runTag() + "-t" + index + "-g" + round);
                games.incrementAndGet();
                roundDone.accept(1);
            }
        }

        private void playGame(String gameId) throws InterruptedException {
            List<CompletableFuture<Receipt>> pending = new ArrayList<>();
            pending.add(submit(new Command.OpenGame(gameId, "table-" + index)));
            for (int p = 0; p < players.size(); p++) {
                if (balances[p] < STAKE_MAX) {
                    pending.add(submit(new Command.Deposit(players.get(p), settings.playerBankroll(), "cage-" + gameId)));
                    balances[p] += settings.playerBankroll();
                }
            }
            awaitAll(pending);
            List<Bet> bets = placeBets(gameId);
            int point = 0;
            while (true) {
                int d1 = 1 + dice.nextInt(6);
                int d2 = 1 + dice.nextInt(6);
                rolls.incrementAndGet();
                int total = d1 + d2;
                Decision decision = point == 0 ? comeOut(total) : pointRoll(total, point);
                Command roll = new Command.RecordRoll(gameId, d1, d2);
                if (decision == Decision.NONE) {
                    if (point == 0) {
                        point = total;
                    }
                    await(submit(roll));
                    continue;
                }
                List<Command> group = new ArrayList<>(1 + bets.size());
                group.add(roll);
                for (Bet b : bets) {
                    group.add(settle(gameId, b, decision));
                }
                await(submitAtomically(group));
                break;
            }
            await(submit(new Command.CloseGame(gameId)));
        }

        private List<Bet> placeBets(String gameId) throws InterruptedException {
            List<Bet> bets = new ArrayList<>(players.size());
            List<CompletableFuture<Receipt>> pending = new ArrayList<>(players.size());
            for (int p = 0; p < players.size(); p++) {
                long stake = Math.min(balances[p], STAKE_MIN + dice.nextLong(STAKE_MAX - STAKE_MIN + 1));
                BetType type = dice.nextInt(4) == 0 ? BetType.DONT_PASS : BetType.PASS_LINE;
                Bet bet = new Bet("b" + p, p, type, stake);
                balances[p] -= stake;
                bets.add(bet);
                pending.add(submit(new Command.PlaceBet(gameId, bet.id, players.get(p), type, null, stake)));
            }
            awaitAll(pending);
            return bets;
        }

        private Command settle(String gameId, Bet b, Decision d) {
            boolean pass = b.type == BetType.PASS_LINE;
            Outcome outcome;
            if (d == Decision.BAR_TWELVE) {
                outcome = pass ? Outcome.LOSE : Outcome.PUSH;
            } else if (d == Decision.PASS_WINS) {
                outcome = pass ? Outcome.WIN : Outcome.LOSE;
            } else {
                outcome = pass ? Outcome.LOSE : Outcome.WIN;
            }
            long winnings = outcome == Outcome.WIN ? b.stake : 0;
            if (outcome != Outcome.LOSE) {
                balances[b.player] += b.stake + winnings;
            }
            return new Command.SettleBet(gameId, b.id, outcome, winnings);
        }

        private void awaitAll(List<CompletableFuture<Receipt>> pending) throws InterruptedException {
            for (CompletableFuture<Receipt> f : pending) {
                await(f);
            }
        }
    }

    private enum Decision { NONE, PASS_WINS, DONT_WINS, BAR_TWELVE }

    private static Decision comeOut(int total) {
        return switch (total) {
            case 7, 11 -> Decision.PASS_WINS;
            case 2, 3 -> Decision.DONT_WINS;
            case 12 -> Decision.BAR_TWELVE;
            default -> Decision.NONE;
        };
    }

    private static Decision pointRoll(int total, int point) {
        if (total == point) {
            return Decision.PASS_WINS;
        }
        return total == 7 ? Decision.DONT_WINS : Decision.NONE;
    }

    private record Bet(String id, int player, BetType type, long stake) {}
}
