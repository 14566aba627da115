package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.protection.PlayerProtection;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The audit's own fold of player protection, from the log alone: every player's limits and
 * exclusions as recorded, and the deposits and bets after them. Each committed deposit and bet is
 * asked the question the writer asked before committing it, at its own timestamp, and one the
 * rules refuse is a {@link ProblemKind#LIMIT_BROKEN}: the writer let through what a player had
 * asked to be protected from (or the log was edited). Shares the rules ({@code protection}) with
 * the writer, as the payout check shares the rulebook, but none of the writer's state or code.
 */
final class Protections {
    private final Map<String, PlayerProtection> players = new HashMap<>();
    private long lastMicros;
    long depositsChecked;
    long betsChecked;

    int protectedPlayers() {
        return players.size();
    }

    /**
     * Judges, then folds, one event; {@code bettor} is the player of a settled bet (null if unknown). Returns the
     * protection it was judged under (as before it), or null when no protection concerns it.
     */
    PlayerProtection apply(long seq, long timestampMicros, Command c, List<Posting> postings, String bettor,
               Consumer<Problem> report) {
        // a log whose time goes backwards is reported by the books; judge it at the latest time seen
        long t = Math.max(timestampMicros, lastMicros);
        lastMicros = t;
        // a switch over the event type with no default: a new command does not compile until the audit says whether a
        // player's protection judges it
        PlayerProtection judgedBy = switch (c.eventType()) {
            case DEPOSITED -> {
                Command.Deposit d = (Command.Deposit) c;
                PlayerProtection p = players.get(d.player());
                if (p != null) {
                    depositsChecked++;
                    broken(seq, p.refuseDeposit(d.player(), d.amount(), t), report);
                    players.put(d.player(), p.deposited(d.amount(), t));
                }
                yield p;
            }
            case BET_PLACED -> {
                Command.PlaceBet b = (Command.PlaceBet) c;
                PlayerProtection p = players.get(b.player());
                if (p != null) {
                    betsChecked++;
                    broken(seq, p.refuseBet(b.player(), b.amount(), t), report);
                    players.put(b.player(), p.staked(b.gameId() + '/' + b.betId(), b.amount(), t));
                }
                yield p;
            }
            case BET_SETTLED -> {
                Command.SettleBet st = (Command.SettleBet) c;
                PlayerProtection p = bettor == null ? null : players.get(bettor);
                if (p != null) {
                    long stake = -delta(postings, Account.escrow(st.gameId()).key());
                    players.put(bettor, p.settled(st.gameId() + '/' + st.betId(), stake,
                            delta(postings, Account.player(bettor).key()), t));
                }
                yield p;
            }
            case LIMITS_SET -> {
                Command.SetLimits sl = (Command.SetLimits) c;
                PlayerProtection p = players.getOrDefault(sl.player(), PlayerProtection.NEW);
                players.put(sl.player(), p.limitsSet(sl, t));
                yield p;
            }
            case PLAYER_EXCLUDED -> {
                Command.SelfExclude x = (Command.SelfExclude) c;
                PlayerProtection p = players.getOrDefault(x.player(), PlayerProtection.NEW);
                broken(seq, p.refuseExclusion(x.player(), x, t), report);
                players.put(x.player(), p.excluded(x, t));
                yield p;
            }
            // a withdrawal is never refused; the rest move no player's chips
            case WITHDRAWN, HOUSE_FUNDED, GAME_OPENED, DICE_ROLLED, GAME_CLOSED, EPOCH_STARTED -> null;
        };
        return judgedBy;
    }

    private static long delta(List<Posting> postings, String accountKey) {
        long sum = 0;
        for (Posting posting : postings) {
            if (posting.account().key().equals(accountKey)) {
                sum += posting.delta();
            }
        }
        return sum;
    }

    private static void broken(long seq, Rejected refusal, Consumer<Problem> report) {
        if (refusal != null) {
            report.accept(new Problem(seq, ProblemKind.LIMIT_BROKEN, refusal.code() + ": " + refusal.getMessage()));
        }
    }
}
