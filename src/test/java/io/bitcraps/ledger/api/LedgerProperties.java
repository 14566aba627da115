package io.bitcraps.ledger.api;

import io.bitcraps.ledger.api.ReferenceLedger.Decision;
import io.bitcraps.ledger.api.ReferenceLedger.Draft;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.projection.GameState;
import io.bitcraps.ledger.domain.PlayerStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.Generate.booleans;
import static org.quicktheories.generators.Generate.constant;
import static org.quicktheories.generators.Generate.enumValues;
import static org.quicktheories.generators.Generate.frequency;
import static org.quicktheories.generators.Generate.longRange;
import static org.quicktheories.generators.Generate.oneOf;
import static org.quicktheories.generators.Generate.pick;
import static org.quicktheories.generators.Generate.range;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Drives random command sequences into a real ledger (a fresh SQLite file per example) and into
 * {@link ReferenceLedger}, and demands the same verdict, the same rejection code and the same seqs
 * for every submission, and the invariants I1–I5 after every batch.
 * <p>
 * The universe is kept small on purpose (four players, three games, six bet ids, amounts of tens
 * of chips) so that the interesting refusals, overdrafts, an unpaid house, duplicate and settled
 * bets, closed games, idempotency conflicts, happen often instead of once in a million commands.
 * The table rules are on, as by default: bets of every type at random moments (many refused,
 * {@code BET_NOT_ALLOWED}), rolls the engine settles with settlements chosen as the rulebook says
 * (an engine that follows the rules), or at random (refused: {@code WRONG_PAYOUT},
 * {@code EARLY_SETTLEMENT}, {@code UNSETTLED_BETS} at the next roll), and rolls the ledger settles
 * itself ({@code autoSettle}), whose settlements the model must predict to the seq; and provably
 * fair games, their rolls chosen when sent (mostly the honest next nonce and dice, sometimes a
 * skipped nonce or a die other than the seed's) and their closes revealing the seed or another one
 * ({@code INVALID_COMMAND}, {@code SEED_MISMATCH}, {@code DICE_MISMATCH}).
 * <p>
 * Replay a run with {@code mvn test -Dtest=LedgerProperties -Dledger.seed=<seed>}; the seed is
 * printed on stdout at the start. {@code -Dledger.examples=<n>} runs longer campaigns, and
 * {@code -Dledger.shrinkCycles=<n>} shrinks a counterexample further (each cycle replays a whole
 * script against a new database, so the default is small). A failure message carries the seed and
 * the full trace: every submission with the ledger's and the model's verdicts, and each batch
 * boundary and reopen.
 */
class LedgerProperties {
    private static final List<String> PLAYERS = List.of("p0", "p1", "p2", "p3");
    private static final List<String> GAMES = List.of("g0", "g1", "g2");
    private static final List<String> BETS = List.of("b0", "b1", "b2", "b3", "b4", "b5");
    private static final List<String> TABLES = List.of("t0", "t1");
    /** Cash references differ only in content, so a retry with another one is an idempotency conflict. */
    private static final List<String> REFERENCES = List.of("cashier-7", "cage 2", "atm");
    private static final List<String> KEYS = List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9");
    /** A key with a space, and one of 65 characters: refused before the ring. */
    private static final List<String> BAD_KEYS = List.of("bad key", "k".repeat(Limits.IDEMPOTENCY_KEY_LENGTH_MAX + 1));

    private static final int EXAMPLES = Integer.getInteger("ledger.examples", 40);
    /** Each shrink step replays a whole script against a new database, so shrinking is kept short. */
    private static final int SHRINK_CYCLES = Integer.getInteger("ledger.shrinkCycles", 40);

    @TempDir
    Path base;

    /** Outcomes over the whole run, printed at the end to show what the generator reached. */
    private final Map<String, Integer> tally = new TreeMap<>();
    private long scripts;
    private long submissionsWritten;
    private long commits;
    private long reopens;

    @Test
    void ledgerAndReferenceModelAgreeOnEverySubmissionAndInvariantsHoldAfterEveryBatch() {
        long seed = Long.getLong("ledger.seed", new SecureRandom().nextLong());
        System.out.println("LedgerProperties seed " + seed + " (replay: mvn test -Dtest=LedgerProperties -Dledger.seed="
                + seed + ")");
        qt().withFixedSeed(seed)
                .withExamples(EXAMPLES)
                .withShrinkCycles(SHRINK_CYCLES)
                .forAll(scripts())
                .checkAssert(script -> new Run(script, seed).play());
        System.out.println("LedgerProperties: " + scripts + " scripts, " + submissionsWritten + " submissions in "
                + commits + " commits (" + String.format("%.2f", commits == 0 ? 0.0 : (double) submissionsWritten / commits)
                + " per commit), " + reopens + " reopens; outcomes " + tally);
    }

    // ---------------------------------------------------------------------------------------------
    // The script: what one example submits

    /** How a step is submitted when it is not a plain list of commands. */
    enum Special { NONE, EMPTY_GROUP, OVERSIZED_GROUP }

    /**
     * One submission. {@code replay >= 0} reuses the idempotency key of an earlier keyed step
     * (chosen modulo the number of them at run time), with that step's body when
     * {@code sameBody}, else with this step's own drafts: the generator cannot see what earlier
     * steps will have been, so the choice is made when the script runs.
     */
    record Step(List<Draft> drafts, boolean atomic, String key, int replay, boolean sameBody, Special special,
                boolean endsBatch, boolean reopens) {
        @Override
        public String toString() {
            String body = switch (special) {
                case EMPTY_GROUP -> "submitAtomically([])";
                case OVERSIZED_GROUP -> "submitAtomically(" + (Limits.ATOMIC_COMMANDS_MAX + 1) + " x RecordRoll(\"g0\", 1, 1))";
                case NONE -> (atomic ? "submitAtomically(" + drafts + ")" : "submit(" + drafts.get(0) + ")");
            };
            String keyPart = replay >= 0 ? " key=<earlier key #" + replay + (sameBody ? ", its body>" : ", this body>")
                    : key != null ? " key=" + key : "";
            return body + keyPart + (endsBatch ? " | join" : "") + (reopens ? " | reopen" : "");
        }
    }

    record Script(List<Step> steps) {
        @Override
        public String toString() {
            StringBuilder out = new StringBuilder("script of ").append(steps.size()).append(" steps:");
            for (int i = 0; i < steps.size(); i++) {
                out.append("\n  ").append(i).append(": ").append(steps.get(i));
            }
            return out.toString();
        }
    }

    private static Gen<Script> scripts() {
        return lists().of(steps()).ofSizeBetween(20, 200).map(Script::new);
    }

    private static Gen<Step> steps() {
        Gen<Integer> percent = range(1, 100);
        Gen<List<Draft>> group = lists().of(drafts()).ofSizeBetween(2, 5);
        Gen<List<Draft>> round = rounds();
        Gen<Draft> single = drafts();
        Gen<String> key = pick(KEYS);
        Gen<String> badKey = pick(BAD_KEYS);
        Gen<Integer> earlier = range(0, 63);
        return in -> {
            int shape = percent.generate(in);
            Special special = Special.NONE;
            List<Draft> drafts;
            boolean atomic;
            if (shape <= 80) {
                drafts = List.of(single.generate(in));
                atomic = shape <= 8; // a group of one takes the other API path
            } else if (shape <= 89) {
                drafts = group.generate(in);
                atomic = true;
            } else if (shape <= 98) {
                drafts = round.generate(in);
                atomic = true;
            } else if (shape == 99) {
                special = Special.EMPTY_GROUP;
                drafts = List.of();
                atomic = true;
            } else {
                special = Special.OVERSIZED_GROUP;
                drafts = List.of();
                atomic = true;
            }
            int keying = percent.generate(in);
            String k = null;
            int replay = -1;
            boolean sameBody = false;
            if (keying <= 12) {
                k = key.generate(in);
            } else if (keying <= 14) {
                k = badKey.generate(in);
            } else if (keying <= 24) {
                replay = earlier.generate(in);
                sameBody = percent.generate(in) <= 70;
            }
            // a batch of four submissions on average, so several share one commit
            boolean endsBatch = percent.generate(in) <= 25;
            boolean reopens = endsBatch && percent.generate(in) <= 12;
            return new Step(drafts, atomic, k, replay, sameBody, special, endsBatch, reopens);
        };
    }

    /**
     * What a game engine commits after a throw: the roll and the settlements it decides, all or
     * nothing. Settlements name random bets, so some groups fail in the middle or at the end.
     */
    private static Gen<List<Draft>> rounds() {
        Gen<String> game = pick(GAMES);
        Gen<Integer> die = range(1, 6);
        Gen<Integer> settlementCount = range(1, 4);
        Gen<String> bet = pick(BETS);
        Gen<Settlement> settlement = settlements();
        Gen<Integer> percent = range(1, 100);
        Gen<Integer> pick = range(0, 11);
        return in -> {
            String g = game.generate(in);
            List<Draft> round = new ArrayList<>();
            int shape = percent.generate(in);
            if (shape <= 30) {
                // the ledger settles by the rulebook
                round.add(Draft.autoRoll(g, die.generate(in), die.generate(in)));
                if (shape <= 5) {
                    round.add(Draft.settleDue(g, pick.generate(in))); // a settlement after it: refused or a VOID
                }
                return round;
            }
            round.add(Draft.roll(g, die.generate(in), die.generate(in)));
            for (int n = settlementCount.generate(in); n > 0; n--) {
                if (shape <= 80) {
                    round.add(Draft.settleDue(g, pick.generate(in))); // as an engine that follows the rules
                } else if (shape <= 88) {
                    round.add(Draft.settleDueWrongly(g, pick.generate(in))); // refused: WRONG_PAYOUT
                } else {
                    Settlement s = settlement.generate(in); // at random: mostly refused by the rules
                    round.add(Draft.settle(g, bet.generate(in), s.outcome(), s.winnings()));
                }
            }
            return round;
        };
    }

    /** One command's raw values; mostly well-formed, about 3 % refused by the record constructors. */
    private static Gen<Draft> drafts() {
        Gen<String> player = pick(PLAYERS);
        Gen<String> game = pick(GAMES);
        Gen<String> bet = pick(BETS);
        Gen<String> reference = pick(REFERENCES);
        Gen<Draft> deposit = player.zip(longRange(1, 100), reference, Draft::deposit);
        Gen<Draft> withdraw = player.zip(longRange(1, 120), reference, Draft::withdraw);
        Gen<Draft> fundHouse = longRange(1, 150).zip(reference, Draft::fundHouse);
        Gen<Draft> openGame = game.zip(pick(TABLES), Draft::openGame);
        Gen<Draft> placeBet = game.zip(bet, player, betShapes(), longRange(1, 80),
                (g, b, p, shape, amount) -> Draft.placeBet(g, b, p, shape.type(), shape.point(), amount));
        Gen<Draft> roll = game.zip(range(1, 6), range(1, 6), Draft::roll);
        Gen<Draft> autoRoll = game.zip(range(1, 6), range(1, 6), Draft::autoRoll);
        Gen<Draft> settle = game.zip(bet, settlements(), (g, b, s) -> Draft.settle(g, b, s.outcome(), s.winnings()));
        Gen<Draft> settleDue = game.zip(range(0, 11), Draft::settleDue);
        Gen<Draft> closeGame = game.map(Draft::closeGame);
        // provably fair games: committed at the opening, rolls chosen when sent (mostly honest), closed with the seed
        // now and then committed to the seed of another game id: refused if that game opened with it
        Gen<Draft> openFairGame = game.zip(pick(TABLES), game, range(0, 3),
                (g, t, other, n) -> n == 0 ? Draft.openFairGame(g, t, other) : Draft.openFairGame(g, t));
        Gen<Draft> fairRoll = game.zip(range(0, 7), booleans(), Draft::fairRoll);
        Gen<Draft> closeFairGame = game.zip(range(0, 5), (g, n) -> Draft.closeFairGame(g, n == 0));
        return frequency(List.of(
                Pair.of(14, deposit), Pair.of(8, withdraw), Pair.of(6, fundHouse), Pair.of(10, openGame),
                Pair.of(28, placeBet), Pair.of(4, roll), Pair.of(4, autoRoll), Pair.of(8, settle), Pair.of(12, settleDue),
                Pair.of(2, closeGame), Pair.of(3, openFairGame), Pair.of(5, fairRoll), Pair.of(2, closeFairGame),
                Pair.of(3, malformed())));
    }

    record BetShape(BetType type, Integer point) {}

    /** A bet type with a point number that fits it. */
    private static Gen<BetShape> betShapes() {
        Gen<BetType> type = enumValues(BetType.class);
        Gen<Integer> point = pick(List.of(4, 5, 6, 8, 9, 10));
        Gen<Integer> hardPoint = pick(List.of(4, 6, 8, 10));
        Gen<Integer> coin = range(0, 1);
        return in -> {
            BetType t = type.generate(in);
            if (t == BetType.HARDWAY) {
                return new BetShape(t, hardPoint.generate(in));
            }
            if (t.requiresPoint() || (t.allowsPoint() && coin.generate(in) == 1)) {
                return new BetShape(t, point.generate(in));
            }
            return new BetShape(t, null);
        };
    }

    record Settlement(Outcome outcome, long winnings) {}

    /** Winnings of up to 120 chips against a house funded in steps of up to 150: often unpaid. */
    private static Gen<Settlement> settlements() {
        return frequency(List.of(
                Pair.of(4, longRange(1, 120).map(w -> new Settlement(Outcome.WIN, w))),
                Pair.of(4, constant(new Settlement(Outcome.LOSE, 0))),
                Pair.of(1, constant(new Settlement(Outcome.PUSH, 0))),
                Pair.of(1, constant(new Settlement(Outcome.VOID, 0)))));
    }

    /** Values the command constructors refuse; the model must predict the code. */
    @SuppressWarnings("unchecked")
    private static Gen<Draft> malformed() {
        return oneOf(
                pick(List.of(0L, -5L, Limits.AMOUNT_MAX + 1)).map(a -> Draft.deposit("p0", a, "atm")),
                constant(Draft.withdraw("p1", 0, "atm")),
                constant(Draft.fundHouse(10, "")),
                constant(Draft.deposit("p 2", 10, "atm")),
                pick(List.of(0, 7)).map(d -> Draft.roll("g0", d, 3)),
                constant(Draft.settle("g0", "b0", Outcome.WIN, 0)),
                constant(Draft.settle("g1", "b1", Outcome.LOSE, 5)),
                constant(Draft.settle("g1", "b1", null, 0)),
                constant(Draft.placeBet("g0", "b1", "p0", BetType.FIELD, 6, 10)),
                constant(Draft.placeBet("g0", "b1", "p0", BetType.PLACE, null, 10)),
                constant(Draft.placeBet("g0", "b1", "p0", BetType.HARDWAY, 5, 10)),
                constant(Draft.placeBet("g0", "b1", "p0", BetType.PASS_ODDS, 7, 10)),
                constant(Draft.placeBet("g0", "b1", "p0", BetType.PASS_LINE, null, 0)),
                constant(Draft.placeBet("g0", "bad bet", "p0", BetType.PASS_LINE, null, 10)),
                constant(Draft.openGame("g2", "")));
    }

    // ---------------------------------------------------------------------------------------------
    // Running one script

    /**
     * A submission in flight: what was sent, what the model decided, what the ledger will answer.
     * A step whose commands could not even be built has only {@code sent}, the constructor's verdict.
     */
    private record InFlight(int step, String sent, List<Command> commands, String key, Decision expected,
                            CompletableFuture<Receipt> future) {
        static InFlight unbuildable(int step, String verdict) {
            return new InFlight(step, verdict, List.of(), null, null, null);
        }
    }

    /** A keyed submission that later steps may retry, with the same or another body. */
    private record Keyed(String key, List<Draft> drafts, boolean atomic, Special special) {}

    private final class Run {
        private final Script script;
        private final long seed;
        private final Path db;
        private final ReferenceLedger model = new ReferenceLedger();
        /** What happened, step by step, for the failure message. */
        private final List<String> trace = new ArrayList<>();
        private final List<Keyed> keyed = new ArrayList<>();
        /** The first receipt the ledger gave for each key: retries must return it unchanged. */
        private final Map<String, Receipt> receipts = new HashMap<>();
        /** Bets the ledger accepted a settlement for; a second one would break I4. */
        private final Set<String> settled = new HashSet<>();

        Run(Script script, long seed) {
            this.script = script;
            this.seed = seed;
            try {
                this.db = Files.createTempDirectory(base, "example").resolve("ledger.db");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void play() {
            scripts++;
            Ledger ledger = open();
            try {
                List<InFlight> batch = new ArrayList<>();
                List<Step> steps = script.steps();
                for (int i = 0; i < steps.size(); i++) {
                    Step step = steps.get(i);
                    batch.add(submit(ledger, i, step));
                    if (step.endsBatch() || i == steps.size() - 1) {
                        // all of the batch was submitted before any of it is awaited
                        for (InFlight each : batch) {
                            compare(each);
                        }
                        batch.clear();
                        checkInvariants(ledger.view(), "after the batch ending at step " + i);
                        if (step.reopens()) {
                            ledger = reopen(ledger);
                        }
                    }
                }
                ledger = reopen(ledger);
                assertEquals(model.nonZeroBalances(), ledger.view().balances(), why("final balances differ from the model"));
            } finally {
                ledger.close();
                deleteQuietly(db.getParent());
            }
        }

        private Ledger open() {
            return Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).build());
        }

        private InFlight submit(Ledger ledger, int i, Step step) {
            List<Draft> drafts = step.drafts();
            boolean atomic = step.atomic();
            Special special = step.special();
            String key = step.key();
            if (step.replay() >= 0) {
                if (keyed.isEmpty()) {
                    key = null;
                } else {
                    Keyed earlier = keyed.get(step.replay() % keyed.size());
                    key = earlier.key();
                    if (step.sameBody()) {
                        drafts = earlier.drafts();
                        atomic = earlier.atomic();
                        special = earlier.special();
                    }
                }
            }
            List<Command> commands = new ArrayList<>();
            if (special == Special.OVERSIZED_GROUP) {
                commands.addAll(Collections.nCopies(Limits.ATOMIC_COMMANDS_MAX + 1, new Command.RecordRoll("g0", 1, 1)));
            }
            List<Draft> chosen = new ArrayList<>(drafts.size());
            for (Draft asked : drafts) {
                // a settlement due is chosen now, from what the model holds after the commands before it
                Draft d = asked.kind() == Draft.Kind.SETTLE_DUE
                        ? model.settlementDue(asked.gameId(), asked.die1(), asked.die2() == 1, commands)
                        : asked.kind() == Draft.Kind.FAIR_ROLL && asked.die1() < 10
                        ? model.fairRollFor(asked.gameId(), asked.die1(), asked.die2() == 1, commands) : asked;
                chosen.add(d);
                String predicted = d.shapeProblem();
                try {
                    commands.add(d.toCommand());
                } catch (Rejected r) {
                    // a client cannot even build this submission; nothing reaches the ledger
                    count("constructor " + r.code());
                    assertEquals(predicted, r.code(), why(d + " was refused by its constructor: " + r.getMessage()));
                    return InFlight.unbuildable(i, d + " refused by its constructor with " + r.code());
                }
                assertNull(predicted, why("the constructor accepted " + d + ", the model expected " + predicted));
            }
            drafts = chosen; // a retry of this key with the same body sends the same commands
            if (key != null && ReferenceLedger.isKey(key)) {
                keyed.add(new Keyed(key, drafts, atomic, special));
            }
            String sent = (atomic ? "submitAtomically(" + (special == Special.OVERSIZED_GROUP ? commands.size()
                    + " x RecordRoll(\"g0\", 1, 1)" : drafts.toString()) + ")" : "submit(" + drafts.get(0) + ")")
                    + (key != null ? " key=" + key : "");
            Decision expected = model.submit(List.copyOf(commands), key);
            CompletableFuture<Receipt> future = atomic
                    ? ledger.submitAtomically(commands, key)
                    : ledger.submit(commands.get(0), key);
            return new InFlight(i, sent, List.copyOf(commands), key, expected, future);
        }

        private void compare(InFlight f) {
            if (f.future() == null) {
                trace.add("step " + f.step() + ": " + f.sent());
                return;
            }
            Receipt receipt = null;
            Rejected refusal = null;
            try {
                receipt = f.future().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof Rejected r)) {
                    throw new AssertionError(why("step " + f.step() + " failed with " + e.getCause()).get(), e.getCause());
                }
                refusal = r;
            } catch (InterruptedException | TimeoutException e) {
                throw new AssertionError(why("step " + f.step() + " got no answer within 30 s").get(), e);
            }
            String actual = receipt != null
                    ? "accepted seq " + receipt.firstSeq() + ".." + receipt.lastSeq()
                    : "refused " + refusal.code() + (refusal.groupIndex() >= 0 ? " at group index " + refusal.groupIndex() : "");
            String line = "step " + f.step() + ": " + f.sent() + " -> ledger " + actual + ", model " + f.expected();
            trace.add(line);
            String disagreement = "ledger and model disagree at " + line
                    + (refusal != null ? "\nthe ledger said: " + refusal.getMessage() : "");
            Decision expected = f.expected();
            if (!expected.isAccepted()) {
                count(expected.code());
                assertNotNull(refusal, why(disagreement));
                assertEquals(expected.code(), refusal.code(), why(disagreement));
                assertEquals(expected.groupIndex(), refusal.groupIndex(), why(disagreement));
                return;
            }
            if (receipt == null) {
                throw new AssertionError(why(disagreement).get());
            }
            assertEquals(expected.firstSeq(), receipt.firstSeq(), why(disagreement));
            assertEquals(expected.lastSeq(), receipt.lastSeq(), why(disagreement));
            boolean retry = false;
            if (f.key() != null) {
                Receipt original = receipts.putIfAbsent(f.key(), receipt);
                retry = original != null;
                assertEquals(receipt, receipts.get(f.key()),
                        why("step " + f.step() + ": a retry with the same key and content returns the original receipt"));
            }
            count(retry ? "accepted (idempotent retry)" : "accepted");
            if (!retry) {
                for (Command c : f.commands()) {
                    if (c instanceof Command.SettleBet st) {
                        assertTrue(settled.add(st.gameId() + "/" + st.betId()),
                                why("I4: the ledger settled bet " + st.betId() + " of " + st.gameId() + " a second time"));
                    }
                }
            }
        }

        private void checkInvariants(LedgerView view, String when) {
            trace.add("--- " + when + ": view at seq " + view.seq());
            assertEquals(model.events(), view.seq(), why("I5: seq " + when));
            assertEquals(0, view.totals(), why("I1: totals() " + when));
            long sum = 0;
            for (long b : view.balances().values()) {
                sum = Math.addExact(sum, b);
            }
            assertEquals(0, sum, why("I1: sum of balances() " + when));
            view.balances().forEach((account, balance) -> assertTrue(account.equals("world") || balance >= 0,
                    why("I2: " + account + " holds " + balance + " " + when)));
            assertEquals(model.nonZeroBalances(), view.balances(), why("balances " + when));
            for (String g : GAMES) {
                GameState game = view.state().game(g);
                assertEquals(game == null ? null : game.openBetCount(), view.game(g) == null ? null : view.game(g).openBets(),
                        why("the summary of game " + g + " " + when));
                // the view holds open games only: a closed game has left the writer's memory
                assertEquals(model.knowsGame(g) && model.isOpen(g), game != null, why("game " + g + " held " + when));
                List<BetState> open = view.openBets(g);
                long stakes = 0;
                Map<String, Long> openStakes = new LinkedHashMap<>();
                for (BetState b : open) {
                    stakes = Math.addExact(stakes, b.amount());
                    openStakes.put(b.betId(), b.amount());
                }
                assertEquals(stakes, view.balance(Account.escrow(g)), why("I3: escrow:" + g + " against its open bets " + when));
                assertEquals(List.copyOf(model.openBets(g).entrySet()), List.copyOf(openStakes.entrySet()),
                        why("open bets of " + g + ", oldest first, " + when));
                if (game == null) {
                    continue;
                }
                assertEquals(model.isOpen(g), game.open(), why("game " + g + " open " + when));
                assertEquals(open.size(), game.openBetCount(), why("open-bet count of " + g + " " + when));
                if (!game.open()) {
                    assertTrue(open.isEmpty(), why("I4: closed game " + g + " has open bets " + when));
                    continue;
                }
                Map<String, Long> settledSeqs = model.settledSeqs(g);
                assertEquals(settledSeqs.size(), game.bets().size(), why("bets of open game " + g + " " + when));
                settledSeqs.forEach((betId, seq) -> {
                    BetState bet = game.bet(betId);
                    assertNotNull(bet, why("bet " + betId + " of " + g + " " + when));
                    assertEquals(seq, bet.settledSeq(), why("I4: settlement seq of bet " + betId + " of " + g + " " + when));
                });
            }
        }

        private void awaitViews(Ledger ledger, long seq) {
            try {
                assertTrue(ledger.awaitViews(seq, java.time.Duration.ofSeconds(60)), why("the views reach seq " + seq));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** Closes the ledger and opens it again: the open replays the log and verifies the hash chain. */
        private Ledger reopen(Ledger ledger) {
            LedgerView before = ledger.view();
            // the statistics come from the views file, which trails the receipts: read them at the view's seq
            awaitViews(ledger, before.seq());
            Map<String, PlayerStats> statsBefore = new LinkedHashMap<>();
            for (String p : PLAYERS) {
                statsBefore.put(p, ledger.accounts().playerStats(p));
            }
            WriterStats stats = ledger.stats();
            submissionsWritten += stats.submissions();
            commits += stats.commits();
            ledger.close();
            reopens++;
            trace.add("--- closed and reopened at seq " + before.seq());
            Ledger again = open();
            try {
                LedgerView after = again.view();
                assertEquals(before.seq(), after.seq(), why("I5: seq after reopening"));
                assertEquals(before.headHash(), after.headHash(), why("I5: head hash after reopening"));
                assertEquals(before.balances(), after.balances(), why("balances after reopening"));
                for (String g : GAMES) {
                    GameState was = before.state().game(g);
                    GameState is = after.state().game(g);
                    assertEquals(was == null, is == null, why("game " + g + " after reopening"));
                    if (was != null) {
                        assertEquals(was.open(), is.open(), why("game " + g + " open after reopening"));
                        assertEquals(sorted(was), sorted(is), why("bets of " + g + " after reopening"));
                    }
                }
                awaitViews(again, after.seq());
                for (String p : PLAYERS) {
                    assertEquals(statsBefore.get(p), again.accounts().playerStats(p), why("stats of " + p + " after reopening"));
                }
                checkInvariants(after, "after reopening");
                return again;
            } catch (AssertionError | RuntimeException e) {
                again.close();
                throw e;
            }
        }

        private List<BetState> sorted(GameState game) {
            return game.bets().values().stream().sorted(Comparator.comparing(BetState::betId)).collect(Collectors.toList());
        }

        /** A failure message with everything needed to reproduce it. */
        private Supplier<String> why(String what) {
            return () -> what + "\nseed " + seed + "; what happened:\n  " + String.join("\n  ", trace);
        }
    }

    private void count(String outcome) {
        tally.merge(outcome, 1, Integer::sum);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // the temp dir is removed at the end of the test anyway
        }
    }
}
