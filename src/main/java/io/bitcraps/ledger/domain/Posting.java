package io.bitcraps.ledger.domain;

import java.util.List;
import java.util.Objects;

/** One leg of a double-entry movement. The postings of an event always sum to zero. */
public record Posting(Account account, long delta) {
    public Posting {
        Objects.requireNonNull(account, "account");
        if (delta == 0) {
            throw new IllegalArgumentException("a posting moves chips; delta 0 on " + account);
        }
    }

    /** Sum with overflow checks; throws ArithmeticException on overflow. */
    public static long sum(List<Posting> postings) {
        long total = 0;
        for (Posting p : postings) {
            total = Math.addExact(total, p.delta);
        }
        return total;
    }
}
