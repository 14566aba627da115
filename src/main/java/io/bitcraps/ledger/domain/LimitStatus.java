package io.bitcraps.ledger.domain;

/**
 * One limit as a reader sees it: {@code value} null for none; {@code used} the window's deposits or net loss;
 * {@code left} what may still be deposited, lost or staked (null without a limit); and a raise waiting out its
 * cooling period ({@code raisedTo} null when the limit is being removed).
 */
public record LimitStatus(PlayerLimit limit, Long value, long used, Long left, boolean raisePending, Long raisedTo,
                          long raiseFromMicros) {}
