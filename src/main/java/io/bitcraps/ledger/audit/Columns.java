package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.domain.Command;

/**
 * Which query columns a command implies. Restated here rather than shared with the writer's code
 * on purpose: the audit must not trust the code it checks.
 */
final class Columns {
    private Columns() {}

    // switches over the event type with no default: a command added to the ledger does not compile until the audit
    // says which columns it implies

    static String gameOf(Command c) {
        return switch (c.eventType()) {
            case GAME_OPENED -> ((Command.OpenGame) c).gameId();
            case BET_PLACED -> ((Command.PlaceBet) c).gameId();
            case DICE_ROLLED -> ((Command.RecordRoll) c).gameId();
            case BET_SETTLED -> ((Command.SettleBet) c).gameId();
            case GAME_CLOSED -> ((Command.CloseGame) c).gameId();
            case DEPOSITED, WITHDRAWN, HOUSE_FUNDED, LIMITS_SET, PLAYER_EXCLUDED, EPOCH_STARTED -> null;
        };
    }

    /** The player a command names itself (a settlement's bettor comes from the game; see {@code Books}). */
    static String playerOf(Command c) {
        return switch (c.eventType()) {
            case DEPOSITED -> ((Command.Deposit) c).player();
            case WITHDRAWN -> ((Command.Withdraw) c).player();
            case BET_PLACED -> ((Command.PlaceBet) c).player();
            case LIMITS_SET -> ((Command.SetLimits) c).player();
            case PLAYER_EXCLUDED -> ((Command.SelfExclude) c).player();
            case HOUSE_FUNDED, GAME_OPENED, DICE_ROLLED, BET_SETTLED, GAME_CLOSED, EPOCH_STARTED -> null;
        };
    }

    static String betOf(Command c) {
        return switch (c.eventType()) {
            case BET_PLACED -> ((Command.PlaceBet) c).betId();
            case BET_SETTLED -> ((Command.SettleBet) c).betId();
            case DEPOSITED, WITHDRAWN, HOUSE_FUNDED, GAME_OPENED, DICE_ROLLED, GAME_CLOSED, LIMITS_SET, PLAYER_EXCLUDED,
                 EPOCH_STARTED -> null;
        };
    }

    static Long amountOf(Command c) {
        return switch (c.eventType()) {
            case DEPOSITED -> ((Command.Deposit) c).amount();
            case WITHDRAWN -> ((Command.Withdraw) c).amount();
            case HOUSE_FUNDED -> ((Command.FundHouse) c).amount();
            case BET_PLACED -> ((Command.PlaceBet) c).amount();
            case BET_SETTLED -> ((Command.SettleBet) c).winnings();
            case GAME_OPENED, DICE_ROLLED, GAME_CLOSED, LIMITS_SET, PLAYER_EXCLUDED, EPOCH_STARTED -> null;
        };
    }
}
