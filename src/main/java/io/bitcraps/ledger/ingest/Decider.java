package io.bitcraps.ledger.ingest;

import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.projection.BetState;
import io.bitcraps.ledger.projection.GameState;
import io.bitcraps.ledger.projection.LedgerState;

import java.util.List;

/**
 * The rules: given the state a command meets, either the postings it causes or the reason it is
 * refused. Functions of the state and of {@link History} (for games and accounts the state no
 * longer holds), run on the writer thread against the state that already includes the earlier
 * commands of the batch. The projector re-checks the invariants when the event is
 * applied, so a mistake here halts the ledger rather than corrupting it.
 */
final class Decider {
    private Decider() {}

    static List<Posting> decide(LedgerState s, Command c, History history) {
        if (c instanceof Command.Deposit d) {
            Account player = Account.player(d.player());
            requireRoom(s, player, d.amount());
            requireWorldRoom(s, d.amount());
            return List.of(new Posting(Account.WORLD, -d.amount()), new Posting(player, d.amount()));
        }
        if (c instanceof Command.Withdraw w) {
            Account player = Account.player(w.player());
            requireFunds(s, player, w.amount(), history);
            return List.of(new Posting(player, -w.amount()), new Posting(Account.WORLD, w.amount()));
        }
        if (c instanceof Command.FundHouse f) {
            requireRoom(s, Account.HOUSE, f.amount());
            requireWorldRoom(s, f.amount());
            return List.of(new Posting(Account.WORLD, -f.amount()), new Posting(Account.HOUSE, f.amount()));
        }
        if (c instanceof Command.OpenGame g) {
            if (s.game(g.gameId()) != null || history.gameEverOpened(g.gameId())) {
                throw new Rejected.GameExists(g.gameId());
            }
            try {
                TableRules.parse(g.rules()); // the rules recorded with a game must be ones the audit can judge by
            } catch (IllegalArgumentException e) {
                throw new Rejected.InvalidCommand("table rules of game " + g.gameId() + " do not parse: " + e.getMessage());
            }
            return List.of();
        }
        if (c instanceof Command.PlaceBet b) {
            return placeBet(s, b, history);
        }
        if (c instanceof Command.RecordRoll r) {
            openGame(s, r.gameId(), history);
            return List.of();
        }
        if (c instanceof Command.SettleBet st) {
            return settleBet(s, st, history);
        }
        if (c instanceof Command.CloseGame cg) {
            GameState game = openGame(s, cg.gameId(), history);
            if (game.openBetCount() > 0) {
                throw new Rejected.GameHasOpenBets(cg.gameId(), game.openBetCount());
            }
            return List.of();
        }
        throw new IllegalArgumentException("no rule for " + c);
    }

    private static List<Posting> placeBet(LedgerState s, Command.PlaceBet b, History history) {
        GameState game = openGame(s, b.gameId(), history);
        if (game.bet(b.betId()) != null) {
            throw new Rejected.DuplicateBet(b.gameId(), b.betId());
        }
        if (game.openBetCount() >= Limits.OPEN_BETS_PER_GAME_MAX) {
            throw new Rejected.LimitExceeded("game " + b.gameId() + " already holds " + game.openBetCount()
                    + " open bets, the most one game may hold");
        }
        Account player = Account.player(b.player());
        Account escrow = Account.escrow(b.gameId());
        requireFunds(s, player, b.amount(), history);
        requireRoom(s, escrow, b.amount());
        return List.of(new Posting(player, -b.amount()), new Posting(escrow, b.amount()));
    }

    private static List<Posting> settleBet(LedgerState s, Command.SettleBet st, History history) {
        GameState game = openGame(s, st.gameId(), history);
        BetState bet = game.bet(st.betId());
        if (bet == null) {
            throw new Rejected.UnknownBet(st.gameId(), st.betId());
        }
        if (!bet.isOpen()) {
            throw new Rejected.BetNotOpen(st.gameId(), st.betId(), bet.settledSeq());
        }
        Account escrow = Account.escrow(st.gameId());
        Account player = Account.player(bet.player());
        if (st.outcome() == Outcome.LOSE) {
            requireRoom(s, Account.HOUSE, bet.amount());
            return List.of(new Posting(escrow, -bet.amount()), new Posting(Account.HOUSE, bet.amount()));
        }
        if (st.outcome() == Outcome.WIN) {
            // I2: the house pays only from its funds
            requireFunds(s, Account.HOUSE, st.winnings(), history);
            long credit = Math.addExact(bet.amount(), st.winnings());
            requireRoom(s, player, credit);
            return List.of(new Posting(escrow, -bet.amount()), new Posting(Account.HOUSE, -st.winnings()),
                    new Posting(player, credit));
        }
        requireRoom(s, player, bet.amount());
        return List.of(new Posting(escrow, -bet.amount()), new Posting(player, bet.amount()));
    }

    private static GameState openGame(LedgerState s, String gameId, History history) {
        GameState game = s.game(gameId);
        if (game == null) {
            // the state holds open games only
            if (history.gameEverOpened(gameId)) {
                throw new Rejected.GameClosed(gameId);
            }
            throw new Rejected.UnknownGame(gameId);
        }
        return game;
    }

    private static void requireFunds(LedgerState s, Account account, long needed, History history) {
        if (!s.holds(account)) {
            // the state holds non-zero balances only: at zero, an account ever posted to is short of funds
            if (account.kind() == Account.Kind.HOUSE || history.accountEverPosted(account)) {
                throw new Rejected.InsufficientFunds(account, 0, needed);
            }
            throw new Rejected.UnknownAccount(account);
        }
        long balance = s.balance(account);
        if (balance < needed) {
            throw new Rejected.InsufficientFunds(account, balance, needed);
        }
    }

    private static void requireRoom(LedgerState s, Account account, long credit) {
        long balance = s.balance(account);
        if (balance > Limits.BALANCE_MAX - credit) {
            throw new Rejected.LimitExceeded(account + " would hold more than " + Limits.BALANCE_MAX + " chips");
        }
    }

    private static void requireWorldRoom(LedgerState s, long debit) {
        long world = s.balance(Account.WORLD);
        if (world < Long.MIN_VALUE / 2 + debit) {
            throw new Rejected.LimitExceeded("chips issued to the floor would exceed " + (Long.MAX_VALUE / 2));
        }
    }
}
