package io.bitcraps.ledger.views;

import io.bitcraps.ledger.internal.FileModes;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The views file, {@code <db>.views}: the read model (balances, games, bets, player_stats, the
 * same shapes as {@code V0002__read_model.sql}) and the accounts' statements
 * ({@link StatementRows}) kept by the {@code views} subscriber beside the log, and one
 * {@code views_head} row: the watermark (the last seq applied, the chain hash at it and its
 * timestamp), the ledger id and the digest of every row of the five tables ({@link #digestOfRows}).
 * <p>
 * Why a file of its own: its rows and their indexes on scattered columns (player, game) would
 * make the log's durable commit dirty one page per player and game; here they are written in
 * large transactions with {@code synchronous=NORMAL}, and whatever a crash or a power loss takes
 * is written again from the log. The watermark is updated in the same transaction as the rows,
 * so the file always holds exactly the events up to its watermark.
 * <p>
 * {@link #open} never serves a file it cannot vouch for: missing, unreadable, of another format,
 * of another ledger, ahead of the log or on another history (the hash at its watermark is not
 * the log's), whose build from empty was cut short ({@code building}: its digest does not cover
 * the read model's rows yet, see {@code ViewsWriter}), or whose rows do not hash to the stored
 * digest. Such a file is deleted and made afresh at watermark 0; the subscriber then rebuilds it from the log. Only the process holding
 * the ledger's writer lock opens it this way.
 */
public final class ViewsFile {
    /**
     * {@code PRAGMA user_version} of the file this code writes; any other is rebuilt. Format 2
     * added {@code statements} and {@code building}; format 3 keys {@code statements} by an
     * integer account id ({@code accounts}) and creates the bets' secondary indexes when a build
     * from empty catches up.
     */
    public static final int FORMAT = 3;
    /** The reason {@link Opened#rebuiltBecause()} gives for a file that was not there. */
    public static final String MISSING = "it was missing";

    /** What the log says about a seq: its chain hash, or null when the log does not hold it. */
    @FunctionalInterface
    public interface LogHashes {
        byte[] hashAt(long seq) throws SQLException;
    }

    /**
     * The {@code views_head} row. {@code hash} is null at watermark 0. {@code building}: the file
     * is being built from empty and {@code rowsDigest} does not cover the read model's rows yet.
     */
    public record Head(long seq, byte[] hash, long lastTimestampMicros, String ledgerId, long rowsDigest,
                       boolean building) {}

    /** An open views file: its connection (autocommit on), its head, and why it was made afresh (null when it was not). */
    public record Opened(Path file, Connection conn, Head head, String rebuiltBecause) {}

    private ViewsFile() {}

    /** The views file of the ledger database {@code db}. */
    public static Path fileOf(Path db) {
        return io.bitcraps.ledger.store.LedgerDatabase.viewsFileOf(db);
    }

    /**
     * Opens the views file of {@code db} for writing, or makes it afresh (see the class note).
     *
     * @param logHeadSeq the last seq of the log
     * @param log        the log's chain hashes, to check the watermark against
     */
    public static Opened open(Path db, Set<PosixFilePermission> mode, int busyTimeoutMillis, String ledgerId,
                              long logHeadSeq, LogHashes log) throws SQLException, IOException {
        Path file = fileOf(db.toAbsolutePath());
        String problem;
        if (!Files.exists(file)) {
            problem = MISSING;
        } else {
            Connection conn = null;
            try {
                conn = connect(file, busyTimeoutMillis);
                problem = problemWith(conn, ledgerId, logHeadSeq, log);
                if (problem == null) {
                    return new Opened(file, conn, readHead(conn), null);
                }
            } catch (SQLException | RuntimeException e) {
                problem = "it could not be read (" + e.getMessage() + ")";
            }
            if (conn != null) {
                conn.close();
            }
        }
        deleteWithSidecars(file);
        FileModes.createIfAbsent(file, mode);
        Connection conn = connect(file, busyTimeoutMillis);
        try {
            createSchema(conn, ledgerId);
            return new Opened(file, conn, readHead(conn), problem);
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    /** Why the open file must not be served, or null when it may. */
    private static String problemWith(Connection conn, String ledgerId, long logHeadSeq, LogHashes log)
            throws SQLException {
        int format = Integer.parseInt(LedgerDatabase.readPragma(conn, "user_version"));
        if (format != FORMAT) {
            return "it has format " + format + ", this code writes format " + FORMAT;
        }
        Head head = readHead(conn);
        if (!ledgerId.equals(head.ledgerId())) {
            return "it belongs to ledger " + head.ledgerId() + ", not " + ledgerId;
        }
        if (head.seq() > logHeadSeq) {
            return "it is ahead of the log: its watermark is seq " + head.seq() + ", the log ends at seq " + logHeadSeq;
        }
        if (head.building()) {
            return "it was still being built from the log when it was last closed (at seq " + head.seq() + ")";
        }
        if (head.seq() > 0) {
            List<String> missing = missingIndexes(conn);
            if (!missing.isEmpty()) {
                return "it is damaged: it lacks the indexes " + String.join(", ", missing);
            }
            byte[] logHash = log.hashAt(head.seq());
            if (!Arrays.equals(logHash, head.hash())) {
                return "it follows another history: at its watermark, seq " + head.seq() + ", its chain hash is "
                        + hex(head.hash()) + " and the log's is " + hex(logHash);
            }
        }
        long rows = digestOfRows(conn);
        if (rows != head.rowsDigest()) {
            return "it is damaged: its rows hash to " + Long.toHexString(rows) + ", its head records "
                    + Long.toHexString(head.rowsDigest());
        }
        if (head.seq() > 0) {
            String index = indexNotMatchingItsTable(conn);
            if (index != null) {
                return "it is damaged: the index " + index + " does not hold what its table's rows say";
            }
        }
        return null;
    }

    /**
     * Each secondary index against its table: the entries read through the index alone (a covering
     * scan: the indexed columns and the primary key, as stored in the index) and the same columns
     * read from the table's rows must be the same multiset. The row digest reads the tables only, so
     * an index entry that names another player or game (a flipped byte in a well-formed page) would
     * pass it and then mislead every read through that index. One scan per index and one per table,
     * each summing a hash per entry. {@code ViewsFileTest} checks the plans: the first query of each
     * pair must scan the index, the second the table.
     */
    static final String[][] INDEX_CHECKS = {
            {"bets_by_player", "SELECT player, placed_seq, game_id, bet_id FROM bets INDEXED BY bets_by_player",
                    "SELECT player, placed_seq, game_id, bet_id FROM bets ORDER BY game_id, bet_id"},
            {"bets_by_game", "SELECT game_id, placed_seq, bet_id FROM bets INDEXED BY bets_by_game",
                    "SELECT game_id, placed_seq, bet_id FROM bets ORDER BY game_id, bet_id"},
            {"games_by_table", "SELECT table_id, opened_seq, game_id FROM games INDEXED BY games_by_table",
                    "SELECT table_id, opened_seq, game_id FROM games ORDER BY game_id"},
            {"games_open", "SELECT game_id FROM games INDEXED BY games_open WHERE open = 1",
                    "SELECT game_id FROM games WHERE +open = 1 ORDER BY game_id"},
            {"the accounts' key index", "SELECT key, id FROM accounts INDEXED BY sqlite_autoindex_accounts_1",
                    "SELECT key, id FROM accounts NOT INDEXED"},
    };

    /** The name of the first index whose entries differ from its table's rows, or null. */
    static String indexNotMatchingItsTable(Connection conn) throws SQLException {
        for (String[] check : INDEX_CHECKS) {
            if (entriesHash(conn, check[1]) != entriesHash(conn, check[2])) {
                return check[0];
            }
        }
        return null;
    }

    /** The sum of a 64-bit hash of every result row (of text and integer columns): a multiset digest. */
    private static long entriesHash(Connection conn, String sql) throws SQLException {
        long sum = 0;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                long h = 0x51ED27L;
                for (int i = 1; i <= columns; i++) {
                    Object v = rs.getObject(i);
                    long x;
                    if (v == null) {
                        x = 0x9E3779B97F4A7C15L;
                    } else if (v instanceof Number n) {
                        x = n.longValue();
                    } else {
                        x = 0;
                        String text = v.toString();
                        for (int c = 0; c < text.length(); c++) {
                            x = (x ^ text.charAt(c)) * 0x100000001B3L;
                        }
                        x ^= text.length();
                    }
                    h = mix(h ^ x) + i;
                }
                sum += mix(h);
            }
        }
        return sum;
    }

    /** A 64-bit finalizer (SplitMix64's). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The digest of every row of the five tables, read from scratch: what {@code views_head.rows_digest} records. */
    static long digestOfRows(Connection conn) throws SQLException {
        return ReadModel.digestOfRows(conn) + StatementRows.digestOfRows(conn);
    }

    private static String hex(byte[] hash) {
        return hash == null ? "none" : HexFormat.of().formatHex(hash);
    }

    private static Connection connect(Path file, int busyTimeoutMillis) throws SQLException {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        cfg.setBusyTimeout(busyTimeoutMillis);
        cfg.setTempStore(SQLiteConfig.TempStore.MEMORY);
        cfg.setCacheSize(-32_000);
        Connection conn = LedgerDatabase.connect(cfg, file);
        try {
            LedgerDatabase.expectPragma(conn, "journal_mode", "wal");
            LedgerDatabase.expectPragma(conn, "synchronous", "1");
            return conn;
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    static Head readHead(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT seq, hash, last_ts, ledger_id, rows_digest, building FROM views_head WHERE id = 1")) {
            if (!rs.next()) {
                throw new SQLException("views_head has no row");
            }
            return new Head(rs.getLong(1), rs.getBytes(2), rs.getLong(3), rs.getString(4), rs.getLong(5),
                    rs.getInt(6) != 0);
        }
    }

    /**
     * Prepares the statement that moves the watermark; bind seq, hash, last_ts, rows_digest,
     * updated_ts (microseconds), building (1 or 0) in that order. Run it in the transaction of the
     * rows it covers.
     */
    static PreparedStatement prepareHeadUpdate(Connection conn) throws SQLException {
        return conn.prepareStatement("UPDATE views_head SET seq = ?, hash = ?, last_ts = ?, rows_digest = ?,"
                + " updated_ts = ?, building = ? WHERE id = 1");
    }

    private static void createSchema(Connection conn, String ledgerId) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                for (String ddl : SCHEMA) {
                    st.execute(ddl);
                }
                try (PreparedStatement ps = conn.prepareStatement("INSERT INTO views_head(id, seq, hash, last_ts,"
                        + " ledger_id, rows_digest, updated_ts, building) VALUES (1, 0, NULL, 0, ?, 0, 0, 0)")) {
                    ps.setString(1, ledgerId);
                    ps.executeUpdate();
                }
                st.execute("PRAGMA user_version = " + FORMAT);
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }

    static void deleteWithSidecars(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-wal"));
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-shm"));
    }

    /**
     * The secondary indexes of the read model ({@code V0002__read_model.sql}'s), by name. A file
     * made afresh has none: a build from empty writes its rows without them (each bet is one
     * B-tree to place, not three) and the commit that finishes the build creates them
     * ({@link #createIndexes}), in the transaction that clears {@code building}. So a file served
     * at open (never one still building) has them all, and {@link #open} checks that it does.
     */
    private static final Map<String, String> INDEXES = Map.of(
            "games_by_table", "CREATE INDEX IF NOT EXISTS games_by_table ON games (table_id, opened_seq)",
            "games_open", "CREATE INDEX IF NOT EXISTS games_open ON games (open) WHERE open = 1",
            "bets_by_player", "CREATE INDEX IF NOT EXISTS bets_by_player ON bets (player, placed_seq)",
            "bets_by_game", "CREATE INDEX IF NOT EXISTS bets_by_game ON bets (game_id, placed_seq)");

    /** Creates the read model's secondary indexes that are missing; in the transaction that finishes a build. */
    static void createIndexes(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            for (String ddl : INDEXES.values()) {
                st.execute(ddl);
            }
        }
    }

    /** The read model's secondary indexes the file lacks, by name, sorted. */
    private static List<String> missingIndexes(Connection conn) throws SQLException {
        Set<String> present = new HashSet<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index'")) {
            while (rs.next()) {
                present.add(rs.getString(1));
            }
        }
        return INDEXES.keySet().stream().filter(name -> !present.contains(name)).sorted().toList();
    }

    /**
     * The tables of format 3, without the secondary indexes ({@link #INDEXES}); the four
     * projection tables have the shapes of {@code V0002__read_model.sql}.
     */
    private static final String[] SCHEMA = {
            "CREATE TABLE views_head ("
                    + " id          INTEGER PRIMARY KEY CHECK (id = 1),"
                    + " seq         INTEGER NOT NULL,"      // the watermark: every event up to it is applied, none after
                    + " hash        BLOB,"                  // the chain hash at seq; null at 0
                    + " last_ts     INTEGER NOT NULL,"      // the timestamp of the event at seq, microseconds
                    + " ledger_id   TEXT NOT NULL,"
                    + " rows_digest INTEGER NOT NULL,"      // sum of the row hashes of the tables
                    + " updated_ts  INTEGER NOT NULL,"      // wall clock of the last commit, microseconds
                    + " building    INTEGER NOT NULL)",     // 1 while built from empty: rows_digest not kept yet
            "CREATE TABLE balances (account TEXT PRIMARY KEY, balance INTEGER NOT NULL, updated_seq INTEGER NOT NULL)"
                    + " WITHOUT ROWID",
            "CREATE TABLE games (game_id TEXT PRIMARY KEY, table_id TEXT NOT NULL, open INTEGER NOT NULL,"
                    + " opened_seq INTEGER NOT NULL, closed_seq INTEGER NOT NULL, rolls INTEGER NOT NULL,"
                    + " last_die1 INTEGER NOT NULL, last_die2 INTEGER NOT NULL, point INTEGER NOT NULL,"
                    + " open_bets INTEGER NOT NULL) WITHOUT ROWID",
            "CREATE TABLE bets (game_id TEXT NOT NULL, bet_id TEXT NOT NULL, player TEXT NOT NULL,"
                    + " bet_type TEXT NOT NULL, point INTEGER, amount INTEGER NOT NULL, placed_seq INTEGER NOT NULL,"
                    + " settled_seq INTEGER NOT NULL, outcome TEXT, winnings INTEGER NOT NULL,"
                    + " PRIMARY KEY (game_id, bet_id)) WITHOUT ROWID",
            "CREATE TABLE player_stats (player TEXT PRIMARY KEY, wagered INTEGER NOT NULL, won INTEGER NOT NULL,"
                    + " lost INTEGER NOT NULL, bets_placed INTEGER NOT NULL, bets_settled INTEGER NOT NULL) WITHOUT ROWID",
            StatementRows.DDL[0],
            StatementRows.DDL[1],
    };
}
