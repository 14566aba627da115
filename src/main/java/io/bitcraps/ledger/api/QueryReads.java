package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.AccountEntry;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.GameSummary;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.domain.PlayerStats;
import io.bitcraps.ledger.query.AccountRepository;
import io.bitcraps.ledger.query.BetRepository;
import io.bitcraps.ledger.query.GameRepository;
import io.bitcraps.ledger.query.ReaderPool;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The api's read interfaces over the query side's repositories, which keep their pools and cache to themselves. */
final class QueryReads {
    private QueryReads() {
    }

    static Games games(GameRepository games) {
        return new Games() {
            @Override
            public Optional<GameSummary> find(String gameId) {
                return games.find(gameId);
            }

            @Override
            public Page<GameSummary> byTable(String tableId, PageRequest page) {
                return games.byTable(tableId, page);
            }
        };
    }

    static Bets bets(BetRepository bets) {
        return new Bets() {
            @Override
            public Optional<BetState> find(String gameId, String betId) {
                return bets.find(gameId, betId);
            }

            @Override
            public Page<BetState> byPlayer(String player, PageRequest page) {
                return bets.byPlayer(player, page);
            }

            @Override
            public Page<BetState> byGame(String gameId, PageRequest page) {
                return bets.byGame(gameId, page);
            }
        };
    }

    static Accounts accounts(AccountRepository accounts) {
        return new Accounts() {
            @Override
            public Page<AccountEntry> statement(Account account, PageRequest page) {
                return accounts.statement(account, page);
            }

            @Override
            public OptionalLong balance(Account account) {
                return accounts.balance(account);
            }

            @Override
            public PlayerStats playerStats(String player) {
                return accounts.playerStats(player);
            }

            @Override
            public AtSeq<Map<String, Long>> allBalances() {
                ReaderPool.Snapshot<Map<String, Long>> s = accounts.allBalances();
                return new AtSeq<>(s.value(), s.seq());
            }
        };
    }
}
