package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.craps.CrapsTable;
import io.bitcraps.ledger.craps.OpenBet;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.craps.RollResult;
import io.bitcraps.ledger.craps.Rulebook;
import io.bitcraps.ledger.craps.Settlement;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.CloseGame;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Payout verification: the audit re-plays every game's dice through the craps rulebook, under the rules the
 * game recorded, and judges every placement and settlement. Every ledger here is written through the normal API
 * with the writer's own judgement off ({@code tableRules(false)}, as for a history imported from elsewhere: the
 * writer then accepts any settlement the house can pay, and judging it is the audit's job); nothing edits the file.
 * {@code RulesAtCommitIT} shows the writer refusing the same faults when its rules are on.
 * Each faulty ledger must be found not intact with exactly the problem planted, naming the bet, the roll, the seq
 * and both amounts; the untouched ones must audit intact.
 */
class PayoutAuditIT {
    /** The random floor's size and seed: {@code -Dledger.payout.games=5000 -Dledger.payout.seed=9} for a longer run. */
    private static final int GAMES = Integer.getInteger("ledger.payout.games", 300);
    private static final long SEED = Long.getLong("ledger.payout.seed", System.nanoTime());
    private static final String FIELD_12_PAYS_2 = "field12=2;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000";

    @TempDir
    Path dir;

    /** A ledger with a funded house and four players holding 10,000 chips each. */
    private final class Script implements AutoCloseable {
        final Path db;
        final Ledger ledger;

        Script() {
            this("payouts");
        }

        Script(String name) {
            db = dir.resolve(name + ".db");
            ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).tableRules(false).build());
            ledger.submit(new Command.FundHouse(1_000_000, "bankroll")).join();
            for (int p = 1; p <= 4; p++) {
                ledger.submit(new Command.Deposit("p" + p, 10_000, "cage")).join();
            }
        }

        /** Submits the commands as one atomic group, as an engine submits a roll with its settlements; their seqs. */
        long[] submit(Command... commands) {
            return ledger.submitAtomically(List.of(commands)).join().seqs();
        }

        long one(Command c) {
            return ledger.submit(c).join().seq();
        }

        AuditReport audit() throws Exception {
            ledger.close();
            return new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        }

        @Override
        public void close() {
            ledger.close();
        }
    }

    private static RecordRoll roll(String game, int d1, int d2) {
        return new RecordRoll(game, d1, d2);
    }

    private static PlaceBet bet(String game, String bet, String player, BetType type, Integer point, long stake) {
        return new PlaceBet(game, bet, player, type, point, stake);
    }

    private static SettleBet win(String game, String bet, long winnings) {
        return new SettleBet(game, bet, Outcome.WIN, winnings);
    }

    private static SettleBet settle(String game, String bet, Outcome outcome) {
        return new SettleBet(game, bet, outcome, 0);
    }

    private static void assertOnlyProblem(AuditReport r, ProblemKind kind, long seq, String detail) {
        assertThat(r.problems()).as("problems").singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(kind);
            assertThat(p.seq()).isEqualTo(seq);
            assertThat(p.detail()).isEqualTo(detail);
        });
        assertThat(r.intact()).isFalse();
    }

    @Test
    void aSettlementOffByOneChipIsAWrongPayoutNamingTheBetTheRollAndBothAmounts() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
            s.one(bet("g1", "b2", "p2", BetType.DONT_PASS, null, 10));
            s.one(roll("g1", 3, 3)); // roll 0: point 6
            s.one(bet("g1", "b3", "p3", BetType.PLACE, 6, 12));
            s.one(bet("g1", "b4", "p1", BetType.PASS_ODDS, null, 10));
            s.one(roll("g1", 2, 2)); // roll 1: nothing for these bets
            long[] seqs = s.submit(roll("g1", 4, 2), // roll 2: the point made, 6 the easy way
                    win("g1", "b1", 10), settle("g1", "b2", Outcome.LOSE),
                    win("g1", "b3", 15), // PLACE 6 pays 7:6: 12 chips win 14, one chip too many here
                    win("g1", "b4", 12)); // odds on 6 pay 6:5
            s.one(new CloseGame("g1"));
            AuditReport r = s.audit();
            assertOnlyProblem(r, ProblemKind.WRONG_PAYOUT, seqs[3], "bet b3 of game g1 (PLACE 6, stake 12) won on roll 2 (4+2)"
                    + " at seq " + seqs[0] + ": expected WIN 14, recorded WIN 15");
            assertThat(r.payoutsVerified()).isTrue();
            assertThat(r.settlementsVerified()).isEqualTo(4);
            assertThat(r.gamesVerified()).isEqualTo(1);
        }
    }

    @Test
    void aWrongOutcomeIsAWrongPayoutToo() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.DONT_PASS, null, 10));
            long[] seqs = s.submit(roll("g1", 6, 6), settle("g1", "b1", Outcome.LOSE)); // bar 12: a push, not a loss
            s.one(new CloseGame("g1"));
            assertOnlyProblem(s.audit(), ProblemKind.WRONG_PAYOUT, seqs[1], "bet b1 of game g1 (DONT_PASS, stake 10)"
                    + " pushed on roll 0 (6+6) at seq " + seqs[0] + ": expected PUSH, recorded LOSE");
        }
    }

    @Test
    void theSameGamePaidRightAuditsIntact() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
            s.one(bet("g1", "b2", "p2", BetType.DONT_PASS, null, 10));
            s.one(roll("g1", 3, 3));
            s.one(bet("g1", "b3", "p3", BetType.PLACE, 6, 12));
            s.one(bet("g1", "b4", "p1", BetType.PASS_ODDS, null, 10));
            s.one(bet("g1", "b5", "p4", BetType.HARDWAY, 8, 5));
            s.one(roll("g1", 2, 2));
            s.submit(roll("g1", 4, 2), win("g1", "b1", 10), settle("g1", "b2", Outcome.LOSE), win("g1", "b3", 14),
                    win("g1", "b4", 12));
            // the hardway is still open when the round ends: the engine voids it at the close
            s.submit(settle("g1", "b5", Outcome.VOID), new CloseGame("g1"));
            AuditReport r = s.audit();
            assertThat(r.problems()).isEmpty();
            assertThat(r.intact()).isTrue();
            assertThat(r.settlementsVerified()).isEqualTo(5);
        }
    }

    @Test
    void aSettlementBeforeTheRollThatDecidesTheBetIsEarly() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
            s.one(roll("g1", 1, 3)); // roll 0: point 4
            s.one(bet("g1", "b2", "p2", BetType.PLACE, 6, 12));
            long[] seqs = s.submit(roll("g1", 5, 4), win("g1", "b2", 14)); // a 9 does not decide a place bet on 6
            s.submit(roll("g1", 2, 2), win("g1", "b1", 10));
            s.one(new CloseGame("g1"));
            assertOnlyProblem(s.audit(), ProblemKind.EARLY_SETTLEMENT, seqs[1],
                    "bet b2 of game g1 (PLACE 6, stake 12) is still open on 6 after roll 1 (5+4): expected OPEN,"
                            + " recorded WIN 14");
        }
    }

    @Test
    void aSettlementAfterALaterRollThanTheDecidingOneIsLate() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
            s.one(bet("g1", "b2", "p2", BetType.FIELD, null, 10));
            long decided = s.one(roll("g1", 2, 3)); // roll 0: point 5, and the field loses
            long[] seqs = s.submit(roll("g1", 1, 1), settle("g1", "b2", Outcome.LOSE)); // settled one roll late
            s.submit(roll("g1", 4, 1), win("g1", "b1", 10));
            s.one(new CloseGame("g1"));
            assertOnlyProblem(s.audit(), ProblemKind.LATE_SETTLEMENT, seqs[1],
                    "bet b2 of game g1 (FIELD, stake 10) lost on roll 0 (2+3) at seq " + decided + " but was settled"
                            + " after roll 1 (1+1): expected LOSE on roll 0, recorded LOSE on roll 1");
        }
    }

    @Test
    void aDecidedBetThatIsVoidedInsteadIsAMissingSettlement() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
            s.one(bet("g1", "b2", "p2", BetType.ANY_SEVEN, null, 10));
            long[] seqs = s.submit(roll("g1", 6, 1), win("g1", "b1", 10),
                    settle("g1", "b2", Outcome.VOID)); // any seven wins 4:1; the void hands back 10 and keeps 40
            s.one(new CloseGame("g1"));
            assertOnlyProblem(s.audit(), ProblemKind.MISSING_SETTLEMENT, seqs[2],
                    "bet b2 of game g1 (ANY_SEVEN, stake 10) won on roll 0 (6+1) at seq " + seqs[0] + " but was voided:"
                            + " expected WIN 40, recorded VOID");
        }
    }

    @Test
    void aDecidedBetStillUnsettledWhenTheLogEndsIsAMissingSettlementAtItsRoll() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
            s.one(bet("g1", "b2", "p2", BetType.FIELD, null, 10));
            long decided = s.one(roll("g1", 5, 5)); // roll 0: point 10; the field wins 1:1 and is never paid
            long last = s.one(new Command.Deposit("p3", 1, "after"));
            assertOnlyProblem(s.audit(), ProblemKind.MISSING_SETTLEMENT, decided,
                    "bet b2 of game g1 (FIELD, stake 10) won on roll 0 (5+5) at seq " + decided + " but is still"
                            + " unsettled at the end of the log (seq " + last + "): expected WIN 10, recorded nothing");
        }
    }

    @Test
    void aGameLeftOpenWithOnlyUndecidedBetsAuditsIntact() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
            s.one(roll("g1", 5, 5)); // point 10: the pass line rides on, nothing is owed yet
            s.one(bet("g1", "b2", "p2", BetType.HARDWAY, 10, 5));
            s.one(roll("g1", 3, 1));
            AuditReport r = s.audit();
            assertThat(r.problems()).isEmpty();
            assertThat(r.intact()).isTrue();
            assertThat(r.settlementsVerified()).isZero();
        }
    }

    @Test
    void betsTheTableRulesRefuseAreNotAllowed() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
            long oddsOnComeOut = s.one(bet("g1", "b2", "p1", BetType.PASS_ODDS, null, 10));
            long belowMinimum = s.one(bet("g1", "b3", "p2", BetType.PASS_LINE, null, 4));
            s.one(roll("g1", 4, 4)); // point 8
            long noFlatBet = s.one(bet("g1", "b4", "p3", BetType.PASS_ODDS, null, 10));
            long putBet = s.one(bet("g1", "b5", "p4", BetType.PASS_LINE, null, 10));
            long aboveOdds = s.one(bet("g1", "b6", "p1", BetType.PASS_ODDS, 8, 51)); // 5x on 8 behind 10 is 50
            long wrongPoint = s.one(bet("g1", "b7", "p2", BetType.DONT_PASS_ODDS, 6, 12)); // the point is 8
            // the engine pays them as it sees fit: the placement is the fault, their settlements are not judged
            s.submit(roll("g1", 5, 3), win("g1", "b1", 10), win("g1", "b2", 12), win("g1", "b3", 4),
                    win("g1", "b4", 12), win("g1", "b5", 10), settle("g1", "b6", Outcome.VOID),
                    settle("g1", "b7", Outcome.LOSE));
            s.one(new CloseGame("g1"));
            AuditReport r = s.audit();
            String rules = OpenGame.STANDARD_RULES;
            assertThat(r.intact()).isFalse();
            assertThat(r.problems()).extracting(Problem::kind).containsOnly(ProblemKind.BET_NOT_ALLOWED);
            assertThat(r.problems()).extracting(Problem::seq)
                    .containsExactly(oddsOnComeOut, belowMinimum, noFlatBet, putBet, aboveOdds, wrongPoint);
            assertThat(r.problems()).extracting(Problem::detail).containsExactly(
                    "bet b2 of game g1 (PASS_ODDS, stake 10) placed before roll 0 (come-out, puck off) is not allowed under "
                            + rules + ": ONLY_WHILE_POINT_ON: PASS_ODDS needs a point on; the puck is off",
                    "bet b3 of game g1 (PASS_LINE, stake 4) placed before roll 0 (come-out, puck off) is not allowed under "
                            + rules + ": BELOW_MINIMUM: stake 4 is below the table minimum 5",
                    "bet b4 of game g1 (PASS_ODDS, stake 10) placed before roll 1 (point 8) is not allowed under "
                            + rules + ": NO_FLAT_BET: PASS_ODDS on 8 needs the player's PASS_LINE on 8",
                    "bet b5 of game g1 (PASS_LINE, stake 10) placed before roll 1 (point 8) is not allowed under "
                            + rules + ": ONLY_ON_COME_OUT: PASS_LINE is made on a come-out roll; the point is 8",
                    "bet b6 of game g1 (PASS_ODDS 8, stake 51) placed before roll 1 (point 8) is not allowed under "
                            + rules + ": ODDS_ABOVE_MAXIMUM: PASS_ODDS on 8: at most 50 more chips behind a flat bet"
                            + " of 10 (5x odds), asked 51",
                    "bet b7 of game g1 (DONT_PASS_ODDS 6, stake 12) placed before roll 1 (point 8) is not allowed under "
                            + rules + ": BAD_NUMBER: DONT_PASS_ODDS is behind the table's point 8, not 6");
            assertThat(r.settlementsVerified()).as("b1 only").isEqualTo(1);
        }
    }

    @Test
    void eachGameIsJudgedByTheTableRulesItRecorded() throws Exception {
        try (Script s = new Script()) {
            assertThat(TableRules.parse(FIELD_12_PAYS_2).field12Pays()).isEqualTo(2);
            // a field bet on 12 at a table where 12 pays 2:1, paid 2:1: right
            s.one(new OpenGame("g1", "t1", FIELD_12_PAYS_2));
            s.one(bet("g1", "b1", "p1", BetType.FIELD, null, 10));
            s.submit(roll("g1", 6, 6), win("g1", "b1", 20));
            s.one(new CloseGame("g1"));
            // the same bet at the standard table (12 pays 3:1), paid 3:1: right
            s.one(new OpenGame("g2", "t1"));
            s.one(bet("g2", "b1", "p1", BetType.FIELD, null, 10));
            s.submit(roll("g2", 6, 6), win("g2", "b1", 30));
            s.one(new CloseGame("g2"));
            // at the 2:1 table again, paid 3:1 as if it were standard: wrong
            s.one(new OpenGame("g3", "t1", FIELD_12_PAYS_2));
            s.one(bet("g3", "b1", "p1", BetType.FIELD, null, 10));
            long[] seqs = s.submit(roll("g3", 6, 6), win("g3", "b1", 30));
            s.one(new CloseGame("g3"));
            AuditReport r = s.audit();
            assertOnlyProblem(r, ProblemKind.WRONG_PAYOUT, seqs[1], "bet b1 of game g3 (FIELD, stake 10) won on roll 0"
                    + " (6+6) at seq " + seqs[0] + ": expected WIN 20, recorded WIN 30");
            assertThat(r.gamesVerified()).isEqualTo(3);
            assertThat(r.settlementsVerified()).isEqualTo(3);
        }
    }

    @Test
    void aPartialRangeDoesNotVerifyPayouts() throws Exception {
        try (Script s = new Script()) {
            s.one(new OpenGame("g1", "t1"));
            s.one(bet("g1", "b1", "p1", BetType.FIELD, null, 10));
            long[] seqs = s.submit(roll("g1", 6, 6), win("g1", "b1", 29));
            s.ledger.close();
            // rolls and bets before --from are not seen: judging the settlements after it would be guesswork
            AuditReport r = new Auditor().audit(s.db, new Auditor.Options(seqs[0], Long.MAX_VALUE, null, null), n -> { });
            assertThat(r.problems()).isEmpty();
            assertThat(r.payoutsVerified()).isFalse();
            assertThat(new Auditor().audit(s.db, Auditor.Options.everything(), n -> { }).problems())
                    .extracting(Problem::kind).containsExactly(ProblemKind.WRONG_PAYOUT);
        }
    }

    @Test
    void theSimulatedFloorAuditsIntactWithEverySettlementVerified() throws Exception {
        Path db = dir.resolve("floor.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).tableRules(false).build())) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(8, 32, 25, 7, "payout", 1_000, 10_000_000)).run(n -> { });
        }
        AuditReport r = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        assertThat(r.problems()).isEmpty();
        assertThat(r.intact()).isTrue();
        assertThat(r.payoutsVerified()).isTrue();
        assertThat(r.gamesVerified()).isEqualTo(countOf(db, EventType.GAME_OPENED)).isEqualTo(200);
        assertThat(r.settlementsVerified()).isEqualTo(countOf(db, EventType.BET_SETTLED)).isGreaterThan(3_000);
    }

    @Test
    void aRandomFloorOfEveryBetTypeAuditsIntactAndOneChipOffIsFound() throws Exception {
        System.out.printf("PayoutAuditIT: random floor seed %d (-Dledger.payout.seed=%d to repeat), %d games%n", SEED, SEED, GAMES);
        Path clean = dir.resolve("random.db");
        RandomFloor.Result played;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(clean).durability(Durability.NORMAL).tableRules(false).build())) {
            played = new RandomFloor(ledger, SEED, UnaryOperator.identity()).play(GAMES);
        }
        assertThat(played.betTypes()).as("every bet type placed").isEqualTo(EnumSet.allOf(BetType.class));
        AuditReport r = new Auditor().audit(clean, Auditor.Options.everything(), n -> { });
        assertThat(r.problems()).isEmpty();
        assertThat(r.intact()).isTrue();
        assertThat(r.gamesVerified()).isEqualTo(GAMES);
        assertThat(r.settlementsVerified()).isEqualTo(played.settlements()).isEqualTo(countOf(clean, EventType.BET_SETTLED));

        // the same floor again, where the 200th winning settlement pays one chip more than the rulebook
        Path tampered = dir.resolve("one-chip.db");
        int[] wins = {0};
        SettleBet[] changed = new SettleBet[1];
        UnaryOperator<SettleBet> oneChipMore = st -> {
            if (st.outcome() == Outcome.WIN && ++wins[0] == 200) {
                changed[0] = new SettleBet(st.gameId(), st.betId(), Outcome.WIN, st.winnings() + 1);
                return changed[0];
            }
            return st;
        };
        RandomFloor.Result replayed;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(tampered).durability(Durability.NORMAL).tableRules(false).build())) {
            replayed = new RandomFloor(ledger, SEED, oneChipMore).play(GAMES);
        }
        assertThat(changed[0]).as("the floor paid at least 200 wins").isNotNull();
        AuditReport bad = new Auditor().audit(tampered, Auditor.Options.everything(), n -> { });
        assertThat(bad.intact()).isFalse();
        assertThat(bad.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(ProblemKind.WRONG_PAYOUT);
            assertThat(p.seq()).isEqualTo(replayed.tamperedSeq());
            assertThat(p.detail()).startsWith("bet " + changed[0].betId() + " of game " + changed[0].gameId() + " (")
                    .endsWith(": expected WIN " + (changed[0].winnings() - 1) + ", recorded WIN " + changed[0].winnings());
        });
    }

    private static long countOf(Path db, EventType type) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM events WHERE type = " + type.code())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * A small engine independent of the simulator: four players placing bets of every type at random (whatever
     * {@link CrapsTable#validate} accepts, odds within {@link CrapsTable#oddsRoom}), under two sets of table rules,
     * games of one or two rounds; each roll and the settlements the table gives for it are one atomic submission;
     * the bets left at the close are voided with it. {@code tamper} may change a settlement.
     */
    private static final class RandomFloor {
        record Result(long settlements, EnumSet<BetType> betTypes, long tamperedSeq) {}

        private static final TableRules LOOSE = new TableRules(2, true, 10, 10, 10, 1, 100);
        private static final BetType[] TYPES = BetType.values();

        private final Ledger ledger;
        private final SplittableRandom random;
        private final UnaryOperator<SettleBet> tamper;
        private final EnumSet<BetType> placedTypes = EnumSet.noneOf(BetType.class);
        private long settlements;
        private long tamperedSeq;

        RandomFloor(Ledger ledger, long seed, UnaryOperator<SettleBet> tamper) {
            this.ledger = ledger;
            this.random = new SplittableRandom(seed);
            this.tamper = tamper;
        }

        Result play(int games) {
            ledger.submit(new Command.FundHouse(1_000_000_000, "bankroll")).join();
            for (int p = 0; p < 4; p++) {
                ledger.submit(new Command.Deposit("q" + p, 100_000_000, "cage")).join();
            }
            for (int g = 0; g < games; g++) {
                game("r" + g, g % 2 == 0 ? TableRules.standard() : LOOSE);
            }
            return new Result(settlements, placedTypes, tamperedSeq);
        }

        private void game(String id, TableRules rules) {
            ledger.submit(new OpenGame(id, "rt", rules.canonical())).join();
            CrapsTable table = new CrapsTable(rules);
            int rounds = random.nextInt(4) == 0 ? 2 : 1;
            int decisions = 0;
            int betCount = 0;
            while (decisions < rounds) {
                for (int p = 0; p < 4; p++) {
                    if (random.nextInt(3) > 0 && place(id, table, rules, "q" + p, "b" + betCount)) {
                        betCount++;
                    }
                }
                Roll roll = Roll.of(1 + random.nextInt(6), 1 + random.nextInt(6));
                RollResult result = table.roll(roll);
                List<Command> group = new ArrayList<>();
                group.add(new RecordRoll(id, roll.die1(), roll.die2()));
                int tamperedAt = -1;
                for (Settlement s : result.settlements()) {
                    SettleBet right = new SettleBet(id, s.betId(), s.outcome(), s.winnings());
                    SettleBet written = tamper.apply(right);
                    if (written != right) {
                        tamperedAt = group.size();
                    }
                    group.add(written);
                    settlements++;
                }
                Receipt receipt = ledger.submitAtomically(group).join();
                if (tamperedAt >= 0) {
                    tamperedSeq = receipt.firstSeq() + tamperedAt;
                }
                if (result.event().decidesPassLine()) {
                    decisions++;
                }
            }
            List<Command> end = new ArrayList<>();
            for (OpenBet b : table.close()) {
                end.add(new SettleBet(id, b.betId(), Outcome.VOID, 0));
                settlements++;
            }
            end.add(new CloseGame(id));
            ledger.submitAtomically(end).join();
        }

        private boolean place(String game, CrapsTable table, TableRules rules, String player, String betId) {
            // half the time a type not placed yet: the rare ones (odds behind a line bet the same player made before
            // the point) would otherwise be missed by some seeds (about 2 % of them, over 300 games, for PASS_ODDS)
            BetType type = TYPES[random.nextInt(TYPES.length)];
            if (placedTypes.size() < TYPES.length && random.nextBoolean()) {
                List<BetType> missing = new ArrayList<>(EnumSet.complementOf(placedTypes));
                type = missing.get(random.nextInt(missing.size()));
            }
            Integer point = switch (type) {
                case PLACE, COME_ODDS, DONT_COME_ODDS -> new int[]{4, 5, 6, 8, 9, 10}[random.nextInt(6)];
                case HARDWAY -> new int[]{4, 6, 8, 10}[random.nextInt(4)];
                default -> null;
            };
            if (type == BetType.COME_ODDS || type == BetType.DONT_COME_ODDS) { // behind one of the player's come bets
                BetType flat = Rulebook.flatBetFor(type);
                point = table.openBets().stream().filter(b -> b.type() == flat && player.equals(b.player()))
                        .map(OpenBet::point).filter(Objects::nonNull).findFirst().orElse(point);
            }
            long stake;
            if (Rulebook.isOdds(type)) {
                long room = table.oddsRoom(player, type, point);
                if (room < 1) {
                    return false;
                }
                stake = 1 + random.nextLong(Math.min(room, 200));
            } else {
                stake = rules.minBet() + random.nextLong(Math.min(rules.maxBet() - rules.minBet() + 1, 60));
            }
            if (table.validate(player, type, point, stake).isPresent()) {
                return false;
            }
            table.place(betId, player, type, point, stake);
            ledger.submit(new PlaceBet(game, betId, player, type, point, stake)).join();
            placedTypes.add(type);
            return true;
        }
    }
}
