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

    public static String gameOf(Command c) {
        if (c instanceof Command.OpenGame g) {
            return g.gameId();
        }
        if (c instanceof Command.PlaceBet b) {
            return b.gameId();
        }
        if (c instanceof Command.RecordRoll r) {
            return r.gameId();
        }
        if (c instanceof Command.SettleBet s) {
            return s.gameId();
        }
        if (c instanceof Command.CloseGame cg) {
            return cg.gameId();
        }
        return null;
    }

    /** The player an event concerns, for the {@code player_id} column: a settlement names the bettor, read from the state before it. */
    public static String playerOf(LedgerState before, Command c) {
        if (c instanceof Command.Deposit d) {
            return d.player();
        }
        if (c instanceof Command.Withdraw w) {
            return w.player();
        }
        if (c instanceof Command.PlaceBet b) {
            return b.player();
        }
        if (c instanceof Command.SettleBet st) {
            return before.game(st.gameId()).bet(st.betId()).player();
        }
        if (c instanceof Command.SetLimits sl) {
            return sl.player();
        }
        if (c instanceof Command.SelfExclude x) {
            return x.player();
        }
        return null;
    }

    public static String betOf(Command c) {
        if (c instanceof Command.PlaceBet b) {
            return b.betId();
        }
        if (c instanceof Command.SettleBet s) {
            return s.betId();
        }
        return null;
    }

    /** The chips the command names: the cash amount, the stake, or the winnings. */
    public static Long amountOf(Command c) {
        if (c instanceof Command.Deposit d) {
            return d.amount();
        }
        if (c instanceof Command.Withdraw w) {
            return w.amount();
        }
        if (c instanceof Command.FundHouse f) {
            return f.amount();
        }
        if (c instanceof Command.PlaceBet b) {
            return b.amount();
        }
        if (c instanceof Command.SettleBet s) {
            return s.winnings();
        }
        return null;
    }
}
