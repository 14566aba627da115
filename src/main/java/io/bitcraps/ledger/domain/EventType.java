package io.bitcraps.ledger.domain;

/**
 * The kinds of event in the log, one per command. The code is the byte written in binary frames
 * and must never change for an existing type; {@link #schemaVersion} is the payload version the
 * code writes today.
 */
public enum EventType {
    DEPOSITED(1, "deposit"),
    WITHDRAWN(2, "withdraw"),
    HOUSE_FUNDED(3, "fund_house"),
    GAME_OPENED(4, "open_game"),
    BET_PLACED(5, "place_bet"),
    DICE_ROLLED(6, "roll"),
    BET_SETTLED(7, "settle"),
    GAME_CLOSED(8, "close_game"),
    LIMITS_SET(9, "set_limits"),
    PLAYER_EXCLUDED(10, "self_exclude"),
    /** A standby promoted to primary ({@code tools/ledger promote}); not a command clients submit in JSON Lines. */
    EPOCH_STARTED(11, "start_epoch");

    private static final EventType[] BY_CODE = new EventType[16];
    /** {@code values()} clones its array at every call; ingest looks a name up once per command. */
    private static final EventType[] ALL = values();

    static {
        for (EventType t : ALL) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final String commandName;

    EventType(int code, String commandName) {
        this.code = code;
        this.commandName = commandName;
    }

    public int code() {
        return code;
    }

    /** The command's name in JSON Lines input ({@code tools/ledger ingest}). */
    public String commandName() {
        return commandName;
    }

    /**
     * Payload schema version written today; older versions are lifted by the codec's upcasters.
     * GAME_OPENED is at 2: version 2 added the table rules (a version 1 game was played under the
     * standard rules).
     */
    public int schemaVersion() {
        return this == GAME_OPENED ? 2 : 1;
    }

    public static EventType ofCode(int code) {
        EventType t = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (t == null) {
            throw new IllegalArgumentException("unknown event type code " + code);
        }
        return t;
    }

    public static EventType ofCommandName(String name) {
        for (EventType t : ALL) {
            if (t.commandName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
