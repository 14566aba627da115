package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.internal.Invariants;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One delivery: a batch the writer committed in one transaction (one row of the {@code batches}
 * table, {@code firstSeq..lastSeq}, with its commit time, the chain hash at {@code lastSeq} and
 * its HMAC, null when the ledger runs without a key) and its events in seq order.
 * <p>
 * Normally {@code events} are all of the batch ({@link #whole()}). Two cases deliver part of one:
 * a subscription that starts inside a batch gets that batch from its start onward, and a batch of
 * more than {@link Subscriptions#DELIVERY_EVENTS_MAX} events (a ledger migrated from before the
 * {@code batches} table has one record for its whole early history) comes in consecutive parts of
 * at most that many, each with the batch's own fields. {@link #fromSeq()} and {@link #toSeq()}
 * name the events in hand. As a record with array components, {@code equals} compares the hash
 * arrays by identity: compare deliveries by their seqs and the arrays' contents.
 */
public record CommittedBatch(long firstSeq, long lastSeq, long committedTsMicros, byte[] headHash, byte[] hmac,
                             List<CommittedEvent> events) {
    public CommittedBatch {
        Objects.requireNonNull(headHash, "headHash");
        events = List.copyOf(events);
        Invariants.check(!events.isEmpty(), "a delivery of batch %d..%d holds no event", firstSeq, lastSeq);
        long expected = events.get(0).seq();
        Invariants.check(expected >= firstSeq && events.get(events.size() - 1).seq() <= lastSeq,
                "events %d..%d lie outside batch %d..%d", expected, events.get(events.size() - 1).seq(), firstSeq, lastSeq);
        for (CommittedEvent e : events) {
            Invariants.check(e.seq() == expected, "batch %d..%d: expected seq %d, got %d", firstSeq, lastSeq, expected, e.seq());
            expected++;
        }
    }

    /** The seq of the first event in this delivery. */
    public long fromSeq() {
        return events.get(0).seq();
    }

    /** The seq of the last event in this delivery. */
    public long toSeq() {
        return events.get(events.size() - 1).seq();
    }

    /** True when this delivery holds every event of the batch. */
    public boolean whole() {
        return fromSeq() == firstSeq && toSeq() == lastSeq;
    }

    /** True when this delivery ends where the batch ends (the last part of a batch, or all of it). */
    public boolean endsBatch() {
        return toSeq() == lastSeq;
    }

    public Instant committedAt() {
        return Instant.ofEpochSecond(Math.floorDiv(committedTsMicros, 1_000_000L),
                Math.floorMod(committedTsMicros, 1_000_000L) * 1_000L);
    }

    /** A copy of the chain hash at {@code lastSeq}. */
    @Override
    public byte[] headHash() {
        return headHash.clone();
    }

    /** A copy of the batch's HMAC, or null when the batch is not signed. */
    @Override
    public byte[] hmac() {
        return hmac == null ? null : hmac.clone();
    }

    @Override
    public String toString() {
        return "CommittedBatch[" + firstSeq + ".." + lastSeq + (whole() ? "" : ", events " + fromSeq() + ".." + toSeq())
                + ", " + committedAt() + (hmac == null ? "" : ", signed") + "]";
    }
}
