package io.bitcraps.ledger.rules;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The rules at commit, end to end: the events of a simulated floor, turned back into the commands
 * that made them (one submission per atomic group, in log order), are accepted in full by a fresh
 * ledger; the same stream with one rule broken anywhere (a seeded choice of where) is refused at
 * exactly that submission, with the code of the rule, and nothing of it is written. The floor seats
 * protected players ({@code CrapsFloor.Options.withProtection}), so the stream holds their limits and
 * cool-offs; a broken protection rule is a limit or cool-off a player takes just before a deposit or
 * bet that it refuses.
 */
class RulesAtCommitIT {
    @TempDir
    static Path dir;

    private static long seed;
    private static List<List<Command>> stream;
    private static Map<String, Long> floorBalances;

    @BeforeAll
    static void floor() throws Exception {
        seed = Long.getLong("rules.seed", ThreadLocalRandom.current().nextLong(1, 1_000_000));
        System.out.println("RulesAtCommitIT seed " + seed + " (rerun with -Drules.seed=" + seed + ")");
        Path db = dir.resolve("floor.db");
        try (Ledger ledger = open(db)) {
            // with protected players: their limits and cool-offs are in the stream, and what broke them is not
            new CrapsFloor(ledger, new CrapsFloor.Settings(3, 12, 8, seed, "r", 1_000, 1_000_000),
                    CrapsFloor.Options.defaults().withProtection(true)).run(n -> { });
            floorBalances = new TreeMap<>(ledger.view().balances());
        }
        stream = submissionsOf(db);
        assertThat(stream).as("a floor of rolls, bets and settlements").hasSizeGreaterThan(100);
    }

    private static Ledger open(Path db) {
        return Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build());
    }

    /** The log's commands, grouped as they were submitted (the first event of a submission says its size). */
    static List<List<Command>> submissionsOf(Path db) throws Exception {
        PayloadCodec codec = new PayloadCodec();
        List<List<Command>> submissions = new ArrayList<>();
        int[] left = {0};
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            EventReader.forEach(c, 1, Long.MAX_VALUE, row -> {
                LedgerEvent e = StoredEvents.decode(codec, row);
                if (left[0] == 0) {
                    submissions.add(new ArrayList<>());
                    left[0] = e.submissionSize();
                }
                submissions.get(submissions.size() - 1).add(e.command());
                left[0]--;
            });
        }
        return submissions;
    }

    private static CompletableFuture<Receipt> submit(Ledger ledger, List<Command> submission) {
        return submission.size() == 1 ? ledger.submit(submission.get(0)) : ledger.submitAtomically(submission);
    }

    @Test
    void theFloorsOwnStreamIsAcceptedInFullByAFreshLedger() throws Exception {
        Path db = dir.resolve("replayed-" + System.nanoTime() + ".db");
        try (Ledger ledger = open(db)) {
            for (int i = 0; i < stream.size(); i++) {
                try {
                    submit(ledger, stream.get(i)).join();
                } catch (CompletionException e) {
                    fail("seed " + seed + ": submission " + i + " " + stream.get(i) + " refused: " + e.getCause());
                }
            }
            assertThat(ledger.view().balances()).isEqualTo(floorBalances);
        }
    }

    /**
     * One rule broken: where in the stream, the code the writer must answer with there, the
     * position in the submission it must name (-1 for a submission of one command) and, for a
     * placement, the rulebook's reason (null otherwise).
     */
    record Broken(List<List<Command>> stream, int at, String code, int groupIndex, String rule) {
        Broken(List<List<Command>> stream, int at, int[] command, String code) {
            this(stream, at, code, stream.get(at).size() > 1 ? command[1] : -1, null);
        }

        Broken withRule(String placementRule) {
            return new Broken(stream, at, code, groupIndex, placementRule);
        }
    }

    enum Break {
        /** A win paid one chip more than the rulebook's. */
        WINNINGS_ONE_MORE("WRONG_PAYOUT"),
        /** A lost bet settled as a push. */
        LOSS_AS_PUSH("WRONG_PAYOUT"),
        /** A bet the roll decided, voided instead. */
        DECIDED_BET_VOIDED("WRONG_PAYOUT"),
        /** A settlement submitted before the roll that decides it. */
        SETTLED_BEFORE_ITS_ROLL("EARLY_SETTLEMENT"),
        /** A settlement left out of its roll's submission: that submission is refused. */
        SETTLEMENT_LEFT_OUT("MISSING_SETTLEMENT"),
        /** A come bet made as a pass-line bet, while the point is on. */
        PASS_LINE_WHILE_POINT_ON("BET_NOT_ALLOWED"),
        /** A flat bet one chip below the table's minimum (above its maximum where the minimum is one chip). */
        BELOW_TABLE_MINIMUM("BET_NOT_ALLOWED"),
        /** A player sets a deposit limit of one chip per 24 h just before a deposit of more. */
        DEPOSIT_OVER_THE_PLAYERS_LIMIT("DEPOSIT_LIMIT"),
        /** A player sets a stake limit one chip below the stake of their next bet. */
        BET_OVER_THE_PLAYERS_STAKE_LIMIT("STAKE_LIMIT"),
        /** A player sets a loss limit of one chip per 24 h just before a bet of more. */
        BET_OVER_THE_PLAYERS_LOSS_LIMIT("LOSS_LIMIT"),
        /** A player takes a cool-off just before a bet. */
        BET_DURING_A_COOL_OFF("SELF_EXCLUDED");

        final String code;

        Break(String code) {
            this.code = code;
        }
    }

    @ParameterizedTest
    @EnumSource(Break.class)
    void oneBrokenRuleIsRefusedAtExactlyThatSubmissionAndNothingOfItIsWritten(Break kind) throws Exception {
        Random random = new Random(seed * 31 + kind.ordinal());
        Broken broken = breakOne(kind, random);
        Path db = dir.resolve("broken-" + kind + "-" + System.nanoTime() + ".db");
        try (Ledger ledger = open(db)) {
            for (int i = 0; i < broken.at(); i++) {
                try {
                    submit(ledger, broken.stream().get(i)).join();
                } catch (CompletionException e) {
                    fail("seed " + seed + " " + kind + ": submission " + i + " before the broken one (" + broken.at()
                            + ") refused: " + e.getCause());
                }
            }
            long seqBefore = ledger.view().seq();
            List<Command> bad = broken.stream().get(broken.at());
            Throwable refused = null;
            try {
                submit(ledger, bad).join();
            } catch (CompletionException e) {
                refused = e.getCause();
            }
            assertThat(refused).as("seed %d %s: submission %d %s", seed, kind, broken.at(), bad)
                    .isInstanceOf(Rejected.class);
            assertThat(((LedgerException) refused).code()).as(refused.getMessage()).isEqualTo(broken.code());
            assertThat(((Rejected) refused).groupIndex()).as("the command named: " + refused.getMessage())
                    .isEqualTo(broken.groupIndex());
            if (broken.rule() != null) {
                assertThat(((Rejected.BetNotAllowed) refused).rule()).isIn(broken.rule().split("\\|"));
            }
            assertThat(ledger.view().seq()).as("nothing of the refused submission is written").isEqualTo(seqBefore);
            // the writer goes on serving: a deposit commits after the refusal
            ledger.submit(new Command.Deposit("after-refusal", 10, "after")).join();
            assertThat(ledger.view().seq()).isEqualTo(seqBefore + 1);
            System.out.println("RulesAtCommitIT " + kind + ": " + refused.getMessage());
        }
    }

    /** The stream with one rule broken at a random place that allows {@code kind}. */
    private static Broken breakOne(Break kind, Random random) {
        List<List<Command>> s = copy(stream);
        switch (kind) {
            case WINNINGS_ONE_MORE -> {
                int[] at = pick(s, random, c -> c instanceof Command.SettleBet st && st.outcome() == Outcome.WIN);
                Command.SettleBet st = (Command.SettleBet) s.get(at[0]).get(at[1]);
                s.get(at[0]).set(at[1], new Command.SettleBet(st.gameId(), st.betId(), Outcome.WIN, st.winnings() + 1));
                return new Broken(s, at[0], at, kind.code);
            }
            case LOSS_AS_PUSH -> {
                int[] at = pick(s, random, c -> c instanceof Command.SettleBet st && st.outcome() == Outcome.LOSE);
                Command.SettleBet st = (Command.SettleBet) s.get(at[0]).get(at[1]);
                s.get(at[0]).set(at[1], new Command.SettleBet(st.gameId(), st.betId(), Outcome.PUSH, 0));
                return new Broken(s, at[0], at, kind.code);
            }
            case DECIDED_BET_VOIDED -> {
                int[] at = pick(s, random, c -> c instanceof Command.SettleBet st && st.outcome() != Outcome.VOID);
                Command.SettleBet st = (Command.SettleBet) s.get(at[0]).get(at[1]);
                s.get(at[0]).set(at[1], new Command.SettleBet(st.gameId(), st.betId(), Outcome.VOID, 0));
                return new Broken(s, at[0], at, kind.code);
            }
            case SETTLED_BEFORE_ITS_ROLL -> {
                // a roll's submission with settlements: the first settlement goes in a submission of its own before it
                int[] at = pick(s, random, c -> c instanceof Command.SettleBet st && st.outcome() != Outcome.VOID);
                List<Command> group = s.get(at[0]);
                if (!(group.get(0) instanceof Command.RecordRoll)) {
                    return breakOne(kind, random);
                }
                Command settle = group.remove(at[1]);
                s.add(at[0], new ArrayList<>(List.of(settle)));
                return new Broken(s, at[0], kind.code, -1, null);
            }
            case SETTLEMENT_LEFT_OUT -> {
                int[] at = pick(s, random, c -> c instanceof Command.SettleBet st && st.outcome() != Outcome.VOID);
                List<Command> group = s.get(at[0]);
                if (!(group.get(0) instanceof Command.RecordRoll)) {
                    return breakOne(kind, random);
                }
                group.remove(at[1]);
                // the roll's own submission is refused, naming the roll
                return new Broken(s, at[0], kind.code, group.size() > 1 ? 0 : -1, null);
            }
            case PASS_LINE_WHILE_POINT_ON -> {
                int[] at = pick(s, random, c -> c instanceof Command.PlaceBet b && b.betType() == BetType.COME);
                Command.PlaceBet b = (Command.PlaceBet) s.get(at[0]).get(at[1]);
                s.get(at[0]).set(at[1], new Command.PlaceBet(b.gameId(), b.betId(), b.player(), BetType.PASS_LINE, null,
                        b.amount()));
                return new Broken(s, at[0], at, kind.code).withRule("ONLY_ON_COME_OUT");
            }
            case BELOW_TABLE_MINIMUM -> {
                int[] at = pick(s, random, c -> c instanceof Command.PlaceBet b && b.betType() == BetType.FIELD);
                Command.PlaceBet b = (Command.PlaceBet) s.get(at[0]).get(at[1]);
                io.bitcraps.ledger.craps.TableRules rules = rulesOf(s, b.gameId());
                // one chip below the minimum, or above the maximum at a table whose minimum is one chip
                long stake = rules.minBet() > 1 ? rules.minBet() - 1 : rules.maxBet() + 1;
                s.get(at[0]).set(at[1], new Command.PlaceBet(b.gameId(), b.betId(), b.player(), b.betType(), b.point(),
                        stake));
                return new Broken(s, at[0], at, kind.code).withRule("BELOW_MINIMUM|ABOVE_MAXIMUM");
            }
            case DEPOSIT_OVER_THE_PLAYERS_LIMIT -> {
                int at = pickAlone(s, random, c -> c instanceof Command.Deposit d && d.amount() > 1
                        && !isProtected(s, d.player()));
                String player = ((Command.Deposit) s.get(at).get(0)).player();
                s.add(at, new ArrayList<>(List.of(new Command.SetLimits(player, 1L, null, null, null, null))));
                return new Broken(s, at + 1, kind.code, -1, null);
            }
            case BET_OVER_THE_PLAYERS_STAKE_LIMIT -> {
                int at = pickAlone(s, random, c -> c instanceof Command.PlaceBet b && b.amount() > 1
                        && !isProtected(s, b.player()));
                Command.PlaceBet b = (Command.PlaceBet) s.get(at).get(0);
                s.add(at, new ArrayList<>(List.of(new Command.SetLimits(b.player(), null, null, null, null, b.amount() - 1))));
                return new Broken(s, at + 1, kind.code, -1, null);
            }
            case BET_OVER_THE_PLAYERS_LOSS_LIMIT -> {
                int at = pickAlone(s, random, c -> c instanceof Command.PlaceBet b && b.amount() > 1
                        && !isProtected(s, b.player()));
                Command.PlaceBet b = (Command.PlaceBet) s.get(at).get(0);
                s.add(at, new ArrayList<>(List.of(new Command.SetLimits(b.player(), null, null, null, 1L, null))));
                return new Broken(s, at + 1, kind.code, -1, null);
            }
            case BET_DURING_A_COOL_OFF -> {
                int at = pickAlone(s, random, c -> c instanceof Command.PlaceBet b && !isProtected(s, b.player()));
                String player = ((Command.PlaceBet) s.get(at).get(0)).player();
                s.add(at, new ArrayList<>(List.of(new Command.SelfExclude(player,
                        io.bitcraps.ledger.domain.Exclusion.COOL_OFF, 24))));
                return new Broken(s, at + 1, kind.code, -1, null);
            }
        }
        throw new IllegalArgumentException(kind.name());
    }

    /** A random submission of one command matching {@code which}. */
    private static int pickAlone(List<List<Command>> s, Random random, Predicate<Command> which) {
        List<Integer> matches = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            if (s.get(i).size() == 1 && which.test(s.get(i).get(0))) {
                matches.add(i);
            }
        }
        assertThat(matches).as("seed %d: the floor holds such a submission", seed).isNotEmpty();
        return matches.get(random.nextInt(matches.size()));
    }

    /** True when the stream protects the player anywhere (their usage would count from then on). */
    private static boolean isProtected(List<List<Command>> s, String player) {
        for (List<Command> group : s) {
            for (Command c : group) {
                if (c instanceof Command.SetLimits sl && sl.player().equals(player)
                        || c instanceof Command.SelfExclude x && x.player().equals(player)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static io.bitcraps.ledger.craps.TableRules rulesOf(List<List<Command>> s, String gameId) {
        for (List<Command> group : s) {
            for (Command c : group) {
                if (c instanceof Command.OpenGame g && g.gameId().equals(gameId)) {
                    return io.bitcraps.ledger.craps.TableRules.parse(g.rules());
                }
            }
        }
        throw new AssertionError("game " + gameId + " never opened");
    }

    /** {submission, command} of a random command matching {@code which}. */
    private static int[] pick(List<List<Command>> s, Random random, Predicate<Command> which) {
        List<int[]> matches = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            for (int j = 0; j < s.get(i).size(); j++) {
                if (which.test(s.get(i).get(j))) {
                    matches.add(new int[]{i, j});
                }
            }
        }
        assertThat(matches).as("seed %d: the floor holds such a command", seed).isNotEmpty();
        return matches.get(random.nextInt(matches.size()));
    }

    private static List<List<Command>> copy(List<List<Command>> s) {
        List<List<Command>> out = new ArrayList<>(s.size());
        for (List<Command> group : s) {
            out.add(new ArrayList<>(group));
        }
        return out;
    }
}
