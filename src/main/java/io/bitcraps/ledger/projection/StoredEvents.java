package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.codec.DecodedPayload;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.store.EventRow;

/**
 * Between rows and events: decoding a stored row into its event, and the query columns an event
 * gets. One definition serves the writer, restart, export and audit, so the columns cannot drift.
 */
public final class StoredEvents {
    private StoredEvents() {}

    public static LedgerEvent decode(PayloadCodec codec, EventRow row) {
        EventType type = EventType.ofCode(row.typeCode());
        DecodedPayload p = codec.decode(type, row.payload());
        return new LedgerEvent(row.seq(), row.timestampMicros(), p.command(), p.postings(), p.key(), p.submissionSize());
    }

    /*
     * Each column is a switch over the event type with no default: a command added to the ledger does not compile
     * until every column says what it is for it.
     */

    public static String gameOf(Command c) {
        return switch (c.eventType()) {
            case GAME_OPENED -> ((Command.OpenGame) c).gameId();
            case BET_PLACED -> ((Command.PlaceBet) c).gameId();
            case DICE_ROLLED -> ((Command.RecordRoll) c).gameId();
            case BET_SETTLED -> ((Command.SettleBet) c).gameId();
            case GAME_CLOSED -> ((Command.CloseGame) c).gameId();
            case DEPOSITED, WITHDRAWN, HOUSE_FUNDED, LIMITS_SET, PLAYER_EXCLUDED, EPOCH_STARTED -> null;
        };
    }

    /** The player an event concerns, for the {@code player_id} column: a settlement names the bettor, read from the state before it. */
    public static String playerOf(LedgerState before, Command c) {
        return switch (c.eventType()) {
            case DEPOSITED -> ((Command.Deposit) c).player();
            case WITHDRAWN -> ((Command.Withdraw) c).player();
            case BET_PLACED -> ((Command.PlaceBet) c).player();
            case BET_SETTLED -> {
                Command.SettleBet st = (Command.SettleBet) c;
                yield before.game(st.gameId()).bet(st.betId()).player();
            }
            case LIMITS_SET -> ((Command.SetLimits) c).player();
            case PLAYER_EXCLUDED -> ((Command.SelfExclude) c).player();
            case HOUSE_FUNDED, GAME_OPENED, DICE_ROLLED, GAME_CLOSED, EPOCH_STARTED -> null;
        };
    }

    public static String betOf(Command c) {
        return switch (c.eventType()) {
            case BET_PLACED -> ((Command.PlaceBet) c).betId();
            case BET_SETTLED -> ((Command.SettleBet) c).betId();
            case DEPOSITED, WITHDRAWN, HOUSE_FUNDED, GAME_OPENED, DICE_ROLLED, GAME_CLOSED, LIMITS_SET, PLAYER_EXCLUDED,
                 EPOCH_STARTED -> null;
        };
    }

    /** The chips the command names: the cash amount, the stake, or the winnings. */
    public static Long amountOf(Command c) {
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
