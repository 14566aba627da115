package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.PlayerStats;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The persisted read model: the projection tables of {@code V0002__read_model.sql}, in the ledger
 * database or in the views file (the same shapes). The writer calls {@link #write} inside each
 * batch's transaction with the batch's {@link DirtySet}, so the tables move with the log
 * atomically; the views subscriber calls it once per transaction of its own, with the batches'
 * sets merged. Each touched row is upserted once per call. {@link #load} turns the tables back
 * into a {@link LedgerState}.
 * <p>
 * A {@link #tracking} instance also keeps {@link #rowsDigest()}, the sum of the hashes of every
 * row in the four tables ({@link #digestOfRows} computes it from scratch): before each upsert it
 * reads the row's old values, takes their hash out and puts the new row's in. That costs a point
 * read per touched row, which the writer's commit does not pay; the views file pays it so that a
 * damaged row is found when the file is opened.
 * <p>
 * One instance per connection, owned by the thread that owns the connection. After a failed
 * statement, make a new instance: sqlite-jdbc finalizes a prepared statement whose step failed.
 */
public final class ReadModel implements AutoCloseable {
    private final PreparedStatement upsertBalance;
    private final PreparedStatement upsertGame;
    private final PreparedStatement upsertBet;
    private final PreparedStatement upsertPlayer;
    private final RowReads rowReads;
    private long rowsDigest;

    /** The point reads a tracking instance makes before it upserts. */
    private record RowReads(PreparedStatement balance, PreparedStatement game, PreparedStatement bet,
                            PreparedStatement player) implements AutoCloseable {
        static RowReads prepare(Connection conn) throws SQLException {
            return new RowReads(conn.prepareStatement("SELECT balance, updated_seq FROM balances WHERE account = ?"),
                    conn.prepareStatement(GAME_COLUMNS + " WHERE game_id = ?"),
                    conn.prepareStatement(BET_COLUMNS + " WHERE game_id = ? AND bet_id = ?"),
                    conn.prepareStatement(PLAYER_COLUMNS + " WHERE player = ?"));
        }

        @Override
        public void close() throws SQLException {
            balance.close();
            game.close();
            bet.close();
            player.close();
        }
    }

    private static final String GAME_COLUMNS = "SELECT game_id, table_id, open, opened_seq, closed_seq, rolls,"
            + " last_die1, last_die2, point, open_bets FROM games";
    private static final String BET_COLUMNS = "SELECT game_id, bet_id, player, bet_type, point, amount, placed_seq,"
            + " settled_seq, outcome, winnings FROM bets";
    private static final String PLAYER_COLUMNS = "SELECT player, wagered, won, lost, bets_placed, bets_settled"
            + " FROM player_stats";

    /** An instance for the writer's commit: upserts only, no digest of the rows. */
    public ReadModel(Connection conn) throws SQLException {
        this(conn, false, 0);
    }

    /** An instance that keeps the digest of every row, starting from {@code rowsDigest} (the digest of the rows now stored). */
    public static ReadModel tracking(Connection conn, long rowsDigest) throws SQLException {
        return new ReadModel(conn, true, rowsDigest);
    }

    private ReadModel(Connection conn, boolean track, long rowsDigest) throws SQLException {
        upsertBalance = conn.prepareStatement("INSERT INTO balances(account, balance, updated_seq) VALUES (?,?,?)"
                + " ON CONFLICT(account) DO UPDATE SET balance=excluded.balance, updated_seq=excluded.updated_seq");
        upsertGame = conn.prepareStatement("INSERT INTO games(game_id, table_id, open, opened_seq, closed_seq, rolls,"
                + " last_die1, last_die2, point, open_bets) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(game_id) DO UPDATE SET"
                + " open=excluded.open, closed_seq=excluded.closed_seq, rolls=excluded.rolls, last_die1=excluded.last_die1,"
                + " last_die2=excluded.last_die2, point=excluded.point, open_bets=excluded.open_bets");
        upsertBet = conn.prepareStatement("INSERT INTO bets(game_id, bet_id, player, bet_type, point, amount, placed_seq,"
                + " settled_seq, outcome, winnings) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(game_id, bet_id) DO UPDATE SET"
                + " settled_seq=excluded.settled_seq, outcome=excluded.outcome, winnings=excluded.winnings");
        upsertPlayer = conn.prepareStatement("INSERT INTO player_stats(player, wagered, won, lost, bets_placed, bets_settled)"
                + " VALUES (?,?,?,?,?,?) ON CONFLICT(player) DO UPDATE SET wagered=wagered+excluded.wagered,"
                + " won=won+excluded.won, lost=lost+excluded.lost, bets_placed=bets_placed+excluded.bets_placed,"
                + " bets_settled=bets_settled+excluded.bets_settled");
        this.rowReads = track ? RowReads.prepare(conn) : null;
        this.rowsDigest = rowsDigest;
    }

    /** The digest of every row written so far plus the starting digest; only kept by a {@link #tracking} instance. */
    public long rowsDigest() {
        if (rowReads == null) {
            throw new IllegalStateException("this read model does not keep a digest of its rows");
        }
        return rowsDigest;
    }

    /**
     * Writes every row the batch touched: balances from {@code state} (the state after the batch;
     * an account it no longer holds is at zero), games and bets as the batch left them, and each
     * player's change added to the stored statistics.
     */
    public void write(DirtySet dirty, LedgerState state) throws SQLException {
        long seq = state.seq();
        write(dirty, state, account -> seq);
    }

    /**
     * As {@link #write(DirtySet, LedgerState)}, for a set that gathers several batches (the views
     * subscriber writes once per transaction): {@code updatedSeq} gives each touched account the
     * last seq of the last batch that moved it, the {@code updated_seq} a write per batch would
     * have left. Balances still come from {@code state}, the state after the last batch: an
     * account's balance does not change after the last batch that touched it.
     */
    public void write(DirtySet dirty, LedgerState state, ToLongFunction<String> updatedSeq) throws SQLException {
        for (String account : dirty.accounts) {
            Long boxed = state.balances().get(account);
            long balance = boxed == null ? 0 : boxed;
            long seq = updatedSeq.applyAsLong(account);
            if (rowReads != null) {
                rowsDigest += StateDigest.balanceRow(account, balance, seq) - storedBalanceHash(account);
            }
            upsertBalance.setString(1, account);
            upsertBalance.setLong(2, balance);
            upsertBalance.setLong(3, seq);
            upsertBalance.addBatch();
        }
        executeIfAny(upsertBalance, dirty.accounts.size());
        for (GameState game : dirty.games.values()) {
            if (rowReads != null) {
                rowsDigest += StateDigest.game(game) - storedGameHash(game.gameId());
            }
            bindGame(game);
            upsertGame.addBatch();
        }
        executeIfAny(upsertGame, dirty.games.size());
        for (BetState bet : dirty.bets.values()) {
            if (rowReads != null) {
                rowsDigest += StateDigest.bet(bet) - storedBetHash(bet.gameId(), bet.betId());
            }
            bindBet(bet);
            upsertBet.addBatch();
        }
        executeIfAny(upsertBet, dirty.bets.size());
        for (var entry : dirty.players.entrySet()) {
            PlayerStats s = entry.getValue();
            if (rowReads != null) {
                PlayerStats stored = storedPlayer(entry.getKey());
                rowsDigest += StateDigest.playerRow(entry.getKey(), stored == null ? s : stored.plus(s))
                        - (stored == null ? 0 : StateDigest.playerRow(entry.getKey(), stored));
            }
            upsertPlayer.setString(1, entry.getKey());
            upsertPlayer.setLong(2, s.wagered());
            upsertPlayer.setLong(3, s.won());
            upsertPlayer.setLong(4, s.lost());
            upsertPlayer.setLong(5, s.betsPlaced());
            upsertPlayer.setLong(6, s.betsSettled());
            upsertPlayer.addBatch();
        }
        executeIfAny(upsertPlayer, dirty.players.size());
    }

    private long storedBalanceHash(String account) throws SQLException {
        rowReads.balance().setString(1, account);
        try (ResultSet rs = rowReads.balance().executeQuery()) {
            return rs.next() ? StateDigest.balanceRow(account, rs.getLong(1), rs.getLong(2)) : 0;
        }
    }

    private long storedGameHash(String gameId) throws SQLException {
        rowReads.game().setString(1, gameId);
        try (ResultSet rs = rowReads.game().executeQuery()) {
            return rs.next() ? StateDigest.game(gameOf(rs)) : 0;
        }
    }

    private long storedBetHash(String gameId, String betId) throws SQLException {
        rowReads.bet().setString(1, gameId);
        rowReads.bet().setString(2, betId);
        try (ResultSet rs = rowReads.bet().executeQuery()) {
            return rs.next() ? StateDigest.bet(betOf(rs)) : 0;
        }
    }

    private PlayerStats storedPlayer(String player) throws SQLException {
        rowReads.player().setString(1, player);
        try (ResultSet rs = rowReads.player().executeQuery()) {
            return rs.next() ? playerOf(rs) : null;
        }
    }

    /**
     * The digest of every row of the four tables, read from scratch: what a {@link #tracking}
     * instance keeps up to date. A row that cannot be read (an unknown enum name) throws.
     */
    public static long digestOfRows(Connection conn) throws SQLException {
        long d = 0;
        try (Statement st = conn.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT account, balance, updated_seq FROM balances")) {
                while (rs.next()) {
                    d += StateDigest.balanceRow(rs.getString(1), rs.getLong(2), rs.getLong(3));
                }
            }
            try (ResultSet rs = st.executeQuery(GAME_COLUMNS)) {
                while (rs.next()) {
                    d += StateDigest.game(gameOf(rs));
                }
            }
            try (ResultSet rs = st.executeQuery(BET_COLUMNS)) {
                while (rs.next()) {
                    d += StateDigest.bet(betOf(rs));
                }
            }
            try (ResultSet rs = st.executeQuery(PLAYER_COLUMNS)) {
                while (rs.next()) {
                    d += StateDigest.playerRow(rs.getString(1), playerOf(rs));
                }
            }
        }
        return d;
    }

    /** A game row without its bets, from {@code GAME_COLUMNS}. */
    private static GameState gameOf(ResultSet rs) throws SQLException {
        return GameState.loaded(rs.getString(1), rs.getString(2), rs.getInt(3) == 1, rs.getLong(4), rs.getLong(5),
                rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getInt(10), HashTreePMap.empty(), null);
    }

    private static PlayerStats playerOf(ResultSet rs) throws SQLException {
        return new PlayerStats(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6));
    }

    private static void executeIfAny(PreparedStatement ps, int rows) throws SQLException {
        if (rows > 0) {
            ps.executeBatch();
        }
    }

    private void bindGame(GameState g) throws SQLException {
        upsertGame.setString(1, g.gameId());
        upsertGame.setString(2, g.tableId());
        upsertGame.setInt(3, g.open() ? 1 : 0);
        upsertGame.setLong(4, g.openedSeq());
        upsertGame.setLong(5, g.closedSeq());
        upsertGame.setInt(6, g.rolls());
        upsertGame.setInt(7, g.lastDie1());
        upsertGame.setInt(8, g.lastDie2());
        upsertGame.setInt(9, g.point());
        upsertGame.setInt(10, g.openBetCount());
    }

    private void bindBet(BetState b) throws SQLException {
        upsertBet.setString(1, b.gameId());
        upsertBet.setString(2, b.betId());
        upsertBet.setString(3, b.player());
        upsertBet.setString(4, b.betType().name());
        if (b.point() == null) {
            upsertBet.setNull(5, Types.INTEGER);
        } else {
            upsertBet.setInt(5, b.point());
        }
        upsertBet.setLong(6, b.amount());
        upsertBet.setLong(7, b.placedSeq());
        upsertBet.setLong(8, b.settledSeq());
        if (b.outcome() == null) {
            upsertBet.setNull(9, Types.VARCHAR);
        } else {
            upsertBet.setString(9, b.outcome().name());
        }
        upsertBet.setLong(10, b.winnings());
    }

    /** Empties every projection table; a rebuild starts here. */
    public static void clear(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            for (String table : new String[]{"balances", "games", "bets", "player_stats"}) {
                st.executeUpdate("DELETE FROM " + table);
            }
        }
    }

    /**
     * Loads what the writer keeps in memory into a state at {@code seq} with chain head
     * {@code headHash}: the balances that are not zero, and the open games with their bets.
     */
    public static LedgerState load(Connection conn, long seq, byte[] headHash, long lastTimestampMicros) throws SQLException {
        PMap<String, Long> balances = HashTreePMap.empty();
        long sum = 0;
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT account, balance FROM balances WHERE balance <> 0")) {
            while (rs.next()) {
                long b = rs.getLong(2);
                balances = balances.plus(rs.getString(1), b);
                sum = Math.addExact(sum, b);
            }
        }
        Map<String, PMap<String, BetState>> openBets = loadOpenBets(conn);
        PMap<String, GameState> games = HashTreePMap.empty();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT game_id, table_id, open,"
                + " opened_seq, closed_seq, rolls, last_die1, last_die2, point, open_bets FROM games WHERE open = 1")) {
            while (rs.next()) {
                String id = rs.getString(1);
                PMap<String, BetState> bets = openBets.getOrDefault(id, HashTreePMap.empty());
                games = games.plus(id, GameState.loaded(id, rs.getString(2), rs.getInt(3) == 1, rs.getLong(4),
                        rs.getLong(5), rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getInt(10), bets, null));
            }
        }
        // rows hold no protections: the loader folds them from the log (Protections)
        LedgerState loaded = new LedgerState(seq, lastTimestampMicros, headHash, balances, sum, games, 0,
                HashTreePMap.empty());
        return new LedgerState(seq, lastTimestampMicros, headHash, balances, sum, games, StateDigest.of(loaded),
                HashTreePMap.empty());
    }

    private static Map<String, PMap<String, BetState>> loadOpenBets(Connection conn) throws SQLException {
        Map<String, PMap<String, BetState>> byGame = new HashMap<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT b.game_id, b.bet_id, b.player,"
                + " b.bet_type, b.point, b.amount, b.placed_seq, b.settled_seq, b.outcome, b.winnings"
                + " FROM bets b JOIN games g ON g.game_id = b.game_id WHERE g.open = 1")) {
            while (rs.next()) {
                BetState bet = betOf(rs);
                byGame.merge(bet.gameId(), HashTreePMap.singleton(bet.betId(), bet), (a, b) -> a.plusAll(b));
            }
        }
        return byGame;
    }

    /** Reads a bet from the columns {@code game_id, bet_id, player, bet_type, point, amount, placed_seq, settled_seq, outcome, winnings}. */
    public static BetState betOf(ResultSet rs) throws SQLException {
        int point = rs.getInt(5);
        Integer boxedPoint = rs.wasNull() ? null : point;
        String outcome = rs.getString(9);
        return new BetState(rs.getString(1), rs.getString(2), rs.getString(3), BetType.valueOf(rs.getString(4)),
                boxedPoint, rs.getLong(6), rs.getLong(7), rs.getLong(8), outcome == null ? null : Outcome.valueOf(outcome),
                rs.getLong(10));
    }

    @Override
    public void close() throws SQLException {
        upsertBalance.close();
        upsertGame.close();
        upsertBet.close();
        upsertPlayer.close();
        if (rowReads != null) {
            rowReads.close();
        }
    }
}
