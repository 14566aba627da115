package io.bitcraps.ledger.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Compares every table of the stored read model with the audit's books rebuilt from zero (I6):
 * balances, games, every bet and player statistics. Each table is read once, in full, from the
 * same snapshot. (Account statements are read from the log itself, so there is no table of them
 * to compare.) Each difference is reported with the game or player it is about ("game:g", "player:p"; a bet's game,
 * an escrow's game), or {@link RootCauses#WHOLE_BOOKS} for a count over a whole table, so that a difference a
 * damaged row explains is grouped under it.
 */
final class ProjectionCheck {
    private final Connection conn;
    private final Books books;
    private final BiConsumer<String, Problem> report;

    ProjectionCheck(Connection conn, Books books, BiConsumer<String, Problem> report) {
        this.conn = conn;
        this.books = books;
        this.report = report;
    }

    /** Differences reported one by one per table; past this, one summary line says how many more. */
    static final int PER_TABLE_MAX = 20;

    private String table;
    private int inTable;

    void run() throws SQLException {
        checkTable("balances", this::balances);
        checkTable("games", this::games);
        checkTable("bets", this::bets);
        checkTable("player_stats", this::players);
    }

    private interface TableCheck {
        void run() throws SQLException;
    }

    private void checkTable(String name, TableCheck check) throws SQLException {
        table = name;
        inTable = 0;
        check.run();
        if (inTable > PER_TABLE_MAX) {
            report.accept(RootCauses.WHOLE_BOOKS, new Problem(0, ProblemKind.PROJECTION_MISMATCH, "… and "
                    + (inTable - PER_TABLE_MAX) + " more differences in " + name));
        }
    }

    private void mismatch(String subject, String what) {
        if (++inTable <= PER_TABLE_MAX) {
            report.accept(subject, new Problem(0, ProblemKind.PROJECTION_MISMATCH, table + ": " + what));
        }
    }

    /** The game or player whose books hold an account's balance: "escrow:g" is game g's. */
    static String subjectOfAccount(String account) {
        if (account.startsWith("escrow:")) {
            return "game:" + account.substring("escrow:".length());
        }
        return account.startsWith("player:") ? account : RootCauses.WHOLE_BOOKS;
    }

    private void balances() throws SQLException {
        Set<String> seen = new HashSet<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT account, balance FROM balances");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String account = rs.getString(1);
                seen.add(account);
                Long replayed = books.balances.get(account);
                if (replayed == null || replayed != rs.getLong(2)) {
                    mismatch(subjectOfAccount(account), account + " is " + rs.getLong(2) + ", the replay gives " + replayed);
                }
            }
        }
        for (Map.Entry<String, Long> e : books.balances.entrySet()) {
            if (!seen.contains(e.getKey())) {
                mismatch(subjectOfAccount(e.getKey()), "balances has no row for " + e.getKey() + " (replay: " + e.getValue() + ")");
            }
        }
    }

    private void games() throws SQLException {
        Set<String> seen = new HashSet<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT game_id, table_id, open, opened_seq, closed_seq, rolls,"
                + " last_die1, last_die2, point, open_bets FROM games"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                seen.add(id);
                Books.Game g = books.games.get(id);
                if (g == null) {
                    mismatch("game:" + id, "games has " + id + ", which the log never opened");
                    continue;
                }
                String stored = rs.getString(2) + "/" + (rs.getInt(3) == 1) + "/" + rs.getLong(4) + "/" + rs.getLong(5) + "/"
                        + rs.getInt(6) + "/" + rs.getInt(7) + "/" + rs.getInt(8) + "/" + rs.getInt(9) + "/" + rs.getInt(10);
                String replayed = g.table + "/" + g.open + "/" + g.openedSeq + "/" + g.closedSeq + "/" + g.rolls + "/" + g.die1
                        + "/" + g.die2 + "/" + g.point + "/" + g.openBets;
                if (!stored.equals(replayed)) {
                    mismatch("game:" + id, "game " + id + " is stored as " + stored + ", the replay gives " + replayed
                            + " (table/open/opened/closed/rolls/die1/die2/point/open bets)");
                }
            }
        }
        for (String id : books.games.keySet()) {
            if (!seen.contains(id)) {
                mismatch("game:" + id, "games has no row for " + id);
            }
        }
    }

    private void bets() throws SQLException {
        int seen = 0;
        try (PreparedStatement ps = conn.prepareStatement("SELECT game_id, bet_id, player, bet_type, point, amount,"
                + " placed_seq, settled_seq, outcome, winnings FROM bets"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String key = rs.getString(1) + '/' + rs.getString(2);
                Books.Bet b = books.bets.get(key);
                if (b == null) {
                    mismatch("game:" + rs.getString(1), "bets has " + key + ", which the log never placed");
                    continue;
                }
                seen++;
                int point = rs.getInt(5);
                Integer storedPoint = rs.wasNull() ? null : point;
                String outcome = rs.getString(9);
                boolean same = b.player.equals(rs.getString(3)) && b.type.name().equals(rs.getString(4))
                        && Objects.equals(b.point, storedPoint) && b.amount == rs.getLong(6) && b.placedSeq == rs.getLong(7)
                        && b.settledSeq == rs.getLong(8) && Objects.equals(b.outcome == null ? null : b.outcome.name(), outcome)
                        && b.winnings == rs.getLong(10);
                if (!same) {
                    mismatch("game:" + b.game, "bet " + key + " is stored as " + rs.getString(3) + " " + rs.getString(4) + " " + rs.getLong(6)
                            + " settled at " + rs.getLong(8) + " " + outcome + " +" + rs.getLong(10) + ", the replay gives "
                            + b.player + " " + b.type + " " + b.amount + " settled at " + b.settledSeq + " " + b.outcome
                            + " +" + b.winnings);
                }
            }
        }
        if (seen != books.bets.size()) {
            mismatch(RootCauses.WHOLE_BOOKS, "bets holds " + seen + " of the " + books.bets.size() + " bets the log placed");
        }
    }

    private void players() throws SQLException {
        int seen = 0;
        try (PreparedStatement ps = conn.prepareStatement("SELECT player, wagered, won, lost, bets_placed, bets_settled"
                + " FROM player_stats"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Books.Stats s = books.players.get(rs.getString(1));
                if (s == null) {
                    mismatch("player:" + rs.getString(1), "player_stats has " + rs.getString(1) + ", who never bet");
                    continue;
                }
                seen++;
                if (s.wagered != rs.getLong(2) || s.won != rs.getLong(3) || s.lost != rs.getLong(4)
                        || s.placed != rs.getLong(5) || s.settled != rs.getLong(6)) {
                    mismatch("player:" + rs.getString(1), rs.getString(1) + " is " + rs.getLong(2) + "/" + rs.getLong(3) + "/"
                            + rs.getLong(4) + "/" + rs.getLong(5) + "/" + rs.getLong(6) + ", the replay gives " + s.wagered + "/"
                            + s.won + "/" + s.lost + "/" + s.placed + "/" + s.settled + " (wagered/won/lost/placed/settled)");
                }
            }
        }
        if (seen != books.players.size()) {
            mismatch(RootCauses.WHOLE_BOOKS, "player_stats holds " + seen + " of the " + books.players.size() + " players who bet");
        }
    }
}
