package io.bitcraps.ledger.rules;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.audit.Problem;
import io.bitcraps.ledger.audit.ProblemKind;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Exclusion;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.LimitStatus;
import io.bitcraps.ledger.domain.PlayerLimit;
import io.bitcraps.ledger.domain.ProtectionStatus;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.SteppedClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Player protection at commit, with the ledger's clock moved by the test: deposit limits over their
 * rolling windows, the loss and stake limits, a raised limit that waits out its 24 hours while a
 * lowered one applies at once, cool-offs and self-exclusions that refuse deposits and bets but never
 * a withdrawal, all of it the same after a reopen; and the audit's own check of every deposit and bet
 * against the protection in force, which flags a limit edited by SQL afterwards.
 */
class PlayerProtectionIT {
    private static final Instant START = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    Path dir;

    private final SteppedClock clock = new SteppedClock(START);

    private Ledger open() {
        return open(true);
    }

    private Ledger open(boolean logFirst) {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).clock(clock).logFirstCommit(logFirst)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build());
    }

    private static <T extends Rejected> T refused(Ledger ledger, Command c, Class<T> type) {
        LedgerException e = error(ledger.submit(c));
        assertThat(e).as("%s", c).isInstanceOf(type);
        return type.cast(e);
    }

    private static Command.SetLimits limits(String player, Long d24, Long d7, Long d30, Long loss, Long stake) {
        return new Command.SetLimits(player, d24, d7, d30, loss, stake);
    }

    @Test
    void depositLimitsRefuseOverTheirRollingWindowsAndNameTheLimitAndWhatIsLeft() {
        try (Ledger ledger = open()) {
            ok(ledger.submit(limits("ann", 500L, 800L, null, null, null)));
            ok(ledger.submit(new Command.Deposit("ann", 300, "cage")));
            Rejected.DepositLimit over = refused(ledger, new Command.Deposit("ann", 300, "cage"), Rejected.DepositLimit.class);
            assertThat(over.code()).isEqualTo("DEPOSIT_LIMIT");
            assertThat(over.limit()).isEqualTo(PlayerLimit.DEPOSIT_24H);
            assertThat(over.left()).isEqualTo(200);
            assertThat(over.getMessage()).contains("deposit limit of 500 per 24h", "300 deposited in the last 24h",
                    "200 left");
            ok(ledger.submit(new Command.Deposit("ann", 200, "cage")));

            clock.advance(Duration.ofHours(23).plusMinutes(59));
            assertThat(refused(ledger, new Command.Deposit("ann", 1, "cage"), Rejected.DepositLimit.class).left()).isZero();
            clock.advance(Duration.ofMinutes(1)); // the first deposit leaves the 24 h window, not the 7 d one
            Rejected.DepositLimit week = refused(ledger, new Command.Deposit("ann", 301, "cage"), Rejected.DepositLimit.class);
            assertThat(week.limit()).isEqualTo(PlayerLimit.DEPOSIT_7D);
            assertThat(week.left()).isEqualTo(300);
            ok(ledger.submit(new Command.Deposit("ann", 300, "cage")));

            // another player, never protected, deposits freely
            ok(ledger.submit(new Command.Deposit("bob", 1_000_000, "cage")));
            // a withdrawal is never refused for a limit
            ok(ledger.submit(new Command.Withdraw("ann", 800, "cage")));
            assertThat(ledger.view().balance(Account.player("ann"))).isZero();

            ProtectionStatus status = ledger.view().protection("ann", clock.instant());
            assertThat(status.limit(PlayerLimit.DEPOSIT_24H).used()).isEqualTo(300);
            assertThat(status.limit(PlayerLimit.DEPOSIT_7D).used()).isEqualTo(800);
            assertThat(status.limit(PlayerLimit.DEPOSIT_7D).left()).isZero();
            assertThat(ledger.view().protection("bob", clock.instant())).isNull();
        }
    }

    @Test
    void aLoweredLimitAppliesAtOnceARaisedOrRemovedOneOnlyAfterItsDayOfCooling() {
        try (Ledger ledger = open()) {
            fundTheHouseAndOpen(ledger, "ann", 10_000);
            ok(ledger.submit(limits("ann", null, null, null, null, 100L)));
            Rejected.StakeLimit stake = refused(ledger, bet("s1", "ann", 150), Rejected.StakeLimit.class);
            assertThat(stake.left()).isEqualTo(100);

            ok(ledger.submit(limits("ann", null, null, null, null, 200L))); // a raise: waits 24 h
            LimitStatus waiting = ledger.view().protection("ann", clock.instant()).limit(PlayerLimit.STAKE_MAX);
            assertThat(waiting.value()).isEqualTo(100);
            assertThat(waiting.raisePending()).isTrue();
            assertThat(waiting.raisedTo()).isEqualTo(200);
            assertThat(waiting.raiseFromMicros()).isEqualTo(micros(clock.instant()) + Duration.ofHours(24).toNanos() / 1000);
            refused(ledger, bet("s2", "ann", 150), Rejected.StakeLimit.class);
            clock.advance(Duration.ofHours(23).plusMinutes(59).plusSeconds(59));
            refused(ledger, bet("s3", "ann", 150), Rejected.StakeLimit.class);
            clock.advance(Duration.ofSeconds(1));
            ok(ledger.submit(bet("s4", "ann", 150))); // the raise applies 24 h after it was asked for
            ok(ledger.submit(Command.RecordRoll.settledByTheRules("g", 3, 4))); // the field bet loses

            ok(ledger.submit(limits("ann", null, null, null, null, 50L))); // a lowered limit applies at once
            assertThat(refused(ledger, bet("s5", "ann", 60), Rejected.StakeLimit.class).left()).isEqualTo(50);

            ok(ledger.submit(limits("ann", null, null, null, null, null))); // a removal is a raise too
            refused(ledger, bet("s6", "ann", 60), Rejected.StakeLimit.class);
            clock.advance(Duration.ofHours(12));
            // lowering again while the removal waits cancels it
            ok(ledger.submit(limits("ann", null, null, null, null, 50L)));
            clock.advance(Duration.ofHours(13));
            refused(ledger, bet("s7", "ann", 60), Rejected.StakeLimit.class);
            ok(ledger.submit(bet("s8", "ann", 50)));
        }
    }

    @Test
    void theLossLimitCountsStakesLessWhatTheSettlementsReturnedOverTheLast24Hours() {
        try (Ledger ledger = open()) {
            fundTheHouseAndOpen(ledger, "ann", 10_000);
            ok(ledger.submit(limits("ann", null, null, null, 100L, null)));
            ok(ledger.submit(bet("f1", "ann", 40)));
            ok(ledger.submit(Command.RecordRoll.settledByTheRules("g", 3, 4))); // 7: the field loses
            ok(ledger.submit(bet("f2", "ann", 40)));
            ok(ledger.submit(Command.RecordRoll.settledByTheRules("g", 3, 4)));
            Rejected.LossLimit loss = refused(ledger, bet("f3", "ann", 40), Rejected.LossLimit.class);
            assertThat(loss.code()).isEqualTo("LOSS_LIMIT");
            assertThat(loss.left()).isEqualTo(20);
            assertThat(loss.getMessage()).contains("loss limit of 100 per 24h", "net loss 80");
            ok(ledger.submit(bet("f3", "ann", 20)));
            ok(ledger.submit(Command.RecordRoll.settledByTheRules("g", 1, 1))); // 2: the field pays 2:1, 60 back
            // net loss now 80 + 20 - 60 = 40: 60 left
            assertThat(ledger.view().protection("ann", clock.instant()).limit(PlayerLimit.LOSS_24H).used()).isEqualTo(40);
            refused(ledger, bet("f4", "ann", 61), Rejected.LossLimit.class);
            ok(ledger.submit(bet("f4", "ann", 60)));
            ok(ledger.submit(Command.RecordRoll.settledByTheRules("g", 3, 4)));
            refused(ledger, bet("f5", "ann", 5), Rejected.LossLimit.class);
            clock.advance(Duration.ofHours(24));
            ok(ledger.submit(bet("f5", "ann", 100))); // the window rolled past every loss
        }
    }

    @Test
    void anExclusionRefusesDepositsAndBetsButNotWithdrawalsOrSettlementsAndCanOnlyBeExtended() {
        try (Ledger ledger = open()) {
            fundTheHouseAndOpen(ledger, "ann", 1_000);
            ok(ledger.submit(bet("before", "ann", 10))); // placed before the cool-off
            ok(ledger.submit(new Command.SelfExclude("ann", Exclusion.COOL_OFF, 48)));
            Rejected.SelfExcluded out = refused(ledger, new Command.Deposit("ann", 10, "cage"), Rejected.SelfExcluded.class);
            assertThat(out.code()).isEqualTo("SELF_EXCLUDED");
            assertThat(out.kind()).isEqualTo(Exclusion.COOL_OFF);
            assertThat(out.untilMicros()).isEqualTo(micros(clock.instant().plus(Duration.ofHours(48))));
            assertThat(out.getMessage()).contains("cool_off until 2026-12-03T12:00:00Z");
            refused(ledger, bet("during", "ann", 10), Rejected.SelfExcluded.class);
            ok(ledger.submit(Command.RecordRoll.settledByTheRules("g", 1, 1))); // the earlier bet is still settled
            ok(ledger.submit(new Command.Withdraw("ann", 100, "cage")));

            clock.advance(Duration.ofHours(1));
            // shorter than what is left: refused; an atomic group holding it writes nothing
            long before = ledger.view().seq();
            LedgerException shorter = error(ledger.submitAtomically(List.of(new Command.Withdraw("ann", 1, "cage"),
                    new Command.SelfExclude("ann", Exclusion.COOL_OFF, 24)), null));
            assertThat(shorter.code()).isEqualTo("SELF_EXCLUDED");
            assertThat(shorter.getMessage()).contains("command 2 of 2", "never shortened");
            assertThat(ledger.view().seq()).isEqualTo(before);
            ok(ledger.submit(new Command.SelfExclude("ann", Exclusion.SELF_EXCLUSION, Exclusion.SELF_EXCLUSION.hoursMin())));

            clock.advance(Duration.ofHours(Exclusion.SELF_EXCLUSION.hoursMin()).minusSeconds(1));
            refused(ledger, new Command.Deposit("ann", 10, "cage"), Rejected.SelfExcluded.class);
            clock.advance(Duration.ofSeconds(1));
            ok(ledger.submit(new Command.Deposit("ann", 10, "cage")));
        }
    }

    @Test
    void exclusionsOutsideTheirBoundsAreRefusedByTheConstructor() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new Command.SelfExclude("ann", Exclusion.COOL_OFF, 23)))
                .isInstanceOf(Rejected.InvalidCommand.class).hasMessageContaining("24..1008 hours");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                () -> new Command.SelfExclude("ann", Exclusion.SELF_EXCLUSION, 24 * 30)))
                .isInstanceOf(Rejected.InvalidCommand.class);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> limits("ann", 0L, null, null, null, null)))
                .isInstanceOf(Rejected.InvalidAmount.class).hasMessageContaining("deposit_24h");
    }

    /** After a reopen (from the writer's snapshot and log, or from the read model and log) the same protection holds. */
    @ParameterizedTest(name = "logFirst={0}")
    @ValueSource(booleans = {true, false})
    void protectionIsTheSameAfterAReopen(boolean logFirst) {
        try (Ledger ledger = open(logFirst)) {
            fundTheHouseAndOpen(ledger, "ann", 400);
            ok(ledger.submit(limits("ann", 500L, null, null, 100L, 80L)));
            ok(ledger.submit(new Command.Deposit("ann", 400, "cage")));
            ok(ledger.submit(bet("f1", "ann", 50)));
            ok(ledger.submit(Command.RecordRoll.settledByTheRules("g", 3, 4)));
            ok(ledger.submit(limits("ann", 500L, null, null, 100L, 200L))); // the stake raise waits
            ok(ledger.submit(bet("open", "ann", 30))); // still open at the close: its stake is at risk
            ok(ledger.submit(new Command.SelfExclude("bob", Exclusion.COOL_OFF, 24)));
        }
        clock.advance(Duration.ofHours(2));
        try (Ledger ledger = open(logFirst)) {
            assertThat(refused(ledger, new Command.Deposit("ann", 101, "cage"), Rejected.DepositLimit.class).left())
                    .isEqualTo(100);
            // 50 lost and 30 at risk
            assertThat(refused(ledger, bet("f2", "ann", 21), Rejected.LossLimit.class).left()).isEqualTo(20);
            assertThat(refused(ledger, bet("f2", "ann", 81), Rejected.StakeLimit.class).left()).isEqualTo(80);
            refused(ledger, new Command.Deposit("bob", 1, "cage"), Rejected.SelfExcluded.class);
            assertThat(ledger.view().protectedPlayers()).containsExactly("ann", "bob");
        }
        clock.advance(Duration.ofHours(23));
        try (Ledger ledger = open(logFirst)) {
            ok(ledger.submit(new Command.Deposit("bob", 1, "cage")));
            // a day later the loss has left the window, the open bet's 30 is still at risk
            refused(ledger, bet("f2", "ann", 71), Rejected.LossLimit.class);
            ok(ledger.submit(bet("f2", "ann", 70)));
            assertThat(ledger.view().protection("ann", clock.instant()).limit(PlayerLimit.STAKE_MAX).value())
                    .isEqualTo(200); // and the raise applied
        }
    }

    @Test
    void theAuditJudgesEveryDepositAndBetAgainstTheProtectionInForceAndFlagsALimitEditedAfterwards() throws Exception {
        long limitSeq;
        long secondDeposit;
        try (Ledger ledger = open()) {
            limitSeq = ok(ledger.submit(limits("ann", 500L, null, null, null, null))).seq();
            ok(ledger.submit(new Command.Deposit("ann", 300, "cage")));
            secondDeposit = ok(ledger.submit(new Command.Deposit("ann", 200, "cage"))).seq();
            refused(ledger, new Command.Deposit("ann", 1, "cage"), Rejected.DepositLimit.class);
        }
        Path db = dir.resolve("ledger.db");
        AuditReport clean = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        assertThat(clean.problems()).isEmpty();
        assertThat(clean.protectedPlayers()).isEqualTo(1);
        assertThat(clean.limitChecks()).isEqualTo(2);

        // the limit lowered to 400 by SQL, the payload re-encoded as the writer would: the second deposit broke it
        PayloadCodec codec = new PayloadCodec();
        List<EventRow> rows = new ArrayList<>();
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            EventReader.forEach(c, limitSeq, limitSeq, rows::add);
        }
        LedgerEvent e = StoredEvents.decode(codec, rows.get(0));
        byte[] payload = codec.encode(new LedgerEvent(e.seq(), e.timestampMicros(), limits("ann", 400L, null, null, null, null),
                e.postings(), e.key(), e.submissionSize()));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement ps = c.prepareStatement("UPDATE events SET payload = ? WHERE seq = ?")) {
            ps.setBytes(1, payload);
            ps.setLong(2, limitSeq);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        AuditReport edited = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        assertThat(edited.intact()).isFalse();
        assertThat(edited.problems()).filteredOn(p -> p.kind() == ProblemKind.LIMIT_BROKEN)
                .extracting(Problem::seq).containsExactly(secondDeposit);
        assertThat(edited.problems()).filteredOn(p -> p.kind() == ProblemKind.LIMIT_BROKEN)
                .first().extracting(Problem::detail).asString().contains("DEPOSIT_LIMIT", "deposit limit of 400");
    }

    private static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    private static Command.PlaceBet bet(String id, String player, long stake) {
        return new Command.PlaceBet("g", id, player, BetType.FIELD, null, stake);
    }

    private static void fundTheHouseAndOpen(Ledger ledger, String player, long chips) {
        ok(ledger.submit(new Command.FundHouse(1_000_000, "bank")));
        ok(ledger.submit(new Command.Deposit(player, chips, "cage")));
        ok(ledger.submit(new Command.OpenGame("g", "t1")));
    }
}
