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

    /** Judges, then folds, one event; {@code bettor} is the player of a settled bet (null if unknown). */
    void apply(long seq, long timestampMicros, Command c, List<Posting> postings, String bettor,
               Consumer<Problem> report) {
        // a log whose time goes backwards is reported by the books; judge it at the latest time seen
        long t = Math.max(timestampMicros, lastMicros);
        lastMicros = t;
        if (c instanceof Command.Deposit d) {
            PlayerProtection p = players.get(d.player());
            if (p != null) {
                depositsChecked++;
                broken(seq, p.refuseDeposit(d.player(), d.amount(), t), report);
                players.put(d.player(), p.deposited(d.amount(), t));
            }
        } else if (c instanceof Command.PlaceBet b) {
            PlayerProtection p = players.get(b.player());
            if (p != null) {
                betsChecked++;
                broken(seq, p.refuseBet(b.player(), b.amount(), t), report);
                players.put(b.player(), p.staked(b.gameId() + '/' + b.betId(), b.amount(), t));
            }
        } else if (c instanceof Command.SettleBet st) {
            PlayerProtection p = bettor == null ? null : players.get(bettor);
            if (p != null) {
                long stake = -delta(postings, Account.escrow(st.gameId()).key());
                players.put(bettor, p.settled(st.gameId() + '/' + st.betId(), stake,
                        delta(postings, Account.player(bettor).key()), t));
            }
        } else if (c instanceof Command.SetLimits sl) {
            players.put(sl.player(), players.getOrDefault(sl.player(), PlayerProtection.NEW).limitsSet(sl, t));
        } else if (c instanceof Command.SelfExclude x) {
            PlayerProtection p = players.getOrDefault(x.player(), PlayerProtection.NEW);
            broken(seq, p.refuseExclusion(x.player(), x, t), report);
            players.put(x.player(), p.excluded(x, t));
        }
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
