package io.bitcraps.ledger.domain;

/**
 * What a game engine asks the ledger to record. Each command is an immutable record whose
 * compact constructor checks everything that does not depend on ledger state (ids, amount bounds,
 * dice); the writer checks the rest against its state. A command cannot carry a timestamp: the
 * ledger assigns it.
 */
public sealed interface Command
        permits Command.Deposit, Command.Withdraw, Command.FundHouse, Command.OpenGame,
                Command.PlaceBet, Command.RecordRoll, Command.SettleBet, Command.CloseGame,
                Command.SetLimits, Command.SelfExclude, Command.StartEpoch {

    /** The event this command becomes when accepted. */
    EventType eventType();

    /** Cash from the outside into a player's account. */
    record Deposit(String player, long amount, String reference) implements Command {
        public Deposit {
            Ids.requireId("player", player);
            Amounts.requireAmount("deposit amount", amount);
            Ids.requireReference(reference);
        }

        @Override
        public EventType eventType() {
            return EventType.DEPOSITED;
        }
    }

    /** Cash from a player's account back to the outside; never more than the player holds. */
    record Withdraw(String player, long amount, String reference) implements Command {
        public Withdraw {
            Ids.requireId("player", player);
            Amounts.requireAmount("withdrawal amount", amount);
            Ids.requireReference(reference);
        }

        @Override
        public EventType eventType() {
            return EventType.WITHDRAWN;
        }
    }

    /** Chips from the outside into the house bankroll, which pays all winnings. */
    record FundHouse(long amount, String reference) implements Command {
        public FundHouse {
            Amounts.requireAmount("house funding", amount);
            Ids.requireReference(reference);
        }

        @Override
        public EventType eventType() {
            return EventType.HOUSE_FUNDED;
        }
    }

    /**
     * Opens a game at a table; game ids are never reused. {@code rules} are the table's rules in
     * the rulebook's canonical form ({@code io.bitcraps.ledger.craps.TableRules#canonical()}),
     * recorded with the game so that an audit can judge its payouts by the rules it was played under.
     * <p>
     * {@code commitment}, when not null, makes the game provably fair ({@code docs/fairness.md}): the
     * SHA-256 of the house's secret server seed, 64 lower-case hex digits. Every roll of the game then
     * names a client seed and a nonce, and {@link CloseGame} must reveal the seed, which the ledger
     * checks against the commitment and every recorded roll.
     */
    record OpenGame(String gameId, String tableId, String rules, String commitment) implements Command {
        /** The standard table's rules: field 12 pays 3:1, place bets off on the come-out, 3-4-5x odds, bets of 5 to 5000. */
        public static final String STANDARD_RULES = "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000";
        public OpenGame {
            Ids.requireId("game", gameId);
            Ids.requireId("table", tableId);
            if (rules == null || rules.isEmpty() || rules.length() > Limits.TABLE_RULES_LENGTH_MAX) {
                throw new Rejected.InvalidCommand("table rules must be 1.." + Limits.TABLE_RULES_LENGTH_MAX + " characters, got "
                        + Ids.quote(rules));
            }
            for (int i = 0; i < rules.length(); i++) {
                char c = rules.charAt(i);
                if (c < '!' || c > '~') {
                    throw new Rejected.InvalidCommand("table rules " + Ids.quote(rules) + " hold a character outside printable ASCII");
                }
            }
            if (commitment != null && !isHex64(commitment)) {
                throw new Rejected.InvalidCommand("a commitment is the SHA-256 of the server seed as 64 lower-case hex"
                        + " digits, got " + Ids.quote(commitment));
            }
        }

        /** A game under {@code rules}, not provably fair. */
        public OpenGame(String gameId, String tableId, String rules) {
            this(gameId, tableId, rules, null);
        }

        /** A game under the standard table's rules. */
        public OpenGame(String gameId, String tableId) {
            this(gameId, tableId, STANDARD_RULES);
        }

        @Override
        public EventType eventType() {
            return EventType.GAME_OPENED;
        }
    }

    /**
     * Moves a stake from a player into the game's escrow. {@code point} is null unless the bet
     * type names a number (place bets, hardways, odds behind a come bet).
     */
    record PlaceBet(String gameId, String betId, String player, BetType betType, Integer point, long amount)
            implements Command {
        public PlaceBet {
            Ids.requireId("game", gameId);
            Ids.requireId("bet", betId);
            Ids.requireId("player", player);
            if (betType == null) {
                throw new Rejected.InvalidBet("bet type is missing");
            }
            betType.checkPoint(point);
            Amounts.requireAmount("stake", amount);
        }

        @Override
        public EventType eventType() {
            return EventType.BET_PLACED;
        }
    }

    /**
     * Records one throw of the dice in an open game. With {@code autoSettle} the ledger settles, in
     * the same atomic submission, every bet the roll decides, with the outcome and winnings of the
     * craps rulebook under the game's table rules: the engine records dice and never computes a
     * payout. The log holds the roll and the settlement events as if the engine had submitted them
     * together; the flag itself is not stored.
     */
    record RecordRoll(String gameId, int die1, int die2, boolean autoSettle, String clientSeed, Long nonce)
            implements Command {
        public RecordRoll {
            Ids.requireId("game", gameId);
            if (die1 < 1 || die1 > 6 || die2 < 1 || die2 > 6) {
                throw new Rejected.InvalidDice(die1, die2);
            }
            if ((clientSeed == null) != (nonce == null)) {
                throw new Rejected.InvalidCommand("a fair roll names both a client seed and a nonce, got "
                        + Ids.quote(clientSeed) + " and " + nonce);
            }
            if (clientSeed != null) {
                if (clientSeed.isEmpty() || clientSeed.length() > Limits.CLIENT_SEED_LENGTH_MAX
                        || !clientSeed.chars().allMatch(c -> c > ' ' && c <= '~')) {
                    throw new Rejected.InvalidCommand("a client seed is 1.." + Limits.CLIENT_SEED_LENGTH_MAX
                            + " printable ASCII characters without spaces, got " + Ids.quote(clientSeed));
                }
                if (nonce < 0) {
                    throw new Rejected.InvalidCommand("a nonce is 0 or more, got " + nonce);
                }
            }
        }

        /** A roll whose settlements the engine submits itself (in the same atomic group). */
        public RecordRoll(String gameId, int die1, int die2) {
            this(gameId, die1, die2, false, null, null);
        }

        /** A roll, settled by the ledger when {@code autoSettle}. */
        public RecordRoll(String gameId, int die1, int die2, boolean autoSettle) {
            this(gameId, die1, die2, autoSettle, null, null);
        }

        /** A roll the ledger settles by the rulebook. */
        public static RecordRoll settledByTheRules(String gameId, int die1, int die2) {
            return new RecordRoll(gameId, die1, die2, true);
        }

        /** A roll of a provably fair game: its dice are those of {@code clientSeed} and {@code nonce} under the game's seed. */
        public static RecordRoll fair(String gameId, int die1, int die2, String clientSeed, long nonce) {
            return new RecordRoll(gameId, die1, die2, false, clientSeed, nonce);
        }

        /** The same roll, settled by the ledger. */
        public RecordRoll withAutoSettle() {
            return new RecordRoll(gameId, die1, die2, true, clientSeed, nonce);
        }

        /** The same roll as it is stored: the log does not keep whether the ledger settled it. */
        public RecordRoll asStored() {
            return autoSettle ? new RecordRoll(gameId, die1, die2, false, clientSeed, nonce) : this;
        }

        /** True for a roll of a provably fair game (it names a client seed and a nonce). */
        public boolean isFair() {
            return clientSeed != null;
        }

        public int total() {
            return die1 + die2;
        }

        @Override
        public EventType eventType() {
            return EventType.DICE_ROLLED;
        }
    }

    /**
     * Ends an open bet. WIN pays {@code winnings} (> 0) from the house on top of the returned
     * stake; LOSE, PUSH and VOID pay nothing ({@code winnings} must be 0).
     */
    record SettleBet(String gameId, String betId, Outcome outcome, long winnings) implements Command {
        public SettleBet {
            Ids.requireId("game", gameId);
            Ids.requireId("bet", betId);
            if (outcome == null) {
                throw new Rejected.InvalidSettlement("outcome is missing (WIN, LOSE, PUSH or VOID)");
            }
            if (outcome == Outcome.WIN) {
                if (winnings < 1 || winnings > Limits.WINNINGS_MAX) {
                    throw new Rejected.InvalidAmount("winnings", winnings, 1, Limits.WINNINGS_MAX);
                }
            } else if (winnings != 0) {
                throw new Rejected.InvalidSettlement(outcome + " pays no winnings, got " + winnings);
            }
        }

        @Override
        public EventType eventType() {
            return EventType.BET_SETTLED;
        }
    }

    /**
     * Closes a game that has no open bet. {@code serverSeed}, required for a provably fair game and
     * refused for any other, reveals the seed its commitment hid: 64 lower-case hex digits.
     */
    record CloseGame(String gameId, String serverSeed) implements Command {
        public CloseGame {
            Ids.requireId("game", gameId);
            if (serverSeed != null && !isHex64(serverSeed)) {
                throw new Rejected.InvalidCommand("a server seed is 32 bytes as 64 lower-case hex digits, got "
                        + Ids.quote(serverSeed));
            }
        }

        /** Closes a game that is not provably fair. */
        public CloseGame(String gameId) {
            this(gameId, null);
        }

        @Override
        public EventType eventType() {
            return EventType.GAME_CLOSED;
        }
    }

    /**
     * Sets all of a player's limits at once ({@link PlayerLimit}); a null limit is none. A limit
     * lowered (or added) applies from this event; one raised (or removed) applies only
     * {@link Limits#LIMIT_RAISE_COOLING_MICROS} later, and until then the lower one stays in force.
     * Deposits and bets count toward a limit from the player's first {@code set_limits} or
     * {@code self_exclude} on (the ledger tracks usage only for players who asked for protection).
     */
    record SetLimits(String player, Long deposit24h, Long deposit7d, Long deposit30d, Long loss24h, Long stakeMax)
            implements Command {
        public SetLimits {
            Ids.requireId("player", player);
            for (PlayerLimit l : PlayerLimit.ALL) {
                Long v = switch (l) {
                    case DEPOSIT_24H -> deposit24h;
                    case DEPOSIT_7D -> deposit7d;
                    case DEPOSIT_30D -> deposit30d;
                    case LOSS_24H -> loss24h;
                    case STAKE_MAX -> stakeMax;
                };
                if (v != null && (v < 1 || v > Limits.BALANCE_MAX)) {
                    throw invalidAmountFor(l, v);
                }
            }
        }

        /** The limit's value, or null for none. */
        public Long limit(PlayerLimit l) {
            return switch (l) {
                case DEPOSIT_24H -> deposit24h;
                case DEPOSIT_7D -> deposit7d;
                case DEPOSIT_30D -> deposit30d;
                case LOSS_24H -> loss24h;
                case STAKE_MAX -> stakeMax;
            };
        }

        /** Limits from values by {@link PlayerLimit#ordinal()} (null for none). */
        public static SetLimits of(String player, Long[] byLimit) {
            return new SetLimits(player, byLimit[0], byLimit[1], byLimit[2], byLimit[3], byLimit[4]);
        }

        @Override
        public EventType eventType() {
            return EventType.LIMITS_SET;
        }
    }

    /**
     * Excludes a player from deposits and bets for {@code hours} from this event's time: a
     * {@link Exclusion#COOL_OFF} or a {@link Exclusion#SELF_EXCLUSION}, each within its bounds. It can
     * be extended by another, never shortened. The length, not an end time, is recorded, so that the
     * end follows from the ledger's own timestamp and a replay decides the same way.
     */
    record SelfExclude(String player, Exclusion kind, int hours) implements Command {
        public SelfExclude {
            Ids.requireId("player", player);
            if (kind == null) {
                throw new Rejected.InvalidCommand("self_exclude needs a kind: cool_off or self_exclusion");
            }
            if (hours < kind.hoursMin() || hours > kind.hoursMax()) {
                throw new Rejected.InvalidCommand("a " + kind.field() + " lasts " + kind.hoursMin() + ".." + kind.hoursMax()
                        + " hours, got " + hours);
            }
        }

        @Override
        public EventType eventType() {
            return EventType.PLAYER_EXCLUDED;
        }
    }

    /**
     * The ledger continues under a new primary epoch: written by {@code tools/ledger promote} as the
     * first event of a standby made writable, so that the log itself says from which seq on it was
     * written by whom. {@code epoch} is the previous epoch plus one (the first primary's is 0);
     * the CDC relay stamps every event with its epoch, and a standby that applied an epoch refuses
     * records of an older one (a fenced former primary's). Moves no chips.
     */
    record StartEpoch(long epoch, String reason) implements Command {
        public StartEpoch {
            if (epoch < 1) {
                throw new Rejected.InvalidCommand("an epoch started by a promotion is 1 or more, got " + epoch);
            }
            Ids.requireReference(reason);
        }

        @Override
        public EventType eventType() {
            return EventType.EPOCH_STARTED;
        }
    }

    /** A limit value out of bounds: an {@link Rejected.InvalidAmount} that names the limit. */
    private static Rejected.InvalidAmount invalidAmountFor(PlayerLimit l, long v) {
        return new Rejected.InvalidAmount(l.field() + " limit", v, 1, Limits.BALANCE_MAX);
    }

    /** 64 lower-case hex digits: a SHA-256, or a 32-byte seed. */
    private static boolean isHex64(String s) {
        return s.length() == 64 && s.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f');
    }
}
