package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.EventReader;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The books of a backup, recomputed from its log alone: every event's postings summed per account.
 * A backup is verified by meaning as well as by format: its balances must sum to zero (I1), no
 * account but {@code world} may be negative (I2), and the figures must equal those its manifest
 * recorded when it was taken (a copy whose log decodes to other books is not the ledger that was
 * backed up). {@code balancesSha256} covers every non-zero balance, sorted by account; {@code accounts}
 * counts them.
 */
public record BackupBooks(long accounts, long world, long house, long players, long escrow, String balancesSha256) {

    /** Folds the postings of every event in {@code conn}'s log; throws when the books do not balance. */
    static BackupBooks of(Connection conn, String file) throws SQLException, BackupFailure {
        PayloadCodec codec = new PayloadCodec();
        Map<String, Long> balances = new TreeMap<>();
        EventReader.forEach(conn, 1, Long.MAX_VALUE, row -> {
            for (Posting p : codec.decode(EventType.ofCode(row.typeCode()), row.payload()).postings()) {
                // an account back at zero leaves the map (a game's escrow once its bets are settled), as the live
                // ledger drops it, so the fold holds the open books, not every account ever touched
                balances.merge(p.account().key(), p.delta(), (a, b) -> {
                    long sum = Math.addExact(a, b);
                    return sum == 0 ? null : sum;
                });
            }
        });
        long sum = 0;
        long world = 0;
        long house = 0;
        long players = 0;
        long escrow = 0;
        MessageDigest digest = sha256();
        for (Map.Entry<String, Long> e : balances.entrySet()) {
            String account = e.getKey();
            long balance = e.getValue();
            sum = Math.addExact(sum, balance);
            if (account.equals("world")) {
                world = balance;
            } else {
                if (balance < 0) {
                    throw new BackupFailure(file + ": account " + account + " holds " + balance + " by its log (I2: only"
                            + " world may be negative)");
                }
                if (account.equals("house")) {
                    house = balance;
                } else if (account.startsWith("player:")) {
                    players = Math.addExact(players, balance);
                } else if (account.startsWith("escrow:")) {
                    escrow = Math.addExact(escrow, balance);
                }
            }
            digest.update((account + "=" + balance + "\n").getBytes(StandardCharsets.UTF_8));
        }
        if (sum != 0) {
            throw new BackupFailure(file + ": the balances its log folds to sum to " + sum + ", not 0 (I1)");
        }
        return new BackupBooks(balances.size(), world, house, players, escrow, Hex.of(digest.digest()));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
