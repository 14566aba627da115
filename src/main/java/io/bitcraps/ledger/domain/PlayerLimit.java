package io.bitcraps.ledger.domain;

/**
 * The limits a player may set on their own play ({@link Command.SetLimits}): deposits over three
 * rolling windows, net loss over one, and the largest single stake. A window is rolling: at time
 * {@code t} it holds what happened after {@code t - window}. The field name is the one used by JSON
 * Lines input, the payload and export.
 */
public enum PlayerLimit {
    DEPOSIT_24H("deposit_24h", "deposits", Windows.DAY_MICROS),
    DEPOSIT_7D("deposit_7d", "deposits", 7 * Windows.DAY_MICROS),
    DEPOSIT_30D("deposit_30d", "deposits", 30 * Windows.DAY_MICROS),
    /**
     * Net loss over 24 h: the stakes of the player's open bets, plus each settlement of the last 24 h's stake less
     * the chips it paid back (a win counts against the losses).
     */
    LOSS_24H("loss_24h", "net loss", Windows.DAY_MICROS),
    /** The largest stake of one bet; it has no window. */
    STAKE_MAX("stake_max", "stake", 0);

    /** Every limit, in the order a deposit or bet is judged against them. */
    public static final PlayerLimit[] ALL = values();

    private final String field;
    private final String measures;
    private final long windowMicros;

    PlayerLimit(String field, String measures, long windowMicros) {
        this.field = field;
        this.measures = measures;
        this.windowMicros = windowMicros;
    }

    public String field() {
        return field;
    }

    /** What the limit bounds, in words: "deposits", "net loss", "stake". */
    public String measures() {
        return measures;
    }

    /** The rolling window, in microseconds; 0 for the stake limit. */
    public long windowMicros() {
        return windowMicros;
    }

    /** The window in words: "24h", "7d", "30d", or "per bet". */
    public String window() {
        return windowMicros == 0 ? "per bet" : windowMicros == Windows.DAY_MICROS ? "24h" : windowMicros / Windows.DAY_MICROS + "d";
    }

    public boolean isDeposit() {
        return this == DEPOSIT_24H || this == DEPOSIT_7D || this == DEPOSIT_30D;
    }

    public static PlayerLimit ofField(String field) {
        for (PlayerLimit l : ALL) {
            if (l.field.equals(field)) {
                return l;
            }
        }
        return null;
    }

    /** Time spans of player protection, in microseconds (event timestamps are microseconds since the epoch). */
    public static final class Windows {
        private Windows() {}

        public static final long HOUR_MICROS = 3_600_000_000L;
        public static final long DAY_MICROS = 24 * HOUR_MICROS;
    }
}
