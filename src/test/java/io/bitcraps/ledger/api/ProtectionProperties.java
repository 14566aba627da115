package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Exclusion;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.PlayerLimit;
import io.bitcraps.ledger.domain.ProtectionStatus;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.support.SteppedClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Player protection against the reference model: random streams of deposits, withdrawals, bets,
 * rolls settled by the ledger, limit changes (up, down, removed) and cool-offs, with the ledger's
 * clock jumping by minutes, hours, days and now and then half a year. Every submission must be
 * decided as {@link ReferenceLedger} decides it (its protection re-reads the raw history of limit
 * requests and sums the windows afresh; the writer folds persistent rolling sums), the balances
 * must agree, and at the end, after a reopen, each protected player's limits and usage as the
 * views show them must equal the model's.
 * <p>
 * Replay a run with {@code mvn test -Dtest=ProtectionProperties -Dledger.protection.seed=<seed>}.
 */
class ProtectionProperties {
    private static final int SCRIPTS = Integer.getInteger("ledger.protection.scripts", 12);
    private static final int STEPS = Integer.getInteger("ledger.protection.steps", 150);
    private static final List<String> PLAYERS = List.of("p0", "p1", "p2");
    private static final Instant START = Instant.parse("2026-06-01T00:00:00Z");

    @TempDir
    Path base;

    private final Map<String, Integer> tally = new TreeMap<>();

    @Test
    void ledgerAndModelDecideEveryDepositBetAndLimitChangeAlike() throws Exception {
        long seed = Long.getLong("ledger.protection.seed", new SecureRandom().nextLong());
        System.out.println("ProtectionProperties seed " + seed
                + " (replay: mvn test -Dtest=ProtectionProperties -Dledger.protection.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int script = 0; script < SCRIPTS; script++) {
            play(random, base.resolve("s" + script).resolve("ledger.db"), seed, script);
        }
        System.out.println("ProtectionProperties outcomes " + tally);
        // the generator must reach every protection refusal, and plenty of acceptances
        assertThat(tally).containsKeys("DEPOSIT_LIMIT", "LOSS_LIMIT", "STAKE_LIMIT", "SELF_EXCLUDED", "accepted");
    }

    private void play(Random random, Path db, long seed, int script) throws Exception {
        SteppedClock clock = new SteppedClock(START);
        ReferenceLedger model = new ReferenceLedger();
        List<String> trace = new ArrayList<>();
        java.nio.file.Files.createDirectories(db.getParent());
        LedgerConfig config = LedgerConfig.builder(db).clock(clock).durability(Durability.NORMAL)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build();
        Ledger ledger = Ledger.open(config);
        try {
            submit(ledger, model, clock, List.of(new Command.FundHouse(10_000_000, "bank")), trace, seed, script);
            submit(ledger, model, clock, List.of(new Command.OpenGame("g", "t1")), trace, seed, script);
            int bets = 0;
            List<Instant> times = new ArrayList<>();
            for (int step = 0; step < STEPS; step++) {
                if (random.nextInt(8) == 0 && !times.isEmpty()) {
                    edge(random, clock, times);
                } else {
                    advance(random, clock);
                }
                times.add(clock.instant());
                String p = PLAYERS.get(random.nextInt(PLAYERS.size()));
                List<Command> commands = new ArrayList<>();
                int kind = random.nextInt(100);
                if (kind < 25) {
                    commands.add(new Command.Deposit(p, 1 + random.nextInt(600), "cage"));
                } else if (kind < 33) {
                    commands.add(new Command.Withdraw(p, 1 + random.nextInt(300), "cage"));
                } else if (kind < 58) {
                    commands.add(new Command.PlaceBet("g", "b" + bets++, p, BetType.FIELD, null, 5 + random.nextInt(200)));
                } else if (kind < 75) {
                    commands.add(new Command.RecordRoll("g", 1 + random.nextInt(6), 1 + random.nextInt(6), true));
                } else if (kind < 90) {
                    commands.add(randomLimits(random, p));
                } else if (kind < 95) {
                    commands.add(new Command.SelfExclude(p, Exclusion.COOL_OFF, 24 + random.nextInt(48)));
                } else if (kind < 96) {
                    commands.add(new Command.SelfExclude(p, Exclusion.SELF_EXCLUSION, Exclusion.SELF_EXCLUSION.hoursMin()));
                } else {
                    // a group: all of it or nothing
                    commands.add(new Command.Deposit(p, 1 + random.nextInt(300), "cage"));
                    commands.add(new Command.PlaceBet("g", "b" + bets++, p, BetType.FIELD, null, 5 + random.nextInt(200)));
                }
                submit(ledger, model, clock, commands, trace, seed, script);
                if (random.nextInt(60) == 0) {
                    ledger.close();
                    ledger = Ledger.open(config);
                    trace.add("reopened");
                }
            }
            ledger.close();
            ledger = Ledger.open(config);
            LedgerView view = ledger.view();
            assertThat(view.balances()).as(why(trace, seed, script, "balances")).isEqualTo(model.nonZeroBalances());
            long now = micros(clock.instant());
            for (String player : PLAYERS) {
                ProtectionStatus status = view.protection(player, clock.instant());
                if (status == null) {
                    assertThat(model.isProtected(player)).as(why(trace, seed, script, player + " is protected")).isFalse();
                    continue;
                }
                for (PlayerLimit l : PlayerLimit.ALL) {
                    assertThat(status.limit(l).value()).as(why(trace, seed, script, player + " " + l))
                            .isEqualTo(model.limitAt(player, l, now));
                    if (l != PlayerLimit.STAKE_MAX) {
                        assertThat(status.limit(l).used()).as(why(trace, seed, script, player + " " + l + " used"))
                                .isEqualTo(model.usedAt(player, l, now));
                    }
                }
            }
        } finally {
            ledger.close();
        }
    }

    private static Command.SetLimits randomLimits(Random random, String player) {
        Long[] values = new Long[PlayerLimit.ALL.length];
        for (int i = 0; i < values.length; i++) {
            if (random.nextInt(3) > 0) {
                PlayerLimit l = PlayerLimit.ALL[i];
                values[i] = (long) (l == PlayerLimit.STAKE_MAX ? 20 + random.nextInt(200)
                        : l == PlayerLimit.LOSS_24H ? 20 + random.nextInt(400) : 50 + random.nextInt(1500));
            }
        }
        return Command.SetLimits.of(player, values);
    }

    /**
     * Moves the clock to a window's edge as seen from an earlier step: exactly a day, a week or thirty days
     * after it (the event there has just left the window), or a microsecond before, or a day after (when a raise
     * asked for there applies), when that is not in the past.
     */
    private static void edge(Random random, SteppedClock clock, List<Instant> times) {
        Instant from = times.get(random.nextInt(times.size()));
        Duration[] widths = {Duration.ofDays(1), Duration.ofDays(7), Duration.ofDays(30)};
        Instant to = from.plus(widths[random.nextInt(widths.length)]);
        if (random.nextBoolean()) {
            to = to.minusNanos(1_000);
        }
        if (to.isAfter(clock.instant())) {
            clock.advance(Duration.between(clock.instant(), to));
        }
    }

    private static void advance(Random random, SteppedClock clock) {
        int r = random.nextInt(100);
        if (r < 40) {
            return; // the same instant
        }
        if (r < 70) {
            clock.advance(Duration.ofMinutes(1 + random.nextInt(120)));
        } else if (r < 90) {
            clock.advance(Duration.ofHours(1 + random.nextInt(30)));
        } else if (r < 99) {
            clock.advance(Duration.ofDays(1 + random.nextInt(9)));
        } else {
            clock.advance(Duration.ofDays(183));
        }
    }

    private void submit(Ledger ledger, ReferenceLedger model, SteppedClock clock, List<Command> commands, List<String> trace,
                        long seed, int script) throws Exception {
        ReferenceLedger.Decision expected = model.submit(commands, null, micros(clock.instant()));
        CompletableFuture<Receipt> f = commands.size() == 1 ? ledger.submit(commands.get(0))
                : ledger.submitAtomically(commands, null);
        String actual;
        try {
            f.get(30, TimeUnit.SECONDS);
            actual = null;
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof LedgerException le)) {
                throw e;
            }
            actual = le.code();
        } catch (CompletionException e) {
            throw e;
        }
        trace.add(clock.instant() + " " + commands + " -> " + (actual == null ? "accepted" : actual));
        tally.merge(actual == null ? "accepted" : actual, 1, Integer::sum);
        assertThat(actual).as(why(trace, seed, script, "decision")).isEqualTo(expected.code());
    }

    private static String why(List<String> trace, long seed, int script, String what) {
        List<String> last = trace.subList(Math.max(0, trace.size() - 25), trace.size());
        return what + " (seed " + seed + ", script " + script + "); the last steps:\n  " + String.join("\n  ", last);
    }

    private static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }
}
