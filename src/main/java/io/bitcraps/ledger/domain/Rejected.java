package io.bitcraps.ledger.domain;

/**
 * A command the rules refuse. Nothing is written and the writer goes on. Rejections are expected
 * traffic, so they carry no stack trace (it would only show the writer loop).
 * <p>
 * When the refused command sat in an atomic group, the writer records its position with
 * {@link #markInGroup(int, int)} before the caller can see the exception; the message then says
 * which command of the group was refused.
 */
public abstract sealed class Rejected extends LedgerException {
    private int groupIndex = -1;
    private int groupSize;

    protected Rejected(String message) {
        super(message, null, false);
    }

    /** Records that this command was at {@code index} (0-based) in an atomic group of {@code size}. */
    public Rejected markInGroup(int index, int size) {
        this.groupIndex = index;
        this.groupSize = size;
        return this;
    }

    /** Position in the atomic group, or -1 when the command was submitted alone. */
    public int groupIndex() {
        return groupIndex;
    }

    @Override
    public String getMessage() {
        if (groupIndex < 0) {
            return super.getMessage();
        }
        return "atomic group refused, nothing written: command " + (groupIndex + 1) + " of " + groupSize + ": "
                + super.getMessage();
    }

    public static final class InsufficientFunds extends Rejected {
        public InsufficientFunds(Account account, long balance, long needed) {
            super(account + " holds " + balance + " chips, needs " + needed);
        }

        @Override
        public String code() {
            return "INSUFFICIENT_FUNDS";
        }
    }

    public static final class UnknownAccount extends Rejected {
        public UnknownAccount(Account account) {
            super(account + " has never been funded");
        }

        @Override
        public String code() {
            return "UNKNOWN_ACCOUNT";
        }
    }

    public static final class UnknownGame extends Rejected {
        public UnknownGame(String gameId) {
            super("game " + Ids.quote(gameId) + " was never opened");
        }

        @Override
        public String code() {
            return "UNKNOWN_GAME";
        }
    }

    public static final class GameExists extends Rejected {
        public GameExists(String gameId) {
            super("game " + Ids.quote(gameId) + " was already opened; game ids are never reused");
        }

        @Override
        public String code() {
            return "GAME_EXISTS";
        }
    }

    public static final class GameClosed extends Rejected {
        public GameClosed(String gameId) {
            super("game " + Ids.quote(gameId) + " is closed");
        }

        @Override
        public String code() {
            return "GAME_CLOSED";
        }
    }

    public static final class GameHasOpenBets extends Rejected {
        public GameHasOpenBets(String gameId, int openBets) {
            super("game " + Ids.quote(gameId) + " still has " + openBets + " open bet(s); settle or void them first");
        }

        @Override
        public String code() {
            return "GAME_HAS_OPEN_BETS";
        }
    }

    public static final class UnknownBet extends Rejected {
        public UnknownBet(String gameId, String betId) {
            super("game " + Ids.quote(gameId) + " has no bet " + Ids.quote(betId));
        }

        @Override
        public String code() {
            return "UNKNOWN_BET";
        }
    }

    public static final class DuplicateBet extends Rejected {
        public DuplicateBet(String gameId, String betId) {
            super("game " + Ids.quote(gameId) + " already has a bet " + Ids.quote(betId));
        }

        @Override
        public String code() {
            return "DUPLICATE_BET";
        }
    }

    public static final class BetNotOpen extends Rejected {
        public BetNotOpen(String gameId, String betId, long settledSeq) {
            super("bet " + Ids.quote(betId) + " of game " + Ids.quote(gameId) + " was already settled at seq " + settledSeq);
        }

        @Override
        public String code() {
            return "BET_NOT_OPEN";
        }
    }

    public static final class InvalidAmount extends Rejected {
        public InvalidAmount(String field, long value, long min, long max) {
            super(field + " " + value + " is outside " + min + ".." + max);
        }

        public InvalidAmount(String message) {
            super(message);
        }

        @Override
        public String code() {
            return "INVALID_AMOUNT";
        }
    }

    public static final class InvalidDice extends Rejected {
        public InvalidDice(int die1, int die2) {
            super("dice must each be 1..6, got " + die1 + " and " + die2);
        }

        @Override
        public String code() {
            return "INVALID_DICE";
        }
    }

    public static final class InvalidId extends Rejected {
        public InvalidId(String field, String value, String problem) {
            super(field + " " + Ids.quote(value) + " " + problem);
        }

        @Override
        public String code() {
            return "INVALID_ID";
        }
    }

    public static final class InvalidBet extends Rejected {
        public InvalidBet(String problem) {
            super(problem);
        }

        @Override
        public String code() {
            return "INVALID_BET";
        }
    }

    public static final class InvalidSettlement extends Rejected {
        public InvalidSettlement(String problem) {
            super(problem);
        }

        @Override
        public String code() {
            return "INVALID_SETTLEMENT";
        }
    }

    public static final class InvalidCommand extends Rejected {
        public InvalidCommand(String problem) {
            super(problem);
        }

        @Override
        public String code() {
            return "INVALID_COMMAND";
        }
    }

    public static final class IdempotencyConflict extends Rejected {
        public IdempotencyConflict(String key, long originalSeq) {
            super("idempotency key " + Ids.quote(key) + " was used at seq " + originalSeq + " for other content");
        }

        @Override
        public String code() {
            return "IDEMPOTENCY_CONFLICT";
        }
    }

    /**
     * A bet the table's rules refuse at this moment: placed against the puck, naming a number it may not, outside
     * the table's minimum and maximum, odds with no flat bet behind them or beyond the table's multiple, or a stake
     * too small to win a chip. {@link #rule()} is the rulebook's reason (e.g. {@code ONLY_ON_COME_OUT}).
     */
    public static final class BetNotAllowed extends Rejected {
        private final String rule;

        public BetNotAllowed(String rule, String facts) {
            super(facts);
            this.rule = rule;
        }

        /** The rulebook's code for the rule broken: stable, for machines. */
        public String rule() {
            return rule;
        }

        @Override
        public String code() {
            return "BET_NOT_ALLOWED";
        }
    }

    /** A settlement other than the one the rulebook gives for the roll that decided the bet (a VOID of a decided bet too). */
    public static final class WrongPayout extends Rejected {
        public WrongPayout(String facts) {
            super(facts);
        }

        @Override
        public String code() {
            return "WRONG_PAYOUT";
        }
    }

    /** A win, loss or push of a bet no roll has decided yet (only a VOID may take such a bet down). */
    public static final class EarlySettlement extends Rejected {
        public EarlySettlement(String facts) {
            super(facts);
        }

        @Override
        public String code() {
            return "EARLY_SETTLEMENT";
        }
    }

    /**
     * A roll submitted without the settlements of the bets it decides: they belong in the roll's atomic
     * submission (or let the ledger add them: {@code RecordRoll.settledByTheRules}).
     */
    public static final class MissingSettlement extends Rejected {
        public MissingSettlement(String facts) {
            super(facts);
        }

        @Override
        public String code() {
            return "MISSING_SETTLEMENT";
        }
    }

    /**
     * A roll while bets an earlier roll decided are still unsettled: their settlements belong with that roll.
     * Only a roll deciding more bets than one submission holds, or a history written with the rules off, leaves
     * settlements owed past its submission.
     */
    public static final class UnsettledBets extends Rejected {
        public UnsettledBets(String facts) {
            super(facts);
        }

        @Override
        public String code() {
            return "UNSETTLED_BETS";
        }
    }

    /** A provably fair game opened with a commitment another game already used (its seed is, or will be, revealed). */
    public static final class CommitmentReused extends Rejected {
        public CommitmentReused(String facts) {
            super(facts);
        }

        @Override
        public String code() {
            return "COMMITMENT_REUSED";
        }
    }

    /** A provably fair game closed with a server seed that does not hash to the game's commitment. */
    public static final class SeedMismatch extends Rejected {
        public SeedMismatch(String facts) {
            super(facts);
        }

        @Override
        public String code() {
            return "SEED_MISMATCH";
        }
    }

    /** A provably fair game closed with a seed under which a recorded roll's dice are not the ones derived. */
    public static final class DiceMismatch extends Rejected {
        public DiceMismatch(String facts) {
            super(facts);
        }

        @Override
        public String code() {
            return "DICE_MISMATCH";
        }
    }

    /**
     * A deposit that would take the player's deposits over a rolling window beyond the limit they set. Names the
     * limit, the window, and the chips the player may still deposit in it.
     */
    public static final class DepositLimit extends Rejected {
        private final PlayerLimit limit;
        private final long left;

        public DepositLimit(PlayerLimit limit, long left, String facts) {
            super(facts);
            this.limit = limit;
            this.left = left;
        }

        public PlayerLimit limit() {
            return limit;
        }

        /** Chips the player may still deposit in the window now. */
        public long left() {
            return left;
        }

        @Override
        public String code() {
            return "DEPOSIT_LIMIT";
        }
    }

    /** A bet whose stake, if lost, would take the player's net loss over 24 h beyond the limit they set. */
    public static final class LossLimit extends Rejected {
        private final long left;

        public LossLimit(long left, String facts) {
            super(facts);
            this.left = left;
        }

        public PlayerLimit limit() {
            return PlayerLimit.LOSS_24H;
        }

        /** The largest stake the player may still lose in the window now. */
        public long left() {
            return left;
        }

        @Override
        public String code() {
            return "LOSS_LIMIT";
        }
    }

    /** A bet larger than the largest stake the player set. */
    public static final class StakeLimit extends Rejected {
        private final long left;

        public StakeLimit(long left, String facts) {
            super(facts);
            this.left = left;
        }

        public PlayerLimit limit() {
            return PlayerLimit.STAKE_MAX;
        }

        /** The largest stake allowed. */
        public long left() {
            return left;
        }

        @Override
        public String code() {
            return "STAKE_LIMIT";
        }
    }

    /**
     * A deposit or bet by a player in a cool-off or self-exclusion, or an attempt to end one early. Withdrawals
     * are never refused for it.
     */
    public static final class SelfExcluded extends Rejected {
        private final Exclusion kind;
        private final long untilMicros;

        public SelfExcluded(Exclusion kind, long untilMicros, String facts) {
            super(facts);
            this.kind = kind;
            this.untilMicros = untilMicros;
        }

        public Exclusion kind() {
            return kind;
        }

        /** When the exclusion ends, in microseconds since the epoch. */
        public long untilMicros() {
            return untilMicros;
        }

        @Override
        public String code() {
            return "SELF_EXCLUDED";
        }
    }

    public static final class LimitExceeded extends Rejected {
        public LimitExceeded(String what) {
            super(what);
        }

        @Override
        public String code() {
            return "LIMIT_EXCEEDED";
        }
    }
}
