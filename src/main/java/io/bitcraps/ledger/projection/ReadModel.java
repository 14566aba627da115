package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Outcome;
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

/**
 * The persisted read model: the projection tables of {@code V0002__read_model.sql}. The writer
 * calls {@link #write} inside each batch's transaction with the batch's {@link DirtySet}, so the
 * tables move with the log atomically; each touched row is upserted once per batch.
 * {@link #load} turns the tables back into a {@link LedgerState} at start-up.
 * <p>
 * One instance per connection, owned by the thread that owns the connection.
 */
public final class ReadModel implements AutoCloseable {
    private final PreparedStatement upsertBalance;
    private final PreparedStatement upsertGame;
    private final PreparedStatement upsertBet;
    private final PreparedStatement upsertPlayer;

    public ReadModel(Connection conn) throws SQLException {
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
    }

    /**
     * Writes every row the batch touched: balances from {@code state} (the state after the batch;
     * an account it no longer holds is at zero), games and bets as the batch left them, and each
     * player's change added to the stored statistics.
     */
    public void write(DirtySet dirty, LedgerState state) throws SQLException {
        for (String account : dirty.accounts) {
            Long balance = state.balances().get(account);
            upsertBalance.setString(1, account);
            upsertBalance.setLong(2, balance == null ? 0 : balance);
            upsertBalance.setLong(3, state.seq());
            upsertBalance.addBatch();
        }
        executeIfAny(upsertBalance, dirty.accounts.size());
        for (GameState game : dirty.games.values()) {
            bindGame(game);
            upsertGame.addBatch();
        }
        executeIfAny(upsertGame, dirty.games.size());
        for (BetState bet : dirty.bets.values()) {
            bindBet(bet);
            upsertBet.addBatch();
        }
        executeIfAny(upsertBet, dirty.bets.size());
        for (var entry : dirty.players.entrySet()) {
            PlayerStats s = entry.getValue();
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
                        rs.getLong(5), rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getInt(10), bets));
            }
        }
        LedgerState loaded = new LedgerState(seq, lastTimestampMicros, headHash, balances, sum, games, 0);
        return new LedgerState(seq, lastTimestampMicros, headHash, balances, sum, games, StateDigest.of(loaded));
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
    }
}
