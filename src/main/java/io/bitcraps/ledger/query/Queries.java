package io.bitcraps.ledger.query;

import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;

/** What every repository does the same way: cut a page, and go through the cache. */
final class Queries {
    private Queries() {}

    /** {@code items} holds up to limit + 1 rows; the extra one only says that another page exists. */
    static <T> Page<T> pageOf(List<T> items, PageRequest page, long seq, ToLongFunction<T> seqOf) {
        if (items.size() <= page.limit()) {
            return new Page<>(items, null, seq);
        }
        List<T> shown = items.subList(0, page.limit());
        long last = seqOf.applyAsLong(shown.get(shown.size() - 1));
        return new Page<>(shown, new PageRequest(page.limit(), last), seq);
    }

    static <T> Page<T> cached(QueryCache cache, Object key, String topic, QueryCache.Loader<Page<T>> loader) {
        try {
            if (cache == null) {
                return loader.load().value();
            }
            return cache.get(key, topic, loader);
        } catch (SQLException e) {
            throw new QueryFailure("query for " + topic + " failed: " + e.getMessage(), e);
        }
    }

    static <T> Optional<T> cachedOne(QueryCache cache, Object key, String topic, QueryCache.Loader<Optional<T>> loader) {
        try {
            return cache == null ? loader.load().value() : cache.get(key, topic, loader);
        } catch (SQLException e) {
            throw new QueryFailure("query for " + topic + " failed: " + e.getMessage(), e);
        }
    }
}
