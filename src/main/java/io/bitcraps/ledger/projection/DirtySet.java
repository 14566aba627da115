package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.PlayerStats;
import io.bitcraps.ledger.domain.Posting;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The rows of the read model a batch touched, so that each is written once per batch however
 * often the batch changed it. Accounts are kept as keys (their final balances are read from the
 * state at commit; an account back at zero is no longer in it and is written as zero). Games and
 * bets are kept as values, because a game that closed in the batch is no longer in the state by
 * then. Player statistics are not in the state at all: the batch keeps each player's change and
 * the read model adds it to the stored row. An account's statement is not a table of the read
 * model: the views file keeps it (its {@code statements} table, written per event by the views
 * subscriber), and without the views file it is read from the events (their indexes by player,
 * game and type), so the writer's commit writes no row per posting.
 * <p>
 * Filled by one thread (the writer, or a rebuild); once a batch is handed to the committing thread
 * its set is only read, by both threads, until the writer clears it. The writer fills one set per submission and
 * merges it into the batch's set only when the whole submission was accepted; it also asks the
 * set whether a game or account it no longer holds was touched earlier in the batch
 * ({@link #touchedGame}, {@link #touchedAccount}), since those rows are not written yet.
 */
public final class DirtySet {
    final LinkedHashSet<String> accounts = new LinkedHashSet<>();
    final LinkedHashMap<String, GameState> games = new LinkedHashMap<>();
    final LinkedHashMap<String, PlayerStats> players = new LinkedHashMap<>();
    final LinkedHashMap<String, BetState> bets = new LinkedHashMap<>();

    /** Records what {@code e} changed; {@code before} and {@code after} are the states around it. */
    public void record(LedgerState before, LedgerState after, LedgerEvent e) {
        for (Posting p : e.postings()) {
            accounts.add(p.account().key());
        }
        Command c = e.command();
        String gameId = StoredEvents.gameOf(c);
        if (gameId != null) {
            games.put(gameId, Projector.gameAfter(before, after, e, gameId));
        }
        String betId = StoredEvents.betOf(c);
        if (betId != null) {
            BetState bet = after.game(gameId).bet(betId);
            bets.put(gameId + '/' + betId, bet);
            PlayerStats change = c instanceof Command.SettleBet st
                    ? PlayerStats.ZERO.settled(st.winnings(), st.outcome() == Outcome.LOSE ? bet.amount() : 0)
                    : PlayerStats.ZERO.placed(bet.amount());
            players.merge(bet.player(), change, PlayerStats::plus);
        }
    }

    public void mergeFrom(DirtySet other) {
        accounts.addAll(other.accounts);
        games.putAll(other.games);
        other.players.forEach((player, change) -> players.merge(player, change, PlayerStats::plus));
        bets.putAll(other.bets);
    }

    public void clear() {
        accounts.clear();
        games.clear();
        players.clear();
        bets.clear();
    }

    public boolean isEmpty() {
        return accounts.isEmpty() && games.isEmpty() && players.isEmpty() && bets.isEmpty();
    }

    /** True if this set holds a change to the game: it existed in this batch, whatever the state says now. */
    public boolean touchedGame(String gameId) {
        return games.containsKey(gameId);
    }

    /** True if this set holds a posting to the account. */
    public boolean touchedAccount(String accountKey) {
        return accounts.contains(accountKey);
    }

    /** The keys a commit touched, for listeners that invalidate caches. Copies; safe to hand to other threads. */
    public Touched touched() {
        Set<String> tables = new LinkedHashSet<>();
        for (GameState game : games.values()) {
            tables.add(game.tableId());
        }
        return new Touched(Set.copyOf(accounts), Set.copyOf(games.keySet()), Set.copyOf(players.keySet()),
                Set.copyOf(tables));
    }
}
