package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.domain.Command;

/**
 * Which query columns a command implies. Restated here rather than shared with the writer's code
 * on purpose: the audit must not trust the code it checks.
 */
final class Columns {
    private Columns() {}

    static String gameOf(Command c) {
        return c instanceof Command.OpenGame g ? g.gameId()
                : c instanceof Command.PlaceBet b ? b.gameId()
                : c instanceof Command.RecordRoll r ? r.gameId()
                : c instanceof Command.SettleBet s ? s.gameId()
                : c instanceof Command.CloseGame cg ? cg.gameId() : null;
    }

    static String playerOf(Command c) {
        return c instanceof Command.Deposit d ? d.player()
                : c instanceof Command.Withdraw w ? w.player()
                : c instanceof Command.PlaceBet b ? b.player()
                : c instanceof Command.SetLimits sl ? sl.player()
                : c instanceof Command.SelfExclude x ? x.player() : null;
    }

    static String betOf(Command c) {
        return c instanceof Command.PlaceBet b ? b.betId() : c instanceof Command.SettleBet s ? s.betId() : null;
    }

    static Long amountOf(Command c) {
        return c instanceof Command.Deposit d ? Long.valueOf(d.amount())
                : c instanceof Command.Withdraw w ? Long.valueOf(w.amount())
                : c instanceof Command.FundHouse f ? Long.valueOf(f.amount())
                : c instanceof Command.PlaceBet b ? Long.valueOf(b.amount())
                : c instanceof Command.SettleBet s ? Long.valueOf(s.winnings()) : null;
    }
}
