package io.bitcraps.ledger.bench;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A craps-floor command mix for throughput runs: each producer plays its own games back to back
 * (open, a bet per player, a decision roll with all its settlements in one atomic group, close)
 * and keeps a window of submissions in flight instead of waiting for each, as a busy engine
 * would. Settlements are the standard even-money field: the rulebook's own payouts for FIELD on
 * the standard table, so the resulting ledger audits intact.
 */
final class FloorLoad {
    static final int BETS_PER_GAME = 12;
    /** Events one round writes: open, bets, roll, settlements, close. */
    static final int EVENTS_PER_ROUND = 1 + BETS_PER_GAME + 1 + BETS_PER_GAME + 1;

    private FloorLoad() {}

    /** Funds the house and the players the producers will use. */
    static void fund(Ledger ledger, int producers) {
        ledger.submit(new Command.FundHouse(900_000_000_000L, "bench-bankroll")).join();
        List<Command> deposits = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            for (int i = 0; i < BETS_PER_GAME; i++) {
                deposits.add(new Command.Deposit(player(p, i), 1_000_000_000L, "bench-cage"));
            }
        }
        for (int from = 0; from < deposits.size(); from += 200) {
            ledger.submitAtomically(deposits.subList(from, Math.min(deposits.size(), from + 200))).join();
        }
    }

    static String player(int producer, int seat) {
        return "b" + producer + "s" + seat;
    }

    /** One producer: plays rounds until {@code stop}, {@code window} submissions in flight at most. */
    static void produce(Ledger ledger, int producer, String tag, long seed, int window, AtomicBoolean stop,
                        LongAdder events) {
        produce(ledger, producer, tag, seed, window, stop, events, 0);
    }

    /** As {@link #produce}, at about {@code eventsPerSecond} (rounds spaced evenly; 0: as fast as the window allows). */
    static void produce(Ledger ledger, int producer, String tag, long seed, int window, AtomicBoolean stop,
                        LongAdder events, double eventsPerSecond) {
        SplittableRandom dice = new SplittableRandom(seed * 31 + producer);
        ArrayDeque<CompletableFuture<Receipt>> inFlight = new ArrayDeque<>();
        long roundNanos = eventsPerSecond <= 0 ? 0 : (long) (1e9 * EVENTS_PER_ROUND / eventsPerSecond);
        long t0 = System.nanoTime();
        for (long round = 0; !stop.get(); round++) {
            if (roundNanos > 0) {
                long wait = t0 + round * roundNanos - System.nanoTime();
                if (wait > 20_000) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
            String game = tag + "-p" + producer + "-g" + round;
            for (Command c : round(game, producer, dice)) {
                inFlight.add(ledger.submit(c));
                trim(inFlight, window);
            }
            inFlight.add(ledger.submitAtomically(settlements(game, dice)));
            trim(inFlight, window);
            inFlight.add(ledger.submit(new Command.CloseGame(game)));
            trim(inFlight, window);
            events.add(EVENTS_PER_ROUND);
        }
        while (!inFlight.isEmpty()) {
            inFlight.poll().join();
        }
    }

    private static List<Command> round(String game, int producer, SplittableRandom dice) {
        List<Command> cs = new ArrayList<>(1 + BETS_PER_GAME);
        cs.add(new Command.OpenGame(game, "bench-" + producer));
        for (int seat = 0; seat < BETS_PER_GAME; seat++) {
            cs.add(new Command.PlaceBet(game, "b" + seat, player(producer, seat), BetType.FIELD, null, 10 + seat));
        }
        return cs;
    }

    private static List<Command> settlements(String game, SplittableRandom dice) {
        int d1 = 1 + dice.nextInt(6);
        int d2 = 1 + dice.nextInt(6);
        int total = d1 + d2;
        List<Command> cs = new ArrayList<>(1 + BETS_PER_GAME);
        cs.add(new Command.RecordRoll(game, d1, d2));
        for (int seat = 0; seat < BETS_PER_GAME; seat++) {
            long stake = 10 + seat;
            cs.add(switch (total) {
                case 3, 4, 9, 10, 11 -> new Command.SettleBet(game, "b" + seat, Outcome.WIN, stake);
                case 2 -> new Command.SettleBet(game, "b" + seat, Outcome.WIN, 2 * stake);
                case 12 -> new Command.SettleBet(game, "b" + seat, Outcome.WIN, 3 * stake);
                default -> new Command.SettleBet(game, "b" + seat, Outcome.LOSE, 0);
            });
        }
        return cs;
    }

    private static void trim(ArrayDeque<CompletableFuture<Receipt>> inFlight, int window) {
        while (inFlight.size() > window) {
            inFlight.poll().join();
        }
    }
}
