package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.Account;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * Everything the writer knows, as one immutable value built from persistent maps. Because every
 * change makes a new value that shares structure with the old one, the writer can keep the last
 * committed state and the state of the batch in flight side by side: a failed batch simply goes
 * back to the committed value, and publishing a reader snapshot is a pointer handoff.
 * <p>
 * {@code balanceSum} is kept as a running sum of every posting, so checking I1 costs nothing;
 * {@code digest} is the running {@link StateDigest} of the projections, stored with every batch.
 */
public record LedgerState(long seq, long lastTimestampMicros, byte[] headHash,
                          PMap<String, Long> balances, long balanceSum,
                          PMap<String, GameState> games, PMap<String, PlayerStats> players, long digest) {

    public static LedgerState genesis(byte[] genesisHash) {
        return new LedgerState(0, 0, genesisHash.clone(), HashTreePMap.empty(), 0, HashTreePMap.empty(),
                HashTreePMap.empty(), 0);
    }

    public long balance(Account account) {
        Long b = balances.get(account.key());
        return b == null ? 0 : b;
    }

    /** True once the account has been posted to (a funded player, the house, a game's escrow). */
    public boolean knows(Account account) {
        return balances.containsKey(account.key());
    }

    public GameState game(String gameId) {
        return games.get(gameId);
    }

    public PlayerStats playerStats(String player) {
        PlayerStats s = players.get(player);
        return s == null ? PlayerStats.ZERO : s;
    }

    public byte[] headHash() {
        return headHash.clone();
    }

    /**
     * The head hash without a defensive copy, for the writer and the replays, which never modify it.
     * Nothing that reaches a caller may use it (ArchitectureTest): the array is the one the next
     * commit chains to.
     */
    public byte[] headHashUnsafe() {
        return headHash;
    }

    /**
     * The same state with its own copy of the head hash, for handing to callers: the maps are
     * persistent and immutable, the hash array is the only part a caller could change.
     */
    public LedgerState withHeadHashCopy() {
        return new LedgerState(seq, lastTimestampMicros, headHash.clone(), balances, balanceSum, games, players, digest);
    }
}
