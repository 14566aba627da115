package io.bitcraps.ledger.domain;

import java.util.List;
import java.util.Objects;

/**
 * An accepted command as it stands in the log: its position, the ledger's timestamp, the
 * command, the postings it caused (summing to zero), the idempotency key of the submission it
 * opened, and the size of that submission. {@code submissionSize} is the number of events of an
 * atomic group on its first event, and 1 on every other event.
 */
public record LedgerEvent(long seq, long timestampMicros, Command command, List<Posting> postings,
                          String key, int submissionSize) {
    public LedgerEvent {
        Objects.requireNonNull(command, "command");
        postings = List.copyOf(postings);
        if (seq < 1) {
            throw new IllegalArgumentException("seq starts at 1, got " + seq);
        }
        if (submissionSize < 1 || submissionSize > Limits.ATOMIC_COMMANDS_MAX) {
            throw new IllegalArgumentException("submission size " + submissionSize + " outside 1.." + Limits.ATOMIC_COMMANDS_MAX);
        }
    }

    public EventType type() {
        return command.eventType();
    }
}
