package io.bitcraps.ledger.store;

/**
 * One row of the {@code events} table. {@code typeCode} is the event type's frame code; the
 * game, player, bet and amount columns are query aids copied from the payload.
 */
public record EventRow(long seq, long timestampMicros, int typeCode, String gameId, String playerId, String betId,
                       Long amount, String key, byte[] payload, byte[] hash) {}
