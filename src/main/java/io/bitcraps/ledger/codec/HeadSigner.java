package io.bitcraps.ledger.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies chain heads with HMAC-SHA256. The key comes from a file outside the
 * database (at least 16 bytes, used as raw bytes) and is never written anywhere by the ledger.
 * The signed message binds the ledger id, the seq and the chain hash:
 * {@code "bitcraps-ledger/head/v1" ‖ 0x00 ‖ utf8(ledgerId) ‖ 0x00 ‖ int64 seq (big-endian) ‖ hash}.
 * Verification compares in constant time. An instance holds a {@link Mac} and belongs to one thread.
 */
public final class HeadSigner {
    public static final int KEY_BYTES_MIN = 16;
    private static final byte[] DOMAIN = "bitcraps-ledger/head/v1".getBytes(StandardCharsets.US_ASCII);

    private final Mac mac;
    private final byte[] ledgerId;
    private final byte[] keyFingerprint;

    public HeadSigner(byte[] key, String ledgerId) {
        if (key.length < KEY_BYTES_MIN) {
            throw new IllegalArgumentException("HMAC key has " + key.length + " bytes; at least " + KEY_BYTES_MIN + " needed");
        }
        try {
            this.mac = Mac.getInstance("HmacSHA256");
            this.mac.init(new SecretKeySpec(key, "HmacSHA256"));
            this.keyFingerprint = MessageDigest.getInstance("SHA-256").digest(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform must provide HmacSHA256", e);
        }
        this.ledgerId = ledgerId.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a key file; refuses a missing, empty or too short one with a message naming it. */
    public static byte[] readKey(Path file) throws IOException {
        byte[] key = Files.readAllBytes(file);
        if (key.length < KEY_BYTES_MIN) {
            throw new IOException("HMAC key file " + file + " holds " + key.length + " bytes; at least " + KEY_BYTES_MIN
                    + " needed (e.g. head -c 32 /dev/urandom > " + file + ")");
        }
        return key;
    }

    public byte[] sign(long seq, byte[] headHash) {
        mac.reset();
        mac.update(DOMAIN);
        mac.update((byte) 0);
        mac.update(ledgerId);
        mac.update((byte) 0);
        mac.update(ByteBuffer.allocate(8).putLong(seq).array());
        mac.update(headHash);
        return mac.doFinal();
    }

    /** Constant-time comparison with the expected signature. */
    public boolean verify(long seq, byte[] headHash, byte[] signature) {
        return signature != null && MessageDigest.isEqual(sign(seq, headHash), signature);
    }

    /** The first 8 bytes of SHA-256(key), hex: names a key in reports without revealing it. */
    public String keyId() {
        return io.bitcraps.ledger.internal.Hex.of(java.util.Arrays.copyOf(keyFingerprint, 8));
    }
}
