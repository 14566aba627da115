package io.bitcraps.ledger.projection;

/**
 * A player's betting record: chips staked, winnings received, stakes lost, bets placed and
 * settled. {@code net() = won - lost}: what the tables gave or took, cash movements aside.
 */
public record PlayerStats(long wagered, long won, long lost, long betsPlaced, long betsSettled) {
    public static final PlayerStats ZERO = new PlayerStats(0, 0, 0, 0, 0);

    public long net() {
        return Math.subtractExact(won, lost);
    }

    PlayerStats placed(long stake) {
        return new PlayerStats(Math.addExact(wagered, stake), won, lost, betsPlaced + 1, betsSettled);
    }

    PlayerStats settled(long winnings, long lostStake) {
        return new PlayerStats(wagered, Math.addExact(won, winnings), Math.addExact(lost, lostStake), betsPlaced,
                betsSettled + 1);
    }
}
