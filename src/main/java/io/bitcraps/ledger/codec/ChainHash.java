package io.bitcraps.ledger.codec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The tamper-evidence chain: {@code hash_n = SHA-256(hash_(n-1) ‖ frame_n)}, starting from a
 * genesis hash bound to the ledger's id, so that a log from another ledger does not verify here.
 * An instance holds a {@link MessageDigest} and belongs to one thread.
 */
public final class ChainHash {
    public static final int BYTES = 32;

    private final MessageDigest sha256;

    public ChainHash() {
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    public byte[] next(byte[] previous, byte[] frame) {
        sha256.reset();
        sha256.update(previous);
        sha256.update(frame);
        return sha256.digest();
    }

    public byte[] genesis(String ledgerId) {
        sha256.reset();
        sha256.update("bitcraps-ledger/genesis/v1:".getBytes(StandardCharsets.US_ASCII));
        sha256.update(ledgerId.getBytes(StandardCharsets.UTF_8));
        return sha256.digest();
    }
}
