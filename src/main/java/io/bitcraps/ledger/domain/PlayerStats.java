package io.bitcraps.ledger.domain;

/**
 * A player's betting record: chips staked, winnings received, stakes lost, bets placed and
 * settled. {@code net() = won - lost}: what the tables gave or took, cash movements aside. The
 * writer does not decide on it, so it is kept in the read model only ({@code player_stats}); a
 * batch carries each player's change as a value of this type and the read model adds it.
 */
public record PlayerStats(long wagered, long won, long lost, long betsPlaced, long betsSettled) {
    public static final PlayerStats ZERO = new PlayerStats(0, 0, 0, 0, 0);

    public long net() {
        return Math.subtractExact(won, lost);
    }

    public PlayerStats placed(long stake) {
        return new PlayerStats(Math.addExact(wagered, stake), won, lost, betsPlaced + 1, betsSettled);
    }

    public PlayerStats settled(long winnings, long lostStake) {
        return new PlayerStats(wagered, Math.addExact(won, winnings), Math.addExact(lost, lostStake), betsPlaced,
                betsSettled + 1);
    }

    public PlayerStats plus(PlayerStats o) {
        return new PlayerStats(Math.addExact(wagered, o.wagered), Math.addExact(won, o.won), Math.addExact(lost, o.lost),
                betsPlaced + o.betsPlaced, betsSettled + o.betsSettled);
    }
}
