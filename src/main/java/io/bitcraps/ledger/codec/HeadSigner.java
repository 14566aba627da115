package io.bitcraps.ledger.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Set;
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

    /**
     * Reads a key file; refuses a missing, empty or too short one, and, where the file system has
     * POSIX permissions, one that group or others may access (as ssh refuses such a private key:
     * whoever reads the key can sign a rewritten history), each with a message naming the file.
     */
    public static byte[] readKey(Path file) throws IOException {
        requireOwnerOnly(file);
        byte[] key = Files.readAllBytes(file);
        if (key.length < KEY_BYTES_MIN) {
            throw new IOException("HMAC key file " + file + " holds " + key.length + " bytes; at least " + KEY_BYTES_MIN
                    + " needed (e.g. (umask 077; head -c 32 /dev/urandom > " + file + "))");
        }
        return key;
    }

    private static void requireOwnerOnly(Path file) throws IOException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException notPosix) {
            return; // e.g. a Windows file system: access is governed by ACLs this check cannot read
        }
        Set<PosixFilePermission> shared = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : permissions) {
            if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE
                    && p != PosixFilePermission.OWNER_EXECUTE) {
                shared.add(p);
            }
        }
        if (!shared.isEmpty()) {
            throw new IOException("HMAC key file " + file + " has mode " + octal(permissions)
                    + ": group or others may access it, and whoever reads the key can sign a rewritten history;"
                    + " make it private to its owner: chmod 600 " + file);
        }
    }

    /** {@code rw-r-----} as {@code 0640}. */
    private static String octal(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal()); // the enum runs OWNER_READ .. OTHERS_EXECUTE, high bit first
        }
        return String.format("0%03o", mode);
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
