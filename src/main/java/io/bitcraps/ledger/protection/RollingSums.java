package io.bitcraps.ledger.protection;

import org.pcollections.PVector;
import org.pcollections.TreePVector;

import java.util.Arrays;

/**
 * Sums of amounts over rolling time windows ending at the latest time seen, as one immutable
 * value: at time {@code t} window {@code k} holds the entries stamped after {@code t - width[k]}.
 * Time only moves forward (event timestamps never decrease), so each window is a suffix of the
 * entries and its sum is kept as the window slides: adding and sliding cost O(log n) per entry,
 * never a rescan. Entries older than the widest window are dropped.
 */
final class RollingSums {
    /** Entries are dropped from the front in steps of at least this many, to keep the vector copies rare. */
    private static final int DROP_STEP = 32;

    private final long[] widthsMicros;
    private final PVector<Entry> entries;
    /** Per window: the index of its first entry, and the sum of the entries from there. */
    private final int[] starts;
    private final long[] sums;
    private final long lastMicros;

    record Entry(long timestampMicros, long amount) {}

    private RollingSums(long[] widthsMicros, PVector<Entry> entries, int[] starts, long[] sums, long lastMicros) {
        this.widthsMicros = widthsMicros;
        this.entries = entries;
        this.starts = starts;
        this.sums = sums;
        this.lastMicros = lastMicros;
    }

    /** Empty sums over windows of these widths, widest last. */
    static RollingSums over(long... widthsMicros) {
        for (int k = 1; k < widthsMicros.length; k++) {
            if (widthsMicros[k] < widthsMicros[k - 1]) {
                throw new IllegalArgumentException("windows go from narrowest to widest");
            }
        }
        return new RollingSums(widthsMicros.clone(), TreePVector.empty(), new int[widthsMicros.length],
                new long[widthsMicros.length], 0);
    }

    /** These sums with {@code amount} added at {@code timestampMicros} (not before the latest time seen). */
    RollingSums plus(long timestampMicros, long amount) {
        RollingSums at = at(timestampMicros);
        long[] sums = at.sums.clone();
        for (int k = 0; k < sums.length; k++) {
            sums[k] = Math.addExact(sums[k], amount);
        }
        return new RollingSums(widthsMicros, at.entries.plus(new Entry(timestampMicros, amount)), at.starts, sums,
                timestampMicros);
    }

    /** The sum of window {@code k} at time {@code t} (not before the latest time seen). */
    long sum(int k, long t) {
        if (t == lastMicros) {
            return sums[k];
        }
        long sum = sums[k];
        long cutoff = t - widthsMicros[k];
        for (int i = starts[k]; i < entries.size() && entries.get(i).timestampMicros() <= cutoff; i++) {
            sum -= entries.get(i).amount();
        }
        return sum;
    }

    /** These sums slid to time {@code t}. */
    RollingSums at(long t) {
        if (t < lastMicros) {
            throw new IllegalArgumentException("time " + t + " is before " + lastMicros);
        }
        if (t == lastMicros) {
            return this;
        }
        int[] starts = this.starts.clone();
        long[] sums = this.sums.clone();
        for (int k = 0; k < starts.length; k++) {
            long cutoff = t - widthsMicros[k];
            while (starts[k] < entries.size() && entries.get(starts[k]).timestampMicros() <= cutoff) {
                sums[k] -= entries.get(starts[k]).amount();
                starts[k]++;
            }
        }
        PVector<Entry> kept = entries;
        int drop = starts[starts.length - 1];
        if (drop >= DROP_STEP || drop == entries.size() && drop > 0) {
            kept = entries.subList(drop, entries.size());
            for (int k = 0; k < starts.length; k++) {
                starts[k] -= drop;
            }
        }
        return new RollingSums(widthsMicros, kept, starts, sums, t);
    }

    /** The entries any window may still hold, oldest first, for a snapshot. */
    PVector<Entry> entries() {
        return entries;
    }

    long lastMicros() {
        return lastMicros;
    }

    /** Sums over these windows rebuilt from a snapshot's entries, as they were at {@code lastMicros}. */
    static RollingSums restored(long[] widthsMicros, PVector<Entry> entries, long lastMicros) {
        RollingSums s = over(widthsMicros);
        int[] starts = new int[widthsMicros.length];
        long[] sums = new long[widthsMicros.length];
        for (int k = 0; k < widthsMicros.length; k++) {
            long cutoff = lastMicros - widthsMicros[k];
            int i = 0;
            while (i < entries.size() && entries.get(i).timestampMicros() <= cutoff) {
                i++;
            }
            starts[k] = i;
            for (int j = i; j < entries.size(); j++) {
                sums[k] = Math.addExact(sums[k], entries.get(j).amount());
            }
        }
        for (Entry e : entries) {
            if (e.timestampMicros() > lastMicros) {
                throw new IllegalArgumentException("an entry at " + e.timestampMicros() + " is after " + lastMicros);
            }
        }
        return new RollingSums(s.widthsMicros, entries, starts, sums, lastMicros);
    }

    @Override
    public boolean equals(Object o) {
        // equal when every window holds the same entries, whatever was dropped from the front
        if (!(o instanceof RollingSums r) || !Arrays.equals(widthsMicros, r.widthsMicros) || lastMicros != r.lastMicros) {
            return false;
        }
        return Arrays.equals(sums, r.sums)
                && entries.subList(starts[starts.length - 1], entries.size())
                    .equals(r.entries.subList(r.starts[r.starts.length - 1], r.entries.size()));
    }

    @Override
    public int hashCode() {
        return Long.hashCode(lastMicros) * 31 + Arrays.hashCode(sums);
    }
}
