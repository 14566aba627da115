/**
 * Player protection: the limits a player sets on their own play, cool-offs and self-exclusions,
 * as pure, immutable rules over the ledger's own event timestamps (no clock, no I/O), so that the
 * writer, a replay and the audit all decide the same way. The writer folds a
 * {@link io.bitcraps.ledger.protection.PlayerProtection} per protected player into its state and
 * asks it before each deposit and bet; the audit folds its own from the log and asks the same
 * questions of every committed deposit and bet.
 */
package io.bitcraps.ledger.protection;
