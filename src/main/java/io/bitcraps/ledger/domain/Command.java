package io.bitcraps.ledger.domain;

/**
 * What a game engine asks the ledger to record. Each command is an immutable record whose
 * compact constructor checks everything that does not depend on ledger state (ids, amount bounds,
 * dice); the writer checks the rest against its state. A command cannot carry a timestamp: the
 * ledger assigns it.
 */
public sealed interface Command
        permits Command.Deposit, Command.Withdraw, Command.FundHouse, Command.OpenGame,
                Command.PlaceBet, Command.RecordRoll, Command.SettleBet, Command.CloseGame {

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

    /** Opens a game at a table; game ids are never reused. */
    record OpenGame(String gameId, String tableId) implements Command {
        public OpenGame {
            Ids.requireId("game", gameId);
            Ids.requireId("table", tableId);
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

    /** Records one throw of the dice in an open game. */
    record RecordRoll(String gameId, int die1, int die2) implements Command {
        public RecordRoll {
            Ids.requireId("game", gameId);
            if (die1 < 1 || die1 > 6 || die2 < 1 || die2 > 6) {
                throw new Rejected.InvalidDice(die1, die2);
            }
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

    /** Closes a game that has no open bet. */
    record CloseGame(String gameId) implements Command {
        public CloseGame {
            Ids.requireId("game", gameId);
        }

        @Override
        public EventType eventType() {
            return EventType.GAME_CLOSED;
        }
    }
}
