package io.bitcraps.ledger.query;

import io.bitcraps.ledger.domain.Ids;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.projection.ReadModel;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Bet history from the read model: by player and by game, newest first, keyset-paged on the
 * bet's placement seq; and point reads. Results go through the query cache under the player's or
 * the game's topic. Every query runs on the connection's cached prepared statement
 * ({@link StatementCache}); the SQL texts are constants.
 */
public final class BetRepository {
    private static final String COLUMNS =
            "SELECT game_id, bet_id, player, bet_type, point, amount, placed_seq, settled_seq, outcome, winnings FROM bets";

    private final ReaderPool readers;
    private final QueryCache cache;

    public BetRepository(ReaderPool readers, QueryCache cache) {
        this.readers = readers;
        this.cache = cache;
    }

    private record PlayerKey(String player, PageRequest page) {}

    private record GameKey(String game, PageRequest page) {}

    private record BetKey(String game, String bet) {}

    public Page<BetState> byPlayer(String player, PageRequest page) {
        Ids.requireId("player", player);
        return Queries.cached(cache, new PlayerKey(player, page), "player:" + player,
                () -> readers.read((conn, seq) -> page(conn, seq, COLUMNS + " WHERE player = ? AND placed_seq < ?"
                        + " ORDER BY placed_seq DESC LIMIT ?", player, page)));
    }

    public Page<BetState> byGame(String gameId, PageRequest page) {
        Ids.requireId("game", gameId);
        return Queries.cached(cache, new GameKey(gameId, page), "game:" + gameId,
                () -> readers.read((conn, seq) -> page(conn, seq, COLUMNS + " WHERE game_id = ? AND placed_seq < ?"
                        + " ORDER BY placed_seq DESC LIMIT ?", gameId, page)));
    }

    public Optional<BetState> find(String gameId, String betId) {
        Ids.requireId("game", gameId);
        Ids.requireId("bet", betId);
        return Queries.cachedOne(cache, new BetKey(gameId, betId), "game:" + gameId,
                () -> readers.read((conn, seq) -> {
                    return ReaderPool.statements(conn).query(COLUMNS + " WHERE game_id = ? AND bet_id = ?", ps -> {
                        ps.setString(1, gameId);
                        ps.setString(2, betId);
                    }, rs -> rs.next() ? Optional.of(ReadModel.betOf(rs)) : Optional.<BetState>empty());
                }));
    }

    private static Page<BetState> page(Connection conn, long seq, String sql, String id, PageRequest page)
            throws SQLException {
        List<BetState> items = new ArrayList<>(Math.min(page.limit(), 64));
        ReaderPool.statements(conn).query(sql, ps -> {
            ps.setString(1, id);
            ps.setLong(2, page.beforeSeq());
            ps.setInt(3, page.limit() + 1);
        }, rs -> {
            while (rs.next()) {
                items.add(ReadModel.betOf(rs));
            }
            return items;
        });
        return Queries.pageOf(items, page, seq, BetState::placedSeq);
    }
}
