package io.bitcraps.ledger.sim;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.craps.TableState;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.api.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The default floor (shooters' hands, standard and house-variant tables taking turns) with a fixed seed: every bet
 * type of the rulebook is placed, every outcome occurs, both tables' rules are recorded with their games, every
 * settlement is the rulebook's ({@link FloorLog}), nothing is refused, the house's change is what the floor says,
 * and the ledger audits intact. A floor of rounds voids the bets its games leave open, in the closing group.
 */
class CrapsFloorIT {
    @TempDir
    Path dir;

    private record Result(CrapsFloor.Report report, FloorLog log, long house, AuditReport audit) {}

    private Result run(CrapsFloor.Settings settings, CrapsFloor.Options options) throws Exception {
        Path db = dir.resolve(options.gameLength() + ".db");
        CrapsFloor.Report report;
        long house;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL)
                .backupInterval(Duration.ZERO).build())) {
            report = new CrapsFloor(ledger, settings, options).run(n -> { });
            house = ledger.view().balance(Account.HOUSE);
            assertThat(ledger.view().totals()).isZero();
        }
        return new Result(report, FloorLog.read(db), house, new Auditor().audit(db, Auditor.Options.everything(), n -> { }));
    }

    @Test
    void aFloorWithProtectedPlayersHasTheirBetsAndBuyInsJudgedAndCountsTheRefusalsByCode() throws Exception {
        CrapsFloor.Settings settings = new CrapsFloor.Settings(4, 24, 20, 42, "it", 1_000, 10_000_000);
        Result r = run(settings, CrapsFloor.Options.defaults().withProtection(true));

        // seats 1 and 5 of each table set limits, seat 2 takes a cool-off halfway
        assertThat(r.report().limitedPlayers()).isEqualTo(8);
        assertThat(r.report().coolingPlayers()).isEqualTo(4);
        assertThat(r.report().unexpectedRejections()).as("%s", r.report().rejectedByCode()).isZero();
        assertThat(r.report().rejectedByCode()).containsKeys("STAKE_LIMIT", "LOSS_LIMIT", "DEPOSIT_LIMIT", "SELF_EXCLUDED");
        assertThat(r.report().rejectedByCode().keySet()).isSubsetOf(CrapsFloor.Report.PROTECTION_CODES);
        assertThat(r.log().problems()).isEmpty();
        assertThat(r.audit().problems()).isEmpty();
        assertThat(r.audit().protectedPlayers()).isEqualTo(12);
        assertThat(r.audit().limitChecks()).isPositive();
        assertThat(r.house() - 10_000_000).isEqualTo(r.report().houseNet());
    }

    @Test
    void theDefaultFloorPlacesEveryBetTypeByTheRulesAndAuditsIntact() throws Exception {
        CrapsFloor.Settings settings = new CrapsFloor.Settings(8, 48, 12, 42, "it", 1_000, 10_000_000);
        Result r = run(settings, CrapsFloor.Options.defaults());

        assertThat(r.report().rejected()).isZero();
        assertThat(r.log().problems()).isEmpty();
        assertThat(r.report().games()).isEqualTo(96);
        assertThat(r.log().games).hasSize(96);
        for (BetType t : BetType.values()) {
            assertThat(r.log().placedByType.getOrDefault(t, 0L)).as("%s bets placed", t).isPositive();
            assertThat(r.report().betsByType().get(t)).as("%s in the report", t).isEqualTo(r.log().placedByType.get(t));
        }
        assertThat(r.log().outcomes.keySet()).containsExactlyInAnyOrder(Outcome.values());
        assertThat(r.log().rulesUsed.keySet())
                .containsExactlyInAnyOrder(TableRules.standard().canonical(), CrapsFloor.Options.VARIANT.canonical());
        // games are hands: each ends at a seven-out, or at the first decision after 24 rolls
        long severalDecisions = 0;
        for (FloorLog.Game g : r.log().games.values()) {
            int n = g.rolls.size();
            for (int i = 0; i < n; i++) {
                boolean sevenOut = !TableState.after(g.rolls, i).isComeOut() && g.rolls.get(i).total() == 7;
                assertThat(sevenOut).as("%s roll %d of %d is a seven-out", g.id, i, n).isEqualTo(sevenOut && i == n - 1);
            }
            TableState before = TableState.after(g.rolls, n - 1);
            TableState after = TableState.after(g.rolls, n);
            boolean sevenOut = !before.isComeOut() && g.rolls.get(n - 1).total() == 7;
            assertThat(sevenOut || (n >= 24 && after.decisions() > before.decisions())).as(g.id).isTrue();
            if (after.decisions() > 1) {
                severalDecisions++;
            }
        }
        assertThat(severalDecisions).as("hands with more than one pass-line decision").isGreaterThan(20);

        assertThat(r.report().winningsPaid()).isEqualTo(r.log().winningsPaid);
        assertThat(r.report().stakesLost()).isEqualTo(r.log().stakesLost);
        assertThat(r.house() - r.log().houseFunding).isEqualTo(r.report().houseNet())
                .isEqualTo(r.log().stakesLost - r.log().winningsPaid);

        assertThat(r.audit().problems()).isEmpty();
        assertThat(r.audit().intact()).isTrue();
    }

    @Test
    void aFloorOfRoundsVoidsWhatItsGamesLeaveOpenInTheClosingGroup() throws Exception {
        CrapsFloor.Settings settings = new CrapsFloor.Settings(2, 8, 20, 5, "it", 1_000, 1_000_000);
        Result r = run(settings, CrapsFloor.Options.defaults().withGameLength(CrapsFloor.GameLength.ROUND));
        assertThat(r.report().rejected()).isZero();
        assertThat(r.log().problems()).isEmpty(); // includes: every VOID sits in its game's closing group
        assertThat(r.report().voids()).isPositive().isEqualTo(r.log().outcomes.get(Outcome.VOID));
        // each game ends at its first pass-line decision
        for (FloorLog.Game g : r.log().games.values()) {
            int n = g.rolls.size();
            assertThat(TableState.after(g.rolls, n).decisions()).as(g.id).isEqualTo(1);
            assertThat(TableState.after(g.rolls, n - 1).decisions()).as(g.id).isZero();
        }
        assertThat(r.audit().intact()).isTrue();
    }

    @Test
    void aTinyOpenBetCapIsRespected() throws Exception {
        CrapsFloor.Settings settings = new CrapsFloor.Settings(1, 6, 10, 9, "it", 1_000, 1_000_000);
        Result r = run(settings, CrapsFloor.Options.defaults().withMaxOpenBetsPerGame(3));
        assertThat(r.report().rejected()).isZero();
        assertThat(r.log().problems()).isEmpty();
        for (FloorLog.Game g : r.log().games.values()) {
            int open = 0;
            int most = 0;
            for (FloorLog.Event e : g.events) {
                if (e.command() instanceof Command.PlaceBet) {
                    most = Math.max(most, ++open);
                } else if (e.command() instanceof Command.SettleBet) {
                    open--;
                }
            }
            assertThat(most).as("open bets in %s", g.id).isLessThanOrEqualTo(3);
        }
    }

    /**
     * The judge itself must be able to fail: a hand-written game, through the normal API, with one settlement a chip
     * short, one right settlement submitted apart from its roll, and one open bet voided before the closing group.
     */
    @Test
    void theLogJudgeNamesAWrongPayoutASettlementApartFromItsRollAndAVoidOutsideTheClose() throws Exception {
        Path db = dir.resolve("hand-written.db");
        // the writer's own judgement off, or it would refuse these settlements before the judge could see them
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).tableRules(false)
                .backupInterval(Duration.ZERO).build())) {
            ledger.submit(new Command.FundHouse(10_000, "bankroll")).join();
            ledger.submit(new Command.Deposit("alice", 1_000, "cage")).join();
            ledger.submit(new Command.OpenGame("g1", "t1", TableRules.standard().canonical())).join();
            ledger.submit(new Command.PlaceBet("g1", "field", "alice", BetType.FIELD, null, 10)).join();
            ledger.submit(new Command.PlaceBet("g1", "seven", "alice", BetType.ANY_SEVEN, null, 10)).join();
            ledger.submit(new Command.PlaceBet("g1", "hard8", "alice", BetType.HARDWAY, 8, 10)).join();
            ledger.submit(new Command.PlaceBet("g1", "place6", "alice", BetType.PLACE, 6, 12)).join();
            // come-out 6+6: the field wins 30 at a 3:1 table (29 recorded), any seven loses; the rest are off
            ledger.submitAtomically(List.of(new Command.RecordRoll("g1", 6, 6),
                    new Command.SettleBet("g1", "field", Outcome.WIN, 29))).join();
            ledger.submit(new Command.SettleBet("g1", "seven", Outcome.LOSE, 0)).join();
            ledger.submit(new Command.SettleBet("g1", "hard8", Outcome.VOID, 0)).join();
            ledger.submitAtomically(List.of(new Command.SettleBet("g1", "place6", Outcome.VOID, 0),
                    new Command.CloseGame("g1"))).join();
        }
        FloorLog log = FloorLog.read(db);
        assertThat(log.problems()).hasSize(3);
        assertThat(log.problems().get(0)).contains("bet field", "expected WIN 30", "got WIN 29");
        assertThat(log.problems().get(1)).contains("bet seven", "outside that roll's atomic group");
        assertThat(log.problems().get(2)).contains("bet hard8", "VOID in the closing group");
    }

    @Test
    void optionsRefuseCapsBeyondTheAtomicGroupLimit() {
        assertThatThrownBy(() -> CrapsFloor.Options.defaults().withMaxOpenBetsPerGame(Limits.ATOMIC_COMMANDS_MAX))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CrapsFloor.Options.defaults().withTableRules(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
