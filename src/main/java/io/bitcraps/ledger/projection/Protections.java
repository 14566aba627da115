package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.PlayerLimit;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.protection.PlayerProtection;
import io.bitcraps.ledger.store.EventReader;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The protected players of the state ({@link LedgerState#protection()}), folded from their events:
 * the projector's step for one event, and the loader's fold from the log for a state that comes
 * without them (read-model rows, or a snapshot of the format before them).
 * <p>
 * That fold reads only what can still matter: every limit and exclusion event (few; found through
 * the partial index of migration V0012), and the deposits, bets and settlements of the protected
 * players from the later of their first protection event and the start of the widest window (30
 * days) before the head (nothing older can reach a window at or after the head's time), and the
 * stakes still at risk from the open games of the state.
 */
public final class Protections {
    private static final String PROTECTION_EVENTS = "SELECT seq, player_id FROM events WHERE type IN ("
            + EventType.LIMITS_SET.code() + ", " + EventType.PLAYER_EXCLUDED.code() + ") AND seq <= ? ORDER BY seq";

    private Protections() {}

    /**
     * The protections after one event at {@code t}. {@code bettor} is the player of a settled bet (the projector
     * knows it from the game), ignored for other events.
     */
    static PMap<String, PlayerProtection> after(PMap<String, PlayerProtection> protection, Command c,
                                                List<Posting> postings, String bettor, long t) {
        // a switch over the event type with no default: a new command does not compile until it says what it folds
        return switch (c.eventType()) {
            case DEPOSITED -> {
                Command.Deposit d = (Command.Deposit) c;
                PlayerProtection p = protection.get(d.player());
                yield p == null ? protection : protection.plus(d.player(), p.deposited(d.amount(), t));
            }
            case BET_PLACED -> {
                Command.PlaceBet b = (Command.PlaceBet) c;
                PlayerProtection p = protection.get(b.player());
                yield p == null ? protection : protection.plus(b.player(), p.staked(betKey(b.gameId(), b.betId()),
                        b.amount(), t));
            }
            case BET_SETTLED -> {
                Command.SettleBet st = (Command.SettleBet) c;
                PlayerProtection p = bettor == null ? null : protection.get(bettor);
                yield p == null ? protection : protection.plus(bettor, p.settled(betKey(st.gameId(), st.betId()),
                        -delta(postings, Account.escrow(st.gameId()).key()), delta(postings, Account.player(bettor).key()), t));
            }
            case LIMITS_SET -> {
                Command.SetLimits sl = (Command.SetLimits) c;
                yield protection.plus(sl.player(), protection.getOrDefault(sl.player(), PlayerProtection.NEW).limitsSet(sl, t));
            }
            case PLAYER_EXCLUDED -> {
                Command.SelfExclude x = (Command.SelfExclude) c;
                yield protection.plus(x.player(), protection.getOrDefault(x.player(), PlayerProtection.NEW).excluded(x, t));
            }
            // a withdrawal is never refused nor counted; the rest move no player's chips
            case WITHDRAWN, HOUSE_FUNDED, GAME_OPENED, DICE_ROLLED, GAME_CLOSED, EPOCH_STARTED -> protection;
        };
    }

    /** The key of a bet among a player's open bets. */
    static String betKey(String gameId, String betId) {
        return gameId + '/' + betId;
    }

    /**
     * What the postings move on one account: a settlement's escrow posting is minus the stake, its player posting the
     * chips paid back (stake and winnings; none for a loss).
     */
    private static long delta(List<Posting> postings, String accountKey) {
        long sum = 0;
        for (Posting p : postings) {
            if (p.account().key().equals(accountKey)) {
                sum += p.delta();
            }
        }
        return sum;
    }

    /**
     * {@code s} with its protections folded from the log up to {@code s.seq()}, for a state that comes without
     * them. A log without any limit or exclusion event costs one index lookup.
     */
    static LedgerState rebuild(Connection conn, PayloadCodec codec, LedgerState s) throws SQLException, Replayer.CorruptLog {
        Map<String, Long> since = new HashMap<>();
        PMap<String, PlayerProtection> folded = fold(conn, codec, s.seq(), s.lastTimestampMicros(), null, since);
        if (folded.isEmpty()) {
            return s;
        }
        // the stakes at risk: the open bets each player placed since their first protection event, as the games
        // hold them (a bet may have been placed before the 30 days the fold reads)
        Map<String, Map<String, Long>> open = new HashMap<>();
        for (GameState g : s.games().values()) {
            for (BetState b : g.bets().values()) {
                Long first = since.get(b.player());
                if (b.isOpen() && first != null && b.placedSeq() > first) {
                    open.computeIfAbsent(b.player(), p -> new HashMap<>()).put(betKey(b.gameId(), b.betId()), b.amount());
                }
            }
        }
        PMap<String, PlayerProtection> protection = folded;
        for (var e : folded.entrySet()) {
            protection = protection.plus(e.getKey(), e.getValue().withOpenBets(open.getOrDefault(e.getKey(), Map.of())));
        }
        return s.withProtection(protection);
    }

    /**
     * The protection of {@code player} as the log's events up to {@code toSeq} leave it, or null when the player
     * never set a limit or excluded themselves (the {@code history} command). Exact: folded from the player's
     * first protection event on, reading only what the player column names.
     */
    public static PlayerProtection ofPlayer(Connection conn, PayloadCodec codec, long toSeq, String player)
            throws SQLException, Replayer.CorruptLog {
        return fold(conn, codec, toSeq, Long.MIN_VALUE, player, new HashMap<>()).get(player);
    }

    /**
     * The protections the log's events up to {@code toSeq} (the last at {@code headMicros}) leave, of every
     * protected player, or of {@code onlyPlayer} alone when not null; {@code since} gets each player's first
     * protection event. For every player, deposits and settlements from 30 days before the head; the open bets are
     * those placed since then (the loader takes them from the games instead). For one player, everything from
     * their first protection event ({@code headMicros} {@code Long.MIN_VALUE}).
     */
    private static PMap<String, PlayerProtection> fold(Connection conn, PayloadCodec codec, long toSeq, long headMicros,
                                                       String onlyPlayer, Map<String, Long> since)
            throws SQLException, Replayer.CorruptLog {
        List<Long> protectionSeqs = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(PROTECTION_EVENTS)) {
            ps.setLong(1, toSeq);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (onlyPlayer == null || onlyPlayer.equals(rs.getString(2))) {
                        protectionSeqs.add(rs.getLong(1));
                    }
                }
            }
        }
        PMap<String, PlayerProtection> protection = HashTreePMap.empty();
        if (protectionSeqs.isEmpty()) {
            return protection;
        }
        long windowStart = headMicros == Long.MIN_VALUE ? 1
                : firstSeqAfter(conn, toSeq, headMicros - PlayerLimit.DEPOSIT_30D.windowMicros());
        long from = Math.max(protectionSeqs.get(0), windowStart);
        Fold fold = new Fold(codec, onlyPlayer, since);
        for (long seq : protectionSeqs) {
            if (seq >= from) {
                break;
            }
            EventReader.forEach(conn, seq, seq, fold::accept);
        }
        EventReader.forEach(conn, from, toSeq, fold::accept);
        if (fold.failure != null) {
            throw new Replayer.CorruptLog("the protected players cannot be folded from the log: " + fold.failure.getMessage(),
                    fold.failure);
        }
        return fold.protection;
    }

    private static final class Fold {
        final PayloadCodec codec;
        final String onlyPlayer;
        final Map<String, Long> since;
        PMap<String, PlayerProtection> protection = HashTreePMap.empty();
        RuntimeException failure;

        Fold(PayloadCodec codec, String onlyPlayer, Map<String, Long> since) {
            this.codec = codec;
            this.onlyPlayer = onlyPlayer;
            this.since = since;
        }

        void accept(io.bitcraps.ledger.store.EventRow row) {
            if (failure != null || row.playerId() == null || onlyPlayer != null && !onlyPlayer.equals(row.playerId())) {
                return;
            }
            EventType type = EventType.ofCode(row.typeCode());
            boolean protectionEvent = type == EventType.LIMITS_SET || type == EventType.PLAYER_EXCLUDED;
            boolean play = type == EventType.DEPOSITED || type == EventType.BET_PLACED || type == EventType.BET_SETTLED;
            if (!protectionEvent && !(play && protection.containsKey(row.playerId()))) {
                return; // the player column picks the rows; the payload, which the chain covers, decides
            }
            try {
                LedgerEvent e = StoredEvents.decode(codec, row);
                String player = row.playerId();
                String named = e.command() instanceof Command.SettleBet ? player : StoredEvents.playerOf(null, e.command());
                if (!player.equals(named)) {
                    throw new IllegalStateException("seq " + row.seq() + ": column player_id " + player
                            + " is not the payload's " + named);
                }
                if (protectionEvent) {
                    since.putIfAbsent(player, row.seq());
                }
                protection = after(protection, e.command(), e.postings(), player, e.timestampMicros());
            } catch (RuntimeException ex) {
                failure = new IllegalStateException("seq " + row.seq() + ": " + ex.getMessage(), ex);
            }
        }
    }

    /** The first seq after {@code micros} (by binary search over the log's time order), or past {@code toSeq}. */
    private static long firstSeqAfter(Connection conn, long toSeq, long micros) throws SQLException {
        long lo = 1;
        long hi = toSeq + 1;
        try (PreparedStatement ps = conn.prepareStatement("SELECT ts FROM events WHERE seq = ?")) {
            while (lo < hi) {
                long mid = lo + (hi - lo) / 2;
                ps.setLong(1, mid);
                long ts;
                try (ResultSet rs = ps.executeQuery()) {
                    ts = rs.next() ? rs.getLong(1) : Long.MAX_VALUE; // a missing row: the replay reports the gap
                }
                if (ts > micros) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
        }
        return lo;
    }
}
