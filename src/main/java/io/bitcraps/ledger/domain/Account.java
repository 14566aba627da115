package io.bitcraps.ledger.domain;

/**
 * A double-entry account. {@code world} is the outside (cash in and out) and the only account
 * allowed below zero; {@code house} is the bankroll; {@code escrow:<game>} holds stakes in play.
 * The key string is computed once because accounts are map keys on the writer's hot path.
 */
public final class Account implements Comparable<Account> {
    public enum Kind { PLAYER, HOUSE, ESCROW, WORLD }

    public static final Account HOUSE = new Account(Kind.HOUSE, null, "house");
    public static final Account WORLD = new Account(Kind.WORLD, null, "world");

    private final Kind kind;
    private final String id;
    private final String key;

    private Account(Kind kind, String id, String key) {
        this.kind = kind;
        this.id = id;
        this.key = key;
    }

    public static Account player(String playerId) {
        return new Account(Kind.PLAYER, Ids.requireId("player", playerId), "player:" + playerId);
    }

    public static Account escrow(String gameId) {
        return new Account(Kind.ESCROW, Ids.requireId("game", gameId), "escrow:" + gameId);
    }

    /** Parses {@code player:<id>}, {@code escrow:<game>}, {@code house} or {@code world}. */
    public static Account parse(String key) {
        if ("house".equals(key)) {
            return HOUSE;
        }
        if ("world".equals(key)) {
            return WORLD;
        }
        if (key != null && key.startsWith("player:")) {
            return player(key.substring(7));
        }
        if (key != null && key.startsWith("escrow:")) {
            return escrow(key.substring(7));
        }
        throw new Rejected.InvalidId("account", key, "is not player:<id>, escrow:<game>, house or world");
    }

    public Kind kind() {
        return kind;
    }

    /** The player or game id; null for house and world. */
    public String id() {
        return id;
    }

    public String key() {
        return key;
    }

    /** Only the outside world may go below zero (I2). */
    public boolean mayBeNegative() {
        return kind == Kind.WORLD;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Account other && key.equals(other.key);
    }

    @Override
    public int hashCode() {
        return key.hashCode();
    }

    @Override
    public int compareTo(Account o) {
        return key.compareTo(o.key);
    }

    @Override
    public String toString() {
        return key;
    }
}
