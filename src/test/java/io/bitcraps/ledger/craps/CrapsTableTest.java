package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.craps.PlacementError.Code;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/** The streaming table: the puck, come bets moving, odds behind the same player's flat bet, close. */
class CrapsTableTest {
    private final CrapsTable table = new CrapsTable(TableRules.standard());

    @Test
    void aRoundWithComeBetsOddsAndPropsSettlesRollByRoll() {
        table.place("pass", "ann", BetType.PASS_LINE, null, 10);
        table.place("field", "bob", BetType.FIELD, null, 5);
        table.place("hard6", "bob", BetType.HARDWAY, 6, 5);

        RollResult r0 = table.roll(Roll.of(2, 2)); // come-out 4: point set; field wins even money
        assertThat(r0.event()).isEqualTo(TableEvent.POINT_SET);
        assertThat(r0.rollIndex()).isZero();
        assertThat(r0.before().isComeOut()).isTrue();
        assertThat(r0.after().point()).isEqualTo(4);
        assertThat(r0.settlements()).extracting(Settlement::betId, Settlement::outcome, Settlement::winnings)
                .containsExactly(tuple("field", Outcome.WIN, 5L));
        assertThat(table.openBet("pass").orElseThrow().point()).isEqualTo(4);

        table.place("odds", "ann", BetType.PASS_ODDS, null, 30);
        table.place("come", "ann", BetType.COME, null, 10);
        RollResult r1 = table.roll(Roll.of(5, 3)); // easy 8: the come bet moves to 8, nothing resolves
        assertThat(r1.event()).isEqualTo(TableEvent.NO_DECISION);
        assertThat(r1.settlements()).isEmpty();
        OpenBet come = table.openBet("come").orElseThrow();
        assertThat(come.point()).isEqualTo(8);
        assertThat(come.bet().point()).isNull(); // as placed: no number

        table.place("comeOdds", "ann", BetType.COME_ODDS, 8, 50);
        table.place("any7", "bob", BetType.ANY_SEVEN, null, 5);
        RollResult r2 = table.roll(Roll.of(4, 4)); // hard 8: come point made; any seven loses
        assertThat(r2.settlements()).extracting(Settlement::betId, Settlement::outcome, Settlement::winnings)
                .containsExactly(
                        tuple("come", Outcome.WIN, 10L),
                        tuple("comeOdds", Outcome.WIN, 60L),
                        tuple("any7", Outcome.LOSE, 0L));

        RollResult r3 = table.roll(Roll.of(3, 4)); // seven-out
        assertThat(r3.event()).isEqualTo(TableEvent.SEVEN_OUT);
        assertThat(r3.event().decidesPassLine()).isTrue();
        assertThat(r3.settlements()).extracting(Settlement::betId, Settlement::outcome)
                .containsExactly(tuple("pass", Outcome.LOSE), tuple("hard6", Outcome.LOSE), tuple("odds", Outcome.LOSE));
        assertThat(r3.after().isComeOut()).isTrue();
        assertThat(r3.after().decisions()).isEqualTo(1);
        assertThat(table.openBets()).isEmpty();
        assertThat(table.rolls()).containsExactly(Roll.of(2, 2), Roll.of(5, 3), Roll.of(4, 4), Roll.of(3, 4));
    }

    @Test
    void oddsNeedTheSamePlayersFlatBetOnTheSameNumber() {
        assertThat(table.validate("ann", BetType.PASS_ODDS, null, 10)).hasValueSatisfying(
                e -> assertThat(e.code()).isEqualTo(Code.ONLY_WHILE_POINT_ON));
        table.place("pass", "ann", BetType.PASS_LINE, null, 10);
        table.roll(Roll.of(3, 3)); // point 6
        assertThat(table.validate("bob", BetType.PASS_ODDS, null, 10)).hasValueSatisfying(
                e -> assertThat(e.code()).isEqualTo(Code.NO_FLAT_BET));
        assertThat(table.validate("ann", BetType.DONT_PASS_ODDS, null, 10)).hasValueSatisfying(
                e -> assertThat(e.code()).isEqualTo(Code.NO_FLAT_BET));
        assertThat(table.validate("ann", BetType.PASS_ODDS, null, 10)).isEmpty();
        assertThat(table.validate("ann", BetType.PASS_ODDS, 6, 10)).isEmpty();

        table.place("come", "ann", BetType.COME, null, 10);
        assertThat(table.validate("ann", BetType.COME_ODDS, 9, 10)).hasValueSatisfying(
                e -> assertThat(e.code()).isEqualTo(Code.NO_FLAT_BET)); // the come bet has no point yet
        table.roll(Roll.of(4, 5)); // come bet to 9
        assertThat(table.validate("ann", BetType.COME_ODDS, 9, 10)).isEmpty();
        assertThat(table.validate("ann", BetType.COME_ODDS, 8, 10)).hasValueSatisfying(
                e -> assertThat(e.code()).isEqualTo(Code.NO_FLAT_BET));
        assertThat(table.validate("bob", BetType.COME_ODDS, 9, 10)).hasValueSatisfying(
                e -> assertThat(e.code()).isEqualTo(Code.NO_FLAT_BET));
        assertThat(table.validate("ann", BetType.DONT_COME_ODDS, 9, 10)).hasValueSatisfying(
                e -> assertThat(e.code()).isEqualTo(Code.NO_FLAT_BET));
    }

    @Test
    void oddsStayWithinTheMultipleCountingTheOddsAlreadyThere() {
        table.place("pass", "ann", BetType.PASS_LINE, null, 10);
        table.place("dont", "bob", BetType.DONT_PASS, null, 10);
        table.roll(Roll.of(3, 3)); // point 6: 5x at a 3-4-5x table
        assertThat(table.oddsRoom("ann", BetType.PASS_ODDS, null)).isEqualTo(50);
        assertThat(table.oddsRoom("ann", BetType.PASS_ODDS, 8)).isZero();
        assertThat(table.oddsRoom("bob", BetType.DONT_PASS_ODDS, null)).isEqualTo(60); // lay 60 to win 50
        assertThat(table.oddsRoom("bob", BetType.PASS_ODDS, null)).isZero();
        assertThat(table.validate("ann", BetType.PASS_ODDS, null, 51)).hasValueSatisfying(
                e -> assertThat(e.code()).isEqualTo(Code.ODDS_ABOVE_MAXIMUM));
        table.place("odds1", "ann", BetType.PASS_ODDS, null, 30);
        assertThat(table.oddsRoom("ann", BetType.PASS_ODDS, null)).isEqualTo(20);
        assertThat(table.validate("ann", BetType.PASS_ODDS, null, 21)).hasValueSatisfying(
                e -> assertThat(e.code()).isEqualTo(Code.ODDS_ABOVE_MAXIMUM));
        table.place("odds2", "ann", BetType.PASS_ODDS, null, 20);
        assertThat(table.oddsRoom("ann", BetType.PASS_ODDS, null)).isZero();
        table.place("lay", "bob", BetType.DONT_PASS_ODDS, null, 60);
        assertThat(table.roll(Roll.of(1, 5)).settlements()) // point made
                .extracting(Settlement::betId, Settlement::outcome, Settlement::winnings)
                .containsExactly(tuple("pass", Outcome.WIN, 10L), tuple("dont", Outcome.LOSE, 0L),
                        tuple("odds1", Outcome.WIN, 36L), tuple("odds2", Outcome.WIN, 24L),
                        tuple("lay", Outcome.LOSE, 0L));
    }

    @Test
    void placeRefusesWhatValidateRefusesAndDuplicateIds() {
        assertThatThrownBy(() -> table.place("c", "ann", BetType.COME, null, 10))
                .isInstanceOfSatisfying(InvalidPlacementException.class,
                        e -> assertThat(e.error().code()).isEqualTo(Code.ONLY_WHILE_POINT_ON));
        assertThatThrownBy(() -> table.place("p", "ann", BetType.PLACE, 7, 10))
                .isInstanceOfSatisfying(InvalidPlacementException.class,
                        e -> assertThat(e.error().code()).isEqualTo(Code.BAD_NUMBER));
        table.place("f", "ann", BetType.FIELD, null, 10);
        assertThatThrownBy(() -> table.place("f", "ann", BetType.FIELD, null, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .isNotInstanceOf(InvalidPlacementException.class);
        assertThat(table.openBets()).hasSize(1);
    }

    @Test
    void removeTakesABetOffAndCloseHandsBackTheRestToVoid() {
        table.place("pass", "ann", BetType.PASS_LINE, null, 10);
        table.place("place8", "ann", BetType.PLACE, 8, 12);
        table.place("hard10", "bob", BetType.HARDWAY, 10, 5);
        table.roll(Roll.of(4, 5)); // point 9
        assertThat(table.remove("hard10")).isPresent();
        assertThat(table.remove("hard10")).isEmpty();
        RollResult made = table.roll(Roll.of(6, 3)); // point made: the game's pass line is decided
        assertThat(made.event().decidesPassLine()).isTrue();
        assertThat(made.settlements()).extracting(Settlement::betId).containsExactly("pass");
        List<OpenBet> left = table.close();
        assertThat(left).extracting(OpenBet::betId, OpenBet::point).containsExactly(tuple("place8", 8));
        assertThat(table.isClosed()).isTrue();
        assertThat(table.close()).isEmpty();
        assertThatThrownBy(() -> table.roll(Roll.of(1, 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> table.place("x", "ann", BetType.FIELD, null, 10)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void comeOddsAreOffOnTheComeOutAndReturnedWhenTheirComeBetIsDecidedThere() {
        table.place("pass", "ann", BetType.PASS_LINE, null, 10);
        table.roll(Roll.of(2, 2)); // point 4
        table.place("come", "ann", BetType.COME, null, 10);
        table.roll(Roll.of(3, 2)); // come bet to 5
        table.place("odds", "ann", BetType.COME_ODDS, 5, 40);
        table.place("place6", "bob", BetType.PLACE, 6, 12);
        assertThat(table.roll(Roll.of(1, 3)).settlements()).extracting(Settlement::betId).containsExactly("pass");
        // come-out roll: 5 wins the come bet; its odds were off and come back; place 6 is off
        RollResult comeOut = table.roll(Roll.of(4, 1));
        assertThat(comeOut.before().isComeOut()).isTrue();
        assertThat(comeOut.event()).isEqualTo(TableEvent.POINT_SET);
        assertThat(comeOut.settlements()).extracting(Settlement::betId, Settlement::outcome, Settlement::winnings)
                .containsExactly(tuple("come", Outcome.WIN, 10L), tuple("odds", Outcome.PUSH, 0L));
        assertThat(table.openBets()).extracting(OpenBet::betId).containsExactly("place6");
    }

    @Test
    void theTableAndTheRulebookSeeTheSameBets() {
        table.place("pass", "ann", BetType.PASS_LINE, null, 10);
        table.roll(Roll.of(5, 5));
        OpenBet come = table.place("come", "ann", BetType.COME, null, 10);
        table.roll(Roll.of(3, 3));
        table.roll(Roll.of(1, 1));
        Resolution r = Rulebook.resolve(table.rules(), table.rolls(), come.bet());
        assertThat(r).isEqualTo(Resolution.open(6));
        assertThat(table.openBet("come").orElseThrow().point()).isEqualTo(6);
    }
}
