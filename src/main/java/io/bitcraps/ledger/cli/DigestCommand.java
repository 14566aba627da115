package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.audit.Digest;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.Head;
import io.bitcraps.ledger.store.LedgerDatabase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * {@code tools/ledger digest}: a small JSON (ledger id, seq, head hash, time, and with a key an
 * HMAC) for an auditor to keep elsewhere; {@code audit --digest} later proves the log still
 * extends it.
 */
@Command(name = "digest", mixinStandardHelpOptions = true,
        description = "Print a (signed) digest of the ledger's head to keep outside the machine.")
final class DigestCommand implements Callable<Integer> {
    @Option(names = "--db", required = true, description = "ledger database file")
    Path db;

    @Option(names = "--key", description = "HMAC key file: sign the digest")
    Path keyFile;

    @Option(names = "--out", description = "write the digest to this file (default: stdout)")
    Path out;

    @Override
    public Integer call() throws Exception {
        byte[] key = keyFile == null ? null : HeadSigner.readKey(keyFile);
        Digest digest;
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            conn.setAutoCommit(false);
            Head head = EventReader.head(conn);
            if (head.seq() == 0) {
                throw new IllegalStateException(db + " holds no events yet; nothing to vouch for");
            }
            byte[] last = EventReader.hashAt(conn, head.seq());
            if (!Arrays.equals(last, head.hash())) {
                System.err.println("ledger digest: the head row does not match the event at seq " + head.seq()
                        + "; run tools/ledger audit " + db);
                return LedgerCli.EXIT_NOT_INTACT;
            }
            String ledgerId = LedgerDatabase.ledgerId(conn);
            digest = Digest.of(ledgerId, head.seq(), head.hash(), key == null ? null : new HeadSigner(key, ledgerId));
            conn.rollback();
        }
        if (out == null) {
            System.out.println(digest.toJson());
        } else {
            Files.writeString(out, digest.toJson() + "\n", StandardCharsets.UTF_8);
            System.err.println("digest of seq " + digest.seq() + " written to " + out);
        }
        return LedgerCli.EXIT_OK;
    }
}
