package io.bitcraps.ledger.domain;


/** One line of an account's statement: the event, when, and the movement (positive: chips in). */
public record AccountEntry(long seq, long timestampMicros, EventType type, long delta) {}
