package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.domain.Limits;

/**
 * The rules that vary from table to table. Recorded with a game (as {@link #canonical()}) so that the game can
 * be re-judged later under the rules it was played under.
 * <p>
 * The odds multiple {@code m} caps the odds behind a flat bet of {@code F} chips: free odds may stake at most
 * {@code m * F}; lay odds may stake at most what wins {@code m * F} (on 4/10 {@code 2mF}, on 5/9
 * {@code 3mF/2}, on 6/8 {@code 6mF/5}, rounded down). Odds are not subject to {@code minBet}/{@code maxBet}.
 *
 * @param field12Pays          what a field bet wins on 12, "to 1": 2 or 3
 * @param placeWorksOnComeOut  whether place bets are working on a come-out roll (when not, a come-out roll
 *                             neither wins nor loses them)
 * @param maxOdds4and10        the odds multiple allowed behind a line or come bet whose point is 4 or 10
 * @param maxOdds5and9         the same for 5 or 9
 * @param maxOdds6and8         the same for 6 or 8 ({@code 3, 4, 5} is the common "3-4-5x" table;
 *                             equal values are a flat "Nx" table; 0 means no odds on those points)
 * @param minBet               the smallest stake of every bet but the odds, in chips
 * @param maxBet               the largest stake of every bet but the odds, in chips
 */
public record TableRules(int field12Pays, boolean placeWorksOnComeOut,
                         int maxOdds4and10, int maxOdds5and9, int maxOdds6and8,
                         long minBet, long maxBet) {
    /** Largest odds multiple a table may offer. */
    public static final int MAX_ODDS_MULTIPLE = 100;

    public TableRules {
        if (field12Pays != 2 && field12Pays != 3) {
            throw new IllegalArgumentException("field12Pays must be 2 or 3, got " + field12Pays);
        }
        checkMultiple("maxOdds4and10", maxOdds4and10);
        checkMultiple("maxOdds5and9", maxOdds5and9);
        checkMultiple("maxOdds6and8", maxOdds6and8);
        if (minBet < 1 || minBet > Limits.AMOUNT_MAX) {
            throw new IllegalArgumentException("minBet must be 1.." + Limits.AMOUNT_MAX + ", got " + minBet);
        }
        if (maxBet < minBet || maxBet > Limits.AMOUNT_MAX) {
            throw new IllegalArgumentException("maxBet must be minBet(" + minBet + ").." + Limits.AMOUNT_MAX
                    + ", got " + maxBet);
        }
    }

    /**
     * The default table: field 12 pays 3:1, place bets off on the come-out, 3-4-5x odds, bets of 5 to 5000
     * chips. Canonical form {@code field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000}.
     */
    public static TableRules standard() {
        return new TableRules(3, false, 3, 4, 5, 5, 5000);
    }

    /** A table with the same odds multiple on every point. */
    public static TableRules withFlatOdds(int field12Pays, boolean placeWorksOnComeOut, int maxOdds,
                                          long minBet, long maxBet) {
        return new TableRules(field12Pays, placeWorksOnComeOut, maxOdds, maxOdds, maxOdds, minBet, maxBet);
    }

    /** The odds multiple for {@code point} (4, 5, 6, 8, 9 or 10). */
    public int maxOddsMultiple(int point) {
        return switch (point) {
            case 4, 10 -> maxOdds4and10;
            case 5, 9 -> maxOdds5and9;
            case 6, 8 -> maxOdds6and8;
            default -> throw new IllegalArgumentException("not a point number: " + point);
        };
    }

    /**
     * The one canonical string of these rules, e.g.
     * {@code field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000}: keys in this order, no spaces,
     * plain decimal numbers, {@code maxOdds=N} when the three multiples are equal and {@code maxOdds=A-B-C}
     * (4/10, 5/9, 6/8) otherwise. {@code parse(r.canonical()).equals(r)} for every {@code r}, and
     * {@link #parse} accepts no other spelling, so two equal rule sets always have equal strings.
     */
    public String canonical() {
        String odds = maxOdds4and10 == maxOdds5and9 && maxOdds5and9 == maxOdds6and8
                ? Integer.toString(maxOdds4and10)
                : maxOdds4and10 + "-" + maxOdds5and9 + "-" + maxOdds6and8;
        return "field12=" + field12Pays + ";placeWorksOnComeOut=" + placeWorksOnComeOut + ";maxOdds=" + odds
                + ";min=" + minBet + ";max=" + maxBet;
    }

    private static final String[] KEYS = {"field12", "placeWorksOnComeOut", "maxOdds", "min", "max"};

    /**
     * Reads the form written by {@link #canonical()}; anything else (another order, spaces, a missing or extra
     * key, {@code 05}, {@code +5}, {@code 3-3-3}, {@code TRUE}) is refused with an
     * {@link IllegalArgumentException}, as are values the constructor refuses.
     */
    public static TableRules parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("table rules are missing");
        }
        String[] parts = text.split(";", -1);
        if (parts.length != KEYS.length) {
            throw new IllegalArgumentException("table rules need exactly " + String.join(";", KEYS) + ", got: " + text);
        }
        String[] values = new String[KEYS.length];
        for (int i = 0; i < KEYS.length; i++) {
            String prefix = KEYS[i] + "=";
            if (!parts[i].startsWith(prefix)) {
                throw new IllegalArgumentException("table rules: expected " + prefix + "… at position " + (i + 1)
                        + ", got '" + parts[i] + "' in: " + text);
            }
            values[i] = parts[i].substring(prefix.length());
        }
        boolean placeWorks = switch (values[1]) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("placeWorksOnComeOut must be true or false, got '"
                    + values[1] + "'");
        };
        String[] odds = values[2].split("-", -1);
        int o4;
        int o5;
        int o6;
        if (odds.length == 1) {
            o4 = o5 = o6 = (int) number("maxOdds", odds[0]);
        } else if (odds.length == 3) {
            o4 = (int) number("maxOdds", odds[0]);
            o5 = (int) number("maxOdds", odds[1]);
            o6 = (int) number("maxOdds", odds[2]);
            if (o4 == o5 && o5 == o6) {
                throw new IllegalArgumentException("maxOdds: equal multiples are written once ('" + o4
                        + "'), got '" + values[2] + "'");
            }
        } else {
            throw new IllegalArgumentException("maxOdds must be N or A-B-C, got '" + values[2] + "'");
        }
        TableRules rules = new TableRules((int) number("field12", values[0]), placeWorks, o4, o5, o6,
                number("min", values[3]), number("max", values[4]));
        if (!rules.canonical().equals(text)) {
            throw new IllegalArgumentException("table rules are not in canonical form: " + text);
        }
        return rules;
    }

    /** A plain decimal number with no sign and no leading zero, small enough for its field. */
    private static long number(String key, String text) {
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')
                || (text.length() > 1 && text.charAt(0) == '0')) {
            throw new IllegalArgumentException(key + " must be a plain decimal number, got '" + text + "'");
        }
        long value = Long.parseLong(text);
        if (!key.equals("min") && !key.equals("max") && value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " is out of range: " + text);
        }
        return value;
    }

    private static void checkMultiple(String name, int multiple) {
        if (multiple < 0 || multiple > MAX_ODDS_MULTIPLE) {
            throw new IllegalArgumentException(name + " must be 0.." + MAX_ODDS_MULTIPLE + ", got " + multiple);
        }
    }

    @Override
    public String toString() {
        return canonical();
    }
}
