package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Posting;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The rows of the read model a batch touched, so that each is written once per batch however
 * often the batch changed it. Accounts, games and players are kept as keys (their final values
 * are read from the state at commit); bets are kept as values because a bet of a game closed in
 * the same batch is no longer in the state by then. An account's statement is not a table of its
 * own: it is read from the events (their indexes by player, game and type), so a batch writes no
 * row per posting.
 * <p>
 * Owned by one thread (the writer, or a rebuild). The writer fills one set per submission and
 * merges it into the batch's set only when the whole submission was accepted.
 */
public final class DirtySet {
    final LinkedHashSet<String> accounts = new LinkedHashSet<>();
    final LinkedHashSet<String> games = new LinkedHashSet<>();
    final LinkedHashSet<String> players = new LinkedHashSet<>();
    final LinkedHashMap<String, BetState> bets = new LinkedHashMap<>();

    /** Records what {@code e} changed, reading values from {@code after}, the state right after it. */
    public void record(LedgerState after, LedgerEvent e) {
        for (Posting p : e.postings()) {
            String account = p.account().key();
            accounts.add(account);
        }
        Command c = e.command();
        String gameId = StoredEvents.gameOf(c);
        if (gameId != null) {
            games.add(gameId);
        }
        String betId = StoredEvents.betOf(c);
        if (betId != null) {
            BetState bet = after.game(gameId).bet(betId);
            bets.put(gameId + '/' + betId, bet);
            players.add(bet.player());
        }
    }

    public void mergeFrom(DirtySet other) {
        accounts.addAll(other.accounts);
        games.addAll(other.games);
        players.addAll(other.players);
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

    /** The keys a commit touched, for listeners that invalidate caches. Copies; safe to hand to other threads. */
    public Touched touched(LedgerState state) {
        Set<String> tables = new LinkedHashSet<>();
        for (String g : games) {
            GameState game = state.game(g);
            if (game != null) {
                tables.add(game.tableId());
            }
        }
        return new Touched(Set.copyOf(accounts), Set.copyOf(games), Set.copyOf(players), Set.copyOf(tables));
    }
}
