package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.internal.Invariants;
import io.bitcraps.ledger.protection.PlayerProtection;
import org.pcollections.PMap;

import java.util.List;

/**
 * Folds one event into the state. This is the only code that changes projections, used alike by
 * the writer (after the rules accepted a command), by restart and by replay, so the projections
 * always equal a replay of the log (I6). It trusts nothing: a posting that would break I1 or I2,
 * or an event that does not fit the state (a bet settled twice, an unknown game), throws
 * {@link Invariants.InvariantViolation}, which the writer treats as fail-stop.
 */
public final class Projector {
    private Projector() {}

    public static LedgerState apply(LedgerState s, LedgerEvent e, byte[] hashAfter) {
        return apply(s, e, hashAfter, true);
    }

    /**
     * As {@link #apply(LedgerState, LedgerEvent, byte[])}, for a reader that never decides: games
     * opened here get no rulebook table ({@link GameState#table()} null), which spares the views'
     * fold the stepping of every bet at every roll. Such a state must never reach the writer.
     */
    public static LedgerState applyWithoutTables(LedgerState s, LedgerEvent e, byte[] hashAfter) {
        return apply(s, e, hashAfter, false);
    }

    private static LedgerState apply(LedgerState s, LedgerEvent e, byte[] hashAfter, boolean tables) {
        Invariants.check(e.seq() == s.seq() + 1, "event seq %d does not follow %d", e.seq(), s.seq());
        Invariants.check(e.timestampMicros() >= s.lastTimestampMicros(),
                "event seq %d timestamp %d is before %d", e.seq(), e.timestampMicros(), s.lastTimestampMicros());
        long postingSum = Posting.sum(e.postings());
        Invariants.check(postingSum == 0, "postings of seq %d sum to %d, not zero (I1)", e.seq(), postingSum);

        long[] digest = {s.digest()};
        PMap<String, Long> balances = applyPostings(s.balances(), e.postings(), e.seq(), digest);
        PMap<String, GameState> games = s.games();
        PMap<String, PlayerProtection> protection = s.protection();
        long d = digest[0];
        Command c = e.command();
        String bettor = null;
        // a switch over the event type with no default: a new command does not compile until it is folded here
        d += switch (c.eventType()) {
            case GAME_OPENED -> {
                Command.OpenGame g = (Command.OpenGame) c;
                // a game id used before is refused by the rules (ingest.History); memory only knows open games
                Invariants.check(!games.containsKey(g.gameId()), "seq %d reopens game %s", e.seq(), g.gameId());
                GameState opened = GameState.opened(g.gameId(), g.tableId(), e.seq(), tables ? Tables.opened(g) : null);
                games = games.plus(g.gameId(), opened);
                yield StateDigest.game(opened);
            }
            case BET_PLACED -> {
                Command.PlaceBet b = (Command.PlaceBet) c;
                GameState game = openGame(games, b.gameId(), e.seq());
                Invariants.check(game.bet(b.betId()) == null, "seq %d reuses bet id %s", e.seq(), b.betId());
                BetState bet = new BetState(b.gameId(), b.betId(), b.player(), b.betType(), b.point(), b.amount(),
                        e.seq(), 0, null, 0);
                GameState after = game.withBet(bet, +1, Tables.placed(game.table(), b));
                games = games.plus(b.gameId(), after);
                yield StateDigest.game(after) - StateDigest.game(game) + StateDigest.bet(bet);
            }
            case DICE_ROLLED -> {
                Command.RecordRoll r = (Command.RecordRoll) c;
                GameState game = openGame(games, r.gameId(), e.seq());
                GameState after = game.rolled(r.die1(), r.die2(), Tables.rolled(game.table(), r));
                games = games.plus(r.gameId(), after);
                yield StateDigest.game(after) - StateDigest.game(game);
            }
            case BET_SETTLED -> {
                Command.SettleBet st = (Command.SettleBet) c;
                GameState game = openGame(games, st.gameId(), e.seq());
                BetState bet = game.bet(st.betId());
                Invariants.check(bet != null && bet.isOpen(), "seq %d settles bet %s that is not open", e.seq(), st.betId());
                BetState settled = bet.settled(e.seq(), st.outcome(), st.winnings());
                GameState after = game.withBet(settled, -1, Tables.settled(game.table(), st.betId()));
                games = games.plus(st.gameId(), after);
                bettor = bet.player();
                yield StateDigest.game(after) - StateDigest.game(game) + StateDigest.bet(settled) - StateDigest.bet(bet);
            }
            case GAME_CLOSED -> {
                Command.CloseGame cg = (Command.CloseGame) c;
                GameState game = openGame(games, cg.gameId(), e.seq());
                Invariants.check(game.openBetCount() == 0, "seq %d closes game %s with open bets", e.seq(), cg.gameId());
                // a closed game refuses every command, so nothing of it is needed to decide: it leaves memory
                games = games.minus(cg.gameId());
                yield -(StateDigest.game(game) + StateDigest.bets(game));
            }
            // cash moves only balances; protection events fold below; an epoch changes no state of the books
            case DEPOSITED, WITHDRAWN, HOUSE_FUNDED, LIMITS_SET, PLAYER_EXCLUDED, EPOCH_STARTED -> 0L;
        };
        // most floors have no protected player: then only a protection event has anything to fold
        if (!protection.isEmpty() || c instanceof Command.SetLimits || c instanceof Command.SelfExclude) {
            protection = Protections.after(protection, c, e.postings(), bettor, e.timestampMicros());
        }
        return new LedgerState(e.seq(), e.timestampMicros(), hashAfter, balances,
                Math.addExact(s.balanceSum(), postingSum), games, d, protection);
    }

    /**
     * The game as {@code e} left it, for the read model: from {@code after}, or for a closing
     * event (the game has left memory) the closed game made from {@code before}.
     */
    public static GameState gameAfter(LedgerState before, LedgerState after, LedgerEvent e, String gameId) {
        GameState g = after.game(gameId);
        if (g == null && e.command() instanceof Command.CloseGame) {
            return before.game(gameId).closed(e.seq());
        }
        return g;
    }

    private static PMap<String, Long> applyPostings(PMap<String, Long> balances, List<Posting> postings, long seq,
                                                    long[] digest) {
        for (Posting p : postings) {
            Account a = p.account();
            Long before = balances.get(a.key());
            long after = Math.addExact(before == null ? 0 : before, p.delta());
            Invariants.check(after >= 0 || a.mayBeNegative(), "seq %d takes %s to %d (I2)", seq, a, after);
            Invariants.check(after <= Limits.BALANCE_MAX || a.mayBeNegative(),
                    "seq %d takes %s above the balance limit", seq, a);
            // a balance back at zero leaves memory: the zero escrow of every finished game, the
            // player who cashed out; it reads as zero, and the read model keeps the row
            balances = after == 0 ? balances.minus(a.key()) : balances.plus(a.key(), after);
            digest[0] += (after == 0 ? 0 : StateDigest.balance(a.key(), after))
                    - (before == null ? 0 : StateDigest.balance(a.key(), before));
        }
        return balances;
    }

    private static GameState openGame(PMap<String, GameState> games, String gameId, long seq) {
        GameState g = games.get(gameId);
        Invariants.check(g != null && g.open(), "seq %d refers to game %s that is not open", seq, gameId);
        return g;
    }
}
