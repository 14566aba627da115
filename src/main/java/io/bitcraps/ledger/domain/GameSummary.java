package io.bitcraps.ledger.domain;

/** A game as stored in the read model. {@code point} is 0 when the puck is off. */
public record GameSummary(String gameId, String tableId, boolean open, long openedSeq, long closedSeq, int rolls,
                          int lastDie1, int lastDie2, int point, int openBets) {}
