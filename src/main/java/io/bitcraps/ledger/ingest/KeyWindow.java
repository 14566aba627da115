package io.bitcraps.ledger.ingest;

import java.util.function.ToLongFunction;

/**
 * The idempotency keys of the log-first commit: the keys of committed submissions within the
 * retention window (the newest {@code keysMax} keys, and none older than {@code windowMicros} of
 * ledger time before the ledger's newest commit), held in memory by the writer thread and rebuilt
 * from the log's tail at open. The log keeps every key in its rows; no index over the keys is written in the
 * durable transaction, whose cost would grow with the number of keys ever used (a random leaf page
 * per key, issue #12, item 6). A key older than the window is not recognised: a retry under it is
 * a new submission (docs/operations.md, Idempotency).
 * <p>
 * Compact: a key is held as a 64-bit hash and the seq of its submission's first event, in an
 * open-addressing table (linear probing, backward-shift deletion), plus a ring in commit order for
 * eviction: about 56 bytes per key held; both grow with the keys held, up to {@code keysMax}. Two keys may share a hash, so {@link #candidates} gives every
 * seq held under the key's hash, newest last, and the caller checks the key stored in the log's
 * row. Owned by the writer thread; nothing here is thread-safe.
 */
final class KeyWindow {
    /** The most keys a window may hold: its table (twice as many slots) must stay an int-indexed array. */
    static final int KEYS_MAX_LIMIT = 1 << 27;
    private static final int INITIAL_KEYS = 512;

    private final int keysMax;
    private final long windowMicros;
    private final ToLongFunction<String> hashOf;

    // the table: slot empty when seqs[i] == 0 (seqs start at 1); at most half full
    private long[] hashes;
    private long[] seqs;
    private int mask;

    // the ring in commit order, oldest at head
    private long[] ringHash;
    private long[] ringSeq;
    private long[] ringTs;
    private int head;
    private int size;

    KeyWindow(int keysMax, long windowMicros) {
        this(keysMax, windowMicros, KeyWindow::hash64);
    }

    /** {@code hashOf}: tests force collisions with it. */
    KeyWindow(int keysMax, long windowMicros, ToLongFunction<String> hashOf) {
        if (keysMax < 1 || keysMax > KEYS_MAX_LIMIT) {
            throw new IllegalArgumentException("keysMax must be in 1.." + KEYS_MAX_LIMIT + ", got " + keysMax);
        }
        if (windowMicros <= 0) {
            throw new IllegalArgumentException("the key window must be positive, got " + windowMicros + " µs");
        }
        this.keysMax = keysMax;
        this.windowMicros = windowMicros;
        this.hashOf = hashOf;
        int keys = Math.min(keysMax, INITIAL_KEYS);
        allocateTable(tableSlotsFor(keys));
        ringHash = new long[keys];
        ringSeq = new long[keys];
        ringTs = new long[keys];
    }

    private static int tableSlotsFor(int keys) {
        return Integer.highestOneBit(Math.max(4, keys * 2 - 1)) << 1; // load factor at most 1/2
    }

    private void allocateTable(int slots) {
        hashes = new long[slots];
        seqs = new long[slots];
        mask = slots - 1;
    }

    int size() {
        return size;
    }

    /** Adds a committed key, at its submission's first seq and timestamp; evicts the oldest when full. */
    void add(String key, long seq, long timestampMicros) {
        addHashed(hashOf.applyAsLong(key), seq, timestampMicros);
    }

    void addHashed(long h, long seq, long timestampMicros) {
        if (size == keysMax) {
            evictOldest();
        } else if (size == ringSeq.length) {
            grow();
        }
        int tail = (head + size) % ringSeq.length;
        ringHash[tail] = h;
        ringSeq[tail] = seq;
        ringTs[tail] = timestampMicros;
        size++;
        insert(h, seq);
    }

    long hashOf(String key) {
        return hashOf.applyAsLong(key);
    }

    /**
     * The ledger's newest commit is at {@code headMicros}: keys older than the window before it
     * leave. Called for every committed batch, keyed or not, so that the window is the same live
     * and when rebuilt at open.
     */
    void advanceTo(long headMicros) {
        long oldest = headMicros - windowMicros;
        while (size > 0 && ringTs[head] < oldest) {
            evictOldest();
        }
    }

    /** Every seq held under {@code key}'s hash (normally none or one); the caller checks the log's row. */
    long[] candidates(String key) {
        long h = hashOf.applyAsLong(key);
        long[] found = null;
        for (int i = slot(h); seqs[i] != 0; i = (i + 1) & mask) {
            if (hashes[i] == h) {
                found = append(found, seqs[i]);
            }
        }
        return found == null ? NONE : found;
    }

    private static final long[] NONE = new long[0];

    private static long[] append(long[] a, long v) {
        if (a == null) {
            return new long[]{v};
        }
        long[] b = java.util.Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }

    /** Doubles the ring (up to keysMax) and the table with it, keeping commit order. */
    private void grow() {
        int keys = (int) Math.min(keysMax, 2L * ringSeq.length);
        long[] h = new long[keys];
        long[] q = new long[keys];
        long[] t = new long[keys];
        for (int i = 0; i < size; i++) {
            int from = (head + i) % ringSeq.length;
            h[i] = ringHash[from];
            q[i] = ringSeq[from];
            t[i] = ringTs[from];
        }
        ringHash = h;
        ringSeq = q;
        ringTs = t;
        head = 0;
        allocateTable(tableSlotsFor(keys));
        for (int i = 0; i < size; i++) {
            insert(h[i], q[i]);
        }
    }

    private void evictOldest() {
        remove(ringHash[head], ringSeq[head]);
        head = (head + 1) % ringSeq.length;
        size--;
    }

    private int slot(long h) {
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void insert(long h, long seq) {
        int i = slot(h);
        while (seqs[i] != 0) {
            i = (i + 1) & mask;
        }
        hashes[i] = h;
        seqs[i] = seq;
    }

    /** Removes the entry (h, seq) and shifts the entries after it back, so that no probe chain breaks. */
    private void remove(long h, long seq) {
        int i = slot(h);
        while (seqs[i] != 0 && !(hashes[i] == h && seqs[i] == seq)) {
            i = (i + 1) & mask;
        }
        if (seqs[i] == 0) {
            throw new IllegalStateException("key window: entry for seq " + seq + " missing");
        }
        int gap = i;
        for (int j = (gap + 1) & mask; seqs[j] != 0; j = (j + 1) & mask) {
            int home = slot(hashes[j]);
            // the entry at j may move into the gap if its home slot is not in (gap, j] cyclically
            boolean homeInRange = gap <= j ? home > gap && home <= j : home > gap || home <= j;
            if (!homeInRange) {
                hashes[gap] = hashes[j];
                seqs[gap] = seqs[j];
                gap = j;
            }
        }
        seqs[gap] = 0;
        hashes[gap] = 0;
    }

    /** FNV-1a over the UTF-16 code units, then the SplitMix64 finalizer to spread the bits. */
    static long hash64(String key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
