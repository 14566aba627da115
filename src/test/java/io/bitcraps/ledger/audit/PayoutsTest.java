package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.CloseGame;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Outcome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Payouts} fed commands directly, for logs the writer would never produce (it refuses to close a game with
 * an open bet, and rules it cannot parse) but a tampered or foreign log may hold, and for the bookkeeping that
 * keeps its state bounded. Seqs are the command's position, from 1.
 */
class PayoutsTest {
    private final Payouts payouts = new Payouts();
    private final List<Problem> problems = new ArrayList<>();
    private long seq;

    private long feed(Command c) {
        payouts.apply(++seq, c, problems::add);
        return seq;
    }

    @Test
    void aDecidedBetLeftUnsettledAtTheCloseIsMissingAtItsRollAndTheGameIsForgotten() {
        feed(new OpenGame("g1", "t1"));
        feed(new PlaceBet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
        feed(new PlaceBet("g1", "b2", "p2", BetType.DONT_PASS, null, 10));
        long roll = feed(new RecordRoll("g1", 6, 6)); // bar 12: the don't pass pushes
        feed(new SettleBet("g1", "b1", Outcome.LOSE, 0));
        long close = feed(new CloseGame("g1"));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(ProblemKind.MISSING_SETTLEMENT);
            assertThat(p.seq()).isEqualTo(roll);
            assertThat(p.detail()).isEqualTo("bet b2 of game g1 (DONT_PASS, stake 10) pushed on roll 0 (6+6) at seq " + roll
                    + " but was never settled before the game closed at seq " + close + ": expected PUSH, recorded nothing");
        });
        problems.clear();
        feed(new SettleBet("g1", "b2", Outcome.PUSH, 0)); // after the close: the books' finding, not judged here
        payouts.finish(seq, problems::add);
        assertThat(problems).isEmpty();
        assertThat(payouts.settlementsVerified).isEqualTo(1);
        assertThat(payouts.gamesVerified).isEqualTo(1);
    }

    @Test
    void aSettlementBothLateAndWrongIsReportedAsBoth() {
        feed(new OpenGame("g1", "t1"));
        feed(new PlaceBet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
        feed(new PlaceBet("g1", "b2", "p2", BetType.ELEVEN, null, 10));
        long decided = feed(new RecordRoll("g1", 2, 2)); // point 4; the eleven loses
        feed(new RecordRoll("g1", 5, 6));
        long settled = feed(new SettleBet("g1", "b2", Outcome.WIN, 150)); // paid as if the 11 after it counted
        assertThat(problems).extracting(Problem::kind).containsExactly(ProblemKind.LATE_SETTLEMENT, ProblemKind.WRONG_PAYOUT);
        assertThat(problems).extracting(Problem::seq).containsExactly(settled, settled);
        assertThat(problems.get(1).detail()).isEqualTo("bet b2 of game g1 (ELEVEN, stake 10) lost on roll 0 (2+2) at seq "
                + decided + ": expected LOSE, recorded WIN 150");
    }

    @Test
    void voidingABetTheRulesStillHaveOpenIsLegitimate() {
        feed(new OpenGame("g1", "t1"));
        feed(new PlaceBet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
        feed(new RecordRoll("g1", 2, 2));
        feed(new PlaceBet("g1", "b2", "p1", BetType.PLACE, 6, 12));
        feed(new PlaceBet("g1", "b3", "p2", BetType.COME, null, 10));
        feed(new RecordRoll("g1", 4, 4)); // the come bet moves to 8
        feed(new PlaceBet("g1", "b4", "p2", BetType.COME_ODDS, 8, 25)); // 5x behind 10 on 8 is 50
        feed(new RecordRoll("g1", 1, 3)); // the point made: the pass line wins
        feed(new SettleBet("g1", "b1", Outcome.WIN, 10));
        feed(new SettleBet("g1", "b2", Outcome.VOID, 0));
        feed(new SettleBet("g1", "b3", Outcome.VOID, 0));
        feed(new SettleBet("g1", "b4", Outcome.VOID, 0));
        feed(new CloseGame("g1"));
        payouts.finish(seq, problems::add);
        assertThat(problems).isEmpty();
        assertThat(payouts.settlementsVerified).isEqualTo(4);
    }

    @Test
    void aLongerGameCarriesItsBetsOverToTheNextComeOut() {
        feed(new OpenGame("g1", "t1"));
        feed(new PlaceBet("g1", "b1", "p1", BetType.PASS_LINE, null, 10));
        feed(new RecordRoll("g1", 3, 2)); // point 5
        feed(new PlaceBet("g1", "b2", "p1", BetType.PLACE, 8, 12));
        feed(new PlaceBet("g1", "b3", "p2", BetType.HARDWAY, 10, 5));
        feed(new RecordRoll("g1", 4, 1)); // point made
        feed(new SettleBet("g1", "b1", Outcome.WIN, 10));
        feed(new RecordRoll("g1", 5, 3)); // a come-out 8: the place bet is off; the point is 8
        feed(new RecordRoll("g1", 6, 4)); // 10 the easy way with the point on: the hardway loses
        feed(new SettleBet("g1", "b3", Outcome.LOSE, 0));
        feed(new RecordRoll("g1", 6, 2)); // 8 with the point on: the place bet wins 7:6
        feed(new SettleBet("g1", "b2", Outcome.WIN, 14));
        feed(new CloseGame("g1"));
        payouts.finish(seq, problems::add);
        assertThat(problems).isEmpty();
        assertThat(payouts.settlementsVerified).isEqualTo(3);
    }

    @Test
    void rulesTheRulebookCannotReadAreReportedOnceAndTheGameIsNotJudged() {
        long open = feed(new OpenGame("g1", "t1", "field12=4;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000"));
        feed(new PlaceBet("g1", "b1", "p1", BetType.FIELD, null, 1));
        feed(new RecordRoll("g1", 6, 6));
        feed(new SettleBet("g1", "b1", Outcome.WIN, 4));
        feed(new CloseGame("g1"));
        payouts.finish(seq, problems::add);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(ProblemKind.UNKNOWN_RULES);
            assertThat(p.seq()).isEqualTo(open);
            assertThat(p.detail()).startsWith("game g1 records table rules 'field12=4;").endsWith("its payouts are not verified");
        });
        assertThat(payouts.gamesVerified).isZero();
    }

    @Test
    void eventsOfGamesItDoesNotFollowAreLeftToTheBooks() {
        feed(new PlaceBet("gx", "b1", "p1", BetType.FIELD, null, 10));
        feed(new RecordRoll("gx", 6, 6));
        feed(new SettleBet("gx", "b1", Outcome.WIN, 1));
        feed(new OpenGame("g1", "t1"));
        feed(new SettleBet("g1", "never-placed", Outcome.WIN, 1));
        feed(new PlaceBet("g1", "b1", "p1", BetType.FIELD, null, 10));
        feed(new RecordRoll("g1", 1, 2));
        feed(new SettleBet("g1", "b1", Outcome.WIN, 10));
        feed(new SettleBet("g1", "b1", Outcome.WIN, 10)); // twice: the books say so
        feed(new PlaceBet("g1", "b1", "p1", BetType.ANY_SEVEN, null, 10)); // an id used again: the books say so
        feed(new RecordRoll("g1", 3, 4)); // the second b1 would have won, but it is not judged
        payouts.finish(seq, problems::add);
        assertThat(problems).isEmpty();
        assertThat(payouts.settlementsVerified).isEqualTo(1);
    }

    @Test
    void aClosedGameLeavesNoStateBehind() {
        for (int g = 0; g < 10_000; g++) {
            String id = "g" + g;
            feed(new OpenGame(id, "t1"));
            feed(new PlaceBet(id, "b1", "p1", BetType.ANY_CRAPS, null, 10));
            feed(new RecordRoll(id, 1, 1));
            feed(new SettleBet(id, "b1", Outcome.WIN, 70));
            feed(new CloseGame(id));
        }
        assertThat(payouts.openGames()).isZero();
        feed(new OpenGame("left-open", "t1"));
        assertThat(payouts.openGames()).isOne();
        assertThat(problems).isEmpty();
        assertThat(payouts.settlementsVerified).isEqualTo(10_000);
    }
}
