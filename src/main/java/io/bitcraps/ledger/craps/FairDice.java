package io.bitcraps.ledger.craps;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Provably fair dice, the commit–reveal convention of online casinos ({@code docs/fairness.md}):
 * the house commits to a secret server seed by publishing its SHA-256 before the game, each roll
 * names a client seed and a nonce, and the dice of that roll are a function of the three. Once the
 * house reveals the seed, anyone can check the commitment and re-derive every die.
 * <p>
 * The dice of a roll: {@code HMAC-SHA256(key = server seed bytes, message = the ASCII bytes of
 * "<clientSeed>:<nonce>")} (a client seed is printable ASCII, the nonce in decimal), read byte by byte; a byte {@code b < 252} gives a die {@code b % 6 + 1},
 * a byte of 252 or more is skipped (252 is the largest multiple of 6 in a byte, so every face is
 * equally likely: no modulo bias); the first two dice read are die 1 and die 2. Should fewer than
 * two of the 32 bytes be usable, the reading goes on with the HMAC of
 * {@code "<clientSeed>:<nonce>:1"}, then {@code ":2"}, and so on.
 * <p>
 * Pure functions, no state: the writer, the audit and a player's own check agree by construction.
 */
public final class FairDice {
    /** Bytes of a server seed. */
    public static final int SEED_BYTES = 32;

    private FairDice() {}

    /** The commitment to {@code serverSeed}: SHA-256 of its bytes, as 64 lower-case hex digits. */
    public static String commitment(byte[] serverSeed) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(serverSeed));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The two dice of the roll named by {@code clientSeed} and {@code nonce} under {@code serverSeed}. */
    public static Roll dice(byte[] serverSeed, String clientSeed, long nonce) {
        int[] dice = new int[2];
        int found = 0;
        for (int round = 0; found < 2; round++) {
            String message = clientSeed + ":" + nonce + (round == 0 ? "" : ":" + round);
            for (byte b : hmac(serverSeed, ascii(message))) {
                int v = b & 0xff;
                if (v < 252) {
                    dice[found++] = v % 6 + 1;
                    if (found == 2) {
                        break;
                    }
                }
            }
        }
        return Roll.of(dice[0], dice[1]);
    }

    /** Reads a server seed written as {@value #SEED_BYTES} bytes of lower-case hex; refuses anything else. */
    public static byte[] parseSeed(String hex) {
        if (hex == null || hex.length() != 2 * SEED_BYTES || !hex.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
            throw new IllegalArgumentException("a server seed is " + 2 * SEED_BYTES + " lower-case hex digits");
        }
        return HexFormat.of().parseHex(hex);
    }

    /** True for a commitment as {@link #commitment} writes it: 64 lower-case hex digits. */
    public static boolean isCommitment(String hex) {
        return hex != null && hex.length() == 64
                && hex.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f');
    }

    /** True for a client seed: 1 to 64 printable ASCII characters, no space (its bytes are its characters). */
    public static boolean isClientSeed(String seed) {
        return seed != null && !seed.isEmpty() && seed.length() <= 64 && seed.chars().allMatch(c -> c > ' ' && c <= '~');
    }

    private static byte[] ascii(String s) {
        byte[] bytes = new byte[s.length()];
        for (int i = 0; i < bytes.length; i++) {
            char c = s.charAt(i);
            if (c > '~') {
                throw new IllegalArgumentException("not ASCII: " + s);
            }
            bytes[i] = (byte) c;
        }
        return bytes;
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
