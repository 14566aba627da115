package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.PlayerStats;

/**
 * A 64-bit digest of everything the writer holds in memory: each non-zero balance, open game and
 * bet of an open game hashes to 64 bits, and the digest is their sum (mod 2^64). A sum can be
 * kept up to date in O(rows changed): subtract a row's old hash, add its new one. The writer stores
 * it in the head row with every batch; at open the loaded read model must hash to it.
 * <p>
 * It guards against damage (a flipped bit, a torn page, a stray edit), not against someone who
 * rewrites the read model and the digest together: the hash chain, the HMAC and the audit's replay
 * are what catch that. So a fast non-cryptographic mix is enough.
 */
public final class StateDigest {
    private static final long BALANCE = 0x42L;
    private static final long GAME = 0x47L;
    private static final long BET = 0x62L;
    private static final long BALANCE_ROW = 0x52L;
    private static final long PLAYER_ROW = 0x70L;
    private static final long STATEMENT_ROW = 0x53L;
    private static final long NULL = 0x9E3779B97F4A7C15L;

    private StateDigest() {}

    /** The digest of a whole state, computed from scratch. */
    public static long of(LedgerState s) {
        long d = 0;
        for (var e : s.balances().entrySet()) {
            d += balance(e.getKey(), e.getValue());
        }
        for (GameState g : s.games().values()) {
            d += game(g);
            for (BetState b : g.bets().values()) {
                d += bet(b);
            }
        }
        return d;
    }

    static long balance(String account, long balance) {
        return finish(mix(text(BALANCE, account), balance));
    }

    /** A game's own fields; its bets count separately, so a roll does not rehash every bet. */
    static long game(GameState g) {
        long h = text(GAME, g.gameId());
        h = text(h, g.tableId());
        h = mix(h, g.open() ? 1 : 0);
        h = mix(h, g.openedSeq());
        h = mix(h, g.closedSeq());
        h = mix(h, g.rolls());
        h = mix(h, g.lastDie1());
        h = mix(h, g.lastDie2());
        h = mix(h, g.point());
        return finish(mix(h, g.openBetCount()));
    }

    static long bet(BetState b) {
        long h = text(BET, b.gameId());
        h = text(h, b.betId());
        h = text(h, b.player());
        h = text(h, b.betType().name());
        h = mix(h, b.point() == null ? NULL : b.point());
        h = mix(h, b.amount());
        h = mix(h, b.placedSeq());
        h = mix(h, b.settledSeq());
        h = text(h, b.outcome() == null ? null : b.outcome().name());
        return finish(mix(h, b.winnings()));
    }

    /**
     * A stored balance row as a whole: unlike {@link #balance}, it covers the seq of its last
     * change, and a balance of zero counts too (the row stays). For digests of a file's rows.
     */
    static long balanceRow(String account, long balance, long updatedSeq) {
        return finish(mix(mix(text(BALANCE_ROW, account), balance), updatedSeq));
    }

    /** A stored player-statistics row. */
    static long playerRow(String player, PlayerStats s) {
        long h = text(PLAYER_ROW, player);
        h = mix(h, s.wagered());
        h = mix(h, s.won());
        h = mix(h, s.lost());
        h = mix(h, s.betsPlaced());
        return finish(mix(h, s.betsSettled()));
    }

    /**
     * A stored statement line of the views file: the account, the event's seq, timestamp and type
     * code, and the account's movement in it. Lines are only ever inserted, so a digest of them is
     * kept by adding each new line's hash.
     */
    public static long statementRow(String account, long seq, long timestampMicros, int typeCode, long delta) {
        long h = text(STATEMENT_ROW, account);
        h = mix(h, seq);
        h = mix(h, timestampMicros);
        h = mix(h, typeCode);
        return finish(mix(h, delta));
    }

    /** The digest change when a game's bets all leave memory (the game closed). */
    static long bets(GameState g) {
        long d = 0;
        for (BetState b : g.bets().values()) {
            d += bet(b);
        }
        return d;
    }

    /**
     * A string by its length and {@code String.hashCode}: cached in the string, so the ids the
     * state holds cost nothing to hash again. A polynomial hash with an odd multiplier changes with
     * any one changed character, which is the damage this digest is for.
     */
    private static long text(long h, String s) {
        if (s == null) {
            return mix(h, NULL);
        }
        return mix(mix(h, s.length()), s.hashCode());
    }

    private static long mix(long h, long v) {
        return Long.rotateLeft((h ^ v) * 0xC2B2AE3D27D4EB4FL, 31) * 0x9E3779B97F4A7C15L;
    }

    /** The finalizer of MurmurHash3 (fmix64): every input bit reaches every output bit. */
    private static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }
}
