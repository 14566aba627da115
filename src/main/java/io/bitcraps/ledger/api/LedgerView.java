package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.GameSummary;
import io.bitcraps.ledger.domain.ProtectionStatus;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.projection.GameState;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.protection.PlayerProtection;

import java.time.Instant;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable snapshot of the projections at a batch boundary. Taking one is a volatile read;
 * holding one costs nothing to the writer (the state is persistent, later batches share its
 * structure). Every read of one view is consistent with every other read of it.
 */
public final class LedgerView {
    private final LedgerState state;

    LedgerView(LedgerState state) {
        this.state = state;
    }

    /** The last seq this view includes. */
    public long seq() {
        return state.seq();
    }

    /** The chain hash after {@link #seq()}, as hex. */
    public String headHash() {
        return Hex.of(state.headHash());
    }

    public long balance(Account account) {
        return state.balance(account);
    }

    /** Sum of all balances, {@code world} included; 0 whenever the books balance (I1). */
    public long totals() {
        return state.balanceSum();
    }

    /**
     * Every account holding a non-zero balance, sorted by name. An account at zero (a finished
     * game's escrow, a player who cashed out) is not listed: the writer keeps only what is live.
     * {@code ledger.accounts().allBalances()} lists every account ever posted to. O(accounts): for
     * reports, not hot paths.
     */
    public Map<String, Long> balances() {
        return Collections.unmodifiableMap(new TreeMap<>(state.balances()));
    }

    /** How many accounts hold a non-zero balance. */
    public int accountCount() {
        return state.balances().size();
    }

    /**
     * The game while it is open; null once it closed (the writer keeps open games only) or if it was
     * never opened. {@code ledger.games().find(id)} has every game.
     */
    public GameSummary game(String gameId) {
        GameState g = state.game(gameId);
        return g == null ? null : new GameSummary(g.gameId(), g.tableId(), g.open(), g.openedSeq(), g.closedSeq(),
                g.rolls(), g.lastDie1(), g.lastDie2(), g.point(), g.openBetCount());
    }

    /** The open bets of a game, oldest first; empty for an unknown or closed game. */
    public List<BetState> openBets(String gameId) {
        GameState game = state.game(gameId);
        if (game == null) {
            return List.of();
        }
        List<BetState> open = new ArrayList<>(game.openBetCount());
        for (BetState b : game.bets().values()) {
            if (b.isOpen()) {
                open.add(b);
            }
        }
        open.sort(Comparator.comparingLong(BetState::placedSeq));
        return open;
    }

    /**
     * The player's protection at {@code at} (not before the view's last event): each limit in force with what the
     * player used of it and has left, a raise waiting out its cooling period, and a cool-off or self-exclusion in
     * force. Usage counts the events of this view only. Null for a player who never set a limit or excluded
     * themselves.
     */
    public ProtectionStatus protection(String player, Instant at) {
        PlayerProtection p = state.protection(player);
        if (p == null) {
            return null;
        }
        long micros = Math.max(Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1000),
                state.lastTimestampMicros());
        return p.statusOf(player, micros);
    }

    /** The players who set a limit or excluded themselves, sorted. */
    public List<String> protectedPlayers() {
        List<String> players = new ArrayList<>(state.protection().keySet());
        Collections.sort(players);
        return players;
    }

    /**
     * The underlying state, for the api's own replays and comparisons (tests reach it through their seam). A copy
     * as far as it is mutable (the head hash): the view's own state is the writer's published one.
     */
    LedgerState state() {
        return state.withHeadHashCopy();
    }
}
