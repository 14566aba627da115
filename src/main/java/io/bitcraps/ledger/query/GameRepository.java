package io.bitcraps.ledger.query;

import io.bitcraps.ledger.domain.GameSummary;
import io.bitcraps.ledger.domain.Ids;

import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Games from the read model: by table, newest first, keyset-paged on the opening seq; and point
 * reads. Every query runs on the connection's cached prepared statement ({@link StatementCache}).
 */
public final class GameRepository {
    private static final String COLUMNS = "SELECT game_id, table_id, open, opened_seq, closed_seq, rolls, last_die1,"
            + " last_die2, point, open_bets FROM games";

    private final ReaderPool readers;
    private final QueryCache cache;

    public GameRepository(ReaderPool readers, QueryCache cache) {
        this.readers = readers;
        this.cache = cache;
    }

    private record TableKey(String table, PageRequest page) {}

    private record GameKey(String game) {}

    public Page<GameSummary> byTable(String tableId, PageRequest page) {
        Ids.requireId("table", tableId);
        return Queries.cached(cache, new TableKey(tableId, page), "table:" + tableId,
                () -> readers.read((conn, seq) -> {
                    List<GameSummary> items = new ArrayList<>();
                    ReaderPool.statements(conn).query(COLUMNS
                            + " WHERE table_id = ? AND opened_seq < ? ORDER BY opened_seq DESC LIMIT ?", ps -> {
                        ps.setString(1, tableId);
                        ps.setLong(2, page.beforeSeq());
                        ps.setInt(3, page.limit() + 1);
                    }, rs -> {
                        while (rs.next()) {
                            items.add(summaryOf(rs));
                        }
                        return items;
                    });
                    return Queries.pageOf(items, page, seq, GameSummary::openedSeq);
                }));
    }

    public Optional<GameSummary> find(String gameId) {
        Ids.requireId("game", gameId);
        return Queries.cachedOne(cache, new GameKey(gameId), "game:" + gameId, () -> readers.read((conn, seq) -> {
            return ReaderPool.statements(conn).query(COLUMNS + " WHERE game_id = ?", ps -> ps.setString(1, gameId),
                    rs -> rs.next() ? Optional.of(summaryOf(rs)) : Optional.<GameSummary>empty());
        }));
    }

    private static GameSummary summaryOf(ResultSet rs) throws SQLException {
        return new GameSummary(rs.getString(1), rs.getString(2), rs.getInt(3) == 1, rs.getLong(4), rs.getLong(5),
                rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getInt(10));
    }
}
