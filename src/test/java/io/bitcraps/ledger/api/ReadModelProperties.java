package io.bitcraps.ledger.api;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.projection.GameState;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.domain.PlayerStats;
import io.bitcraps.ledger.projection.Projector;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.Generate.frequency;
import static org.quicktheories.generators.Generate.longRange;
import static org.quicktheories.generators.Generate.pick;
import static org.quicktheories.generators.Generate.range;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * I6 and the persisted read model, for random command sequences, each against a fresh SQLite file:
 * <ol>
 *   <li>the projections of the live view (balances, games with rolls, point and open-bet count,
 *       open bets, player stats, seq, head hash) equal a replay of the stored events, decoded as
 *       export decodes them, through a fresh projection from genesis;</li>
 *   <li>the persisted read model (balances, games, bets, player_stats, read with plain JDBC)
 *       equals the view; the bets table holds every bet ever placed, settled as its events say;
 *       every account's statement, paged through the repository, lists exactly its postings.</li>
 * </ol>
 * Both are checked at every batch boundary of the script (I6 is "at every batch boundary"), not
 * only after the last one. Scripts reopen the ledger at some batch boundaries, so the view after
 * a restart, loaded from the read model instead of replayed, is held to the same standard. Once the property has run,
 * the largest script's database goes through {@code tools/ledger export} in a child JVM, and the
 * exported JSON lines, folded through a fresh projection, must give that script's final view.
 * <p>
 * The seed is printed; {@code -Dledger.seed=<seed>} replays a run, {@code -Dledger.examples=<n>}
 * runs longer. The universe is small (4 players, 6 games, 10 bet ids) so that settlements, closes
 * and refusals hit real bets often, and every script starts from the same small setup (a funded
 * house, funded players, three open games) so that most of its commands are accepted.
 */
class ReadModelProperties {
    private static final List<String> PLAYERS = List.of("p0", "p1", "p2", "p3");
    private static final List<String> GAMES = List.of("g0", "g1", "g2", "g3", "g4", "g5");
    private static final List<String> BETS = List.of("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9");
    private static final List<String> TABLES = List.of("t0", "t1");
    private static final int EXAMPLES = Integer.getInteger("ledger.examples", 30);
    private static final int SHRINK_CYCLES = Integer.getInteger("ledger.shrinkCycles", 30);
    /** Used from the property's thread only. */
    private static final PayloadCodec CODEC = new PayloadCodec();
    private static final Replayer CHAIN = new Replayer(CODEC);

    @TempDir
    Path base;

    private int scripts;
    private long eventsChecked;
    private long acceptedSubmissions;
    private long rejectedSubmissions;
    private long reopens;
    private long boundaries;
    private final Map<String, Integer> refusals = new TreeMap<>();
    /** The script with the most events, for the export check. */
    private Finished largest;

    private record Finished(Path db, LedgerState state) {}

    /** One submission: a single command, or an atomic group; then maybe a batch boundary and a reopen. */
    record Step(List<Command> commands, boolean atomic, boolean endsBatch, boolean reopens) {
        @Override
        public String toString() {
            return (atomic ? "atomic" + commands : "submit(" + commands.get(0) + ")") + (endsBatch ? " | join" : "")
                    + (reopens ? " | reopen" : "");
        }
    }

    @Test
    void projectionsEqualAReplayOfTheLogAndTheReadModelEqualsTheView() throws Exception {
        long seed = Long.getLong("ledger.seed", new SecureRandom().nextLong());
        System.out.println("ReadModelProperties seed " + seed + " (replay: mvn test -Dtest=ReadModelProperties -Dledger.seed="
                + seed + ")");
        qt().withFixedSeed(seed)
                .withExamples(EXAMPLES)
                .withShrinkCycles(SHRINK_CYCLES)
                .forAll(lists().of(steps()).ofSizeBetween(10, 180))
                .checkAssert(this::play);
        System.out.println("ReadModelProperties: " + scripts + " scripts, " + eventsChecked + " events, checked at "
                + boundaries + " batch boundaries; " + acceptedSubmissions + " submissions accepted, " + rejectedSubmissions
                + " rejected " + refusals + ", " + reopens + " reopens");
        assertThat(largest).isNotNull();
        exportedEventsReplayToTheSameProjections(largest);
    }

    // ---------------------------------------------------------------------------------------------
    // Generators

    private static Gen<Step> steps() {
        Gen<Integer> percent = range(1, 100);
        Gen<Command> single = commands();
        // a random group fails as a whole when any command in it fails: keep most of them plausible
        Gen<List<Command>> group = lists().of(frequency(List.of(Pair.of(6, placeBets()), Pair.of(2, commands()))))
                .ofSizeBetween(2, 4);
        Gen<List<Command>> round = rounds();
        return in -> {
            int shape = percent.generate(in);
            List<Command> commands;
            boolean atomic;
            if (shape <= 75) {
                commands = List.of(single.generate(in));
                atomic = false;
            } else if (shape <= 85) {
                commands = group.generate(in);
                atomic = true;
            } else {
                commands = round.generate(in);
                atomic = true;
            }
            boolean endsBatch = percent.generate(in) <= 30;
            boolean reopen = endsBatch && percent.generate(in) <= 10;
            return new Step(commands, atomic, endsBatch, reopen);
        };
    }

    /** A roll and the settlements it decides, as an engine submits them: all or nothing. */
    private static Gen<List<Command>> rounds() {
        Gen<String> game = pick(GAMES.subList(0, 3)); // where the bets are
        Gen<Integer> die = range(1, 6);
        Gen<Integer> count = range(1, 2);
        Gen<String> bet = pick(BETS);
        Gen<Outcome> outcome = pick(List.of(Outcome.WIN, Outcome.LOSE, Outcome.LOSE, Outcome.PUSH));
        Gen<Long> winnings = longRange(1, 60);
        return in -> {
            String g = game.generate(in);
            List<Command> round = new ArrayList<>();
            round.add(new Command.RecordRoll(g, die.generate(in), die.generate(in)));
            for (int n = count.generate(in); n > 0; n--) {
                Outcome o = outcome.generate(in);
                round.add(new Command.SettleBet(g, bet.generate(in), o, o == Outcome.WIN ? winnings.generate(in) : 0));
            }
            return round;
        };
    }

    private static Gen<Command> commands() {
        Gen<String> player = pick(PLAYERS);
        Gen<String> game = pick(GAMES);
        Gen<String> bet = pick(BETS);
        Gen<Command> deposit = player.zip(longRange(1, 200), (p, a) -> new Command.Deposit(p, a, "cage"));
        Gen<Command> withdraw = player.zip(longRange(1, 150), (p, a) -> new Command.Withdraw(p, a, "cage"));
        Gen<Command> fundHouse = longRange(1, 300).map(a -> new Command.FundHouse(a, "bankroll"));
        Gen<Command> openGame = game.zip(pick(TABLES), Command.OpenGame::new);
        Gen<Command> placeBet = placeBets();
        Gen<String> betting = pick(GAMES.subList(0, 3));
        Gen<Command> roll = betting.zip(range(1, 6), range(1, 6), Command.RecordRoll::new);
        Gen<Outcome> outcome = pick(List.of(Outcome.values()));
        Gen<Command> settle = betting.zip(bet, outcome, longRange(1, 100),
                (g, b, o, w) -> new Command.SettleBet(g, b, o, o == Outcome.WIN ? w : 0));
        Gen<Command> close = game.map(g -> new Command.CloseGame(g));
        return frequency(List.of(
                Pair.of(10, deposit), Pair.of(5, withdraw), Pair.of(5, fundHouse), Pair.of(5, openGame),
                Pair.of(32, placeBet), Pair.of(8, roll), Pair.of(16, settle), Pair.of(2, close)));
    }

    private static Gen<Command> placeBets() {
        return pick(GAMES.subList(0, 3)).zip(pick(BETS), pick(PLAYERS), bets(), longRange(1, 60),
                (g, b, p, shape, amount) -> new Command.PlaceBet(g, b, p, shape.type(), shape.point(), amount));
    }

    private record BetShape(BetType type, Integer point) {}

    private static Gen<BetShape> bets() {
        Gen<BetType> type = pick(List.of(BetType.values()));
        Gen<Integer> point = pick(List.of(4, 5, 6, 8, 9, 10));
        Gen<Integer> hard = pick(List.of(4, 6, 8, 10));
        Gen<Boolean> coin = pick(List.of(true, false));
        return in -> {
            BetType t = type.generate(in);
            if (t == BetType.HARDWAY) {
                return new BetShape(t, hard.generate(in));
            }
            if (t.requiresPoint() || (t.allowsPoint() && coin.generate(in))) {
                return new BetShape(t, point.generate(in));
            }
            return new BetShape(t, null);
        };
    }

    // ---------------------------------------------------------------------------------------------
    // One script

    private Ledger open(Path db) {
        // the read model written in the commit (logFirstCommit(false)): the views file is compared with it by ViewsFileIT
        return Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).logFirstCommit(false).build());
    }

    private record InFlight(Step step, CompletableFuture<Receipt> future) {}

    /** Not generated (so not shrunk away): without it most random commands would meet an empty ledger. */
    private static final List<Step> SETUP = List.of(
            new Step(List.of(new Command.FundHouse(500, "bankroll")), false, false, false),
            new Step(List.of(new Command.Deposit("p0", 300, "cage"), new Command.Deposit("p1", 300, "cage"),
                    new Command.Deposit("p2", 300, "cage")), true, false, false),
            new Step(List.of(new Command.OpenGame("g0", "t0")), false, false, false),
            new Step(List.of(new Command.OpenGame("g1", "t1"), new Command.OpenGame("g2", "t0")), true, true, false));

    private void play(List<Step> generated) {
        scripts++;
        List<Step> script = new ArrayList<>(SETUP);
        script.addAll(generated);
        Path db;
        try {
            db = Files.createTempDirectory(base, "example").resolve("ledger.db");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Ledger ledger = open(db);
        try {
            // the seq of every PlaceBet the ledger accepted, by "game/bet", from its receipt
            Map<String, Long> placed = new HashMap<>();
            List<InFlight> batch = new ArrayList<>();
            for (int i = 0; i < script.size(); i++) {
                Step step = script.get(i);
                batch.add(new InFlight(step, step.atomic() ? ledger.submitAtomically(step.commands())
                        : ledger.submit(step.commands().get(0))));
                if (step.endsBatch() || i == script.size() - 1) {
                    for (InFlight f : batch) {
                        Receipt r = await(f);
                        if (r != null) {
                            for (int k = 0; k < f.step().commands().size(); k++) {
                                if (f.step().commands().get(k) instanceof Command.PlaceBet b) {
                                    placed.put(b.gameId() + "/" + b.betId(), r.firstSeq() + k);
                                }
                            }
                        }
                    }
                    batch.clear();
                    if (step.reopens()) {
                        ledger.close();
                        ledger = open(db);
                        reopens++;
                    }
                    // at every batch boundary, not only the last: a row a batch forgot to write
                    // could be rewritten, right, by a later batch and hide the bug at the end
                    check(db, ledger, placed);
                }
            }
            LedgerView view = ledger.view();
            eventsChecked += view.seq();
            if (largest == null || view.seq() > largest.state().seq()) {
                largest = new Finished(db, view.state());
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        } finally {
            ledger.close();
        }
    }

    private void check(Path db, Ledger ledger, Map<String, Long> placed) throws SQLException {
        LedgerView view = ledger.view();
        // one read-only connection, one transaction: the log and the tables from the same snapshot
        try (Connection conn = LedgerDatabase.readOnlyConfig(5_000).createConnection(LedgerDatabase.url(db))) {
            conn.setAutoCommit(false);
            List<LedgerEvent> events = replayEqualsView(conn, ledger.ledgerId(), view);
            readModelEqualsView(conn, view, events, placed);
            conn.rollback();
            statementsEqualThePostings(ledger, events);
        }
        boundaries++;
    }

    /**
     * Every account's statement, walked page by page through the repository, lists exactly the
     * events that posted to it, newest first, each with the net amount its postings moved.
     */
    private static void statementsEqualThePostings(Ledger ledger, List<LedgerEvent> events) {
        Map<String, List<String>> expected = new TreeMap<>();
        for (int i = events.size() - 1; i >= 0; i--) {
            LedgerEvent e = events.get(i);
            Map<String, Long> net = new TreeMap<>();
            for (Posting p : e.postings()) {
                net.merge(p.account().key(), p.delta(), Math::addExact);
            }
            net.forEach((account, delta) -> {
                if (delta != 0) {
                    expected.computeIfAbsent(account, a -> new ArrayList<>()).add(e.seq() + ":" + delta);
                }
            });
        }
        for (String account : ledger.view().balances().keySet()) {
            List<String> lines = new ArrayList<>();
            io.bitcraps.ledger.domain.PageRequest request = io.bitcraps.ledger.domain.PageRequest.first(7);
            while (request != null) {
                var page = ledger.accounts().statement(Account.parse(account), request);
                page.items().forEach(entry -> lines.add(entry.seq() + ":" + entry.delta()));
                request = page.next();
            }
            assertThat(lines).as("statement of %s vs the postings of the events", account)
                    .isEqualTo(expected.getOrDefault(account, List.of()));
        }
    }

    /** The receipt, or null when the rules refused the submission; anything else fails the property. */
    private Receipt await(InFlight f) {
        try {
            Receipt r = f.future().get(30, TimeUnit.SECONDS);
            acceptedSubmissions++;
            return r;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Rejected r) {
                rejectedSubmissions++;
                refusals.merge(r.code(), 1, Integer::sum);
                return null;
            }
            throw new AssertionError(f.step() + " failed with " + e.getCause()
                    + (e.getCause() instanceof LedgerException le ? " (" + le.code() + ")" : ""), e.getCause());
        } catch (Exception e) {
            throw new AssertionError(f.step() + " did not complete", e);
        }
    }

    /** (a) I6: the stored events, decoded and folded from genesis, give exactly the live view. */
    private static List<LedgerEvent> replayEqualsView(Connection conn, String ledgerId, LedgerView view) throws SQLException {
        List<LedgerEvent> events = new ArrayList<>();
        LedgerState[] state = {LedgerState.genesis(CHAIN.genesis(ledgerId))};
        EventReader.forEach(conn, 1, Long.MAX_VALUE, row -> {
            byte[] hash = CHAIN.chainHashOf(state[0].headHashUnsafe(), row);
            if (!java.util.Arrays.equals(hash, row.hash())) {
                throw new AssertionError("seq " + row.seq() + " breaks the hash chain");
            }
            LedgerEvent e = StoredEvents.decode(CODEC, row);
            events.add(e);
            state[0] = Projector.apply(state[0], e, hash);
        });
        assertSameProjections(state[0], view.state(), "replay of the stored events");
        return events;
    }

    static void assertSameProjections(LedgerState replayed, LedgerState live, String what) {
        assertThat(live.seq()).as("seq: view vs %s", what).isEqualTo(replayed.seq());
        assertThat(Hex.of(live.headHashUnsafe())).as("head hash: view vs %s", what).isEqualTo(Hex.of(replayed.headHashUnsafe()));
        assertThat(live.lastTimestampMicros()).as("last timestamp: view vs %s", what).isEqualTo(replayed.lastTimestampMicros());
        assertThat(new TreeMap<>(live.balances())).as("balances: view vs %s", what).isEqualTo(new TreeMap<>(replayed.balances()));
        assertThat(live.balanceSum()).as("balance sum").isEqualTo(replayed.balanceSum()).isZero();
        assertThat(new TreeMap<>(live.games()).keySet()).as("games: view vs %s", what)
                .isEqualTo(new TreeMap<>(replayed.games()).keySet());
        for (GameState g : replayed.games().values()) {
            GameState l = live.game(g.gameId());
            // field by field first, for a readable failure; then the whole record, bets included
            assertThat(List.of(l.tableId(), l.open(), l.openedSeq(), l.closedSeq(), l.rolls(), l.lastDie1(), l.lastDie2(),
                    l.point(), l.openBetCount()))
                    .as("game %s (table, open, opened, closed, rolls, die1, die2, point, open bets): view vs %s", g.gameId(), what)
                    .isEqualTo(List.of(g.tableId(), g.open(), g.openedSeq(), g.closedSeq(), g.rolls(), g.lastDie1(), g.lastDie2(),
                            g.point(), g.openBetCount()));
            assertThat(new TreeMap<>(l.bets())).as("bets of game %s: view vs %s", g.gameId(), what)
                    .isEqualTo(new TreeMap<>(g.bets()));
        }
    }

    /** (b) The projection tables, read with plain JDBC, hold exactly what the view holds. */
    private static void readModelEqualsView(Connection conn, LedgerView view, List<LedgerEvent> events,
                                            Map<String, Long> placed) throws SQLException {
        LedgerState s = view.state();
        try (Statement st = conn.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT seq, read_model_seq FROM ledger_head WHERE id = 1")) {
                if (s.seq() == 0) {
                    assertThat(rs.next()).as("a head row in an empty ledger").isFalse();
                } else {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).as("head seq").isEqualTo(s.seq());
                    assertThat(rs.getLong(2)).as("read model seq").isEqualTo(s.seq());
                }
            }

            Map<String, Long> balances = new TreeMap<>();
            try (ResultSet rs = st.executeQuery("SELECT account, balance, updated_seq FROM balances")) {
                while (rs.next()) {
                    balances.put(rs.getString(1), rs.getLong(2));
                    assertThat(rs.getLong(3)).as("updated_seq of %s", rs.getString(1)).isBetween(1L, s.seq());
                }
            }
            Map<String, Long> nonZero = new TreeMap<>(balances);
            nonZero.values().removeIf(b -> b == 0);
            assertThat(nonZero).as("non-zero rows of the balances table vs view").isEqualTo(view.balances());
            assertThat(balances.keySet()).as("balances table: every account the events post to")
                    .isEqualTo(accountsPostedBy(events));

            Map<String, List<Object>> games = new TreeMap<>();
            try (ResultSet rs = st.executeQuery("SELECT game_id, table_id, open, opened_seq, closed_seq, rolls, last_die1,"
                    + " last_die2, point, open_bets FROM games")) {
                while (rs.next()) {
                    games.put(rs.getString(1), List.of(rs.getString(2), rs.getInt(3) == 1, rs.getLong(4), rs.getLong(5),
                            rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getInt(10)));
                }
            }
            Map<String, List<Object>> viewGames = new TreeMap<>();
            for (GameState g : s.games().values()) {
                viewGames.put(g.gameId(), List.of(g.tableId(), g.open(), g.openedSeq(), g.closedSeq(), g.rolls(), g.lastDie1(),
                        g.lastDie2(), g.point(), g.openBetCount()));
            }
            Map<String, List<Object>> openGames = new TreeMap<>(games);
            openGames.values().removeIf(row -> !(Boolean) row.get(1));
            assertThat(openGames).as("open games of the games table vs view (which holds open games only)")
                    .isEqualTo(viewGames);
            assertThat(games.keySet()).as("games table: every game the events open").isEqualTo(gamesOpenedBy(events));
            games.forEach((id, row) -> {
                if (!(Boolean) row.get(1)) {
                    assertThat(row.get(3)).as("closed seq of closed game %s", id).isNotEqualTo(0L);
                    assertThat(row.get(8)).as("open bets of closed game %s", id).isEqualTo(0);
                }
            });

            // every bet ever placed, as its own events say it stands now
            Map<String, BetState> expectedBets = betsFrom(events);
            Map<String, BetState> bets = new TreeMap<>();
            try (ResultSet rs = st.executeQuery("SELECT game_id, bet_id, player, bet_type, point, amount, placed_seq,"
                    + " settled_seq, outcome, winnings FROM bets")) {
                while (rs.next()) {
                    int point = rs.getInt(5);
                    Integer boxed = rs.wasNull() ? null : point;
                    String outcome = rs.getString(9);
                    BetState b = new BetState(rs.getString(1), rs.getString(2), rs.getString(3),
                            BetType.valueOf(rs.getString(4)), boxed, rs.getLong(6), rs.getLong(7), rs.getLong(8),
                            outcome == null ? null : Outcome.valueOf(outcome), rs.getLong(10));
                    bets.put(b.gameId() + "/" + b.betId(), b);
                }
            }
            assertThat(bets).as("bets table vs the events").isEqualTo(expectedBets);
            assertThat(bets.keySet()).as("bets table vs the receipts of accepted PlaceBets").isEqualTo(placed.keySet());
            placed.forEach((key, seq) -> assertThat(bets.get(key).placedSeq()).as("placed seq of %s", key).isEqualTo(seq));
            for (GameState g : s.games().values()) {
                List<BetState> rows = bets.values().stream().filter(b -> b.gameId().equals(g.gameId()))
                        .sorted(Comparator.comparingLong(BetState::placedSeq)).collect(Collectors.toList());
                if (g.open()) {
                    assertThat(view.openBets(g.gameId())).as("open bets of %s: view vs table", g.gameId())
                            .isEqualTo(rows.stream().filter(BetState::isOpen).collect(Collectors.toList()));
                    assertThat(new TreeMap<>(g.bets()).values()).as("bets the view holds for open game %s", g.gameId())
                            .containsExactlyInAnyOrderElementsOf(rows);
                } else {
                    assertThat(rows).as("bets of closed game %s", g.gameId()).allMatch(b -> !b.isOpen());
                    assertThat(view.openBets(g.gameId())).isEmpty();
                }
                long stakes = rows.stream().filter(BetState::isOpen).mapToLong(BetState::amount).sum();
                assertThat(view.balance(Account.escrow(g.gameId()))).as("escrow of %s (I3)", g.gameId()).isEqualTo(stakes);
            }

            Map<String, PlayerStats> stats = new TreeMap<>();
            try (ResultSet rs = st.executeQuery("SELECT player, wagered, won, lost, bets_placed, bets_settled FROM player_stats")) {
                while (rs.next()) {
                    stats.put(rs.getString(1), new PlayerStats(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6)));
                }
            }
            assertThat(stats).as("player_stats table vs the bets").isEqualTo(statsFrom(expectedBets));

        }
    }

    /** Every bet the events placed, with the settlement the events gave it; an independent fold. */
    private static Map<String, BetState> betsFrom(List<LedgerEvent> events) {
        Map<String, BetState> bets = new TreeMap<>();
        for (LedgerEvent e : events) {
            if (e.command() instanceof Command.PlaceBet b) {
                bets.put(b.gameId() + "/" + b.betId(), new BetState(b.gameId(), b.betId(), b.player(), b.betType(), b.point(),
                        b.amount(), e.seq(), 0, null, 0));
            } else if (e.command() instanceof Command.SettleBet st) {
                BetState b = bets.get(st.gameId() + "/" + st.betId());
                bets.put(st.gameId() + "/" + st.betId(), new BetState(b.gameId(), b.betId(), b.player(), b.betType(), b.point(),
                        b.amount(), b.placedSeq(), e.seq(), st.outcome(), st.winnings()));
            }
        }
        return bets;
    }

    private static java.util.Set<String> accountsPostedBy(List<LedgerEvent> events) {
        java.util.Set<String> accounts = new java.util.TreeSet<>();
        for (LedgerEvent e : events) {
            e.postings().forEach(p -> accounts.add(p.account().key()));
        }
        return accounts;
    }

    private static java.util.Set<String> gamesOpenedBy(List<LedgerEvent> events) {
        java.util.Set<String> games = new java.util.TreeSet<>();
        for (LedgerEvent e : events) {
            if (e.command() instanceof Command.OpenGame g) {
                games.add(g.gameId());
            }
        }
        return games;
    }

    private static Map<String, PlayerStats> statsFrom(Map<String, BetState> bets) {
        Map<String, PlayerStats> stats = new TreeMap<>();
        for (BetState b : bets.values()) {
            PlayerStats s = stats.getOrDefault(b.player(), PlayerStats.ZERO);
            boolean settled = !b.isOpen();
            stats.put(b.player(), new PlayerStats(s.wagered() + b.amount(), s.won() + b.winnings(),
                    s.lost() + (b.outcome() == Outcome.LOSE ? b.amount() : 0), s.betsPlaced() + 1,
                    s.betsSettled() + (settled ? 1 : 0)));
        }
        return stats;
    }

    // ---------------------------------------------------------------------------------------------
    // I6 through the export format, in a child JVM

    private static void exportedEventsReplayToTheSameProjections(Finished script) throws Exception {
        Path out = script.db().resolveSibling("export.jsonl");
        ChildJvm.Result run = ChildJvm.run(script.db().getParent(), "export", "--db", script.db().toString(),
                "--out", out.toString());
        assertThat(run.exitCode()).as("export exit code; stderr: %s", run.stderr()).isZero();
        JsonMapper json = JsonMapper.builder().build();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).as("one exported line per event").hasSize((int) script.state().seq());
        LedgerState state = null;
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            LedgerEvent e = eventOf(n);
            byte[] hash = Hex.parse(n.get("hash").asString());
            if (state == null) {
                // the genesis hash is not exported; any value will do, the fold never reads it
                state = LedgerState.genesis(new byte[32]);
            }
            state = Projector.apply(state, e, hash);
        }
        assertSameProjections(state, script.state(), "a replay of the exported JSON lines");
        System.out.println("ReadModelProperties export: " + lines.size() + " exported events replayed to the final view");
    }

    /** Rebuilds an event from its export line: the command fields, the postings, key and group size. */
    private static LedgerEvent eventOf(JsonNode n) {
        String type = n.get("type").asString();
        Command c = switch (type) {
            case "DEPOSITED" -> new Command.Deposit(n.get("player").asString(), n.get("amount").asLong(),
                    n.get("reference").asString());
            case "WITHDRAWN" -> new Command.Withdraw(n.get("player").asString(), n.get("amount").asLong(),
                    n.get("reference").asString());
            case "HOUSE_FUNDED" -> new Command.FundHouse(n.get("amount").asLong(), n.get("reference").asString());
            case "GAME_OPENED" -> new Command.OpenGame(n.get("game").asString(), n.get("table").asString());
            case "BET_PLACED" -> new Command.PlaceBet(n.get("game").asString(), n.get("bet").asString(),
                    n.get("player").asString(), BetType.valueOf(n.get("bet_type").asString()),
                    n.has("point") ? Integer.valueOf(n.get("point").asInt()) : null, n.get("amount").asLong());
            case "DICE_ROLLED" -> new Command.RecordRoll(n.get("game").asString(), n.get("die1").asInt(), n.get("die2").asInt());
            case "BET_SETTLED" -> new Command.SettleBet(n.get("game").asString(), n.get("bet").asString(),
                    Outcome.valueOf(n.get("outcome").asString()), n.get("winnings").asLong());
            case "GAME_CLOSED" -> new Command.CloseGame(n.get("game").asString());
            default -> throw new AssertionError("unknown exported type " + type);
        };
        List<Posting> postings = new ArrayList<>();
        for (JsonNode p : n.get("postings")) {
            postings.add(new Posting(Account.parse(p.get("account").asString()), p.get("delta").asLong()));
        }
        Instant ts = Instant.parse(n.get("ts").asString());
        long micros = Math.addExact(Math.multiplyExact(ts.getEpochSecond(), 1_000_000L), ts.getNano() / 1_000);
        return new LedgerEvent(n.get("seq").asLong(), micros, c, postings, n.has("key") ? n.get("key").asString() : null,
                n.has("group") ? n.get("group").asInt() : 1);
    }
}
