package io.bitcraps.ledger.domain;


/**
 * A keyset page request: up to {@code limit} items strictly older than {@code beforeSeq}, newest
 * first. No OFFSET: the next page starts where the last one ended, so paging stays cheap and
 * stable while writes continue (new items land before page one, never inside a later page).
 */
public record PageRequest(int limit, long beforeSeq) {

    public PageRequest {
        if (limit < 1 || limit > Limits.PAGE_ROWS_MAX) {
            throw new IllegalArgumentException("page limit must be in 1.." + Limits.PAGE_ROWS_MAX + ", got " + limit);
        }
        if (beforeSeq < 1) {
            throw new IllegalArgumentException("beforeSeq must be positive, got " + beforeSeq);
        }
    }

    public static PageRequest first(int limit) {
        return new PageRequest(limit, Long.MAX_VALUE);
    }
}
