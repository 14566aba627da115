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
 * Verification compares in constant time.
 * <p>
 * Thread-safe: the ledger shares one instance between the writer thread (a signature per batch)
 * and the backup scheduler (a signature per manifest). A {@link Mac} is not thread-safe, and two
 * threads in one {@code Mac} produce wrong signatures that the audit then reports as rewritten
 * history, so each thread signs with a {@code Mac} of its own, made once per thread from the key:
 * the writer's per-batch signature stays a plain HMAC computation, with no lock and no allocation
 * of a {@code Mac}.
 */
public final class HeadSigner {
    public static final int KEY_BYTES_MIN = 16;
    private static final byte[] DOMAIN = "bitcraps-ledger/head/v1".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec keySpec;
    private final ThreadLocal<Mac> macOfThread = ThreadLocal.withInitial(this::newMac);
    private final byte[] ledgerId;
    private final byte[] keyFingerprint;

    public HeadSigner(byte[] key, String ledgerId) {
        if (key.length < KEY_BYTES_MIN) {
            throw new IllegalArgumentException("HMAC key has " + key.length + " bytes; at least " + KEY_BYTES_MIN + " needed");
        }
        this.keySpec = new SecretKeySpec(key, "HmacSHA256");
        try {
            this.keyFingerprint = MessageDigest.getInstance("SHA-256").digest(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
        this.ledgerId = ledgerId.getBytes(StandardCharsets.UTF_8);
        macOfThread.get(); // a key the provider refuses fails here, not at the first commit
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(keySpec);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform must provide HmacSHA256", e);
        }
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
        Mac mac = macOfThread.get();
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
