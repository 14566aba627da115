package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.AccountEntry;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.domain.PlayerStats;

import java.util.Map;
import java.util.OptionalLong;

/**
 * Account statements, stored balances and player statistics ({@link Ledger#accounts()}): balances and statistics
 * from the read model, which trails the receipts by milliseconds ({@link Ledger#awaitViews} gives read-your-writes),
 * statements from the log. Thread-safe.
 */
public interface Accounts {
    /** The account's postings, newest first, a page at a time. */
    Page<AccountEntry> statement(Account account, PageRequest page);

    /** The account's stored balance; empty for an account never posted to. */
    OptionalLong balance(Account account);

    /** What the player wagered, won and lost; zeros for a player who never bet. */
    PlayerStats playerStats(String player);

    /** Every account ever posted to with its balance, and the seq they are at, from one snapshot. */
    AtSeq<Map<String, Long>> allBalances();

    /** A value read at one seq of the log. */
    record AtSeq<T>(T value, long seq) {}
}
