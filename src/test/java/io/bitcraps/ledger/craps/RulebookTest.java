package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.domain.BetType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hand-worked games, one per row, checked against {@link Rulebook#resolve} and against a {@link CrapsTable}
 * fed the same rolls. Each row: bet type, number ({@code -} for none), stake, roll index at which it is placed,
 * table rules, the game's rolls from its first come-out ({@code -} for none), and the expected
 * {@link Resolution} as its {@code toString()}: {@code WIN <winnings> @<roll index> [on <point>]},
 * {@code LOSE @i [on p]}, {@code PUSH @i [on p]} or {@code OPEN [on p]}.
 * <p>
 * Rules: {@code std} = {@link TableRules#standard()} (field 12 pays 3:1, place bets off on the come-out, 3-4-5x,
 * 5..5000); {@code f2} = the same with field 12 paying 2:1; {@code pon} = the same with place bets working on
 * the come-out; {@code x0} = a table with no odds.
 * <p>
 * The rounding rows (winnings round down to whole chips), worked by hand:
 * <pre>
 *   odds 6:5 on 7 = 8.4 → 8      odds 6:5 on 11 = 13.2 → 13     odds 3:2 on 5 = 7.5 → 7    odds 3:2 on 9 = 13.5 → 13
 *   lay 1:2 on 5 = 2.5 → 2       lay 2:3 on 5 = 3.33 → 3        lay 2:3 on 10 = 6.67 → 6   lay 5:6 on 7 = 5.83 → 5
 *   place 7:6 on 10 = 11.67 → 11 place 9:5 on 7 = 12.6 → 12     place 7:5 on 6 = 8.4 → 8
 * </pre>
 */
class RulebookTest {

    static final String RESOLUTIONS = """
        # type          number stake at rules rolls                    expected
        # --- pass line: come-out naturals and craps, point made and missed
        PASS_LINE       -     10    0  std   5+2                       WIN 10 @0
        PASS_LINE       -     10    0  std   6+5                       WIN 10 @0
        PASS_LINE       -     10    0  std   1+1                       LOSE @0
        PASS_LINE       -     10    0  std   1+2                       LOSE @0
        PASS_LINE       -     10    0  std   6+6                       LOSE @0
        PASS_LINE       -     10    0  std   4+2,3+1,5+1               WIN 10 @2 on 6
        PASS_LINE       -     10    0  std   2+2,6+5,1+1,6+6,2+2       WIN 10 @4 on 4   # 11, 2, 12 do nothing while the point is on
        PASS_LINE       -     10    0  std   4+2,3+4                   LOSE @1 on 6     # seven-out
        PASS_LINE       -     10    0  std   5+5,6+3,1+2               OPEN on 10
        PASS_LINE       -     10    0  std   -                         OPEN
        PASS_LINE       -     25    2  std   3+3,3+3,4+5,3+6           WIN 25 @3 on 9   # placed on the next round's come-out
        # --- don't pass: 12 is barred (push)
        DONT_PASS       -     10    0  std   5+2                       LOSE @0
        DONT_PASS       -     10    0  std   5+6                       LOSE @0
        DONT_PASS       -     10    0  std   1+1                       WIN 10 @0
        DONT_PASS       -     10    0  std   2+1                       WIN 10 @0
        DONT_PASS       -     10    0  std   6+6                       PUSH @0
        DONT_PASS       -     10    0  std   4+4,2+6                   LOSE @1 on 8
        DONT_PASS       -     10    0  std   4+4,2+2,3+4               WIN 10 @2 on 8
        DONT_PASS       -     10    0  std   5+5,6+6,1+1               OPEN on 10
        # --- come: its own come-out on the next roll, then its own point
        COME            -     10    1  std   3+3,5+2                   WIN 10 @1        # come-out 7 wins it (and sevens the line out)
        COME            -     10    1  std   3+3,6+5                   WIN 10 @1
        COME            -     10    1  std   3+3,1+2                   LOSE @1
        COME            -     10    1  std   3+3,1+1                   LOSE @1
        COME            -     10    1  std   3+3,6+6                   LOSE @1
        COME            -     10    1  std   3+3,4+4                   OPEN on 8        # moved to its come point 8
        COME            -     10    1  std   3+3,4+4,5+3               WIN 10 @2 on 8
        COME            -     10    1  std   3+3,4+4,2+5               LOSE @2 on 8
        COME            -     10    1  std   3+3,3+3                   OPEN on 6        # the line's 6 is the come bet's come-out: it moves to 6
        COME            -     10    1  std   3+3,3+3,4+2               WIN 10 @2 on 6
        COME            -     10    1  std   3+3,4+4,3+3,6+2           WIN 10 @3 on 8   # line made; come bets work on the next come-out
        COME            -     10    1  std   3+3,4+4,3+3,5+2           LOSE @3 on 8     # come-out 7 loses a come bet on 8
        # --- don't come
        DONT_COME       -     10    1  std   3+3,5+2                   LOSE @1
        DONT_COME       -     10    1  std   3+3,5+6                   LOSE @1
        DONT_COME       -     10    1  std   3+3,1+1                   WIN 10 @1
        DONT_COME       -     10    1  std   3+3,1+2                   WIN 10 @1
        DONT_COME       -     10    1  std   3+3,6+6                   PUSH @1
        DONT_COME       -     10    1  std   3+3,5+4                   OPEN on 9
        DONT_COME       -     10    1  std   3+3,5+4,3+4               WIN 10 @2 on 9
        DONT_COME       -     10    1  std   3+3,5+4,6+3               LOSE @2 on 9
        DONT_COME       -     10    1  std   3+3,5+4,3+3,6+1           WIN 10 @3 on 9   # line made; the come-out 7 wins the don't come on 9
        # --- free odds behind the pass line
        PASS_ODDS       -     10    1  std   3+3,5+1                   WIN 12 @1 on 6
        PASS_ODDS       -     7     1  std   3+3,5+1                   WIN 8 @1 on 6    # 6:5 on 7 = 8.4 -> 8
        PASS_ODDS       6     7     1  std   4+2,2+4                   WIN 8 @1 on 6    # naming the table's point
        PASS_ODDS       -     11    1  std   4+4,2+6                   WIN 13 @1 on 8   # 6:5 on 11 = 13.2 -> 13
        PASS_ODDS       -     5     1  std   2+3,4+1                   WIN 7 @1 on 5    # 3:2 on 5 = 7.5 -> 7
        PASS_ODDS       -     9     1  std   5+4,6+3                   WIN 13 @1 on 9   # 3:2 on 9 = 13.5 -> 13
        PASS_ODDS       -     10    1  std   2+3,4+1                   WIN 15 @1 on 5
        PASS_ODDS       -     10    1  std   2+2,3+1                   WIN 20 @1 on 4
        PASS_ODDS       -     5     1  std   6+4,5+5                   WIN 10 @1 on 10
        PASS_ODDS       -     10    1  std   3+3,4+3                   LOSE @1 on 6
        PASS_ODDS       -     10    2  std   3+3,1+1,6+6,4+4,2+4       WIN 12 @4 on 6   # placed after two rolls
        PASS_ODDS       -     10    1  std   3+3,1+1,6+5               OPEN on 6
        # --- lay odds behind don't pass
        DONT_PASS_ODDS  -     10    1  std   2+2,4+3                   WIN 5 @1 on 4
        DONT_PASS_ODDS  -     5     1  std   2+2,4+3                   WIN 2 @1 on 4    # 1:2 on 5 = 2.5 -> 2
        DONT_PASS_ODDS  -     5     1  std   2+3,6+1                   WIN 3 @1 on 5    # 2:3 on 5 = 3.33 -> 3
        DONT_PASS_ODDS  -     9     1  std   4+5,6+1                   WIN 6 @1 on 9
        DONT_PASS_ODDS  -     7     1  std   3+3,6+1                   WIN 5 @1 on 6    # 5:6 on 7 = 5.83 -> 5
        DONT_PASS_ODDS  -     12    1  std   4+4,6+1                   WIN 10 @1 on 8
        DONT_PASS_ODDS  -     20    1  std   6+4,5+2                   WIN 10 @1 on 10
        DONT_PASS_ODDS  -     10    1  std   4+4,2+6                   LOSE @1 on 8
        DONT_PASS_ODDS  -     10    1  std   4+4,1+1,5+6,6+6           OPEN on 8
        # --- free odds behind a come bet, named by its come point
        COME_ODDS       6     10    2  std   1+3,3+3,4+2               WIN 12 @2 on 6
        COME_ODDS       6     7     2  std   1+3,3+3,4+2               WIN 8 @2 on 6    # 6:5 on 7 = 8.4 -> 8
        COME_ODDS       9     5     2  std   1+3,5+4,6+3               WIN 7 @2 on 9    # 3:2 on 5 = 7.5 -> 7
        COME_ODDS       10    10    2  std   1+3,5+5,6+4               WIN 20 @2 on 10
        COME_ODDS       6     10    2  std   1+3,3+3,2+5               LOSE @2 on 6
        COME_ODDS       6     10    2  std   1+3,3+3,1+1,5+6           OPEN on 6
        COME_ODDS       6     10    2  std   2+2,3+3,3+1,6+1           PUSH @3 on 6     # off on the come-out: the 7 returns them
        COME_ODDS       6     10    2  std   2+2,3+3,3+1,5+1           PUSH @3 on 6     # off on the come-out: the 6 returns them
        COME_ODDS       6     10    2  std   2+2,3+3,3+1,5+5,4+2       WIN 12 @4 on 6   # working again once the new point is on
        COME_ODDS       6     10    3  std   2+2,3+3,3+1,4+4,5+1       WIN 12 @4 on 6   # placed during the come-out
        # --- lay odds behind a don't come bet: always working
        DONT_COME_ODDS  10    20    2  std   3+3,5+5,4+3               WIN 10 @2 on 10
        DONT_COME_ODDS  10    5     2  std   3+3,5+5,4+3               WIN 2 @2 on 10   # 1:2 on 5 = 2.5 -> 2
        DONT_COME_ODDS  5     9     2  std   4+4,4+1,2+5               WIN 6 @2 on 5
        DONT_COME_ODDS  5     10    2  std   4+4,4+1,2+5               WIN 6 @2 on 5    # 2:3 on 10 = 6.67 -> 6
        DONT_COME_ODDS  6     7     2  std   4+4,3+3,2+5               WIN 5 @2 on 6    # 5:6 on 7 = 5.83 -> 5
        DONT_COME_ODDS  10    10    2  std   3+3,5+5,6+4               LOSE @2 on 10
        DONT_COME_ODDS  10    10    2  std   3+3,5+5,6+6,1+1,3+3,5+6   OPEN on 10       # the line's 6 made, next come-out 11: no decision
        DONT_COME_ODDS  4     10    2  std   3+3,2+2,3+3,5+2           WIN 5 @3 on 4    # working on the come-out
        DONT_COME_ODDS  4     10    2  std   3+3,2+2,3+3,1+3           LOSE @3 on 4
        # --- place bets: off on the come-out unless the table says so
        PLACE           6     12    0  std   3+3,5+1                   WIN 14 @1 on 6   # the come-out 6 does nothing
        PLACE           6     12    0  pon   3+3                       WIN 14 @0 on 6   # working on the come-out by table rule
        PLACE           6     12    0  std   5+2                       OPEN on 6        # the come-out 7 does nothing
        PLACE           6     12    0  pon   5+2                       LOSE @0 on 6
        PLACE           6     12    1  std   4+4,2+4                   WIN 14 @1 on 6
        PLACE           6     10    1  std   4+4,2+4                   WIN 11 @1 on 6   # 7:6 on 10 = 11.67 -> 11
        PLACE           8     6     1  std   2+2,6+2                   WIN 7 @1 on 8
        PLACE           5     5     1  std   4+4,2+3                   WIN 7 @1 on 5
        PLACE           5     6     1  std   4+4,2+3                   WIN 8 @1 on 5    # 7:5 on 6 = 8.4 -> 8
        PLACE           9     10    1  std   4+4,3+6                   WIN 14 @1 on 9
        PLACE           4     5     1  std   4+4,1+3                   WIN 9 @1 on 4
        PLACE           10    10    1  std   4+4,4+6                   WIN 18 @1 on 10
        PLACE           10    7     1  std   4+4,4+6                   WIN 12 @1 on 10  # 9:5 on 7 = 12.6 -> 12
        PLACE           6     12    1  std   4+4,2+5                   LOSE @1 on 6
        PLACE           6     12    1  std   4+4,1+1,6+5,2+2           OPEN on 6
        PLACE           5     5     1  std   3+3,3+3,2+3,4+1           WIN 7 @3 on 5    # the next come-out's 5 does nothing
        PLACE           5     5     1  std   3+3,3+3,5+2,4+1           OPEN on 5        # nor does its 7
        PLACE           5     5     1  pon   3+3,3+3,5+2               LOSE @2 on 5
        # --- hardways: hard wins, easy or 7 loses; off on the come-out
        HARDWAY         8     10    1  std   3+3,4+4                   WIN 90 @1 on 8
        HARDWAY         8     10    1  std   3+3,6+2                   LOSE @1 on 8     # easy 8
        HARDWAY         8     10    1  std   3+3,5+3                   LOSE @1 on 8     # easy 8
        HARDWAY         8     10    1  std   3+3,5+2                   LOSE @1 on 8
        HARDWAY         8     10    1  std   3+3,1+1,5+6,2+2,4+4       WIN 90 @4 on 8
        HARDWAY         6     10    1  std   4+4,3+3                   WIN 90 @1 on 6
        HARDWAY         6     10    1  std   4+4,1+5                   LOSE @1 on 6
        HARDWAY         4     5     1  std   5+5,2+2                   WIN 35 @1 on 4
        HARDWAY         4     5     1  std   5+5,1+3                   LOSE @1 on 4
        HARDWAY         10    5     1  std   2+2,5+5                   WIN 35 @1 on 10
        HARDWAY         10    5     1  std   2+2,6+4                   LOSE @1 on 10
        HARDWAY         6     10    0  std   3+3,3+3                   WIN 90 @1 on 6   # the come-out hard 6 does nothing
        HARDWAY         6     10    0  std   1+5,3+3                   WIN 90 @1 on 6   # nor does a come-out easy 6
        HARDWAY         6     10    0  std   6+1                       OPEN on 6        # nor a come-out 7
        HARDWAY         6     10    0  pon   6+1                       OPEN on 6        # the place-bet rule is not about hardways
        HARDWAY         4     10    1  std   3+3,3+3,1+3               OPEN on 4        # a come-out easy 4 after the point was made
        HARDWAY         4     10    1  std   3+3,3+3,2+2               OPEN on 4        # a come-out hard 4 too
        HARDWAY         4     10    1  std   3+3,3+3,2+2,2+2           WIN 70 @3 on 4   # working again once the point (4) is on
        # --- field: one roll
        FIELD           -     10    0  std   1+1                       WIN 20 @0
        FIELD           -     10    0  std   6+6                       WIN 30 @0        # 12 pays 3:1 at the standard table
        FIELD           -     10    0  f2    6+6                       WIN 20 @0        # 12 pays 2:1 by table rule
        FIELD           -     10    0  f2    1+1                       WIN 20 @0
        FIELD           -     10    0  std   1+2                       WIN 10 @0
        FIELD           -     10    0  std   1+3                       WIN 10 @0
        FIELD           -     10    0  std   4+5                       WIN 10 @0
        FIELD           -     10    0  std   4+6                       WIN 10 @0
        FIELD           -     10    0  std   5+6                       WIN 10 @0
        FIELD           -     10    0  std   1+4                       LOSE @0
        FIELD           -     10    0  std   3+3                       LOSE @0
        FIELD           -     10    0  std   3+4                       LOSE @0
        FIELD           -     10    0  std   2+6                       LOSE @0
        FIELD           -     10    2  std   3+3,1+1,5+5               WIN 10 @2        # the roll after placement, not before
        # --- propositions: one roll
        ANY_SEVEN       -     5     0  std   3+4                       WIN 20 @0
        ANY_SEVEN       -     5     1  std   3+3,6+1                   WIN 20 @1
        ANY_SEVEN       -     5     0  std   3+3                       LOSE @0
        ANY_CRAPS       -     5     0  std   1+1                       WIN 35 @0
        ANY_CRAPS       -     5     0  std   2+1                       WIN 35 @0
        ANY_CRAPS       -     5     0  std   6+6                       WIN 35 @0
        ANY_CRAPS       -     5     0  std   3+4                       LOSE @0
        ELEVEN          -     5     0  std   5+6                       WIN 75 @0
        ELEVEN          -     5     1  std   2+2,6+5                   WIN 75 @1
        ELEVEN          -     5     0  std   6+6                       LOSE @0
        ACES            -     5     0  std   1+1                       WIN 150 @0
        ACES            -     5     0  std   1+2                       LOSE @0
        TWELVE          -     5     0  std   6+6                       WIN 150 @0
        TWELVE          -     5     0  std   5+6                       LOSE @0
        ACE_DEUCE       -     5     0  std   2+1                       WIN 75 @0
        ACE_DEUCE       -     5     0  std   1+1                       LOSE @0
        """;

    /** Same columns; the last is {@code ok} or the {@link PlacementError.Code} the rulebook must give. */
    static final String PLACEMENTS = """
        PASS_LINE       -     10    1  std   3+3                       ONLY_ON_COME_OUT
        DONT_PASS       -     10    1  std   3+3                       ONLY_ON_COME_OUT
        PASS_LINE       -     10    2  std   3+3,3+3                   ok               # the next round's come-out
        COME            -     10    0  std   -                         ONLY_WHILE_POINT_ON
        DONT_COME       -     10    0  std   -                         ONLY_WHILE_POINT_ON
        PASS_ODDS       -     10    0  std   -                         ONLY_WHILE_POINT_ON
        DONT_PASS_ODDS  -     10    0  std   -                         ONLY_WHILE_POINT_ON
        PASS_ODDS       -     10    2  std   3+3,3+3                   ONLY_WHILE_POINT_ON
        COME            -     10    2  std   3+3,5+2                   ONLY_WHILE_POINT_ON
        COME            -     10    1  std   3+3                       ok
        DONT_COME       -     10    1  std   3+3                       ok
        PASS_ODDS       -     10    1  std   3+3                       ok
        PASS_ODDS       6     10    1  std   3+3                       ok
        PASS_ODDS       8     10    1  std   3+3                       BAD_NUMBER       # not the table's point
        DONT_PASS_ODDS  8     10    1  std   3+3                       BAD_NUMBER
        PLACE           -     10    0  std   -                         BAD_NUMBER
        PLACE           7     10    0  std   -                         BAD_NUMBER
        PLACE           6     10    0  std   -                         ok               # may be placed, off until a point is on
        HARDWAY         5     10    0  std   -                         BAD_NUMBER
        HARDWAY         9     10    0  std   -                         BAD_NUMBER
        HARDWAY         12    10    0  std   -                         BAD_NUMBER
        COME_ODDS       -     10    0  std   -                         BAD_NUMBER
        COME_ODDS       11    10    0  std   -                         BAD_NUMBER
        DONT_COME_ODDS  3     10    0  std   -                         BAD_NUMBER
        FIELD           4     10    0  std   -                         BAD_NUMBER
        COME            6     10    1  std   3+3                       BAD_NUMBER
        PASS_LINE       4     10    0  std   -                         BAD_NUMBER
        ANY_SEVEN       7     10    0  std   -                         BAD_NUMBER
        FIELD           -     4     0  std   -                         BELOW_MINIMUM
        FIELD           -     5     0  std   -                         ok
        FIELD           -     5000  0  std   -                         ok
        FIELD           -     5001  0  std   -                         ABOVE_MAXIMUM
        PLACE           6     4     0  std   -                         BELOW_MINIMUM
        PASS_LINE       -     5001  0  std   -                         ABOVE_MAXIMUM
        PASS_ODDS       -     1     1  std   3+3                       ok               # no table minimum on odds; 6:5 on 1 wins 1
        PASS_ODDS       -     9000  1  std   3+3                       ok               # no table maximum on odds (the flat bet caps them)
        DONT_PASS_ODDS  -     1     1  std   2+2                       WINS_NOTHING     # 1:2 on 1 = 0.5 -> 0
        DONT_PASS_ODDS  -     1     1  std   2+3                       WINS_NOTHING     # 2:3 on 1
        DONT_PASS_ODDS  -     1     1  std   3+3                       WINS_NOTHING     # 5:6 on 1
        DONT_PASS_ODDS  -     2     1  std   3+3                       ok               # 5:6 on 2 = 1.67 -> 1
        DONT_COME_ODDS  5     1     0  std   -                         WINS_NOTHING
        COME_ODDS       6     1     0  std   -                         ok               # the rulebook alone cannot see the come bet
        PASS_ODDS       -     10    1  x0    3+3                       ODDS_ABOVE_MAXIMUM # the table offers no odds
        """;

    static final Map<String, TableRules> RULES = Map.of(
            "std", TableRules.standard(),
            "f2", new TableRules(2, false, 3, 4, 5, 5, 5000),
            "pon", new TableRules(3, true, 3, 4, 5, 5, 5000),
            "x0", TableRules.withFlatOdds(3, false, 0, 5, 5000));

    record Row(int line, BetType type, Integer point, long stake, int at, String rulesName, List<Roll> rolls,
               String expected) {
        TableRules rules() {
            return RULES.get(rulesName);
        }

        Bet bet() {
            return new Bet(type, point, stake, at);
        }

        @Override
        public String toString() {
            return "line " + line + ": " + type + (point == null ? "" : " " + point) + " x" + stake + " @" + at
                    + " [" + rulesName + "] " + rolls + " -> " + expected;
        }
    }

    static List<Row> rows(String table) {
        List<Row> rows = new ArrayList<>();
        String[] lines = table.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+", 7);
            rows.add(new Row(i + 1, BetType.valueOf(f[0]), f[1].equals("-") ? null : Integer.valueOf(f[1]),
                    Long.parseLong(f[2]), Integer.parseInt(f[3]), f[4], rolls(f[5]), f[6].strip()));
        }
        return rows;
    }

    static List<Roll> rolls(String text) {
        List<Roll> rolls = new ArrayList<>();
        if (!text.equals("-")) {
            for (String r : text.split(",")) {
                String[] d = r.split("\\+");
                rolls.add(Roll.of(Integer.parseInt(d[0]), Integer.parseInt(d[1])));
            }
        }
        return rolls;
    }

    @TestFactory
    Stream<DynamicTest> everyHandWorkedGameResolvesAsWorkedOut() {
        return rows(RESOLUTIONS).stream().map(row -> DynamicTest.dynamicTest(row.toString(), () -> {
            assertThat(RULES).containsKey(row.rulesName());
            assertThat(Rulebook.validatePlacement(row.rules(), row.rolls(), row.bet())).isEmpty();
            assertThat(Rulebook.resolve(row.rules(), row.rolls(), row.bet())).hasToString(row.expected());
        }));
    }

    /**
     * The same games at a {@link CrapsTable}. Odds need their flat bet there, so an odds row also places one
     * for the same player: the line bet on the first come-out, or a come bet at roll 1 (every come-odds row is
     * worked so that this come bet lands on the row's number).
     */
    @TestFactory
    Stream<DynamicTest> theStreamingTableAgreesOnEveryHandWorkedGame() {
        return rows(RESOLUTIONS).stream().map(row -> DynamicTest.dynamicTest(row.toString(), () -> {
            CrapsTable table = new CrapsTable(row.rules());
            List<Settlement> settled = new ArrayList<>();
            for (int i = 0; i <= row.rolls().size(); i++) {
                if (Rulebook.isOdds(row.type())) {
                    int flatAt = row.type() == BetType.PASS_ODDS || row.type() == BetType.DONT_PASS_ODDS ? 0 : 1;
                    if (i == flatAt) {
                        table.place("flat", "p", Rulebook.flatBetFor(row.type()), null, 1000);
                    }
                }
                if (i == row.at()) {
                    table.place("bet", "p", row.type(), row.point(), row.stake());
                }
                if (i < row.rolls().size()) {
                    settled.addAll(table.roll(row.rolls().get(i)).settlements());
                }
            }
            Optional<Settlement> mine = settled.stream().filter(s -> s.betId().equals("bet")).findFirst();
            Resolution got = mine.map(Settlement::resolution)
                    .orElseGet(() -> Resolution.open(table.openBet("bet").orElseThrow().point()));
            assertThat(got).hasToString(row.expected());
        }));
    }

    @TestFactory
    Stream<DynamicTest> placementsAreRefusedOrAcceptedAsTheRulesSay() {
        return rows(PLACEMENTS).stream().map(row -> DynamicTest.dynamicTest(row.toString(), () -> {
            assertThat(RULES).containsKey(row.rulesName());
            Optional<PlacementError> error = Rulebook.validatePlacement(row.rules(), row.rolls(), row.bet());
            if (row.expected().equals("ok")) {
                assertThat(error).isEmpty();
                Rulebook.resolve(row.rules(), row.rolls(), row.bet()); // does not throw
            } else {
                PlacementError.Code code = PlacementError.Code.valueOf(row.expected());
                assertThat(error).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo(code));
                assertThatThrownBy(() -> Rulebook.resolve(row.rules(), row.rolls(), row.bet()))
                        .isInstanceOfSatisfying(InvalidPlacementException.class,
                                e -> assertThat(e.error().code()).isEqualTo(code));
            }
        }));
    }

    @Test
    void theTablesCoverEveryBetTypeWithEveryOutcomeItCanHave() {
        List<Row> rows = rows(RESOLUTIONS);
        for (BetType type : BetType.values()) {
            Set<Resolution.Status> seen = EnumSet.noneOf(Resolution.Status.class);
            rows.stream().filter(r -> r.type() == type)
                    .forEach(r -> seen.add(Resolution.Status.valueOf(r.expected().split(" ")[0])));
            assertThat(seen).as(type.toString()).contains(Resolution.Status.WIN, Resolution.Status.LOSE);
            boolean canPush = type == BetType.DONT_PASS || type == BetType.DONT_COME || type == BetType.COME_ODDS;
            if (canPush) {
                assertThat(seen).as(type + " pushes").contains(Resolution.Status.PUSH);
            }
            if (!Rulebook.isOneRoll(type)) {
                assertThat(seen).as(type + " stays open").contains(Resolution.Status.OPEN);
            }
        }
    }

    @Test
    void aBetPlacedAfterTheLastRollIsOpenAndOneAfterThatIsAnError() {
        List<Roll> rolls = rolls("3+3,1+1");
        assertThat(Rulebook.resolve(TableRules.standard(), rolls, new Bet(BetType.FIELD, null, 10, 2)).isOpen()).isTrue();
        assertThatThrownBy(() -> Rulebook.resolve(TableRules.standard(), rolls, new Bet(BetType.FIELD, null, 10, 3)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePayTableIsTheIssuesPayTable() {
        TableRules std = TableRules.standard();
        assertThat(PayTable.trueOdds(4)).hasToString("2:1");
        assertThat(PayTable.trueOdds(10)).hasToString("2:1");
        assertThat(PayTable.trueOdds(5)).hasToString("3:2");
        assertThat(PayTable.trueOdds(9)).hasToString("3:2");
        assertThat(PayTable.trueOdds(6)).hasToString("6:5");
        assertThat(PayTable.trueOdds(8)).hasToString("6:5");
        assertThat(PayTable.layOdds(4)).hasToString("1:2");
        assertThat(PayTable.layOdds(9)).hasToString("2:3");
        assertThat(PayTable.layOdds(8)).hasToString("5:6");
        assertThat(PayTable.place(10)).hasToString("9:5");
        assertThat(PayTable.place(5)).hasToString("7:5");
        assertThat(PayTable.place(6)).hasToString("7:6");
        assertThat(PayTable.hardway(4)).hasToString("7:1");
        assertThat(PayTable.hardway(8)).hasToString("9:1");
        assertThat(PayTable.payout(std, BetType.ANY_SEVEN, null, 7)).hasToString("4:1");
        assertThat(PayTable.payout(std, BetType.ANY_CRAPS, null, 3)).hasToString("7:1");
        assertThat(PayTable.payout(std, BetType.ELEVEN, null, 11)).hasToString("15:1");
        assertThat(PayTable.payout(std, BetType.ACES, null, 2)).hasToString("30:1");
        assertThat(PayTable.payout(std, BetType.TWELVE, null, 12)).hasToString("30:1");
        assertThat(PayTable.payout(std, BetType.ACE_DEUCE, null, 3)).hasToString("15:1");
        assertThat(PayTable.payout(std, BetType.FIELD, null, 12)).hasToString("3:1");
        assertThat(PayTable.payout(new TableRules(2, false, 3, 4, 5, 5, 5000), BetType.FIELD, null, 12)).hasToString("2:1");
        assertThat(PayTable.payout(std, BetType.FIELD, null, 2)).hasToString("2:1");
        assertThat(PayTable.payout(std, BetType.COME, null, 8)).hasToString("1:1");
        assertThatThrownBy(() -> PayTable.hardway(5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PayTable.payout(std, BetType.PLACE, null, 6)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void winningsRoundDownAndAreExactAtTheLargestStake() {
        assertThat(Payout.of(6, 5).winnings(7)).isEqualTo(8);
        assertThat(Payout.of(3, 2).winnings(5)).isEqualTo(7);
        assertThat(Payout.of(5, 6).winnings(5)).isEqualTo(4);
        assertThat(Payout.of(30, 1).winnings(io.bitcraps.ledger.domain.Limits.AMOUNT_MAX))
                .isEqualTo(30 * io.bitcraps.ledger.domain.Limits.AMOUNT_MAX)
                .isLessThanOrEqualTo(io.bitcraps.ledger.domain.Limits.WINNINGS_MAX);
    }

    @Test
    void theLargestOddsFollowTheMultipleOnTheWinForLayOdds() {
        TableRules std = TableRules.standard(); // 3-4-5x
        assertThat(Rulebook.maxOddsStake(std, BetType.PASS_ODDS, 4, 10)).isEqualTo(30);
        assertThat(Rulebook.maxOddsStake(std, BetType.COME_ODDS, 9, 10)).isEqualTo(40);
        assertThat(Rulebook.maxOddsStake(std, BetType.PASS_ODDS, 8, 10)).isEqualTo(50);
        // lay to win at most the multiple: 6x the flat bet on every point at a 3-4-5x table
        assertThat(Rulebook.maxOddsStake(std, BetType.DONT_PASS_ODDS, 10, 10)).isEqualTo(60);
        assertThat(Rulebook.maxOddsStake(std, BetType.DONT_COME_ODDS, 5, 10)).isEqualTo(60);
        assertThat(Rulebook.maxOddsStake(std, BetType.DONT_PASS_ODDS, 6, 10)).isEqualTo(60);
        TableRules flat2 = TableRules.withFlatOdds(3, false, 2, 5, 5000);
        assertThat(Rulebook.maxOddsStake(flat2, BetType.DONT_PASS_ODDS, 4, 5)).isEqualTo(20);
        assertThat(Rulebook.maxOddsStake(flat2, BetType.DONT_PASS_ODDS, 5, 5)).isEqualTo(15);
        assertThat(Rulebook.maxOddsStake(flat2, BetType.DONT_PASS_ODDS, 6, 7)).isEqualTo(16); // 2*7*6/5 = 16.8
        assertThat(PayTable.layOdds(6).winnings(16)).isLessThanOrEqualTo(14);
        assertThat(Rulebook.maxOddsStake(flat2, BetType.PASS_ODDS, 6, Long.MAX_VALUE / 2 + 1)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void tableStateFollowsThePuck() {
        TableState s = TableState.START;
        assertThat(s.isComeOut()).isTrue();
        assertThat(TableEvent.of(s, Roll.of(3, 4))).isEqualTo(TableEvent.NATURAL);
        assertThat(TableEvent.of(s, Roll.of(6, 6))).isEqualTo(TableEvent.CRAPS);
        assertThat(TableEvent.of(s, Roll.of(3, 3))).isEqualTo(TableEvent.POINT_SET);
        s = s.next(Roll.of(3, 3));
        assertThat(s).isEqualTo(new TableState(1, 6, 0));
        assertThat(TableEvent.of(s, Roll.of(5, 6))).isEqualTo(TableEvent.NO_DECISION);
        assertThat(TableEvent.of(s, Roll.of(1, 5))).isEqualTo(TableEvent.POINT_MADE);
        assertThat(TableEvent.of(s, Roll.of(1, 6))).isEqualTo(TableEvent.SEVEN_OUT);
        assertThat(s.next(Roll.of(5, 6))).isEqualTo(new TableState(2, 6, 0));
        assertThat(s.next(Roll.of(1, 6))).isEqualTo(new TableState(2, null, 1));
        assertThat(TableState.START.next(Roll.of(1, 1))).isEqualTo(new TableState(1, null, 1));
        assertThat(TableState.after(rolls("3+3,1+1,5+1,2+2"), 4)).isEqualTo(new TableState(4, 4, 1));
        assertThatThrownBy(() -> Roll.of(0, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Roll.of(3, 7)).isInstanceOf(IllegalArgumentException.class);
    }
}
