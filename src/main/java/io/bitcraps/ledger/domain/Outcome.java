package io.bitcraps.ledger.domain;

/**
 * How a bet ends. WIN returns the stake and pays winnings from the house; LOSE moves the stake
 * to the house; PUSH and VOID return the stake (a push is a tie under the rules, a void is a bet
 * cancelled by the engine, e.g. a table closing).
 */
public enum Outcome { WIN, LOSE, PUSH, VOID }
