package io.bitcraps.ledger.audit;

import java.util.List;

/**
 * One root cause of an audit's findings and the follow-on problems it explains (see {@link RootCauses} for the
 * rule). {@code seq} is where it lies (0 when it concerns no single event); {@code problems} are the findings that
 * name it, at that seq, in the order found. {@code resynchronised} says whether the books after it are again the
 * books an intact log gives, and {@code resync} how the audit went on (or why it could not), in words.
 * {@code followOnCount} may exceed {@code followOns.size()}: each root cause keeps the first
 * {@link RootCauses#FOLLOW_ONS_KEPT}; the report's full problem list holds them all (up to its own limit).
 */
public record RootCause(long seq, List<Problem> problems, boolean resynchronised, String resync, long followOnCount,
                        List<Problem> followOns) {
    /** Root causes an audit keeps (it counts them all). */
    public static final int KEPT = 1_000;

    public RootCause {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a root cause is named by at least one problem");
        }
        if (followOnCount < followOns.size()) {
            throw new IllegalArgumentException("followOnCount " + followOnCount + " < " + followOns.size() + " kept");
        }
        problems = List.copyOf(problems);
        followOns = List.copyOf(followOns);
    }
}
