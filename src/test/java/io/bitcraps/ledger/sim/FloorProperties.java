package io.bitcraps.ledger.sim;

import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.LedgerView;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.api.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.Generate.booleans;
import static org.quicktheories.generators.Generate.longRange;
import static org.quicktheories.generators.Generate.pick;
import static org.quicktheories.generators.Generate.range;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Random floors (1 to 3 tables, 1 to 5 players a table, 1 to 4 games a table, hands or rounds, random table
 * rules and caps, random seeds), each run into a fresh ledger and then read back from the database file.
 * For every floor:
 * <ul>
 *   <li>nothing was refused but by the protection of the players who set limits or took a cool-off
 *       ({@code unexpectedRejections() == 0}), and the audit judged every deposit and bet of those players;</li>
 *   <li>the sum of all winnings paid minus all stakes lost equals minus the house's net change (its balance in
 *       {@code ledger.view()} less its funding), and equals what the floor reported;</li>
 *   <li>every bet was settled exactly once by the time its game closed, as the log says ({@link FloorLog}) and as
 *       the persisted read model says ({@code ledger.bets()}); every game closed; escrow is 0 for every game;</li>
 *   <li>every settlement is the one {@code Rulebook.resolve} gives over the game's rolls, in the atomic group of
 *       the roll that resolved it; a bet still open at the end is voided in the group that closes the game; every
 *       placement was legal (odds limits included);</li>
 *   <li>the audit ({@link Auditor}, payouts judged under each game's recorded rules) finds the books intact and
 *       judged every settlement.</li>
 * </ul>
 * The seed is printed; replay with {@code mvn test -Dtest=FloorProperties -Dsim.seed=<seed>};
 * {@code -Dsim.examples=<n>} for longer runs (default 25).
 */
class FloorProperties {
    private static final int EXAMPLES = Integer.getInteger("sim.examples", 25);

    @TempDir
    Path dir;

    private int floors;
    private final Map<BetType, Long> placed = new EnumMap<>(BetType.class);
    private final Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
    private final Map<String, Long> rules = new TreeMap<>();

    record Floor(int tables, int playersPerTable, int games, long seed, CrapsFloor.Options options) {
        CrapsFloor.Settings settings() {
            return new CrapsFloor.Settings(tables, tables * playersPerTable, games, seed, "prop", 1_000, 5_000_000);
        }

        @Override
        public String toString() {
            return tables + " tables x " + playersPerTable + " players, " + games + " games, seed " + seed + ", "
                    + options;
        }
    }

    @Test
    void winningsMinusLossesIsTheHousesChangeAndEveryBetIsSettledOnceByTheRules() throws Exception {
        long seed = Long.getLong("sim.seed", new SecureRandom().nextLong());
        System.out.println("FloorProperties seed " + seed + " (replay: mvn test -Dtest=FloorProperties -Dsim.seed="
                + seed + ")");
        qt().withFixedSeed(seed)
                .withExamples(EXAMPLES)
                .withShrinkCycles(5)
                .forAll(floors())
                .checkAssert(this::check);
        System.out.println("FloorProperties: " + floors + " floors; bets " + placed + "; outcomes " + outcomes
                + "; rules " + rules);
        assertThat(outcomes.keySet()).as("the floors saw every outcome").contains(Outcome.WIN, Outcome.LOSE);
    }

    /**
     * The same floor (same seed: the same dice and choices) played twice into fresh ledgers, once with the floor's
     * table computing every payout, once with each roll settled by the ledger itself: the same balances, and every
     * bet settled with the same outcome and winnings, whoever computed them.
     */
    @Test
    void theLedgerPaysByTheBookWhatTheEnginePaysForTheSameDice() throws Exception {
        long seed = Long.getLong("sim.seed", new SecureRandom().nextLong());
        System.out.println("FloorProperties (engine against ledger settlement) seed " + seed
                + " (replay: mvn test -Dtest=FloorProperties -Dsim.seed=" + seed + ")");
        qt().withFixedSeed(seed)
                .withExamples(Math.max(5, EXAMPLES / 2))
                .withShrinkCycles(3)
                .forAll(floors())
                .checkAssert(f -> {
                    try {
                        Played engine = play(f, CrapsFloor.Settle.ENGINE);
                        Played ledger = play(f, CrapsFloor.Settle.LEDGER);
                        assertThat(ledger.balances()).as("%s: balances", f).isEqualTo(engine.balances());
                        assertThat(ledger.settlements()).as("%s: every bet's settlement", f).isEqualTo(engine.settlements());
                        assertThat(engine.settlements()).as("%s: bets were settled", f).isNotEmpty();
                    } catch (Exception e) {
                        throw new AssertionError(f + ": " + e, e);
                    }
                });
    }

    /** A floor's final balances, and "game/bet" to "OUTCOME winnings" for every settlement in its log. */
    private record Played(Map<String, Long> balances, Map<String, String> settlements) {}

    private Played play(Floor f, CrapsFloor.Settle settle) throws Exception {
        Path db = dir.resolve("floor-" + floors++ + "-" + settle + ".db");
        Map<String, Long> balances;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL)
                .backupInterval(Duration.ZERO).build())) {
            CrapsFloor.Report report = new CrapsFloor(ledger, f.settings(), f.options().withSettle(settle)).run(n -> { });
            assertThat(report.unexpectedRejections()).as("%s, settled by %s: refusals %s", f, settle,
                    report.rejectedByCode()).isZero();
            balances = new TreeMap<>(ledger.view().balances());
        }
        Map<String, String> settlements = new TreeMap<>();
        io.bitcraps.ledger.codec.PayloadCodec codec = new io.bitcraps.ledger.codec.PayloadCodec();
        try (java.sql.Connection c = io.bitcraps.ledger.store.LedgerDatabase.openReadOnly(db)) {
            io.bitcraps.ledger.store.EventReader.forEach(c, 1, Long.MAX_VALUE, row -> {
                if (io.bitcraps.ledger.projection.StoredEvents.decode(codec, row).command()
                        instanceof io.bitcraps.ledger.domain.Command.SettleBet st) {
                    settlements.put(st.gameId() + "/" + st.betId(), st.outcome() + " " + st.winnings());
                }
            });
        }
        return new Played(balances, settlements);
    }

    private static Gen<Floor> floors() {
        Gen<TableRules> randomRules = pick(List.of(2, 3)).zip(booleans(), range(0, 10), range(0, 10),
                range(0, 10), (f12, works, o4, o5, o6) -> new int[]{f12, works ? 1 : 0, o4, o5, o6})
                .zip(range(1, 25), range(0, 500), (a, min, spread) ->
                        new TableRules(a[0], a[1] == 1, a[2], a[3], a[4], min, min + spread));
        Gen<List<TableRules>> tableRules = lists().of(pick(List.of(TableRules.standard(), CrapsFloor.Options.VARIANT))
                .mix(randomRules, 50)).ofSizeBetween(1, 3);
        // who settles: the floor's own table (the engine), or the ledger by the rulebook (autoSettle rolls)
        Gen<CrapsFloor.Options> options = pick(List.of(CrapsFloor.GameLength.values())).zip(tableRules,
                range(1, 30), range(1, 200), booleans(),
                (length, r, rolls, open, byLedger) -> new CrapsFloor.Options(length, r, rolls, open,
                        byLedger ? CrapsFloor.Settle.LEDGER : CrapsFloor.Settle.ENGINE, rolls % 2 == 0, open % 2 == 0));
        return range(1, 3).zip(range(1, 5), range(1, 4), longRange(Long.MIN_VALUE, Long.MAX_VALUE), options,
                Floor::new);
    }

    private void check(Floor f) {
        try {
            checkOrThrow(f);
        } catch (Exception e) {
            throw new AssertionError(f + ": " + e, e);
        }
    }

    private void checkOrThrow(Floor f) throws Exception {
        Path db = dir.resolve("floor-" + floors++ + ".db");
        LedgerConfig config = LedgerConfig.builder(db).durability(Durability.NORMAL).backupInterval(Duration.ZERO).build();
        CrapsFloor.Report report;
        LedgerView view;
        List<String> unsettledInReadModel = new ArrayList<>();
        List<String> openInReadModel = new ArrayList<>();
        long readModelBets = 0;
        try (Ledger ledger = Ledger.open(config)) {
            report = new CrapsFloor(ledger, f.settings(), f.options()).run(n -> { });
            view = ledger.view();
            // the read model (the views file) trails the receipts: read it at the view's seq
            assertThat(ledger.awaitViews(view.seq(), Duration.ofSeconds(60))).as("the views reach seq %d", view.seq()).isTrue();
            for (int t = 0; t < f.tables(); t++) {
                for (int g = 0; g < f.games(); g++) {
                    String game = "prop-t" + t + "-g" + g;
                    var summary = ledger.games().find(game).orElseThrow();
                    if (summary.open()) {
                        openInReadModel.add(game);
                    }
                    for (BetState b : allBets(ledger, game)) {
                        readModelBets++;
                        if (b.isOpen() || b.settledSeq() > summary.closedSeq()) {
                            unsettledInReadModel.add(game + "/" + b.betId());
                        }
                    }
                }
            }
        }
        FloorLog log = FloorLog.read(db);
        assertThat(report.unexpectedRejections()).as("submissions the ledger refused: %s", report.rejectedByCode()).isZero();
        if (!f.options().protection()) {
            assertThat(report.rejected()).isZero();
        }
        assertThat(log.problems()).as("breaches of the rules in the log").isEmpty();

        // chips: what the players won less what they lost is what the house gave up
        long houseChange = view.balance(Account.HOUSE) - log.houseFunding;
        assertThat(log.winningsPaid - log.stakesLost).isEqualTo(-houseChange);
        assertThat(report.winningsPaid()).isEqualTo(log.winningsPaid);
        assertThat(report.stakesLost()).isEqualTo(log.stakesLost);
        assertThat(report.houseNet()).isEqualTo(houseChange);

        // every bet settled exactly once by close (FloorLog checks the log; the read model must agree)
        assertThat(log.games).hasSize(f.tables() * f.games());
        assertThat(readModelBets).isEqualTo(log.betCount()).isEqualTo(report.betsPlaced());
        assertThat(unsettledInReadModel).isEmpty();
        assertThat(openInReadModel).as("games the read model shows open").isEmpty();
        for (String game : log.games.keySet()) {
            assertThat(view.game(game)).as("%s is closed, so not in memory", game).isNull();
            assertThat(view.balance(Account.escrow(game))).as("escrow of %s", game).isZero();
        }
        assertThat(view.totals()).isZero();

        // and the audit, which judges every payout under each game's recorded rules, finds the books intact
        AuditReport audit = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.intact()).isTrue();
        assertThat(audit.settlementsVerified()).isEqualTo(log.outcomes.values().stream().mapToLong(Long::longValue).sum());
        // provably fair floors: every game's seed revealed at its close and every die re-derived by the audit
        assertThat(audit.fairGamesVerified()).as("fair games verified").isEqualTo(f.options().fairDice() ? audit.gamesVerified() : 0);
        // protected floors: every player who set limits or took a cool-off was judged by the audit too
        assertThat(audit.protectedPlayers()).isEqualTo(report.limitedPlayers() + report.coolingPlayers());

        log.placedByType.forEach((t, n) -> placed.merge(t, n, Long::sum));
        log.outcomes.forEach((o, n) -> outcomes.merge(o, n, Long::sum));
        log.rulesUsed.forEach((r, n) -> rules.merge(r, n, Long::sum));
    }

    private static List<BetState> allBets(Ledger ledger, String game) {
        List<BetState> all = new ArrayList<>();
        for (PageRequest request = PageRequest.first(Limits.PAGE_ROWS_MAX); request != null; ) {
            Page<BetState> page = ledger.bets().byGame(game, request);
            all.addAll(page.items());
            request = page.next();
        }
        return all;
    }
}
