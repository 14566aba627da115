package io.bitcraps.ledger.protection;

import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Exclusion;
import io.bitcraps.ledger.domain.PlayerLimit;
import io.bitcraps.ledger.domain.Rejected;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rolling sums against a rescan of every entry, and a protection's snapshot bytes read back into
 * an equal value that decides alike.
 */
class PlayerProtectionTest {
    private static final long HOUR = PlayerLimit.Windows.HOUR_MICROS;
    private static final long DAY = PlayerLimit.Windows.DAY_MICROS;
    private static final long T0 = 1_780_000_000_000_000L;

    @Test
    void rollingSumsEqualARescanOfTheirWindowsWhateverTheSteps() {
        long seed = Long.getLong("ledger.protection.seed", new SecureRandom().nextLong());
        System.out.println("PlayerProtectionTest seed " + seed + " (replay: -Dledger.protection.seed=" + seed + ")");
        Random random = new Random(seed);
        long[] widths = {DAY, 7 * DAY, 30 * DAY};
        for (int run = 0; run < 50; run++) {
            RollingSums sums = RollingSums.over(widths);
            List<long[]> all = new ArrayList<>();
            long t = T0;
            for (int step = 0; step < 400; step++) {
                int r = random.nextInt(10);
                t += r < 3 ? 0 : r < 7 ? random.nextInt((int) (3 * HOUR / 1000)) * 1000L : random.nextInt(12) * DAY;
                if (random.nextBoolean()) {
                    long amount = random.nextInt(2000) - 500;
                    sums = sums.plus(t, amount);
                    all.add(new long[]{t, amount});
                } else if (random.nextBoolean()) {
                    sums = sums.at(t);
                }
                for (int k = 0; k < widths.length; k++) {
                    long expected = 0;
                    for (long[] e : all) {
                        if (e[0] > t - widths[k]) {
                            expected += e[1];
                        }
                    }
                    assertThat(sums.sum(k, t)).as("seed %d run %d step %d window %d", seed, run, step, k).isEqualTo(expected);
                }
            }
            // what is older than the widest window is dropped, so memory follows the window, not the history
            assertThat(sums.at(t + 30 * DAY).entries()).isEmpty();
        }
    }

    @Test
    void timeNeverGoesBackwards() {
        RollingSums sums = RollingSums.over(DAY).plus(T0, 5);
        assertThatThrownBy(() -> sums.plus(T0 - 1, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aProtectionReadBackFromItsSnapshotBytesIsEqualAndDecidesAlike() throws Exception {
        PlayerProtection p = PlayerProtection.NEW
                .limitsSet(new Command.SetLimits("ann", 500L, 900L, null, 200L, 50L), T0)
                .deposited(300, T0 + HOUR)
                .staked("g/b1", 40, T0 + 2 * HOUR)
                .settled("g/b1", 40, 80, T0 + 3 * HOUR)
                .staked("g/b2", 25, T0 + 3 * HOUR)
                .limitsSet(new Command.SetLimits("ann", 400L, 1_000L, null, 200L, null), T0 + 4 * HOUR) // 24h down, 7d up
                .excluded(new Command.SelfExclude("ann", Exclusion.COOL_OFF, 48), T0 + 5 * HOUR);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        p.writeTo(new DataOutputStream(bytes));
        PlayerProtection back = PlayerProtection.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(back).isEqualTo(p);
        long later = T0 + 30 * HOUR;
        assertThat(back.statusAt(later)).isEqualTo(p.statusAt(later));
        assertThat(p.limitAt(PlayerLimit.DEPOSIT_24H, T0 + 5 * HOUR)).isEqualTo(400);
        assertThat(p.limitAt(PlayerLimit.DEPOSIT_7D, T0 + 5 * HOUR)).isEqualTo(900); // the raise waits
        assertThat(p.limitAt(PlayerLimit.DEPOSIT_7D, T0 + 28 * HOUR)).isEqualTo(1_000);
        assertThat(p.limitAt(PlayerLimit.STAKE_MAX, T0 + 28 * HOUR - 1)).isEqualTo(50);
        assertThat(p.limitAt(PlayerLimit.STAKE_MAX, T0 + 28 * HOUR)).isNull();
        Rejected excluded = back.refuseDeposit("ann", 1, T0 + 52 * HOUR);
        assertThat(excluded).isInstanceOf(Rejected.SelfExcluded.class);
        assertThat(back.refuseDeposit("ann", 1, T0 + 53 * HOUR)).isNull();
        // net loss: the win of 40 counts for 24 h, the open stake of 25 until it settles
        assertThat(p.usedAt(PlayerLimit.LOSS_24H, T0 + 6 * HOUR)).isEqualTo(-40 + 25);
        assertThat(back.usedAt(PlayerLimit.LOSS_24H, T0 + 53 * HOUR - 1)).isEqualTo(25);
    }

    /** Found in review: credits once counted as headroom without their stakes; now a stake counts until its bet settles. */
    @Test
    void theLossLimitCannotBeStretchedByBetsThatOutliveTheWindowOrPredateTheLimit() {
        Command.SetLimits thousand = new Command.SetLimits("ann", null, null, null, 1_000L, null);
        // a bet of 1000 open for more than a day still counts in full: another bet is refused
        PlayerProtection p = PlayerProtection.NEW.limitsSet(thousand, T0).staked("g/a", 1_000, T0);
        assertThat(p.refuseBet("ann", 1, T0 + 25 * HOUR)).isInstanceOf(Rejected.LossLimit.class);
        // voided, it gives back only its own stake: room for one more 1000, and no more after that one is lost
        p = p.settled("g/a", 1_000, 1_000, T0 + 25 * HOUR);
        assertThat(p.refuseBet("ann", 1_000, T0 + 25 * HOUR)).isNull();
        p = p.staked("g/b", 1_000, T0 + 25 * HOUR).settled("g/b", 1_000, 0, T0 + 26 * HOUR);
        assertThat(p.refuseBet("ann", 1, T0 + 26 * HOUR)).isInstanceOf(Rejected.LossLimit.class);

        // a bet placed before the limit that is voided after it creates no headroom
        PlayerProtection q = PlayerProtection.NEW.limitsSet(new Command.SetLimits("bob", null, null, null, 100L, null), T0)
                .settled("g/old", 10_000, 10_000, T0 + HOUR);
        assertThat(q.refuseBet("bob", 101, T0 + HOUR)).isInstanceOf(Rejected.LossLimit.class);
        assertThat(q.refuseBet("bob", 100, T0 + HOUR)).isNull();
    }
}
