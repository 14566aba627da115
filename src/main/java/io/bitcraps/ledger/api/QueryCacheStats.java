package io.bitcraps.ledger.api;

/**
 * The query cache since open: hits, misses, answers refused as older than a seq the caller had seen
 * ({@code stale}), evictions, and the bytes it holds ({@code weightedSize}, as weighed). All zero when it is off.
 */
public record QueryCacheStats(long hits, long misses, long stale, long evictions, long weightedSize) {
    static QueryCacheStats of(io.bitcraps.ledger.query.QueryCache.Stats s) {
        return new QueryCacheStats(s.hits(), s.misses(), s.stale(), s.evictions(), s.weightedSize());
    }
}
