package io.bitcraps.ledger.sim;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.craps.CrapsTable;
import io.bitcraps.ledger.craps.OpenBet;
import io.bitcraps.ledger.craps.PayTable;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.craps.RollResult;
import io.bitcraps.ledger.craps.Rulebook;
import io.bitcraps.ledger.craps.Settlement;
import io.bitcraps.ledger.craps.TableEvent;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Exclusion;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The reference craps floor behind {@code tools/ledger simulate}: one thread per table, each table running
 * games with real dice from a seeded generator, its players placing every bet type of the rulebook, and every
 * payout computed by the rulebook ({@link CrapsTable}).
 * <p>
 * <b>A game</b> is, by default, one shooter's hand ({@link GameLength#HAND}): from the first come-out until
 * the shooter sevens out, through as many pass-line decisions as that takes, so the game's later come-out
 * rolls meet bets already working (come bets, place bets, hardways, odds behind come bets). A hand that
 * reaches {@link Options#maxRollsPerGame()} rolls ends at its next pass-line decision instead. With
 * {@link GameLength#ROUND} a game ends at its first pass-line decision. Each game records its table's rules
 * ({@link TableRules#canonical()}) in {@code OpenGame}.
 * <p>
 * <b>Each roll</b>: the players decide their bets in seat order; each bet is checked with
 * {@link CrapsTable#validate} (and {@link CrapsTable#oddsRoom} for odds) before it is placed, so the floor
 * never places a bet the rulebook would refuse. The bets go in as single {@code PlaceBet}s, then the roll and
 * every settlement it causes ({@link CrapsTable#roll}) go in as one atomic group, and the table waits for that
 * group to be durable before it throws again. <b>When the game ends</b>, the bets still open ({@link
 * CrapsTable#close}) are settled {@code VOID} (stake returned) in one atomic group that ends with
 * {@code CloseGame}. With at most {@link Options#maxOpenBetsPerGame()} open bets a group never exceeds
 * {@link Limits#ATOMIC_COMMANDS_MAX}.
 * <p>
 * <b>Nothing is ever refused</b> (but for {@link Options#withProtection}, where the ledger judges the protected
 * players' bets and buy-ins): each table owns its players (players {@code p}, {@code p + tables}, …) and
 * keeps their balances itself, so a bet never overdraws; a player short of chips at the start of a game buys
 * in again ({@code Deposit} with reference {@code cage-<game>}). Each table may draw on an equal share of the
 * house bankroll and places a bet only when its share, plus what the house has won at the table, covers the
 * largest win every open bet could still make, so the house never runs dry.
 * <p>
 * <b>Same seed, same ledger</b>: the dice and every choice come from two generators per table seeded from the
 * seed and the table number, and nothing a table does depends on timing, on the ledger's answers or on other
 * tables. Two runs with the same settings into fresh databases write, with one table, the same events in the same
 * order (everything but the timestamps and the hashes that cover them); with several tables the tables'
 * submissions interleave differently, but each game's events and each player's events are the same, in order.
 * {@code docs/craps.md} states this in terms of {@code tools/ledger export}; {@code SimulateSameSeedIT} checks it.
 * <p>
 * Latency is measured from submit to the future's completion (the commit), recorded into a wait-free
 * HdrHistogram recorder.
 */
public final class CrapsFloor {
    /**
     * Shape of a run. {@code runTag} keeps game ids unique when a database hosts several runs.
     * {@code roundsPerTable} is the number of games each table plays (a game being a hand or a round, see
     * {@link Options#gameLength()}).
     */
    public record Settings(int tables, int players, int roundsPerTable, long seed, String runTag,
                           long playerBankroll, long houseBankroll) {
        public Settings {
            if (tables < 1 || tables > 256) {
                throw new IllegalArgumentException("tables must be in 1..256, got " + tables);
            }
            if (players < tables || players > 100_000) {
                throw new IllegalArgumentException("players must be in tables(" + tables + ")..100000, got " + players);
            }
            if (roundsPerTable < 1) {
                throw new IllegalArgumentException("rounds must be at least 1, got " + roundsPerTable);
            }
        }
    }

    /** Who computes the payouts of a roll. */
    public enum Settle {
        /** The floor (its own {@code CrapsTable}) submits each roll with its settlements, in one atomic group. */
        ENGINE,
        /** The floor submits each roll alone with {@code autoSettle}: the ledger settles by the rulebook. */
        LEDGER
    }

    /** How long a game lasts. */
    public enum GameLength {
        /** A shooter's hand: until the seven-out (or the first decision after {@link Options#maxRollsPerGame()}). */
        HAND,
        /** One round: from the come-out to the first pass-line decision. */
        ROUND
    }

    /**
     * How the floor plays, beyond the {@link Settings}.
     *
     * @param gameLength         a hand or a round per game
     * @param tableRules         the rules of each table: table {@code i} plays {@code tableRules.get(i % size)}
     * @param maxRollsPerGame    a hand that reaches this many rolls ends at its next pass-line decision
     * @param maxOpenBetsPerGame the most bets a game holds open at once (a roll's group is that plus the roll,
     *                           the closing group that plus {@code CloseGame}); at most
     *                           {@code Limits.ATOMIC_COMMANDS_MAX - 1}
     */
    public record Options(GameLength gameLength, List<TableRules> tableRules, int maxRollsPerGame,
                          int maxOpenBetsPerGame, Settle settle, boolean fairDice, boolean protection) {
        /**
         * The house-variant table of the default floor: field 12 pays 2:1, place bets working on the come-out,
         * 10x odds, bets of 1 to 1000 chips.
         */
        public static final TableRules VARIANT = TableRules.withFlatOdds(2, true, 10, 1, 1_000);
        /** The default floor: standard tables and house-variant tables taking turns (even tables standard). */
        public static final List<TableRules> MIXED = List.of(TableRules.standard(), VARIANT);

        public Options {
            if (settle == null) {
                throw new IllegalArgumentException("settle is required");
            }
            if (gameLength == null) {
                throw new IllegalArgumentException("gameLength is required");
            }
            if (tableRules == null || tableRules.isEmpty()) {
                throw new IllegalArgumentException("at least one set of table rules is required");
            }
            tableRules = List.copyOf(tableRules); // refuses null elements
            if (maxRollsPerGame < 1) {
                throw new IllegalArgumentException("maxRollsPerGame must be at least 1, got " + maxRollsPerGame);
            }
            if (maxOpenBetsPerGame < 1 || maxOpenBetsPerGame > Limits.ATOMIC_COMMANDS_MAX - 1) {
                throw new IllegalArgumentException("maxOpenBetsPerGame must be in 1.." + (Limits.ATOMIC_COMMANDS_MAX - 1)
                        + ", got " + maxOpenBetsPerGame);
            }
        }

        /**
         * {@link #withTableRules} by name, as an operator writes them: {@code standard}, {@code variant}, or a rules
         * string ({@link TableRules#parse}); a bad one is an IllegalArgumentException naming it.
         */
        public Options withTableRulesNamed(List<String> names) {
            List<TableRules> list = new java.util.ArrayList<>();
            for (String r : names) {
                list.add(switch (r) {
                    case "standard" -> TableRules.standard();
                    case "variant" -> VARIANT;
                    default -> TableRules.parse(r);
                });
            }
            return withTableRules(list);
        }

        /** Hands of up to 24 rolls (then to the next decision), mixed tables, at most 200 open bets a game. */
        public static Options defaults() {
            return new Options(GameLength.HAND, MIXED, 24, 200, Settle.ENGINE, false, false);
        }

        public Options withGameLength(GameLength length) {
            return new Options(length, tableRules, maxRollsPerGame, maxOpenBetsPerGame, settle, fairDice, protection);
        }

        public Options withTableRules(List<TableRules> rules) {
            return new Options(gameLength, rules, maxRollsPerGame, maxOpenBetsPerGame, settle, fairDice, protection);
        }

        public Options withMaxRollsPerGame(int rolls) {
            return new Options(gameLength, tableRules, rolls, maxOpenBetsPerGame, settle, fairDice, protection);
        }

        public Options withMaxOpenBetsPerGame(int bets) {
            return new Options(gameLength, tableRules, maxRollsPerGame, bets, settle, fairDice, protection);
        }

        public Options withSettle(Settle by) {
            return new Options(gameLength, tableRules, maxRollsPerGame, maxOpenBetsPerGame, by, fairDice, protection);
        }

        /**
         * Provably fair games: each game opens with the commitment to a server seed drawn from the
         * floor's seed, each roll's dice are {@code FairDice.dice(seed, "table-<i>", nonce)} with the
         * nonce counting the game's rolls from 0, and the close reveals the seed.
         */
        public Options withFairDice(boolean fair) {
            return new Options(gameLength, tableRules, maxRollsPerGame, maxOpenBetsPerGame, settle, fair, protection);
        }

        /**
         * Player protection on the floor: at each table the second seated player (and every eighth after it) sets a
         * stake limit of twice their unit and a net loss limit of a fifth of their bankroll per 24 h before the first
         * game, the sixth (and every eighth after it) a deposit limit of one and a half bankrolls per 24 h (their
         * second buy-in is refused); and the third seated player takes a 24-hour cool-off halfway through the
         * table's games. The floor offers their bets and buy-ins as an engine
         * would and lets the ledger judge them: it awaits each one, and a refused one (STAKE_LIMIT, LOSS_LIMIT,
         * DEPOSIT_LIMIT, SELF_EXCLUDED) is left out of its table. The summary counts the refusals by code.
         */
        public Options withProtection(boolean on) {
            return new Options(gameLength, tableRules, maxRollsPerGame, maxOpenBetsPerGame, settle, fairDice, on);
        }
    }

    /**
     * What happened, for the summary.
     *
     * @param betsByType   bets placed, by type (every type present, 0 when none)
     * @param winningsPaid chips the house paid on winning bets (on top of the returned stakes)
     * @param stakesLost   chips of losing bets, which went to the house
     * @param pushes       bets settled PUSH (stake returned by the rules)
     * @param voids        bets settled VOID because their game ended with them open (stake returned)
     */
    public record Report(long submissions, long rejected, long games, long rolls, long elapsedNanos,
                         Histogram latencyNanos, Map<BetType, Long> betsByType, long betsPlaced, long staked,
                         long wins, long winningsPaid, long losses, long stakesLost, long pushes, long voids,
                         long houseFunding, Map<String, Long> rejectedByCode, int limitedPlayers,
                         int coolingPlayers) {
        /** Refusals by a player's own protection (expected with {@link Options#withProtection}). */
        public static final java.util.Set<String> PROTECTION_CODES =
                java.util.Set.of("DEPOSIT_LIMIT", "LOSS_LIMIT", "STAKE_LIMIT", "SELF_EXCLUDED");

        /** Refusals other than by a player's protection: a floor that plays by the rules sees none. */
        public long unexpectedRejections() {
            long protection = 0;
            for (var e : rejectedByCode.entrySet()) {
                if (PROTECTION_CODES.contains(e.getKey())) {
                    protection += e.getValue();
                }
            }
            return rejected - protection;
        }

        /** What the house gained at the tables: stakes lost minus winnings paid (its balance change less its funding). */
        public long houseNet() {
            return stakesLost - winningsPaid;
        }
    }

    /** Most bets one player holds open at once. */
    static final int OPEN_BETS_PER_PLAYER_MAX = 16;
    /** Most come (or don't come) flat bets one player holds open at once. */
    static final int COME_BETS_PER_PLAYER_MAX = 3;

    private static final int[] POINTS = {4, 5, 6, 8, 9, 10};
    private static final int[] HARDWAYS = {4, 6, 8, 10};
    private static final BetType[] PROPS = {BetType.ANY_SEVEN, BetType.ANY_CRAPS, BetType.ELEVEN, BetType.ACES,
            BetType.TWELVE, BetType.ACE_DEUCE};

    private final Ledger ledger;
    private final Settings settings;
    private final Options options;
    private final Recorder latency = new Recorder(3);
    private final AtomicLong submissions = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    /** Refusals by code, for the summary: a floor that plays by the rules should see none. */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> rejectedByCode =
            new java.util.concurrent.ConcurrentHashMap<>();

    public CrapsFloor(Ledger ledger, Settings settings) {
        this(ledger, settings, Options.defaults());
    }

    public CrapsFloor(Ledger ledger, Settings settings, Options options) {
        this.ledger = ledger;
        this.settings = settings;
        this.options = options;
    }

    /** The rules table {@code index} plays under. */
    public TableRules rulesOf(int index) {
        return options.tableRules().get(index % options.tableRules().size());
    }

    /** Runs every table to completion; {@code roundDone} is called once per finished game. */
    public Report run(LongConsumer roundDone) throws InterruptedException {
        long start = System.nanoTime();
        await(submit(new Command.FundHouse(settings.houseBankroll(), settings.runTag() + "-bankroll")));
        List<Table> tables = new ArrayList<>();
        for (int t = 0; t < settings.tables(); t++) {
            tables.add(new Table(t));
        }
        ExecutorService pool = Executors.newFixedThreadPool(settings.tables(), r -> new Thread(r, "craps-table"));
        try {
            List<Future<?>> running = new ArrayList<>();
            for (Table table : tables) {
                running.add(pool.submit(() -> {
                    table.play(roundDone);
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("a table failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        Tally total = new Tally();
        for (Table table : tables) {
            total.add(table.tally);
        }
        long placed = 0;
        for (long n : total.placed) {
            placed += n;
        }
        return new Report(submissions.get(), rejected.get(), total.games, total.rolls, System.nanoTime() - start,
                latency.getIntervalHistogram(), total.placedByType(), placed, total.staked, total.wins,
                total.winningsPaid, total.losses, total.stakesLost, total.pushes, total.voids, settings.houseBankroll(),
                rejectedByCodeSnapshot(), count(tables, p -> p.limited), count(tables, p -> p.tookCoolOff));
    }

    private static int count(List<Table> tables, java.util.function.Predicate<Player> which) {
        int n = 0;
        for (Table t : tables) {
            for (Player p : t.players) {
                n += which.test(p) ? 1 : 0;
            }
        }
        return n;
    }

    private Map<String, Long> rejectedByCodeSnapshot() {
        Map<String, Long> out = new java.util.TreeMap<>();
        rejectedByCode.forEach((code, n) -> out.put(code, n.sum()));
        return java.util.Collections.unmodifiableMap(out);
    }

    private CompletableFuture<Receipt> submit(Command c) {
        return track(ledger.submit(c));
    }

    private CompletableFuture<Receipt> submitAtomically(List<Command> cs) {
        return track(ledger.submitAtomically(cs));
    }

    private CompletableFuture<Receipt> track(CompletableFuture<Receipt> f) {
        long start = System.nanoTime();
        submissions.incrementAndGet();
        // runs on the writer thread at completion: one wait-free record, nothing more
        f.whenComplete((r, e) -> latency.recordValue(Math.max(0, System.nanoTime() - start)));
        return f;
    }

    private Receipt await(CompletableFuture<Receipt> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Rejected) {
                rejected.incrementAndGet();
                rejectedByCode.computeIfAbsent(((Rejected) e.getCause()).code(),
                        c -> new java.util.concurrent.atomic.LongAdder()).increment();
                return null;
            }
            throw new IllegalStateException("ledger failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** {@link #await} for the players' choices, which are not interruptible: an interrupt stops the table at its next roll. */
    private Receipt awaitUninterrupted(CompletableFuture<Receipt> f) {
        try {
            return await(f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A generator for table {@code table}'s stream {@code stream} (0 dice, 1 choices): SplitMix64 of the three. */
    static long streamSeed(long seed, int table, int stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (1 + 2L * table + ((long) stream << 32));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seated player: who, how they bet, their chips as the table knows them. */
    private static final class Player {
        final String id;
        final Personality style;
        /** Typical flat stake. */
        final long unit;
        long balance;
        /** The player's seat at their table, from 0. */
        int seat;
        /** Set limits before the first game ({@link Options#withProtection}); every bet and buy-in is then awaited. */
        boolean limited;
        /** Takes a cool-off halfway through the table's games. */
        boolean coolsOff;
        /** Took it (a table of one game has no halfway). */
        boolean tookCoolOff;

        Player(String id, Personality style, long unit) {
            this.id = id;
            this.style = style;
            this.unit = unit;
        }
    }

    /** One table: its players, its dice, its games, on its own thread. */
    private final class Table {
        private final int index;
        private final TableRules rules;
        private final SplittableRandom dice;
        private final SplittableRandom choices;
        private final List<Player> players = new ArrayList<>();
        private final Map<String, Player> byId = new HashMap<>();
        private final Tally tally = new Tally();
        /** This table's share of the house bankroll. */
        private final long houseShare;
        /** What the house has won (negative: lost) at this table so far. */
        private long houseNet;
        /** The largest total the house could still have to pay on this table's open bets. */
        private long exposure;
        private final Map<String, Long> maxWinOf = new HashMap<>();

        // the game in play
        private String gameId;
        private CrapsTable table;
        private int betCounter;
        private final List<CompletableFuture<Receipt>> pending = new ArrayList<>();

        Table(int index) {
            this.index = index;
            this.rules = rulesOf(index);
            this.dice = new SplittableRandom(streamSeed(settings.seed(), index, 0));
            this.choices = new SplittableRandom(streamSeed(settings.seed(), index, 1));
            this.houseShare = settings.houseBankroll() / settings.tables();
            int seat = 0;
            for (int p = index; p < settings.players(); p += settings.tables()) {
                long unit = clamp(5 + choices.nextInt(21));
                Player player = new Player(String.format("p%05d", p), Personality.forSeat(seat), unit);
                player.seat = seat;
                player.limited = options.protection() && seat % 4 == 1;
                player.coolsOff = options.protection() && seat == 2;
                seat++;
                players.add(player);
                byId.put(player.id, player);
            }
        }

        void play(LongConsumer roundDone) throws InterruptedException {
            for (Player p : players) {
                if (p.limited) {
                    // two kinds of careful player: one bounds each bet and the day's loss, one the day's buy-ins
                    long bankroll = settings.playerBankroll();
                    await(submit(p.seat % 8 == 1
                            ? new Command.SetLimits(p.id, null, null, null, Math.max(1, bankroll / 5), 2 * p.unit)
                            : new Command.SetLimits(p.id, Math.max(1, bankroll + bankroll / 2), null, null, null, null)));
                }
            }
            for (int game = 0; game < settings.roundsPerTable(); game++) {
                if (game == settings.roundsPerTable() / 2 && game > 0) {
                    for (Player p : players) {
                        if (p.coolsOff) {
                            p.tookCoolOff = await(submit(new Command.SelfExclude(p.id, Exclusion.COOL_OFF,
                                    Limits.COOL_OFF_HOURS_MIN))) != null;
                        }
                    }
                }
                playGame(settings.runTag() + "-t" + index + "-g" + game);
                tally.games++;
                roundDone.accept(1);
            }
        }

        private void playGame(String id) throws InterruptedException {
            gameId = id;
            table = new CrapsTable(rules);
            betCounter = 0;
            byte[] serverSeed = null;
            String clientSeed = "table-" + index;
            if (options.fairDice()) {
                serverSeed = new byte[io.bitcraps.ledger.craps.FairDice.SEED_BYTES];
                for (int i = 0; i < serverSeed.length; i++) {
                    serverSeed[i] = (byte) dice.nextInt(256); // from the floor's seed: same seed, same ledger
                }
                // and from the game id, which holds the run's tag: another run into the same ledger, with the same
                // seed, commits to other seeds (the ledger refuses a commitment used twice)
                byte[] tag = id.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                for (int i = 0; i < tag.length; i++) {
                    serverSeed[i % serverSeed.length] ^= (byte) (tag[i] * 31 + i);
                }
            }
            pending.add(submit(new Command.OpenGame(gameId, "table-" + index, rules.canonical(),
                    serverSeed == null ? null : io.bitcraps.ledger.craps.FairDice.commitment(serverSeed))));
            long nonce = 0;
            for (Player p : players) {
                if (p.balance < Math.max(1, settings.playerBankroll() / 4)) {
                    Command.Deposit buyIn = new Command.Deposit(p.id, settings.playerBankroll(), "cage-" + gameId);
                    if (p.limited || p.coolsOff) {
                        if (await(submit(buyIn)) == null) {
                            continue; // refused by the player's protection: they sit this game out with what they have
                        }
                    } else {
                        pending.add(submit(buyIn));
                    }
                    p.balance += settings.playerBankroll();
                }
            }
            while (true) {
                for (Player p : players) {
                    decideBets(p);
                }
                Roll roll = serverSeed != null ? io.bitcraps.ledger.craps.FairDice.dice(serverSeed, clientSeed, nonce)
                        : Roll.of(1 + dice.nextInt(6), 1 + dice.nextInt(6));
                tally.rolls++;
                RollResult result = table.roll(roll);
                CompletableFuture<Receipt> committed;
                if (options.settle() == Settle.LEDGER) {
                    for (Settlement s : result.settlements()) {
                        settled(s.bet(), s.outcome(), s.winnings()); // the floor's own books: what the ledger must do
                    }
                    committed = submit(new Command.RecordRoll(gameId, roll.die1(), roll.die2(), true,
                            serverSeed == null ? null : clientSeed, serverSeed == null ? null : nonce));
                } else {
                    List<Command> group = new ArrayList<>(1 + result.settlements().size());
                    group.add(new Command.RecordRoll(gameId, roll.die1(), roll.die2(), false,
                            serverSeed == null ? null : clientSeed, serverSeed == null ? null : nonce));
                    for (Settlement s : result.settlements()) {
                        group.add(new Command.SettleBet(gameId, s.betId(), s.outcome(), s.winnings()));
                        settled(s.bet(), s.outcome(), s.winnings());
                    }
                    committed = submitAtomically(group);
                }
                Receipt receipt = await(committed); // the dice are not thrown again before this roll is durable
                if (receipt != null && receipt.lastSeq() - receipt.firstSeq() != result.settlements().size()) {
                    throw new IllegalStateException("game " + gameId + " roll " + roll + ": the ledger wrote "
                            + (receipt.lastSeq() - receipt.firstSeq() + 1) + " events, the floor's table settles "
                            + result.settlements().size() + " bets with it");
                }
                nonce++;
                awaitPending();
                if (gameEnds(result)) {
                    break;
                }
            }
            List<OpenBet> left = table.close();
            List<Command> closing = new ArrayList<>(left.size() + 1);
            for (OpenBet b : left) {
                closing.add(new Command.SettleBet(gameId, b.betId(), Outcome.VOID, 0));
                settled(b, Outcome.VOID, 0);
            }
            closing.add(new Command.CloseGame(gameId, serverSeed == null ? null : java.util.HexFormat.of().formatHex(serverSeed)));
            await(closing.size() == 1 ? submit(closing.get(0)) : submitAtomically(closing));
        }

        private boolean gameEnds(RollResult r) {
            TableEvent event = r.event();
            if (!event.decidesPassLine()) {
                return false;
            }
            return options.gameLength() == GameLength.ROUND || event == TableEvent.SEVEN_OUT
                    || r.after().rollCount() >= options.maxRollsPerGame();
        }

        private void awaitPending() throws InterruptedException {
            for (CompletableFuture<Receipt> f : pending) {
                await(f);
            }
            pending.clear();
        }

        // -----------------------------------------------------------------------------------------
        // The players' choices. Every draw from `choices` happens in a fixed order, whatever the ledger does.

        private void decideBets(Player p) {
            Personality s = p.style;
            boolean comeOut = table.state().isComeOut();
            List<OpenBet> mine = openBetsOf(p);
            if (comeOut) {
                if (chance(s.line()) && count(mine, s.lineBet(), null) == 0) {
                    tryBet(p, s.lineBet(), null, flatStake(p));
                }
            } else {
                if (chance(s.lineOdds())) {
                    long room = table.oddsRoom(p.id, s.lineOddsBet(), null);
                    // name the point or leave it to the table: both are valid spellings
                    Integer point = choices.nextBoolean() ? table.state().point() : null;
                    if (room > 0) {
                        tryBet(p, s.lineOddsBet(), point, oddsStake(room));
                    }
                }
                if (chance(s.come()) && count(mine, s.comeBet(), null) < COME_BETS_PER_PLAYER_MAX) {
                    tryBet(p, s.comeBet(), null, flatStake(p));
                }
            }
            for (OpenBet b : mine) {
                if (b.type() == s.comeBet() && b.point() != null && chance(s.comeOdds())) {
                    long room = table.oddsRoom(p.id, s.comeOddsBet(), b.point());
                    if (room > 0) {
                        tryBet(p, s.comeOddsBet(), b.point(), oddsStake(room));
                    }
                }
            }
            if (chance(s.place())) {
                int n = POINTS[choices.nextInt(POINTS.length)];
                if (count(mine, BetType.PLACE, n) == 0) {
                    tryBet(p, BetType.PLACE, n, flatStake(p));
                }
            }
            if (chance(s.hardway())) {
                int n = HARDWAYS[choices.nextInt(HARDWAYS.length)];
                if (count(mine, BetType.HARDWAY, n) == 0) {
                    tryBet(p, BetType.HARDWAY, n, propStake(p));
                }
            }
            if (chance(s.field())) {
                tryBet(p, BetType.FIELD, null, flatStake(p));
            }
            if (chance(s.prop())) {
                tryBet(p, PROPS[choices.nextInt(PROPS.length)], null, propStake(p));
            }
        }

        /** Places the bet if the rules, the caps, the player's chips and the house's share all allow it. */
        private void tryBet(Player p, BetType type, Integer point, long stake) {
            if (stake < 1 || stake > p.balance || table.openBets().size() >= options.maxOpenBetsPerGame()
                    || openBetsOf(p).size() >= OPEN_BETS_PER_PLAYER_MAX
                    || table.validate(p.id, type, point, stake).isPresent()) {
                return;
            }
            long maxWin = maxWin(type, Rulebook.effectivePoint(table.state(), type, point), stake);
            if (houseShare + houseNet - exposure < maxWin) {
                return; // the house's share at this table could not cover it
            }
            String betId = "b" + betCounter++;
            Command.PlaceBet bet = new Command.PlaceBet(gameId, betId, p.id, type, point, stake);
            if (p.limited || p.coolsOff) {
                // as an engine would: the ledger judges a protected player's bet before the table takes it
                if (awaitUninterrupted(submit(bet)) == null) {
                    return;
                }
            } else {
                pending.add(submit(bet));
            }
            table.place(betId, p.id, type, point, stake);
            p.balance -= stake;
            exposure += maxWin;
            maxWinOf.put(betId, maxWin);
            tally.placed[type.ordinal()]++;
            tally.staked += stake;
        }

        /** Moves the chips of a settled bet in the table's books, as the ledger will. */
        private void settled(OpenBet bet, Outcome outcome, long winnings) {
            exposure -= maxWinOf.remove(bet.betId());
            Player p = byId.get(bet.player());
            switch (outcome) {
                case WIN -> {
                    p.balance += bet.stake() + winnings;
                    houseNet -= winnings;
                    tally.wins++;
                    tally.winningsPaid += winnings;
                }
                case LOSE -> {
                    houseNet += bet.stake();
                    tally.losses++;
                    tally.stakesLost += bet.stake();
                }
                case PUSH -> {
                    p.balance += bet.stake();
                    tally.pushes++;
                }
                case VOID -> {
                    p.balance += bet.stake();
                    tally.voids++;
                }
            }
        }

        /** The most {@code type} on {@code on} can win with {@code stake} (the field's best is 2 or 12). */
        private long maxWin(BetType type, Integer on, long stake) {
            long best = 0;
            for (int total : new int[]{2, 3, 12}) {
                best = Math.max(best, PayTable.payout(rules, type, on, total).winnings(stake));
            }
            return best;
        }

        private List<OpenBet> openBetsOf(Player p) {
            List<OpenBet> mine = new ArrayList<>();
            for (OpenBet b : table.openBets()) {
                if (p.id.equals(b.player())) {
                    mine.add(b);
                }
            }
            return mine;
        }

        private boolean chance(double p) {
            return choices.nextDouble() < p;
        }

        /** A flat stake around the player's unit; odd amounts on purpose (they exercise the rounding). */
        private long flatStake(Player p) {
            return clamp(p.unit + choices.nextLong(p.unit / 2 + 1));
        }

        /** A small stake for hardways and propositions: the minimum or a little more. */
        private long propStake(Player p) {
            return clamp(rules.minBet() + choices.nextLong(Math.max(1, p.unit / 3)));
        }

        /** Odds: a quarter of the time all the room there is, otherwise any amount up to it. */
        private long oddsStake(long room) {
            return choices.nextInt(4) == 0 ? room : 1 + choices.nextLong(room);
        }

        private long clamp(long stake) {
            return Math.max(rules.minBet(), Math.min(rules.maxBet(), stake));
        }
    }

    /** How many of {@code bets} are of {@code type} (and on {@code point}, when not null). */
    private static int count(List<OpenBet> bets, BetType type, Integer point) {
        int n = 0;
        for (OpenBet b : bets) {
            if (b.type() == type && (point == null || point.equals(b.point()))) {
                n++;
            }
        }
        return n;
    }
}
