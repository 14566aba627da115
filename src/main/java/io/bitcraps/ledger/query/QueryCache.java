package io.bitcraps.ledger.query;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.projection.Touched;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded (by weight) cache of repository results, kept honest by the writer's commit notices.
 * <p>
 * Every entry remembers the seq of the snapshot it was read from and the topic it depends on
 * ({@code player:alice}, {@code game:g1}, {@code table:t1}, {@code account:house}). A commit
 * records, per topic it touched, the seq at which the topic last changed; an entry older than
 * that is never served. The writer records this before completing the batch's futures, so a
 * caller never reads data older than its own acknowledged write; a load that raced a commit and
 * stored an old snapshot is caught by the same comparison. Topics no commit touched keep their
 * entries across commits.
 * <p>
 * Concurrency: readers on any thread; {@link #invalidate} on the writer thread only. The topic
 * map is bounded: when it grows past {@link #TOPICS_MAX}, {@code floorSeq} is raised to the
 * newest seq and the map is replaced, which makes every older entry stale at once (coarse, never
 * wrong). The floor is written before the new map is published, and both are volatile.
 */
public final class QueryCache {
    static final int TOPICS_MAX = 100_000;

    /** What a loader returns: a value and the seq of the snapshot it came from. */
    @FunctionalInterface
    public interface Loader<T> {
        ReaderPool.Snapshot<T> load() throws java.sql.SQLException;
    }

    /** Counts since open. {@code stale} counts entries found but refused because a commit touched their topic. */
    public record Stats(long hits, long misses, long stale, long evictions, long weightedSize) {}

    private record Entry(Object value, long seq, int weight) {}

    private final Cache<Object, Entry> cache;
    private volatile ConcurrentHashMap<String, Long> changedAt = new ConcurrentHashMap<>();
    private volatile long floorSeq;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stale = new LongAdder();

    public QueryCache(long maximumWeightBytes) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maximumWeightBytes)
                .weigher((Object k, Entry e) -> e.weight)
                .recordStats()
                .build();
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Object key, String topic, Loader<T> loader) throws java.sql.SQLException {
        Entry e = cache.getIfPresent(key);
        if (e != null) {
            if (e.seq >= requiredSeq(topic)) {
                hits.increment();
                return (T) e.value;
            }
            stale.increment();
        } else {
            misses.increment();
        }
        ReaderPool.Snapshot<T> loaded = loader.load();
        cache.put(key, new Entry(loaded.value(), loaded.seq(), weightOf(loaded.value())));
        return loaded.value();
    }

    /** Rough bytes held: a fixed overhead plus a typical row per item. */
    private static int weightOf(Object value) {
        int items = value instanceof Page<?> p ? p.items().size() : 1;
        return 96 + 160 * items;
    }

    private long requiredSeq(String topic) {
        ConcurrentHashMap<String, Long> map = changedAt; // read the map first: the floor was set before it
        Long changed = map.get(topic);
        long floor = floorSeq;
        return changed == null ? floor : Math.max(floor, changed);
    }

    /** Called by the writer after a commit at {@code seq}, before the commit's futures complete. */
    public void invalidate(Touched touched, long seq) {
        ConcurrentHashMap<String, Long> map = changedAt;
        if (map.size() > TOPICS_MAX) {
            floorSeq = seq;
            changedAt = new ConcurrentHashMap<>();
            return;
        }
        for (String p : touched.players()) {
            map.put("player:" + p, seq);
        }
        for (String g : touched.games()) {
            map.put("game:" + g, seq);
        }
        for (String t : touched.tables()) {
            map.put("table:" + t, seq);
        }
        for (String a : touched.accounts()) {
            map.put("account:" + a, seq);
        }
    }

    public Stats stats() {
        return new Stats(hits.sum(), misses.sum(), stale.sum(), cache.stats().evictionCount(),
                cache.policy().eviction().map(ev -> ev.weightedSize().orElse(0)).orElse(0L));
    }
}
