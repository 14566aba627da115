package io.bitcraps.ledger.query;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.codec.PayloadException;
import io.bitcraps.ledger.domain.AccountEntry;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.domain.Posting;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.EventType;

import io.bitcraps.ledger.domain.PlayerStats;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Accounts: an account's statement (every event that moved its chips, with the amount, newest
 * first, keyset-paged on seq), its stored balance, and all balances at one snapshot.
 * <p>
 * Where a statement comes from: with the views file on (the model readers read
 * {@link ReaderPool.Source#VIEWS}), from its {@code statements} table, one line per account and
 * event keyed {@code (account_id, seq)} (the id from its {@code accounts} table, found by the
 * account's key), so a page is one range scan and carries the views
 * watermark; otherwise from the log, through the events' indexes by player, game and type, each
 * candidate's payload giving the amount. Both give the same lines for the same seqs.
 * <p>
 * Every query runs on the connection's cached prepared statement ({@link StatementCache}).
 */
public final class AccountRepository {
    /** Reads the log: statements when the views file is off. */
    private final ReaderPool logReaders;
    /** Reads the read model's tables: balances and player statistics (the views file when it is on). */
    private final ReaderPool readers;
    private final QueryCache cache;
    private final PayloadCodec codec = new PayloadCodec();

    /** Statements, balances and statistics all from the ledger database. */
    public AccountRepository(ReaderPool readers, QueryCache cache) {
        this(readers, readers, cache);
    }

    /**
     * Balances and statistics through {@code modelReaders}; statements from the views file when
     * {@code modelReaders} reads it, else from the log through {@code logReaders}.
     */
    public AccountRepository(ReaderPool logReaders, ReaderPool modelReaders, QueryCache cache) {
        this.logReaders = logReaders;
        this.readers = modelReaders;
        this.cache = cache;
    }

    private record StatementKey(String account, PageRequest page) {}

    private record BalanceKey(String account) {}

    private record StatsKey(String player) {}

    /** One page of the account's statement, newest first; an account never posted to has an empty one. */
    public Page<AccountEntry> statement(Account account, PageRequest page) {
        String key = account.key();
        if (readers.source() == ReaderPool.Source.VIEWS) {
            return Queries.cached(cache, new StatementKey(key, page), "account:" + key,
                    () -> readers.read((conn, seq) -> statementFromViews(conn, key, page, seq)));
        }
        return Queries.cached(cache, new StatementKey(key, page), "account:" + key, () -> logReaders.read((conn, seq) -> {
            StatementCache statements = ReaderPool.statements(conn);
            List<AccountEntry> items = new ArrayList<>();
            long before = page.beforeSeq();
            // the candidate events of an account are a superset (a losing settlement names its
            // player but pays the house): read them in chunks until the page is full
            int chunk = Math.min(4 * (page.limit() + 1), 1_000);
            boolean more = true;
            while (items.size() <= page.limit() && more) {
                Chunk read = candidates(statements, account, before, chunk, items, page.limit());
                before = read.lastSeq();
                more = read.rows() == chunk;
            }
            return Queries.pageOf(items, page, seq, AccountEntry::seq);
        }));
    }

    /** How many candidate rows one chunk read, and the seq of the last (the next chunk reads below it). */
    private record Chunk(int rows, long lastSeq) {}

    /** Reads up to {@code chunk} candidates below {@code before}, adding those that moved the account's chips until {@code items} holds limit + 1. */
    private Chunk candidates(StatementCache statements, Account account, long before, int chunk, List<AccountEntry> items,
            int limit) throws SQLException {
        String key = account.key();
        return statements.query(candidatesOf(account), ps -> {
            int bind = 1;
            if (account.kind() == Account.Kind.PLAYER || account.kind() == Account.Kind.ESCROW) {
                ps.setString(bind++, account.id());
            }
            ps.setLong(bind++, before);
            ps.setInt(bind, chunk);
        }, rs -> {
            int rows = 0;
            long last = before;
            while (rs.next() && items.size() <= limit) {
                rows++;
                last = rs.getLong(1);
                EventType type = EventType.ofCode(rs.getInt(3));
                long delta = deltaOf(type, rs.getBytes(4), key, last);
                if (delta != 0) {
                    items.add(new AccountEntry(last, rs.getLong(2), type, delta));
                }
            }
            return new Chunk(rows, last);
        });
    }

    /** The lines of the views file's {@code statements} table: limit + 1 of them, by the primary key (none for an account without an id). */
    private static Page<AccountEntry> statementFromViews(Connection conn, String account, PageRequest page, long seq)
            throws SQLException {
        List<AccountEntry> items = new ArrayList<>(Math.min(page.limit() + 1, 64));
        ReaderPool.statements(conn).query(VIEWS_STATEMENT, ps -> {
            ps.setString(1, account);
            ps.setLong(2, page.beforeSeq());
            ps.setInt(3, page.limit() + 1);
        }, rs -> {
            while (rs.next()) {
                items.add(new AccountEntry(rs.getLong(1), rs.getLong(2), EventType.ofCode(rs.getInt(3)), rs.getLong(4)));
            }
            return items;
        });
        return Queries.pageOf(items, page, seq, AccountEntry::seq);
    }

    private static final String VIEWS_STATEMENT = "SELECT seq, ts, type, delta FROM statements"
            + " WHERE account_id = (SELECT id FROM accounts WHERE key = ?) AND seq < ? ORDER BY seq DESC LIMIT ?";

    private static final String CANDIDATES = "SELECT seq, ts, type, payload FROM events ";
    private static final String CANDIDATES_TAIL = " AND seq < ? ORDER BY seq DESC LIMIT ?";

    /**
     * The events that can post to the account, newest first, below a seq: by the index that finds
     * them. Constants, so the statement cache finds them without building the text per call.
     */
    private static String candidatesOf(Account account) {
        return switch (account.kind()) {
            case PLAYER -> CANDIDATES + "WHERE player_id = ?" + CANDIDATES_TAIL;
            case ESCROW -> CANDIDATES + "WHERE game_id = ?" + CANDIDATES_TAIL;
            // the same type lists as the partial indexes of V0005, so SQLite can use them
            case HOUSE -> CANDIDATES + "WHERE type IN (3, 7)" + CANDIDATES_TAIL;
            case WORLD -> CANDIDATES + "WHERE type IN (1, 2, 3)" + CANDIDATES_TAIL;
        };
    }

    private long deltaOf(EventType type, byte[] payload, String account, long seq) {
        List<Posting> postings;
        try {
            postings = codec.decode(type, payload).postings();
        } catch (PayloadException e) {
            throw new QueryFailure("seq " + seq + " does not decode: " + e.getMessage(), e);
        }
        long delta = 0;
        for (Posting p : postings) {
            if (p.account().key().equals(account)) {
                delta += p.delta();
            }
        }
        return delta;
    }

    /** The stored balance, or empty for an account that was never posted to. */
    public OptionalLong balance(Account account) {
        String key = account.key();
        return Queries.cachedOne(cache, new BalanceKey(key), "account:" + key, () -> readers.read((conn, seq) -> {
            return ReaderPool.statements(conn).query("SELECT balance FROM balances WHERE account = ?",
                    ps -> ps.setString(1, key),
                    rs -> rs.next() ? java.util.Optional.of(rs.getLong(1)) : java.util.Optional.<Long>empty());
        })).map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /**
     * A player's betting record (stakes, winnings, losses, bets placed and settled), as of the
     * newest commit; {@link PlayerStats#ZERO} for a player who never bet. Read from the read model:
     * the writer keeps no statistics in memory, since it decides nothing on them.
     */
    public PlayerStats playerStats(String player) {
        return Queries.cachedOne(cache, new StatsKey(player), "player:" + player, () -> readers.read((conn, seq) -> {
            return ReaderPool.statements(conn).query(
                    "SELECT wagered, won, lost, bets_placed, bets_settled FROM player_stats WHERE player = ?",
                    ps -> ps.setString(1, player),
                    rs -> rs.next() ? java.util.Optional.of(new PlayerStats(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                            rs.getLong(4), rs.getLong(5))) : java.util.Optional.<PlayerStats>empty());
        })).orElse(PlayerStats.ZERO);
    }

    /** Every balance, sorted by account, read from one snapshot; not cached (it is a report). */
    public ReaderPool.Snapshot<Map<String, Long>> allBalances() {
        try {
            return readers.read((conn, seq) -> ReaderPool.statements(conn).query(
                    "SELECT account, balance FROM balances ORDER BY account", ps -> {}, rs -> {
                        Map<String, Long> all = new LinkedHashMap<>();
                        while (rs.next()) {
                            all.put(rs.getString(1), rs.getLong(2));
                        }
                        return all;
                    }));
        } catch (java.sql.SQLException e) {
            throw new QueryFailure("reading balances failed: " + e.getMessage(), e);
        }
    }
}
