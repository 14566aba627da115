package io.bitcraps.ledger.api;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The HMAC key that signs batch heads, backups and digests ({@link LedgerConfig.Builder#hmacKeyFile}), read from
 * its file with the checks the ledger applies at open: refused when missing, empty or too short, and, where the
 * file system has POSIX permissions, when group or others may read it (whoever reads the key can sign a rewritten
 * history). Each refusal names the file.
 */
public final class HmacKey {
    private HmacKey() {
    }

    public static byte[] read(Path file) throws IOException {
        return io.bitcraps.ledger.codec.HeadSigner.readKey(file);
    }
}
