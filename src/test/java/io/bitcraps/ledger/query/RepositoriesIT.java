package io.bitcraps.ledger.query;

import io.bitcraps.ledger.domain.AccountEntry;
import io.bitcraps.ledger.domain.GameSummary;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
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
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.api.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static io.bitcraps.ledger.support.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SQL repositories on real files (docs/architecture.md): what they return matches what was submitted
 * (an independent book of expected bets, games and statements, kept by this test from its own
 * commands and receipts); keyset paging returns every item exactly once, newest first, and stays
 * stable while writes continue; pages come from a committed snapshot no newer than the view; the
 * reader pool cannot write; page limits are checked.
 * <p>
 * The scenario is random; its seed is printed, and {@code -Dledger.seed=<seed>} replays it.
 */
@org.junit.jupiter.params.ParameterizedClass(name = "log-first commit: {0}")
@org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
class RepositoriesIT {
    /** Log-first, the repositories read the views file, which trails the receipts: {@code Fixtures.seen} waits for it. */
    @org.junit.jupiter.params.Parameter
    boolean logFirst;

    @TempDir
    Path dir;

    /**
     * The scenarios bet and settle at random (the pages must match whatever was submitted), not as
     * a table would: the writer's table rules are off. The read side is under test here;
     * {@code RulesAtCommitIT} and {@code RejectionsIT} hold the rules.
     */
    private Ledger open() {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).durability(Durability.NORMAL).logFirstCommit(logFirst)
                .tableRules(false).build());
    }

    private static long seed(String test) {
        long seed = Long.getLong("ledger.seed", new SecureRandom().nextLong());
        System.out.println("RepositoriesIT." + test + " seed " + seed + " (replay: -Dtest=RepositoriesIT#" + test
                + " -Dledger.seed=" + seed + ")");
        return seed;
    }

    // ---------------------------------------------------------------------------------------------
    // The book: what the test expects, from its own commands and receipts only

    /** Expected state of the read side, built from submitted commands and the receipts they got. */
    private static final class Book {
        final Map<String, List<AccountEntry>> statements = new TreeMap<>();
        final Map<String, Long> balances = new TreeMap<>();
        final Map<String, BetState> bets = new LinkedHashMap<>(); // "game/bet"
        final Map<String, GameSummary> games = new LinkedHashMap<>();

        /** Books the events of one acknowledged submission: commands[i] got seq firstSeq + i. */
        void record(Receipt r, List<Command> commands) {
            assertThat(r.lastSeq() - r.firstSeq() + 1).isEqualTo(commands.size());
            for (int i = 0; i < commands.size(); i++) {
                apply(r.firstSeq() + i, r.timestampMicros(), commands.get(i));
            }
        }

        private void apply(long seq, long ts, Command c) {
            if (c instanceof Deposit d) {
                post(seq, ts, EventType.DEPOSITED, "world", -d.amount());
                post(seq, ts, EventType.DEPOSITED, "player:" + d.player(), d.amount());
            } else if (c instanceof Withdraw w) {
                post(seq, ts, EventType.WITHDRAWN, "player:" + w.player(), -w.amount());
                post(seq, ts, EventType.WITHDRAWN, "world", w.amount());
            } else if (c instanceof FundHouse f) {
                post(seq, ts, EventType.HOUSE_FUNDED, "world", -f.amount());
                post(seq, ts, EventType.HOUSE_FUNDED, "house", f.amount());
            } else if (c instanceof OpenGame o) {
                games.put(o.gameId(), new GameSummary(o.gameId(), o.tableId(), true, seq, 0, 0, 0, 0, 0, 0));
            } else if (c instanceof PlaceBet b) {
                post(seq, ts, EventType.BET_PLACED, "player:" + b.player(), -b.amount());
                post(seq, ts, EventType.BET_PLACED, "escrow:" + b.gameId(), b.amount());
                bets.put(b.gameId() + "/" + b.betId(), new BetState(b.gameId(), b.betId(), b.player(), b.betType(), b.point(),
                        b.amount(), seq, 0, null, 0));
                GameSummary g = games.get(b.gameId());
                games.put(g.gameId(), new GameSummary(g.gameId(), g.tableId(), g.open(), g.openedSeq(), g.closedSeq(),
                        g.rolls(), g.lastDie1(), g.lastDie2(), g.point(), g.openBets() + 1));
            } else if (c instanceof RecordRoll r) {
                GameSummary g = games.get(r.gameId());
                int total = r.die1() + r.die2();
                int puck = g.point() == 0
                        ? (Set.of(4, 5, 6, 8, 9, 10).contains(total) ? total : 0)
                        : (total == g.point() || total == 7 ? 0 : g.point());
                games.put(g.gameId(), new GameSummary(g.gameId(), g.tableId(), g.open(), g.openedSeq(), g.closedSeq(),
                        g.rolls() + 1, r.die1(), r.die2(), puck, g.openBets()));
            } else if (c instanceof SettleBet s) {
                BetState b = bets.get(s.gameId() + "/" + s.betId());
                String escrow = "escrow:" + s.gameId();
                String player = "player:" + b.player();
                post(seq, ts, EventType.BET_SETTLED, escrow, -b.amount());
                switch (s.outcome()) {
                    case WIN -> {
                        post(seq, ts, EventType.BET_SETTLED, "house", -s.winnings());
                        post(seq, ts, EventType.BET_SETTLED, player, b.amount() + s.winnings());
                    }
                    case LOSE -> post(seq, ts, EventType.BET_SETTLED, "house", b.amount());
                    default -> post(seq, ts, EventType.BET_SETTLED, player, b.amount());
                }
                bets.put(s.gameId() + "/" + s.betId(), new BetState(b.gameId(), b.betId(), b.player(), b.betType(), b.point(),
                        b.amount(), b.placedSeq(), seq, s.outcome(), s.winnings()));
                GameSummary g = games.get(s.gameId());
                games.put(g.gameId(), new GameSummary(g.gameId(), g.tableId(), g.open(), g.openedSeq(), g.closedSeq(),
                        g.rolls(), g.lastDie1(), g.lastDie2(), g.point(), g.openBets() - 1));
            } else if (c instanceof CloseGame cg) {
                GameSummary g = games.get(cg.gameId());
                games.put(g.gameId(), new GameSummary(g.gameId(), g.tableId(), false, g.openedSeq(), seq,
                        g.rolls(), g.lastDie1(), g.lastDie2(), g.point(), 0));
            }
        }

        private void post(long seq, long ts, EventType type, String account, long delta) {
            balances.merge(account, delta, Long::sum);
            statements.computeIfAbsent(account, a -> new ArrayList<>()).add(new AccountEntry(seq, ts, type, delta));
        }

        long balance(String account) {
            return balances.getOrDefault(account, 0L);
        }

        List<BetState> betsOf(String player) {
            return newestFirst(bets.values().stream().filter(b -> b.player().equals(player)), BetState::placedSeq);
        }

        List<BetState> betsIn(String game) {
            return newestFirst(bets.values().stream().filter(b -> b.gameId().equals(game)), BetState::placedSeq);
        }

        List<GameSummary> gamesAt(String table) {
            return newestFirst(games.values().stream().filter(g -> g.tableId().equals(table)), GameSummary::openedSeq);
        }

        List<AccountEntry> statement(String account) {
            return newestFirst(statements.getOrDefault(account, List.of()).stream(), AccountEntry::seq);
        }

        List<BetState> openBets(String game) {
            return bets.values().stream().filter(b -> b.gameId().equals(game) && b.settledSeq() == 0)
                    .collect(Collectors.toList());
        }

        private static <T> List<T> newestFirst(java.util.stream.Stream<T> items, ToLongFunction<T> seq) {
            return items.sorted(Comparator.comparingLong(seq).reversed()).collect(Collectors.toList());
        }
    }

    /** Submits and books; every command this test sends is valid, so each must be acknowledged. */
    private static Receipt send(Ledger ledger, Book book, Command... commands) {
        List<Command> list = List.of(commands);
        Receipt r = seen(ledger, list.size() == 1 ? ledger.submit(list.get(0)) : ledger.submitAtomically(list));
        book.record(r, list);
        return r;
    }

    /**
     * Walks every page of a query from the first and returns the items in the order they came.
     * Checks the page shape on the way: never more than the limit, a full page whenever another
     * follows, no empty page after the first, and each page read at a snapshot no newer than the
     * view taken after it.
     */
    private static <T> List<T> walk(Ledger ledger, Function<PageRequest, Page<T>> query, int limit) {
        List<T> all = new ArrayList<>();
        PageRequest request = PageRequest.first(limit);
        for (int pages = 0; ; pages++) {
            Page<T> page = query.apply(request);
            assertThat(page.asOfSeq()).as("snapshot seq of page %d", pages).isLessThanOrEqualTo(ledger.view().seq());
            assertThat(page.items().size()).isLessThanOrEqualTo(limit);
            if (pages > 0) {
                assertThat(page.items()).as("page %d of a walk whose previous page announced a next one", pages).isNotEmpty();
            }
            all.addAll(page.items());
            if (!page.hasNext()) {
                return all;
            }
            assertThat(page.items()).as("a page with a next page is full").hasSize(limit);
            assertThat(page.next().limit()).isEqualTo(limit);
            assertThat(pages).as("pages walked (a cursor that does not advance loops forever)").isLessThan(100_000);
            request = page.next();
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * A random floor of about 400 steps: games opened at random tables, bets placed, rolls with the
     * settlements they decide (in one atomic group), withdrawals, deposits, games closed with their
     * open bets voided first. Every command is valid and booked.
     */
    private static void playScenario(Ledger ledger, Book book, Random random, List<String> players, List<String> tables) {
        send(ledger, book, new FundHouse(10_000_000, "bankroll"));
        for (String p : players) {
            send(ledger, book, new Deposit(p, 5_000 + random.nextInt(1_000), "cage"));
        }
        List<String> openGames = new ArrayList<>();
        int gameCount = 0;
        int betCount = 0;
        for (int step = 0; step < 400; step++) {
            int dice = random.nextInt(100);
            if (openGames.size() < 2 || dice < 6) {
                String g = "g" + gameCount++;
                send(ledger, book, new OpenGame(g, tables.get(random.nextInt(tables.size()))));
                openGames.add(g);
            } else if (dice < 55) {
                String g = openGames.get(random.nextInt(openGames.size()));
                String p = players.get(random.nextInt(players.size()));
                long stake = 1 + random.nextInt(50);
                if (book.balance("player:" + p) >= stake) {
                    BetType type = random.nextBoolean() ? BetType.PLACE : BetType.values()[random.nextInt(3)];
                    Integer point = type == BetType.PLACE ? List.of(4, 5, 6, 8, 9, 10).get(random.nextInt(6)) : null;
                    send(ledger, book, new PlaceBet(g, "b" + betCount++, p, type, point, stake));
                }
            } else if (dice < 85) {
                // a roll and the settlements it decides, all in one group
                String g = openGames.get(random.nextInt(openGames.size()));
                List<Command> round = new ArrayList<>();
                round.add(new RecordRoll(g, 1 + random.nextInt(6), 1 + random.nextInt(6)));
                for (BetState b : book.openBets(g)) {
                    if (random.nextInt(3) == 0) {
                        Outcome o = Outcome.values()[random.nextInt(4)];
                        round.add(new SettleBet(g, b.betId(), o, o == Outcome.WIN ? 1 + random.nextInt(100) : 0));
                    }
                }
                send(ledger, book, round.toArray(new Command[0]));
            } else if (dice < 90) {
                String p = players.get(random.nextInt(players.size()));
                long have = book.balance("player:" + p);
                if (have > 0) {
                    send(ledger, book, new Withdraw(p, 1 + random.nextInt((int) Math.min(have, 500)), "cage"));
                }
            } else if (dice < 95) {
                send(ledger, book, new Deposit(players.get(random.nextInt(players.size())), 1 + random.nextInt(500), "atm"));
            } else {
                // close a game: void what is still open first, in the same group
                String g = openGames.remove(random.nextInt(openGames.size()));
                List<Command> closing = new ArrayList<>();
                for (BetState b : book.openBets(g)) {
                    closing.add(new SettleBet(g, b.betId(), Outcome.VOID, 0));
                }
                closing.add(new CloseGame(g));
                send(ledger, book, closing.toArray(new Command[0]));
            }
        }
    }

    @Test
    void betsGamesAndStatementsMatchWhatWasSubmitted() {
        Random random = new Random(seed("betsGamesAndStatementsMatchWhatWasSubmitted"));
        List<String> players = List.of("p0", "p1", "p2", "p3", "p4");
        List<String> tables = List.of("t0", "t1", "t2");
        Book book = new Book();
        try (Ledger ledger = open()) {
            playScenario(ledger, book, random, players, tables);
            long seq = ledger.view().seq();
            System.out.println("RepositoriesIT: " + seq + " events, " + book.bets.size() + " bets in " + book.games.size()
                    + " games, " + book.statements.size() + " accounts");

            for (String p : players) {
                for (int limit : new int[]{1, 4, 1_000}) {
                    assertThat(walk(ledger, r -> ledger.bets().byPlayer(p, r), limit)).as("bets of %s, pages of %d", p, limit)
                            .isEqualTo(book.betsOf(p));
                }
            }
            for (String g : book.games.keySet()) {
                assertThat(walk(ledger, r -> ledger.bets().byGame(g, r), 3)).as("bets of game %s", g).isEqualTo(book.betsIn(g));
                assertThat(ledger.games().find(g)).as("game %s", g).contains(book.games.get(g));
            }
            for (String t : tables) {
                assertThat(walk(ledger, r -> ledger.games().byTable(t, r), 2)).as("games at table %s", t)
                        .isEqualTo(book.gamesAt(t));
            }
            for (String account : book.statements.keySet()) {
                Account a = Account.parse(account);
                assertThat(walk(ledger, r -> ledger.accounts().statement(a, r), 5)).as("statement of %s", account)
                        .isEqualTo(book.statement(account));
                assertThat(ledger.accounts().balance(a)).as("stored balance of %s", account).hasValue(book.balance(account));
                assertThat(book.balance(account)).as("the view agrees with the book on %s", account)
                        .isEqualTo(ledger.view().balance(a));
            }
            for (BetState b : book.bets.values()) {
                assertThat(ledger.bets().find(b.gameId(), b.betId())).contains(b);
            }
            var all = ledger.accounts().allBalances();
            assertThat(all.value()).isEqualTo(book.balances);
            assertThat(all.seq()).isEqualTo(seq);

            // what does not exist reads as empty, not as an error
            assertThat(ledger.bets().byPlayer("nobody", PageRequest.first(10)).items()).isEmpty();
            assertThat(ledger.bets().byPlayer("nobody", PageRequest.first(10)).hasNext()).isFalse();
            assertThat(ledger.bets().byGame("no-game", PageRequest.first(10)).items()).isEmpty();
            assertThat(ledger.games().byTable("no-table", PageRequest.first(10)).items()).isEmpty();
            assertThat(ledger.games().find("no-game")).isEmpty();
            assertThat(ledger.bets().find("g0", "no-bet")).isEmpty();
            assertThat(ledger.accounts().balance(Account.player("nobody"))).isEmpty();
            assertThat(ledger.accounts().statement(Account.player("nobody"), PageRequest.first(5)).items()).isEmpty();
            // and a malformed id is refused before any SQL
            assertThatThrownBy(() -> ledger.bets().byPlayer("no body", PageRequest.first(5))).isInstanceOf(Rejected.InvalidId.class);
            assertThatThrownBy(() -> ledger.bets().byGame("", PageRequest.first(5))).isInstanceOf(Rejected.InvalidId.class);
            assertThatThrownBy(() -> ledger.games().byTable("t'; DROP TABLE games; --", PageRequest.first(5)))
                    .isInstanceOf(Rejected.InvalidId.class);
        }
        // the read model survives a restart: the same answers from a reopened ledger
        try (Ledger reopened = open()) {
            for (String p : players) {
                assertThat(walk(reopened, r -> reopened.bets().byPlayer(p, r), 7)).isEqualTo(book.betsOf(p));
            }
            for (String t : tables) {
                assertThat(walk(reopened, r -> reopened.games().byTable(t, r), 2)).isEqualTo(book.gamesAt(t));
            }
        }
    }

    @Test
    void statementsFromTheViewsFileMatchWhatWasSubmitted() throws InterruptedException {
        Random random = new Random(seed("statementsFromTheViewsFileMatchWhatWasSubmitted"));
        Book book = new Book();
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).durability(Durability.NORMAL).logFirstCommit(logFirst)
                .tableRules(false).views(true).build())) {
            playScenario(ledger, book, random, List.of("p0", "p1", "p2", "p3", "p4"), List.of("t0", "t1", "t2"));
            long seq = ledger.view().seq();
            assertThat(ledger.awaitViews(seq, java.time.Duration.ofSeconds(60))).isTrue();
            Page<AccountEntry> house = ledger.accounts().statement(Account.HOUSE, PageRequest.first(5));
            assertThat(house.asOfSeq()).as("a statement page says the views watermark").isEqualTo(ledger.viewsSeq());
            assertThat(book.statements.keySet()).anyMatch(a -> a.startsWith("escrow:")).contains("house", "world");
            for (String account : book.statements.keySet()) {
                Account a = Account.parse(account);
                for (int limit : new int[]{1, 5}) {
                    assertThat(walk(ledger, r -> ledger.accounts().statement(a, r), limit))
                            .as("statement of %s from the views file, pages of %d", account, limit)
                            .isEqualTo(book.statement(account));
                }
            }
            assertThat(ledger.accounts().statement(Account.player("nobody"), PageRequest.first(5)).items()).isEmpty();
        }
    }

    /**
     * Between two page fetches the test places new bets for the same player, settles bets on
     * pages not yet walked, and opens games at the same table. Keyset paging must still return
     * exactly the items that existed when page one was read, each once, newest first; the new
     * ones appear only on a fresh first page.
     */
    @Test
    void pagingIsStableWhileWritesLandBetweenPageFetches() {
        Book book = new Book();
        try (Ledger ledger = open()) {
            send(ledger, book, new FundHouse(1_000_000, "bankroll"));
            send(ledger, book, new Deposit("p", 100_000, "cage"));
            send(ledger, book, new Deposit("q", 100_000, "cage"));
            for (int g = 0; g < 3; g++) {
                send(ledger, book, new OpenGame("g" + g, "t"));
            }
            for (int i = 0; i < 50; i++) {
                send(ledger, book, new PlaceBet("g" + i % 3, "old" + i, "p", BetType.FIELD, null, 1 + i));
                send(ledger, book, new PlaceBet("g" + i % 3, "q" + i, "q", BetType.FIELD, null, 1));
            }
            int[] fresh = {0};
            Runnable interfere = () -> {
                int n = fresh[0]++;
                send(ledger, book, new PlaceBet("g" + n % 3, "new" + n, "p", BetType.COME, null, 2));
                send(ledger, book, new OpenGame("gn" + n, "t"));
                // settle the oldest open "old" bet: a row on a page the walk has not reached yet
                book.openBets("g" + n % 3).stream().filter(b -> b.betId().startsWith("old"))
                        .min(Comparator.comparingLong(BetState::placedSeq))
                        .ifPresent(b -> send(ledger, book, new SettleBet(b.gameId(), b.betId(), Outcome.LOSE, 0)));
            };

            // what existed when each walk read its first page (the book is current: all writes joined)
            List<BetState> betsAtStart = book.betsOf("p");
            List<BetState> walked = interleavedWalk(r -> ledger.bets().byPlayer("p", r), 7, interfere, ledger);
            assertThat(fresh[0]).as("writes between pages").isGreaterThan(5);
            assertThat(walked).extracting(BetState::betId).as("bets of p walked while writes continued")
                    .containsExactlyElementsOf(betsAtStart.stream().map(BetState::betId).collect(Collectors.toList()));
            assertThat(walked).extracting(BetState::placedSeq).isSortedAccordingTo(Comparator.reverseOrder());
            for (BetState b : walked) {
                // a row is read when its page is: open, or settled exactly as the book says
                long settled = book.bets.get(b.gameId() + "/" + b.betId()).settledSeq();
                assertThat(b.settledSeq()).isIn(0L, settled);
            }

            List<AccountEntry> statementAtStart = book.statement("player:p");
            List<AccountEntry> lines = interleavedWalk(r -> ledger.accounts().statement(Account.player("p"), r), 5,
                    interfere, ledger);
            assertThat(lines).as("statement of p walked while writes continued").isEqualTo(statementAtStart);

            List<GameSummary> gamesAtStart = book.gamesAt("t");
            List<GameSummary> tableT = interleavedWalk(r -> ledger.games().byTable("t", r), 2, interfere, ledger);
            assertThat(tableT).extracting(GameSummary::gameId).as("games at t walked while games kept opening")
                    .containsExactlyElementsOf(gamesAtStart.stream().map(GameSummary::gameId).collect(Collectors.toList()));

            // a fresh walk sees everything, the newest first
            List<BetState> now = walk(ledger, r -> ledger.bets().byPlayer("p", r), 7);
            assertThat(now).isEqualTo(book.betsOf("p"));
            assertThat(now.get(0).betId()).isEqualTo("new" + (fresh[0] - 1));
            assertThat(walk(ledger, r -> ledger.accounts().statement(Account.player("p"), r), 5))
                    .isEqualTo(book.statement("player:p"));
            assertThat(walk(ledger, r -> ledger.games().byTable("t", r), 2)).isEqualTo(book.gamesAt("t"));
        }
    }

    /**
     * Walks a query page by page, running {@code between} after each page. Everything the walk
     * returns must be what a fresh walk returns today, restricted to items at or below the first
     * page's newest item: i.e. exactly the items that existed when page one was read.
     */
    private static <T> List<T> interleavedWalk(Function<PageRequest, Page<T>> query, int limit, Runnable between,
                                               Ledger ledger) {
        List<T> all = new ArrayList<>();
        PageRequest request = PageRequest.first(limit);
        for (int pages = 0; pages < 10_000; pages++) {
            Page<T> page = query.apply(request);
            // quiescent here: every write was acknowledged, so the view has it
            assertThat(page.asOfSeq()).isLessThanOrEqualTo(ledger.view().seq());
            all.addAll(page.items());
            if (!page.hasNext()) {
                return all;
            }
            between.run();
            request = page.next();
        }
        throw new AssertionError("the walk did not end");
    }

    /**
     * A background thread keeps placing bets (and settling old ones) for the player whose history
     * the test walks, without pauses, so commits land during page reads. Each walk must return
     * exactly the bets at or below its first page's newest one, as a final quiet walk shows them.
     */
    @Test
    void pagingIsStableUnderAConcurrentWriter() throws Exception {
        long seed = seed("pagingIsStableUnderAConcurrentWriter");
        Random random = new Random(seed);
        try (Ledger ledger = open()) {
            seen(ledger, ledger.submit(new FundHouse(1_000_000, "bankroll")));
            seen(ledger, ledger.submit(new Deposit("p", 10_000_000, "cage")));
            seen(ledger, ledger.submit(new OpenGame("g", "t")));
            for (int i = 0; i < 100; i++) {
                seen(ledger, ledger.submit(new PlaceBet("g", "seed" + i, "p", BetType.FIELD, null, 1)));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger written = new AtomicInteger();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                int i = 0;
                while (!stop.get()) {
                    // four new bets, and the previous window's four settled: rows change under the
                    // walk, and the game stays far below its open-bet limit however fast this runs
                    List<CompletableFuture<Receipt>> window = new ArrayList<>();
                    for (int k = 0; k < 4; k++, i++) {
                        window.add(ledger.submit(new PlaceBet("g", "w" + i, "p", BetType.FIELD, null, 1)));
                        if (i >= 4) {
                            window.add(ledger.submit(new SettleBet("g", "w" + (i - 4), Outcome.PUSH, 0)));
                        }
                    }
                    window.forEach(f -> ok(f));
                    written.addAndGet(window.size());
                }
            });
            List<List<BetState>> walks = new ArrayList<>();
            List<Long> asOf = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            while (System.nanoTime() < deadline || walks.size() < 5) {
                List<BetState> walk = new ArrayList<>();
                PageRequest request = PageRequest.first(1 + random.nextInt(9));
                while (request != null) {
                    Page<BetState> page = ledger.bets().byPlayer("p", request);
                    asOf.add(page.asOfSeq());
                    walk.addAll(page.items());
                    request = page.next();
                }
                walks.add(walk);
            }
            stop.set(true);
            writer.get(60, TimeUnit.SECONDS);
            long viewSeq = ledger.view().seq();
            List<BetState> all = walk(ledger, r -> ledger.bets().byPlayer("p", r), 1_000);
            System.out.println("RepositoriesIT concurrent paging: " + walks.size() + " walks while " + written.get()
                    + " commands were written; " + all.size() + " bets at the end");
            assertThat(written.get()).as("the writer really ran during the walks").isPositive();
            assertThat(asOf).allSatisfy(s -> assertThat(s).isLessThanOrEqualTo(viewSeq));
            Set<Long> tops = new HashSet<>();
            for (List<BetState> walk : walks) {
                long top = walk.get(0).placedSeq();
                tops.add(top);
                List<String> expected = all.stream().filter(b -> b.placedSeq() <= top).map(BetState::betId)
                        .collect(Collectors.toList());
                assertThat(walk).extracting(BetState::betId).as("a walk whose first page started at seq %d", top)
                        .containsExactlyElementsOf(expected);
            }
            assertThat(tops.size()).as("walks that started at different heads").isGreaterThan(1);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static final List<String> WRITES = List.of(
            "INSERT INTO balances(account, balance, updated_seq) VALUES ('player:mallory', 1000000, 1)",
            "UPDATE balances SET balance = balance + 1",
            "DELETE FROM bets",
            "CREATE TABLE intruder(x INTEGER)",
            "DROP TABLE player_stats",
            "INSERT INTO events(seq, ts, type, payload, hash) VALUES (999999, 0, 1, x'00', randomblob(32))");

    @Test
    void theReaderPoolsConnectionsRefuseEveryWrite() throws Exception {
        Path db = dir.resolve("ledger.db");
        Map<String, Long> balancesBefore;
        try (Ledger ledger = open()) {
            seen(ledger, ledger.submit(new Deposit("alice", 100, "cage")));
            seen(ledger, ledger.submit(new OpenGame("g", "t")));
            seen(ledger, ledger.submit(new PlaceBet("g", "b", "alice", BetType.FIELD, null, 10)));
            balancesBefore = ledger.view().balances();
            // beside a running writer
            assertRefusesWrites(db);
            assertThat(ledger.accounts().allBalances().value()).isEqualTo(balancesBefore);
        }
        // and on a stopped ledger, where nothing else could stand in the way of a write
        assertRefusesWrites(db);

        // control: the same statements do work on a writable connection, so the refusals above are
        // about read-only, not about bad SQL (on a copy, to keep the ledger intact)
        Path copy = dir.resolve("copy.db");
        Files.copy(db, copy);
        try (Connection rw = DriverManager.getConnection("jdbc:sqlite:" + copy); Statement st = rw.createStatement()) {
            for (String sql : WRITES) {
                st.execute(sql);
            }
        }
        try (Ledger reopened = open()) {
            assertThat(reopened.view().balances()).isEqualTo(balancesBefore);
            assertThat(reopened.bets().byPlayer("alice", PageRequest.first(5)).items()).hasSize(1);
        }
    }

    /** The pool the repositories read: over the views file with the log-first commit, else over the database. */
    private void assertRefusesWrites(Path db) throws SQLException {
        List<String> writes = logFirst ? WRITES.stream().filter(w -> !w.contains(" events")).toList() : WRITES;
        try (ReaderPool pool = logFirst
                ? new ReaderPool(io.bitcraps.ledger.store.LedgerDatabase.viewsFileOf(db), 2, null, ReaderPool.Source.VIEWS)
                : new ReaderPool(db, 2, null)) {
            for (String sql : writes) {
                pool.read((conn, seq) -> {
                    assertThat(conn.isReadOnly()).isTrue();
                    try (Statement st = conn.createStatement()) {
                        assertThatThrownBy(() -> st.execute(sql)).as(sql).isInstanceOf(SQLException.class)
                                .hasMessageContaining("readonly");
                    }
                    return null;
                });
            }
            // read-only at the driver, not only by query_only: lifting query_only must not help
            for (String sql : writes) {
                pool.read((conn, seq) -> {
                    try (Statement st = conn.createStatement()) {
                        st.execute("PRAGMA query_only = 0");
                        try (ResultSet rs = st.executeQuery("PRAGMA query_only")) {
                            assertThat(rs.next()).isTrue();
                            assertThat(rs.getInt(1)).isZero();
                        }
                        assertThatThrownBy(() -> st.execute(sql)).as("%s with query_only lifted", sql)
                                .isInstanceOf(SQLException.class).hasMessageContaining("readonly");
                    }
                    return null;
                });
            }
            // and the pool still reads
            long rows = pool.read((conn, seq) -> {
                try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM bets")) {
                    rs.next();
                    return rs.getLong(1);
                }
            }).value();
            assertThat(rows).isEqualTo(1);
        }
    }

    @Test
    void pageRequestLimitsAreChecked() {
        assertThat(PageRequest.first(1)).isEqualTo(new PageRequest(1, Long.MAX_VALUE));
        assertThat(PageRequest.first(Limits.PAGE_ROWS_MAX).limit()).isEqualTo(Limits.PAGE_ROWS_MAX);
        for (int bad : new int[]{0, -1, Limits.PAGE_ROWS_MAX + 1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> PageRequest.first(bad)).as("limit %d", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit").hasMessageContaining("" + bad);
        }
        for (long bad : new long[]{0, -1, Long.MIN_VALUE}) {
            assertThatThrownBy(() -> new PageRequest(10, bad)).as("beforeSeq %d", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beforeSeq");
        }
        assertThat(new PageRequest(Limits.PAGE_ROWS_MAX, 1).beforeSeq()).isEqualTo(1);
    }

    @Test
    void aFullPageOfTheLargestLimitIsServedAndTheNextPageFollowsOn() {
        Book book = new Book();
        try (Ledger ledger = open()) {
            send(ledger, book, new Deposit("p", 1_000_000, "cage"));
            send(ledger, book, new OpenGame("g", "t"));
            int bets = Limits.PAGE_ROWS_MAX + 1;
            List<CompletableFuture<Receipt>> futures = new ArrayList<>();
            List<Command> commands = new ArrayList<>();
            for (int i = 0; i < bets; i++) {
                Command c = new PlaceBet("g", "b" + i, "p", BetType.FIELD, null, 1);
                commands.add(c);
                futures.add(ledger.submit(c));
            }
            for (int i = 0; i < bets; i++) {
                book.record(i == bets - 1 ? seen(ledger, futures.get(i)) : ok(futures.get(i)), List.of(commands.get(i)));
            }
            Page<BetState> first = ledger.bets().byPlayer("p", PageRequest.first(Limits.PAGE_ROWS_MAX));
            assertThat(first.items()).hasSize(Limits.PAGE_ROWS_MAX);
            assertThat(first.hasNext()).isTrue();
            Page<BetState> second = ledger.bets().byPlayer("p", first.next());
            assertThat(second.items()).extracting(BetState::betId).containsExactly("b0");
            assertThat(second.hasNext()).isFalse();
            List<BetState> expected = book.betsOf("p");
            assertThat(first.items()).isEqualTo(expected.subList(0, Limits.PAGE_ROWS_MAX));
        }
    }
}
