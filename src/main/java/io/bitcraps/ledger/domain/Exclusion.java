package io.bitcraps.ledger.domain;

/**
 * A break a player takes from play ({@link Command.SelfExclude}): deposits and bets are refused
 * until it ends; withdrawals and the settlement of bets already placed go on. Neither kind can be
 * shortened or lifted once recorded, only extended. The bounds follow the common regulatory
 * pattern (a time-out of a day to six weeks; a self-exclusion of six months to five years); they
 * live in {@link Limits}.
 */
public enum Exclusion {
    /** A short time-out. */
    COOL_OFF("cool_off", Limits.COOL_OFF_HOURS_MIN, Limits.COOL_OFF_HOURS_MAX),
    /** A long exclusion. */
    SELF_EXCLUSION("self_exclusion", Limits.SELF_EXCLUSION_HOURS_MIN, Limits.SELF_EXCLUSION_HOURS_MAX);

    private final String field;
    private final int hoursMin;
    private final int hoursMax;

    Exclusion(String field, int hoursMin, int hoursMax) {
        this.field = field;
        this.hoursMin = hoursMin;
        this.hoursMax = hoursMax;
    }

    /** The name in JSON Lines input and payloads. */
    public String field() {
        return field;
    }

    public int hoursMin() {
        return hoursMin;
    }

    public int hoursMax() {
        return hoursMax;
    }

    public static Exclusion ofField(String field) {
        for (Exclusion e : values()) {
            if (e.field.equals(field)) {
                return e;
            }
        }
        return null;
    }
}
