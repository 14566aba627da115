package io.bitcraps.ledger.audit;

/** One finding: where ({@code seq}, 0 when it concerns no single event), what kind, and the facts. */
public record Problem(long seq, ProblemKind kind, String detail) {}
