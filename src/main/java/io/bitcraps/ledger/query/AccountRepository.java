package io.bitcraps.ledger.query;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.EventType;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Accounts from the read model: an account's statement (every posting with the balance after
 * it, newest first, keyset-paged on seq), its stored balance, and all balances at one snapshot.
 */
public final class AccountRepository {
    private final ReaderPool readers;
    private final QueryCache cache;

    public AccountRepository(ReaderPool readers, QueryCache cache) {
        this.readers = readers;
        this.cache = cache;
    }

    private record StatementKey(String account, PageRequest page) {}

    private record BalanceKey(String account) {}

    public Page<AccountEntry> statement(Account account, PageRequest page) {
        String key = account.key();
        return Queries.cached(cache, new StatementKey(key, page), "account:" + key, () -> readers.read((conn, seq) -> {
            List<AccountEntry> items = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement("SELECT p.seq, e.ts, e.type, p.delta, p.balance_after"
                    + " FROM postings p JOIN events e ON e.seq = p.seq WHERE p.account = ? AND p.seq < ?"
                    + " ORDER BY p.seq DESC LIMIT ?")) {
                ps.setString(1, key);
                ps.setLong(2, page.beforeSeq());
                ps.setInt(3, page.limit() + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(new AccountEntry(rs.getLong(1), rs.getLong(2), EventType.ofCode(rs.getInt(3)),
                                rs.getLong(4), rs.getLong(5)));
                    }
                }
            }
            return Queries.pageOf(items, page, seq, AccountEntry::seq);
        }));
    }

    /** The stored balance, or empty for an account that was never posted to. */
    public OptionalLong balance(Account account) {
        String key = account.key();
        return Queries.cachedOne(cache, new BalanceKey(key), "account:" + key, () -> readers.read((conn, seq) -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT balance FROM balances WHERE account = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? java.util.Optional.of(rs.getLong(1)) : java.util.Optional.<Long>empty();
                }
            }
        })).map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /** Every balance, sorted by account, read from one snapshot; not cached (it is a report). */
    public ReaderPool.Snapshot<Map<String, Long>> allBalances() {
        try {
            return readers.read((conn, seq) -> {
                Map<String, Long> all = new LinkedHashMap<>();
                try (PreparedStatement ps = conn.prepareStatement("SELECT account, balance FROM balances ORDER BY account");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.put(rs.getString(1), rs.getLong(2));
                    }
                }
                return all;
            });
        } catch (java.sql.SQLException e) {
            throw new QueryFailure("reading balances failed: " + e.getMessage(), e);
        }
    }
}
