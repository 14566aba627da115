package io.bitcraps.ledger.query;

import io.bitcraps.ledger.domain.EventType;

/** One line of an account's statement: the event, when, and the movement (positive: chips in). */
public record AccountEntry(long seq, long timestampMicros, EventType type, long delta) {}
