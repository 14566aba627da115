package io.bitcraps.ledger.domain;

import java.util.List;

/**
 * One page of results, read from one snapshot. {@code asOfSeq} is the seq that snapshot was at;
 * {@code next} requests the following (older) page, or is null when this was the last.
 */
public record Page<T>(List<T> items, PageRequest next, long asOfSeq) {
    public Page {
        items = List.copyOf(items);
    }

    public boolean hasNext() {
        return next != null;
    }
}
