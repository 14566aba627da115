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
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.domain.PlayerStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static io.bitcraps.ledger.support.Fixtures.open;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer keeps in memory only what it decides on (issue #11, item 9): non-zero balances and
 * open games. Closed games, finished games' zero escrows and cashed-out players leave memory, and
 * stay in the read model; the decisions that need them (a game id used before, a command for a
 * closed game, a player at zero) come out as they did when memory held everything.
 */
class LiveStateIT {
    @TempDir
    Path dir;

    private static final int PLAYERS = 12;

    @Test
    void memoryHoldsOnlyWhatIsLive() throws Exception {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("LiveStateIT.memoryHoldsOnlyWhatIsLive seed=" + seed + " (replay: -Dseed=" + seed + ")");
        Random random = new Random(seed);
        Map<String, PlayerStats> expectedStats = new TreeMap<>();
        Set<String> stillOpen = new TreeSet<>();
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new FundHouse(10_000_000, "bank")));
            for (int p = 0; p < PLAYERS; p++) {
                ok(ledger.submit(new Deposit(player(p), 10_000, "cash-" + p)));
            }
            int games = 200;
            for (int g = 0; g < games; g++) {
                String game = "g" + g;
                List<CompletableFuture<?>> batch = new ArrayList<>();
                batch.add(ledger.submit(new OpenGame(game, "t" + (g % 4))));
                int bets = 1 + random.nextInt(4);
                for (int b = 0; b < bets; b++) {
                    String p = player(random.nextInt(PLAYERS));
                    long stake = 5 + random.nextInt(46); // the standard table takes 5 to 5,000
                    batch.add(ledger.submit(new PlaceBet(game, "b" + b, p, BetType.FIELD, null, stake)));
                    expectedStats.merge(p, new PlayerStats(stake, 0, 0, 1, 0), LiveStateIT::plus);
                }
                batch.forEach(f -> ok(cast(f)));
                if (g >= games - 2) {
                    stillOpen.add(game); // the last two stay open, their stakes in escrow
                    continue;
                }
                // the roll decides every field bet and the ledger settles them by the rulebook; then the close
                ok(ledger.submitAtomically(List.of(
                        RecordRoll.settledByTheRules(game, 1 + random.nextInt(6), 1 + random.nextInt(6)),
                        new CloseGame(game))));
            }
            // half of the players cash out to zero
            for (int p = 0; p < PLAYERS; p += 2) {
                long balance = ledger.view().balance(Account.player(player(p)));
                if (balance > 0) {
                    ok(ledger.submit(new Withdraw(player(p), balance, "out-" + p)));
                }
            }
            // the statistics and balances below come from the views file, which trails the receipts
            assertThat(ledger.awaitViews(ledger.view().seq(), java.time.Duration.ofSeconds(60))).isTrue();
            for (int p = 0; p < PLAYERS; p++) {
                PlayerStats stats = ledger.accounts().playerStats(player(p));
                assertThat(stats.betsPlaced()).as("bets placed by %s", player(p))
                        .isEqualTo(expectedStats.getOrDefault(player(p), PlayerStats.ZERO).betsPlaced());
                assertThat(stats.wagered()).as("wagered by %s", player(p))
                        .isEqualTo(expectedStats.getOrDefault(player(p), PlayerStats.ZERO).wagered());
            }
            assertOnlyLiveHeld(ledger, stillOpen, "while running");
        }
        try (Ledger ledger = open(dir)) {
            assertOnlyLiveHeld(ledger, stillOpen, "after reopening");
        }
    }

    private static void assertOnlyLiveHeld(Ledger ledger, Set<String> openGames, String when) {
        LedgerView view = ledger.view();
        io.bitcraps.ledger.support.Fixtures.awaitViews(ledger, view.seq()); // the read model trails the receipts
        assertThat(new TreeSet<>(view.state().games().keySet())).as("games held in memory %s", when).isEqualTo(openGames);
        Map<String, Long> every = ledger.accounts().allBalances().value();
        Map<String, Long> nonZero = new TreeMap<>(every);
        nonZero.values().removeIf(b -> b == 0);
        assertThat(view.balances()).as("balances held in memory %s", when).isEqualTo(nonZero);
        assertThat(every.size()).as("accounts the read model lists %s (every one ever posted to)", when)
                .isEqualTo(2 + PLAYERS + 200);
        assertThat(every.values().stream().filter(b -> b == 0).count()).as("accounts at zero %s", when)
                .isGreaterThanOrEqualTo(198 + PLAYERS / 2);
        assertThat(ledger.games().find("g0").orElseThrow().open()).as("a closed game in the read model").isFalse();
    }

    /**
     * In both commit modes: the log-first commit keeps only the narrow indexes of opened games and
     * deposits (V0010) for these lookups, not the statement indexes by game and player.
     */
    @ParameterizedTest(name = "log-first commit: {0}")
    @ValueSource(booleans = {false, true})
    void decisionsAboutWhatLeftMemoryComeOutAsBefore(boolean logFirst) throws Exception {
        Path db = dir.resolve("ledger.db");
        java.util.function.Supplier<Ledger> open = () -> Ledger.open(LedgerConfig.builder(db).logFirstCommit(logFirst).build());
        try (Ledger ledger = open.get()) {
            ok(ledger.submit(new FundHouse(1_000, "bank")));
            ok(ledger.submit(new Deposit("alice", 100, "c")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.FIELD, null, 10)));
            ok(ledger.submitAtomically(List.of(new RecordRoll("g1", 3, 4), new SettleBet("g1", "b1", Outcome.LOSE, 0),
                    new CloseGame("g1"))));
            ok(ledger.submit(new Withdraw("alice", 90, "out")));
            assertThat(ledger.view().game("g1")).isNull();
            assertThat(ledger.view().balances()).doesNotContainKeys("player:alice", "escrow:g1");
            assertDecisions(ledger);
        }
        try (Ledger ledger = open.get()) {
            assertDecisions(ledger); // from the log alone
        }
        try (java.sql.Connection c = io.bitcraps.ledger.store.LedgerDatabase.openReadOnly(db)) {
            assertThat(io.bitcraps.ledger.store.CommitModeIndexes.present(c)).as("statement indexes")
                    .hasSize(logFirst ? 0 : 5);
        }
    }

    private static void assertDecisions(Ledger ledger) {
        assertThat(error(ledger.submit(new OpenGame("g1", "t2")))).isInstanceOf(Rejected.GameExists.class);
        assertThat(error(ledger.submit(new PlaceBet("g1", "b2", "alice", BetType.FIELD, null, 1))))
                .isInstanceOf(Rejected.GameClosed.class);
        assertThat(error(ledger.submit(new RecordRoll("g1", 1, 1)))).isInstanceOf(Rejected.GameClosed.class);
        assertThat(error(ledger.submit(new SettleBet("g1", "b1", Outcome.WIN, 1)))).isInstanceOf(Rejected.GameClosed.class);
        assertThat(error(ledger.submit(new CloseGame("g1")))).isInstanceOf(Rejected.GameClosed.class);
        assertThat(error(ledger.submit(new RecordRoll("never", 1, 1)))).isInstanceOf(Rejected.UnknownGame.class);
        Rejected shortOfFunds = (Rejected) error(ledger.submit(new Withdraw("alice", 1, "again")));
        assertThat(shortOfFunds).isInstanceOf(Rejected.InsufficientFunds.class);
        assertThat(shortOfFunds.getMessage()).contains("0");
        assertThat(error(ledger.submit(new Withdraw("nobody", 1, "x")))).isInstanceOf(Rejected.UnknownAccount.class);
    }

    /**
     * What left memory earlier in the same batch, or the same atomic group, is not in the read
     * model yet: the writer answers from the batch itself.
     */
    @Test
    void whatLeftMemoryEarlierInTheBatchIsStillKnown() {
        try (Ledger ledger = open(dir)) {
            ok(ledger.submit(new FundHouse(1_000, "bank")));
            // one atomic group: a game opens and closes, then the same id is opened again
            Rejected reopened = (Rejected) error(ledger.submitAtomically(List.of(new OpenGame("g2", "t"),
                    new CloseGame("g2"), new OpenGame("g2", "t"))));
            assertThat(reopened).isInstanceOf(Rejected.GameExists.class);
            assertThat(ledger.games().find("g2")).as("the group wrote nothing").isEmpty();
            // a player funded and emptied in one group, then asked for more
            Rejected drained = (Rejected) error(ledger.submitAtomically(List.of(new Deposit("nia", 10, "in"),
                    new Withdraw("nia", 10, "out"), new Withdraw("nia", 1, "more"))));
            assertThat(drained).isInstanceOf(Rejected.InsufficientFunds.class);
            // many submissions without waiting, so that they share batches: the close and the
            // reopening, the cash-out and the next withdrawal, land in one batch or in two
            for (int round = 0; round < 50; round++) {
                String game = "r" + round;
                String p = "p" + round;
                List<CompletableFuture<?>> f = new ArrayList<>();
                f.add(ledger.submit(new OpenGame(game, "t")));
                f.add(ledger.submit(new CloseGame(game)));
                f.add(ledger.submit(new OpenGame(game, "t")));
                f.add(ledger.submit(new Deposit(p, 5, "in")));
                f.add(ledger.submit(new Withdraw(p, 5, "out")));
                f.add(ledger.submit(new Withdraw(p, 1, "more")));
                ok(cast(f.get(0)));
                ok(cast(f.get(1)));
                assertThat(error(f.get(2))).as("reopening %s", game).isInstanceOf(Rejected.GameExists.class);
                ok(cast(f.get(3)));
                ok(cast(f.get(4)));
                assertThat(error(f.get(5))).as("withdrawal by %s at zero", p).isInstanceOf(Rejected.InsufficientFunds.class);
            }
            assertThat(ledger.view().state().games()).isEmpty();
        }
    }

    private static String player(int p) {
        return "p" + p;
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<io.bitcraps.ledger.domain.Receipt> cast(CompletableFuture<?> f) {
        return (CompletableFuture<io.bitcraps.ledger.domain.Receipt>) f;
    }

    private static PlayerStats plus(PlayerStats a, PlayerStats b) {
        return new PlayerStats(a.wagered() + b.wagered(), a.won() + b.won(), a.lost() + b.lost(),
                a.betsPlaced() + b.betsPlaced(), a.betsSettled() + b.betsSettled());
    }

}
