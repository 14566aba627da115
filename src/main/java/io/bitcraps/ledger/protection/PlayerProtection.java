package io.bitcraps.ledger.protection;

import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Exclusion;
import io.bitcraps.ledger.domain.LimitStatus;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.PlayerLimit;
import io.bitcraps.ledger.domain.ProtectionStatus;
import io.bitcraps.ledger.domain.Rejected;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One protected player, as an immutable value folded from the ledger's events: the limits in
 * force, a raised limit waiting out its cooling period, a cool-off or self-exclusion, the deposits
 * of the widest window any limit looks at, what the settlements of the last 24 hours lost, and the
 * stakes still at risk. Every question takes the time
 * it is asked at, an event's timestamp, and every answer depends only on the events folded and
 * that time: the writer, a replay and the audit agree by construction.
 * <p>
 * Usage counts from the player's first protection event on: the ledger does not track the play of
 * players who never asked for protection, so a first limit meets empty windows. A limit lowered
 * below what was already used in its window simply refuses until the window rolls past it.
 */
public final class PlayerProtection {
    /** No limit. */
    private static final long NONE = Long.MAX_VALUE;
    private static final int LIMITS = PlayerLimit.ALL.length;
    private static final long[] DEPOSIT_WINDOWS = {PlayerLimit.DEPOSIT_24H.windowMicros(),
            PlayerLimit.DEPOSIT_7D.windowMicros(), PlayerLimit.DEPOSIT_30D.windowMicros()};
    private static final long[] LOSS_WINDOWS = {PlayerLimit.LOSS_24H.windowMicros()};

    /** A player who has asked for nothing yet. */
    public static final PlayerProtection NEW = new PlayerProtection(filled(NONE), filled(NONE), new long[LIMITS], null,
            0, RollingSums.over(DEPOSIT_WINDOWS), RollingSums.over(LOSS_WINDOWS), HashTreePMap.empty(), 0);

    private final long[] current;
    /** A raised limit waiting for {@code pendingFrom}; {@code pendingFrom} 0 when none waits. */
    private final long[] pending;
    private final long[] pendingFrom;
    private final Exclusion exclusion;
    private final long excludedUntilMicros;
    private final RollingSums deposits;
    /** What each settlement lost the player: its stake less what it paid back (negative for a win). */
    private final RollingSums realized;
    /** The open bets placed while protected ("game/bet" to stake), and the sum of their stakes. */
    private final PMap<String, Long> openBets;
    private final long exposure;

    private PlayerProtection(long[] current, long[] pending, long[] pendingFrom, Exclusion exclusion,
                             long excludedUntilMicros, RollingSums deposits, RollingSums realized,
                             PMap<String, Long> openBets, long exposure) {
        this.current = current;
        this.pending = pending;
        this.pendingFrom = pendingFrom;
        this.exclusion = exclusion;
        this.excludedUntilMicros = excludedUntilMicros;
        this.deposits = deposits;
        this.realized = realized;
        this.openBets = openBets;
        this.exposure = exposure;
    }

    private static long[] filled(long v) {
        long[] a = new long[LIMITS];
        Arrays.fill(a, v);
        return a;
    }

    // ---- what is in force at a time

    /** The limit in force at {@code t}, or null for none. */
    public Long limitAt(PlayerLimit l, long t) {
        long v = valueAt(l.ordinal(), t);
        return v == NONE ? null : v;
    }

    private long valueAt(int i, long t) {
        return pendingFrom[i] != 0 && t >= pendingFrom[i] ? pending[i] : current[i];
    }

    /** True when a raised (or removed) limit waits at {@code t}. */
    public boolean raisePendingAt(PlayerLimit l, long t) {
        int i = l.ordinal();
        return pendingFrom[i] != 0 && t < pendingFrom[i];
    }

    /** The value a waiting raise will bring (null: the limit will be removed); meaningful when {@link #raisePendingAt}. */
    public Long pendingValue(PlayerLimit l) {
        long v = pending[l.ordinal()];
        return v == NONE ? null : v;
    }

    /** When a waiting raise applies, in microseconds; meaningful when {@link #raisePendingAt}. */
    public long pendingFromMicros(PlayerLimit l) {
        return pendingFrom[l.ordinal()];
    }

    /** True when deposits and bets are refused at {@code t}. */
    public boolean excludedAt(long t) {
        return t < excludedUntilMicros;
    }

    /** The latest exclusion recorded (null for none), whether or not it has ended. */
    public Exclusion exclusion() {
        return exclusion;
    }

    public long excludedUntilMicros() {
        return excludedUntilMicros;
    }

    /**
     * What the limit measures at {@code t}: deposits in its window; for the loss limit, the stakes of the
     * player's open bets (placed while protected: they may still be lost) plus what the settlements of the
     * last 24 h lost them (stake less what came back; a win counts against it, so it is negative when the
     * player is ahead); 0 for the stake limit.
     */
    public long usedAt(PlayerLimit l, long t) {
        long at = Math.max(t, lastMicros());
        return switch (l) {
            case DEPOSIT_24H -> deposits.sum(0, at);
            case DEPOSIT_7D -> deposits.sum(1, at);
            case DEPOSIT_30D -> deposits.sum(2, at);
            case LOSS_24H -> Math.addExact(exposure, realized.sum(0, at));
            case STAKE_MAX -> 0;
        };
    }

    private long lastMicros() {
        return Math.max(deposits.lastMicros(), realized.lastMicros());
    }

    // ---- judging a deposit, a bet, an exclusion

    /** The refusal of a deposit of {@code amount} at {@code t}, or null when it is allowed. */
    public Rejected refuseDeposit(String player, long amount, long t) {
        if (excludedAt(t)) {
            return excluded(player, t, "a deposit of " + amount);
        }
        for (PlayerLimit l : PlayerLimit.ALL) {
            if (!l.isDeposit()) {
                continue;
            }
            long limit = valueAt(l.ordinal(), t);
            if (limit == NONE) {
                continue;
            }
            long used = usedAt(l, t);
            if (used + amount > limit) {
                long left = Math.max(0, limit - used);
                return new Rejected.DepositLimit(l, left, "player " + player + " set a deposit limit of " + limit
                        + " per " + l.window() + ": " + used + " deposited in the last " + l.window() + ", " + left
                        + " left; a deposit of " + amount + " would exceed it");
            }
        }
        return null;
    }

    /** The refusal of a bet of {@code stake} at {@code t}, or null when it is allowed. */
    public Rejected refuseBet(String player, long stake, long t) {
        if (excludedAt(t)) {
            return excluded(player, t, "a bet of " + stake);
        }
        long stakeMax = valueAt(PlayerLimit.STAKE_MAX.ordinal(), t);
        if (stake > stakeMax) {
            return new Rejected.StakeLimit(stakeMax, "player " + player + " set a stake limit of " + stakeMax
                    + " per bet; a bet of " + stake + " would exceed it");
        }
        long lossMax = valueAt(PlayerLimit.LOSS_24H.ordinal(), t);
        if (lossMax != NONE) {
            long lost = usedAt(PlayerLimit.LOSS_24H, t);
            if (lost + stake > lossMax) {
                long left = Math.max(0, lossMax - lost);
                return new Rejected.LossLimit(left, "player " + player + " set a loss limit of " + lossMax
                        + " per 24h: net loss " + lost + " (open stakes and the last 24h's settlements), " + left
                        + " left; a bet of " + stake + " could lose more");
            }
        }
        return null;
    }

    /** The refusal of an exclusion that would end before the one in force, or null. */
    public Rejected refuseExclusion(String player, Command.SelfExclude c, long t) {
        long until = endOf(c, t);
        if (excludedAt(t) && until < excludedUntilMicros) {
            return new Rejected.SelfExcluded(exclusion, excludedUntilMicros, "player " + player + " is in a "
                    + exclusion.field() + " until " + instant(excludedUntilMicros) + "; a " + c.kind().field() + " of "
                    + c.hours() + " hours would end it at " + instant(until) + ": an exclusion can be extended, never"
                    + " shortened");
        }
        return null;
    }

    private Rejected excluded(String player, long t, String what) {
        return new Rejected.SelfExcluded(exclusion, excludedUntilMicros, "player " + player + " is in a "
                + exclusion.field() + " until " + instant(excludedUntilMicros) + ": " + what + " is refused until then"
                + " (withdrawals are not)");
    }

    private static long endOf(Command.SelfExclude c, long t) {
        return Math.addExact(t, c.hours() * PlayerLimit.Windows.HOUR_MICROS);
    }

    /** Microseconds since the epoch as an ISO-8601 instant. */
    private static String instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L).toString();
    }

    // ---- folding events

    /**
     * After {@code set_limits} at {@code t}: each limit at or below the one in force applies now (and
     * cancels a waiting raise); each above it, or removed, waits {@link Limits#LIMIT_RAISE_COOLING_MICROS}.
     */
    public PlayerProtection limitsSet(Command.SetLimits c, long t) {
        long[] current = new long[LIMITS];
        long[] pending = new long[LIMITS];
        long[] pendingFrom = new long[LIMITS];
        for (PlayerLimit l : PlayerLimit.ALL) {
            int i = l.ordinal();
            Long asked = c.limit(l);
            long want = asked == null ? NONE : asked;
            long inForce = valueAt(i, t);
            current[i] = Math.min(want, inForce);
            if (want > inForce) {
                pending[i] = want;
                pendingFrom[i] = Math.addExact(t, Limits.LIMIT_RAISE_COOLING_MICROS);
            }
        }
        return new PlayerProtection(current, pending, pendingFrom, exclusion, excludedUntilMicros, deposits, realized,
                openBets, exposure);
    }

    /** After a cool-off or self-exclusion at {@code t} (one the writer accepted: it does not end the current one early). */
    public PlayerProtection excluded(Command.SelfExclude c, long t) {
        long until = endOf(c, t);
        if (until < excludedUntilMicros && excludedAt(t)) {
            return this; // the rules refuse it; a log written without them keeps the longer one
        }
        return new PlayerProtection(current, pending, pendingFrom, c.kind(), until, deposits, realized, openBets,
                exposure);
    }

    public PlayerProtection deposited(long amount, long t) {
        return new PlayerProtection(current, pending, pendingFrom, exclusion, excludedUntilMicros,
                deposits.plus(t, amount), realized, openBets, exposure);
    }

    /** After a bet of {@code stake} ({@code betKey}: "game/bet") placed at {@code t}: its stake is at risk until it settles. */
    public PlayerProtection staked(String betKey, long stake, long t) {
        return new PlayerProtection(current, pending, pendingFrom, exclusion, excludedUntilMicros, deposits, realized,
                openBets.plus(betKey, stake), Math.addExact(exposure, stake));
    }

    /**
     * After a settlement at {@code t} of a bet of {@code stake} that paid the player {@code credit} (stake back and
     * winnings; 0 for a loss): what it lost them, {@code stake - credit}, counts for 24 h, and its stake is no longer
     * at risk. A bet placed before the player was protected counts when it settles.
     */
    public PlayerProtection settled(String betKey, long stake, long credit, long t) {
        Long open = openBets.get(betKey);
        return new PlayerProtection(current, pending, pendingFrom, exclusion, excludedUntilMicros, deposits,
                realized.plus(t, Math.subtractExact(stake, credit)), open == null ? openBets : openBets.minus(betKey),
                open == null ? exposure : exposure - open);
    }

    /** The same protection with these open bets ("game/bet" to stake): a loader that knows them from the games. */
    public PlayerProtection withOpenBets(java.util.Map<String, Long> bets) {
        long sum = 0;
        for (long stake : bets.values()) {
            sum = Math.addExact(sum, stake);
        }
        return new PlayerProtection(current, pending, pendingFrom, exclusion, excludedUntilMicros, deposits, realized,
                HashTreePMap.from(bets), sum);
    }

    // ---- for the read side

    /** Every limit's value, use and headroom at {@code t}, for views and {@code history}. */
    public List<LimitStatus> statusAt(long t) {
        List<LimitStatus> out = new ArrayList<>(LIMITS);
        for (PlayerLimit l : PlayerLimit.ALL) {
            Long value = limitAt(l, t);
            long used = usedAt(l, t);
            Long left = value == null ? null : l == PlayerLimit.STAKE_MAX ? value : Math.max(0, value - used);
            boolean waits = raisePendingAt(l, t);
            out.add(new LimitStatus(l, value, used, left, waits, waits ? pendingValue(l) : null,
                    waits ? pendingFromMicros(l) : 0));
        }
        return out;
    }

    /** The player's protection as a reader sees it at {@code t} (an exclusion that has ended is not shown). */
    public ProtectionStatus statusOf(String player, long t) {
        return new ProtectionStatus(player, t, statusAt(t), excludedAt(t) ? exclusion : null, excludedAt(t) ? excludedUntilMicros : 0);
    }

    // ---- snapshot bytes

    /** Writes this value for a state snapshot; {@link #readFrom} gives back an equal one. */
    public void writeTo(DataOutput out) throws IOException {
        for (int i = 0; i < LIMITS; i++) {
            out.writeLong(current[i]);
            out.writeLong(pending[i]);
            out.writeLong(pendingFrom[i]);
        }
        out.writeByte(exclusion == null ? -1 : exclusion.ordinal());
        out.writeLong(excludedUntilMicros);
        writeSums(out, deposits);
        writeSums(out, realized);
        java.util.Map<String, Long> open = new java.util.TreeMap<>(openBets);
        out.writeInt(open.size());
        for (var e : open.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue());
        }
    }

    public static PlayerProtection readFrom(DataInput in) throws IOException {
        long[] current = new long[LIMITS];
        long[] pending = new long[LIMITS];
        long[] pendingFrom = new long[LIMITS];
        for (int i = 0; i < LIMITS; i++) {
            current[i] = positive(in.readLong());
            pending[i] = in.readLong();
            pendingFrom[i] = in.readLong();
            if (pendingFrom[i] != 0) {
                positive(pending[i]);
            }
        }
        int kind = in.readByte();
        if (kind < -1 || kind >= Exclusion.values().length) {
            throw new IllegalArgumentException("an exclusion kind of " + kind);
        }
        Exclusion exclusion = kind < 0 ? null : Exclusion.values()[kind];
        long until = in.readLong();
        if (exclusion == null && until != 0) {
            throw new IllegalArgumentException("an exclusion end without a kind");
        }
        RollingSums deposits = readSums(in, DEPOSIT_WINDOWS);
        RollingSums realized = readSums(in, LOSS_WINDOWS);
        int openCount = in.readInt();
        if (openCount < 0) {
            throw new IllegalArgumentException("an open bet count of " + openCount);
        }
        java.util.Map<String, Long> open = new java.util.HashMap<>();
        for (int i = 0; i < openCount; i++) {
            open.put(in.readUTF(), positive(in.readLong()));
        }
        return new PlayerProtection(current, pending, pendingFrom, exclusion, until, deposits, realized,
                HashTreePMap.empty(), 0).withOpenBets(open);
    }

    private static long positive(long v) {
        if (v < 1) {
            throw new IllegalArgumentException("a limit of " + v);
        }
        return v;
    }

    private static void writeSums(DataOutput out, RollingSums s) throws IOException {
        out.writeLong(s.lastMicros());
        out.writeInt(s.entries().size());
        for (RollingSums.Entry e : s.entries()) {
            out.writeLong(e.timestampMicros());
            out.writeLong(e.amount());
        }
    }

    private static RollingSums readSums(DataInput in, long[] widths) throws IOException {
        long last = in.readLong();
        int n = in.readInt();
        if (n < 0) {
            throw new IllegalArgumentException("an entry count of " + n);
        }
        PVector<RollingSums.Entry> entries = TreePVector.empty();
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            long ts = in.readLong();
            if (ts < previous) {
                throw new IllegalArgumentException("entries out of time order");
            }
            previous = ts;
            entries = entries.plus(new RollingSums.Entry(ts, in.readLong()));
        }
        return RollingSums.restored(widths, entries, last);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlayerProtection p && Arrays.equals(current, p.current) && Arrays.equals(pending, p.pending)
                && Arrays.equals(pendingFrom, p.pendingFrom) && exclusion == p.exclusion
                && excludedUntilMicros == p.excludedUntilMicros && deposits.equals(p.deposits)
                && realized.equals(p.realized) && openBets.equals(p.openBets);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(current) * 31 + Long.hashCode(excludedUntilMicros);
    }

    @Override
    public String toString() {
        return "PlayerProtection" + statusAt(lastMicros()) + (exclusion == null ? "" : " " + exclusion + " until "
                + instant(excludedUntilMicros));
    }
}
