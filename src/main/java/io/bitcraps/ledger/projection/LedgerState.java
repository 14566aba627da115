package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.protection.PlayerProtection;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * What the writer needs to decide, as one immutable value built from persistent maps: every
 * account whose balance is not zero, and every open game with its bets. A balance that comes back
 * to zero and a game that closes leave memory (the read model keeps their rows, the log their
 * history), so memory is bounded by what is live on the floor, not by the ledger's age; the few
 * decisions that must know about an account or game no longer here ask {@code ingest.History}.
 * Player statistics are not decided on, so they live in the read model only.
 * <p>
 * As one immutable value built from persistent maps: Because every
 * change makes a new value that shares structure with the old one, the writer can keep the last
 * committed state and the state of the batch in flight side by side: a failed batch simply goes
 * back to the committed value, and publishing a reader snapshot is a pointer handoff.
 * <p>
 * {@code protection} holds, for each player who set a limit or excluded themselves, what the rules of
 * player protection decide by ({@link PlayerProtection}); like the tables it is not in the digest.
 * <p>
 * {@code balanceSum} is kept as a running sum of every posting, so checking I1 costs nothing;
 * {@code digest} is the running {@link StateDigest} of the projections, stored with every batch.
 */
public record LedgerState(long seq, long lastTimestampMicros, byte[] headHash,
                          PMap<String, Long> balances, long balanceSum,
                          PMap<String, GameState> games, long digest,
                          PMap<String, PlayerProtection> protection) {

    public static LedgerState genesis(byte[] genesisHash) {
        return new LedgerState(0, 0, genesisHash.clone(), HashTreePMap.empty(), 0, HashTreePMap.empty(), 0,
                HashTreePMap.empty());
    }

    /** The player's protection (limits, exclusion, usage) once they asked for any; null before. */
    public PlayerProtection protection(String player) {
        return protection.get(player);
    }

    /** The same state with other protections (a loader that folds them from the log). */
    LedgerState withProtection(PMap<String, PlayerProtection> protection) {
        return new LedgerState(seq, lastTimestampMicros, headHash, balances, balanceSum, games, digest, protection);
    }

    public long balance(Account account) {
        Long b = balances.get(account.key());
        return b == null ? 0 : b;
    }

    /** True while the account holds chips (or, for {@code world}, owes them); false at zero. */
    public boolean holds(Account account) {
        return balances.containsKey(account.key());
    }

    /** The game while it is open; null once it closed, or if it was never opened. */
    public GameState game(String gameId) {
        return games.get(gameId);
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
        return new LedgerState(seq, lastTimestampMicros, headHash.clone(), balances, balanceSum, games, digest, protection);
    }
}
