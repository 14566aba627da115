/**
 * The craps rulebook: pure functions over dice, no I/O, no threads, no clock.
 * <p>
 * Two ways in, one set of rules behind both:
 * <ul>
 *   <li>{@link io.bitcraps.ledger.craps.Rulebook}: the whole-history form. Given a game's rolls and one
 *       {@link io.bitcraps.ledger.craps.Bet}, it says whether and on which roll the bet resolved and how
 *       ({@link io.bitcraps.ledger.craps.Resolution}). For the audit re-executing a game from the log.</li>
 *   <li>{@link io.bitcraps.ledger.craps.CrapsTable}: the streaming form. It tracks the puck and the open bets
 *       roll by roll and returns the settlements each roll causes. For the simulator (and for the audit when it
 *       wants the per-player odds limits checked too).</li>
 *   <li>{@link io.bitcraps.ledger.craps.GameTable}: the streaming form as an immutable value (persistent maps), for
 *       the ledger's writer, which judges every bet and settlement at commit and must be able to go back to the
 *       state of its last commit for free.</li>
 * </ul>
 * Both step every bet through the same per-roll rule, so they agree by construction; the tests check it.
 * The table rules that vary ({@link io.bitcraps.ledger.craps.TableRules}) are data with a canonical string form,
 * so a game can record the rules it was played under. The rules and pay table are in {@code docs/craps.md}.
 * <p>
 * Depends only on {@code io.bitcraps.ledger.domain} ({@code BetType}, {@code Outcome}, {@code Limits}) and on
 * pcollections' persistent maps.
 */
package io.bitcraps.ledger.craps;
