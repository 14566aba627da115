package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.craps.Resolution.Status;
import io.bitcraps.ledger.domain.BetType;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.Generate.booleans;
import static org.quicktheories.generators.Generate.pick;
import static org.quicktheories.generators.Generate.range;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Random games at random tables: players place random bets (mostly legal, some not) at random moments, random
 * dice are thrown until the game's pass line has been decided {@code rounds} times (1 to 3; a ledger game is 1),
 * then the game closes and the bets still open are voided. Checked for every game:
 * <ul>
 *   <li>the table refuses exactly what the rulebook refuses, and {@code place} refuses what {@code validate}
 *       refuses, with the same code;</li>
 *   <li>every bet placed is resolved exactly once: settled by one roll, or voided at close, never both; the
 *       line bets and the odds behind them are all settled by the decision;</li>
 *   <li>chips: players' winnings minus lost stakes equals minus the house's net change, where the house's
 *       change is computed by moving chips between accounts (player, escrow, house) settlement by settlement;
 *       escrow ends at zero;</li>
 *   <li>{@link GameTable}, the writer's immutable table, stepped alongside, refuses the same placements with the
 *       same codes, makes the same bets due on each roll with the same results, and keeps the same bets open
 *       riding on the same numbers;</li>
 *   <li>{@link Rulebook#resolve} over the whole game's rolls agrees with the table on every bet (resolution,
 *       winnings, roll index, point), and so does an independent, naive re-statement of the rules in this
 *       class ({@link #reference});</li>
 *   <li>one-roll bets resolve on the roll after they were placed.</li>
 * </ul>
 * The seed is printed; replay with {@code mvn test -Dtest=CrapsProperties -Dcraps.seed=<seed>};
 * {@code -Dcraps.examples=<n>} for longer runs (default 1000).
 */
class CrapsProperties {
    private static final int EXAMPLES = Integer.getInteger("craps.examples", 1000);
    private static final int TURNS = 150;
    private static final List<String> PLAYERS = List.of("ann", "bob", "cy");
    private static final int[] POINTS = {4, 5, 6, 8, 9, 10};
    private static final int[] HARD = {4, 6, 8, 10};

    /** Resolutions by bet type and status, and refusals by code, over the whole run. */
    private final Map<String, Integer> tally = new TreeMap<>();
    private long games;
    private long bets;
    private long rolls;

    record Intent(int type, int number, int stake, int player) {}

    record Turn(List<Intent> intents, Roll roll) {}

    record Script(TableRules rules, int rounds, List<Turn> turns) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("rules " + rules + ", rounds " + rounds + ":");
            for (Turn t : turns) {
                b.append("\n  ").append(t.intents()).append(" then ").append(t.roll());
            }
            return b.toString();
        }
    }

    @Test
    void everyBetResolvesExactlyOnceChipsBalanceAndAllThreeRulebooksAgree() {
        long seed = Long.getLong("craps.seed", new SecureRandom().nextLong());
        System.out.println("CrapsProperties seed " + seed + " (replay: mvn test -Dtest=CrapsProperties -Dcraps.seed="
                + seed + ")");
        qt().withFixedSeed(seed)
                .withExamples(EXAMPLES)
                .forAll(scripts())
                .checkAssert(script -> play(script, seed));
        System.out.println("CrapsProperties: " + games + " games, " + rolls + " rolls, " + bets + " bets; " + tally);
    }

    private static Gen<Script> scripts() {
        Gen<Integer> multiple = pick(List.of(0, 1, 2, 3, 4, 5, 10));
        // every type, with the contract bets and the odds behind them more often (odds need a flat bet first)
        List<Integer> weighted = new ArrayList<>();
        for (BetType t : BetType.values()) {
            int weight = Rulebook.isOdds(t) ? 5 : t == BetType.COME || t == BetType.DONT_COME
                    || t == BetType.PASS_LINE || t == BetType.DONT_PASS ? 3 : 1;
            for (int i = 0; i < weight; i++) {
                weighted.add(t.ordinal());
            }
        }
        Gen<Integer> type = pick(weighted);
        Gen<Intent> intent = in -> new Intent(type.generate(in),
                range(0, 1000).generate(in), range(0, 100_000).generate(in), range(0, PLAYERS.size() - 1).generate(in));
        Gen<Roll> roll = in -> Roll.of(range(1, 6).generate(in), range(1, 6).generate(in));
        Gen<Turn> turn = in -> new Turn(lists().of(intent).ofSizeBetween(0, 4).generate(in), roll.generate(in));
        return in -> {
            long min = range(1, 10).generate(in);
            long max = min + range(0, 300).generate(in);
            TableRules rules = new TableRules(range(2, 3).generate(in), booleans().generate(in),
                    multiple.generate(in), multiple.generate(in), multiple.generate(in), min, max);
            return new Script(rules, range(1, 4).generate(in), lists().of(turn).ofSize(TURNS).generate(in));
        };
    }

    // ---------------------------------------------------------------------------------------------

    private void play(Script script, long seed) {
        TableRules rules = script.rules();
        CrapsTable table = new CrapsTable(rules);
        GameTable persistent = GameTable.start(rules); // the writer's immutable twin, stepped alongside
        Map<String, OpenBet> placed = new LinkedHashMap<>();
        Map<String, Resolution> settled = new HashMap<>();
        Map<String, OpenBet> voided = new LinkedHashMap<>();
        Map<String, Long> balance = new HashMap<>(); // players, "escrow", "house"; everyone starts at 0
        long winnings = 0;
        long lostStakes = 0;
        int nextId = 0;
        TableState before = TableState.START;
        String context = "seed " + seed + ", " + script;

        for (Turn turn : script.turns()) {
            for (Intent intent : turn.intents()) {
                BetType type = BetType.values()[intent.type()];
                String player = player(table, type, intent);
                Integer number = number(table, player, type, intent.number());
                long stake = stake(table, player, type, number, intent);
                Optional<PlacementError> byTable = table.validate(player, type, number, stake);
                assertThat(persistent.validate(player, type, number, stake)).as(context).isEqualTo(byTable);
                Optional<PlacementError> byRules = Rulebook.validatePlacement(rules, table.state(), type, number, stake);
                if (byRules.isPresent()) {
                    assertThat(byTable).as(context).isEqualTo(byRules);
                }
                String id = "b" + nextId++;
                if (byTable.isPresent()) {
                    tally("refused " + byTable.get().code());
                    assertThatThrownBy(() -> table.place(id, player, type, number, stake)).as(context)
                            .isInstanceOfSatisfying(InvalidPlacementException.class,
                                    e -> assertThat(e.error()).isEqualTo(byTable.get()));
                    continue;
                }
                OpenBet bet = table.place(id, player, type, number, stake);
                persistent = persistent.place(id, player, type, number, stake);
                assertThat(persistent.openBet(id)).as(context).isEqualTo(bet);
                assertThat(bet.placedAt()).isEqualTo(table.rolls().size());
                placed.put(id, bet);
                move(balance, player, "escrow", stake);
            }

            GameTable beforeRoll = persistent;
            RollResult result = table.roll(turn.roll());
            persistent = persistent.roll(turn.roll());
            // the same bets become due, each with the same result, and the same stay open, riding on the same numbers
            Map<String, Settlement> due = new HashMap<>();
            for (Settlement s : result.settlements()) {
                due.put(s.betId(), s);
            }
            assertThat(persistent.due()).as(context).isEqualTo(due);
            assertThat(java.util.Set.copyOf(persistent.openBets())).as(context).isEqualTo(java.util.Set.copyOf(table.openBets()));
            assertThat(persistent.state()).as(context).isEqualTo(table.state());
            assertThat(beforeRoll.due()).as("the earlier table is unchanged").isEmpty();
            for (Settlement s : result.settlements()) {
                persistent = persistent.settled(s.betId());
                assertThat(persistent.holds(s.betId())).isFalse();
            }
            assertThat(result.rollIndex()).as(context).isEqualTo(before.rollCount());
            assertThat(result.before()).as(context).isEqualTo(before);
            assertThat(result.after()).as(context).isEqualTo(before.next(turn.roll()));
            assertThat(result.event()).as(context).isEqualTo(TableEvent.of(before, turn.roll()));
            before = result.after();
            for (Settlement s : result.settlements()) {
                String id = s.betId();
                assertThat(placed).as(context).containsKey(id);
                assertThat(settled.put(id, s.resolution())).as(context + "\nsettled twice: " + id).isNull();
                assertThat(s.resolution().rollIndex()).isEqualTo(result.rollIndex());
                OpenBet bet = placed.get(id);
                String player = bet.player();
                switch (s.resolution().status()) {
                    case WIN -> {
                        assertThat(s.winnings()).as(context + "\n" + id).isPositive();
                        move(balance, "escrow", player, bet.stake());
                        move(balance, "house", player, s.winnings());
                        winnings += s.winnings();
                    }
                    case LOSE -> {
                        move(balance, "escrow", "house", bet.stake());
                        lostStakes += bet.stake();
                    }
                    case PUSH -> move(balance, "escrow", player, bet.stake());
                    case OPEN -> throw new AssertionError("an OPEN settlement: " + s);
                }
                tally(bet.type() + " " + s.resolution().status());
            }
            if (result.after().decisions() == script.rounds()) {
                break;
            }
        }
        assertThat(java.util.Set.copyOf(persistent.openBets())).as(context).isEqualTo(java.util.Set.copyOf(table.openBets()));
        for (OpenBet left : table.close()) {
            assertThat(settled).as(context).doesNotContainKey(left.betId());
            voided.put(left.betId(), left);
            move(balance, "escrow", left.player(), left.stake());
            tally(left.type() + " VOID");
        }

        // every bet exactly once
        assertThat(settled.size() + voided.size()).as(context).isEqualTo(placed.size());
        for (String id : placed.keySet()) {
            assertThat(settled.containsKey(id) ^ voided.containsKey(id)).as(context + "\n" + id).isTrue();
        }
        boolean decided = table.state().decisions() == script.rounds();
        if (decided) {
            assertThat(voided.values()).as(context + "\nline bets are all decided with the pass line")
                    .noneMatch(b -> b.type() == BetType.PASS_LINE || b.type() == BetType.DONT_PASS
                            || b.type() == BetType.PASS_ODDS || b.type() == BetType.DONT_PASS_ODDS);
        }

        // chips
        long house = balance.getOrDefault("house", 0L);
        long players = PLAYERS.stream().mapToLong(p -> balance.getOrDefault(p, 0L)).sum();
        assertThat(balance.getOrDefault("escrow", 0L)).as(context).isZero();
        assertThat(players + house).as(context).isZero();
        assertThat(winnings - lostStakes).as(context).isEqualTo(-house);

        // three statements of the rules agree on every bet
        List<Roll> all = table.rolls();
        for (OpenBet bet : placed.values()) {
            Resolution byTable = settled.containsKey(bet.betId()) ? settled.get(bet.betId())
                    : Resolution.open(voided.get(bet.betId()).point());
            assertThat(Rulebook.resolve(rules, all, bet.bet())).as(context + "\n" + bet).isEqualTo(byTable);
            assertThat(reference(rules, all, bet.bet())).as(context + "\nreference, " + bet).isEqualTo(byTable);
            if (Rulebook.isOneRoll(bet.type()) && bet.placedAt() < all.size()) {
                assertThat(byTable.rollIndex()).as(context + "\n" + bet).isEqualTo(bet.placedAt());
            }
        }
        games++;
        bets += placed.size();
        rolls += all.size();
    }

    /** Mostly, odds go to a player who has a flat bet they could stand behind (if anyone has). */
    private static String player(CrapsTable table, BetType type, Intent intent) {
        String chosen = PLAYERS.get(intent.player());
        if (!Rulebook.isOdds(type) || intent.number() % 5 == 0) {
            return chosen;
        }
        BetType flat = Rulebook.flatBetFor(type);
        List<String> backed = table.openBets().stream().filter(b -> b.type() == flat && b.point() != null)
                .map(OpenBet::player).distinct().toList();
        return backed.isEmpty() || backed.contains(chosen) ? chosen : backed.get(intent.player() % backed.size());
    }

    /** The number to name: mostly a sensible one, sometimes a wrong one, so refusals are exercised too. */
    private static Integer number(CrapsTable table, String player, BetType type, int choice) {
        boolean wrong = choice % 23 == 0;
        return switch (type) {
            case PLACE -> wrong ? 7 : POINTS[choice % POINTS.length];
            case HARDWAY -> wrong ? 5 : HARD[choice % HARD.length];
            case PASS_ODDS, DONT_PASS_ODDS -> wrong ? Integer.valueOf(4) : choice % 2 == 0 ? null : table.state().point();
            case COME_ODDS, DONT_COME_ODDS -> {
                BetType flat = Rulebook.flatBetFor(type);
                List<Integer> mine = table.openBets().stream()
                        .filter(b -> b.type() == flat && b.player().equals(player) && b.point() != null)
                        .map(OpenBet::point).toList();
                yield wrong || mine.isEmpty() ? POINTS[choice % POINTS.length] : mine.get(choice % mine.size());
            }
            default -> wrong ? Integer.valueOf(6) : null;
        };
    }

    /** A stake: within the limits (the odds room for odds) mostly, just outside sometimes. */
    private static long stake(CrapsTable table, String player, BetType type, Integer number, Intent intent) {
        int choice = intent.stake();
        TableRules rules = table.rules();
        if (Rulebook.isOdds(type)) {
            long room = number == null && (type == BetType.COME_ODDS || type == BetType.DONT_COME_ODDS) ? 0
                    : table.oddsRoom(player, type, number);
            if (room > 0 && choice % 19 != 0) {
                return 1 + choice % room;
            }
            return room + 1;
        }
        if (choice % 29 == 0) {
            return choice % 2 == 0 && rules.minBet() > 1 ? rules.minBet() - 1 : rules.maxBet() + 1;
        }
        return rules.minBet() + choice % (rules.maxBet() - rules.minBet() + 1);
    }

    private static void move(Map<String, Long> balance, String from, String to, long amount) {
        balance.merge(from, -amount, Long::sum);
        balance.merge(to, amount, Long::sum);
    }

    private void tally(String key) {
        tally.merge(key, 1, Integer::sum);
    }

    // ---------------------------------------------------------------------------------------------
    // The rules again, stated naively and independently of the main code (its own pay table, its own puck).

    /** {numerator, denominator} of what a win pays. */
    private static long[] pays(TableRules rules, BetType type, int point, int total) {
        return switch (type) {
            case PASS_LINE, DONT_PASS, COME, DONT_COME -> new long[] {1, 1};
            case PASS_ODDS, COME_ODDS -> point == 4 || point == 10 ? new long[] {2, 1}
                    : point == 5 || point == 9 ? new long[] {3, 2} : new long[] {6, 5};
            case DONT_PASS_ODDS, DONT_COME_ODDS -> point == 4 || point == 10 ? new long[] {1, 2}
                    : point == 5 || point == 9 ? new long[] {2, 3} : new long[] {5, 6};
            case PLACE -> point == 4 || point == 10 ? new long[] {9, 5}
                    : point == 5 || point == 9 ? new long[] {7, 5} : new long[] {7, 6};
            case HARDWAY -> point == 4 || point == 10 ? new long[] {7, 1} : new long[] {9, 1};
            case FIELD -> total == 2 ? new long[] {2, 1} : total == 12 ? new long[] {rules.field12Pays(), 1} : new long[] {1, 1};
            case ANY_SEVEN -> new long[] {4, 1};
            case ANY_CRAPS -> new long[] {7, 1};
            case ELEVEN, ACE_DEUCE -> new long[] {15, 1};
            case ACES, TWELVE -> new long[] {30, 1};
        };
    }

    private static Resolution won(TableRules rules, BetType type, int point, int total, long stake, int at, Integer on) {
        long[] r = pays(rules, type, point, total);
        return Resolution.win(stake * r[0] / r[1], at, on);
    }

    static Resolution reference(TableRules rules, List<Roll> rolls, Bet bet) {
        int n = rolls.size();
        // the table's point before each roll, 0 on a come-out
        int[] puck = new int[n + 1];
        for (int i = 0; i < n; i++) {
            int t = rolls.get(i).total();
            int p = puck[i];
            if (p == 0) {
                puck[i + 1] = t == 4 || t == 5 || t == 6 || t == 8 || t == 9 || t == 10 ? t : 0;
            } else {
                puck[i + 1] = t == p || t == 7 ? 0 : p;
            }
        }
        BetType type = bet.type();
        long stake = bet.stake();
        int at = bet.placedAt();
        switch (type) {
            case FIELD, ANY_SEVEN, ANY_CRAPS, ELEVEN, ACES, TWELVE, ACE_DEUCE -> {
                if (at == n) {
                    return Resolution.open(null);
                }
                int t = rolls.get(at).total();
                boolean wins = switch (type) {
                    case FIELD -> t == 2 || t == 3 || t == 4 || t == 9 || t == 10 || t == 11 || t == 12;
                    case ANY_SEVEN -> t == 7;
                    case ANY_CRAPS -> t == 2 || t == 3 || t == 12;
                    case ELEVEN -> t == 11;
                    case ACES -> t == 2;
                    case TWELVE -> t == 12;
                    default -> t == 3;
                };
                return wins ? won(rules, type, 0, t, stake, at, null) : Resolution.lose(at, null);
            }
            case PASS_LINE, COME, DONT_PASS, DONT_COME -> {
                boolean right = type == BetType.PASS_LINE || type == BetType.COME;
                if (at == n) {
                    return Resolution.open(null);
                }
                int t0 = rolls.get(at).total();
                if (t0 == 7 || t0 == 11) {
                    return right ? won(rules, type, 0, t0, stake, at, null) : Resolution.lose(at, null);
                }
                if (t0 == 2 || t0 == 3) {
                    return right ? Resolution.lose(at, null) : won(rules, type, 0, t0, stake, at, null);
                }
                if (t0 == 12) {
                    return right ? Resolution.lose(at, null) : Resolution.push(at, null);
                }
                for (int j = at + 1; j < n; j++) {
                    int t = rolls.get(j).total();
                    if (t == t0) {
                        return right ? won(rules, type, t0, t, stake, j, t0) : Resolution.lose(j, t0);
                    }
                    if (t == 7) {
                        return right ? Resolution.lose(j, t0) : won(rules, type, t0, t, stake, j, t0);
                    }
                }
                return Resolution.open(t0);
            }
            default -> { }
        }
        int p = type == BetType.PASS_ODDS || type == BetType.DONT_PASS_ODDS ? puck[at] : bet.point();
        for (int j = at; j < n; j++) {
            Roll roll = rolls.get(j);
            int t = roll.total();
            boolean comeOut = puck[j] == 0;
            switch (type) {
                case PASS_ODDS -> {
                    if (t == p) {
                        return won(rules, type, p, t, stake, j, p);
                    }
                    if (t == 7) {
                        return Resolution.lose(j, p);
                    }
                }
                case DONT_PASS_ODDS, DONT_COME_ODDS -> {
                    if (t == 7) {
                        return won(rules, type, p, t, stake, j, p);
                    }
                    if (t == p) {
                        return Resolution.lose(j, p);
                    }
                }
                case COME_ODDS -> {
                    if (comeOut && (t == p || t == 7)) {
                        return Resolution.push(j, p);
                    }
                    if (!comeOut && t == p) {
                        return won(rules, type, p, t, stake, j, p);
                    }
                    if (!comeOut && t == 7) {
                        return Resolution.lose(j, p);
                    }
                }
                case PLACE -> {
                    if (comeOut && !rules.placeWorksOnComeOut()) {
                        continue;
                    }
                    if (t == p) {
                        return won(rules, type, p, t, stake, j, p);
                    }
                    if (t == 7) {
                        return Resolution.lose(j, p);
                    }
                }
                case HARDWAY -> {
                    if (comeOut) {
                        continue;
                    }
                    if (t == 7 || (t == p && !roll.isHard())) {
                        return Resolution.lose(j, p);
                    }
                    if (t == p) {
                        return won(rules, type, p, t, stake, j, p);
                    }
                }
                default -> throw new AssertionError(type);
            }
        }
        return Resolution.open(p);
    }
}
