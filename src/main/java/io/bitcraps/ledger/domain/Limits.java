package io.bitcraps.ledger.domain;

/**
 * Every bound the domain enforces, in one place. The amount bounds are far below
 * {@code Long.MAX_VALUE} so that no balance of a real account can overflow: a single account is
 * capped at {@link #BALANCE_MAX}, and every sum still goes through {@code Math.addExact}.
 */
public final class Limits {
    private Limits() {}

    /** Longest player, game, table and bet id, in characters. */
    public static final int ID_LENGTH_MAX = 64;
    /** Longest free-text reference on cash movements, in characters. */
    public static final int REFERENCE_LENGTH_MAX = 64;
    /** Longest client idempotency key, in characters. */
    public static final int IDEMPOTENCY_KEY_LENGTH_MAX = 64;
    /** Largest stake, deposit, withdrawal or house funding in one command, in chips. */
    public static final long AMOUNT_MAX = 1_000_000_000_000L;
    /** Largest winnings one settlement may pay (the richest craps bet pays 30:1). */
    public static final long WINNINGS_MAX = AMOUNT_MAX * 100;
    /** Largest balance any account but {@code world} may hold, in chips. */
    public static final long BALANCE_MAX = 1_000_000_000_000_000L;
    /** Most commands in one atomic group (a roll and every settlement it causes). */
    public static final int ATOMIC_COMMANDS_MAX = 256;
    /** Largest encoded event payload, in bytes; the decoder refuses anything longer. */
    public static final int PAYLOAD_BYTES_MAX = 4_096;
    /** Most bets one game may hold open at once. */
    public static final int OPEN_BETS_PER_GAME_MAX = 4_096;
    /** Longest table rules text of a game opening, in characters. */
    public static final int TABLE_RULES_LENGTH_MAX = 160;
    /** Longest client seed of a provably fair roll, in characters. */
    public static final int CLIENT_SEED_LENGTH_MAX = 64;
    /** Longest subscription name, in characters. */
    public static final int SUBSCRIPTION_NAME_LENGTH_MAX = 64;
    /** Most rows one page of a repository read returns. */
    public static final int PAGE_ROWS_MAX = 1_000;
    /**
     * Most prepared statements one reader connection keeps (query {@code StatementCache}); the
     * repositories use about fifteen distinct SQL texts, so the bound only stops a runaway.
     */
    public static final int READER_STATEMENTS_MAX = 32;
    /** Longest JSON Lines command line ingest reads; a longer one is answered "invalid" without being held. */
    public static final int COMMAND_LINE_CHARS_MAX = 64 * 1024;

    /** How long a raised (or removed) player limit waits before it applies; a lowered one applies at once. */
    public static final long LIMIT_RAISE_COOLING_MICROS = PlayerLimit.Windows.DAY_MICROS;
    /** Shortest cool-off, in hours: a day. */
    public static final int COOL_OFF_HOURS_MIN = 24;
    /** Longest cool-off, in hours: six weeks. */
    public static final int COOL_OFF_HOURS_MAX = 42 * 24;
    /** Shortest self-exclusion, in hours: six months (182 days). */
    public static final int SELF_EXCLUSION_HOURS_MIN = 182 * 24;
    /** Longest self-exclusion, in hours: five years (1826 days). */
    public static final int SELF_EXCLUSION_HOURS_MAX = 1826 * 24;

    static {
        // a full group of maximal settlements must still fit comfortably in a balance
        if (Math.multiplyHigh(WINNINGS_MAX, ATOMIC_COMMANDS_MAX) != 0
                || WINNINGS_MAX * ATOMIC_COMMANDS_MAX > Long.MAX_VALUE / 4) {
            throw new ExceptionInInitializerError("WINNINGS_MAX * ATOMIC_COMMANDS_MAX is too close to overflow");
        }
        if (BALANCE_MAX > Long.MAX_VALUE / 1024) {
            throw new ExceptionInInitializerError("BALANCE_MAX leaves no headroom below Long.MAX_VALUE");
        }
    }
}
