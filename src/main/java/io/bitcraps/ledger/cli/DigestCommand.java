package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.audit.Digest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code tools/ledger digest}: a small JSON (ledger id, seq, head hash, time, and with a key an
 * HMAC) for an auditor to keep elsewhere; {@code audit --digest} later proves the log still
 * extends it.
 */
@Command(name = "digest", mixinStandardHelpOptions = true,
        description = "Print a (signed) digest of the ledger's head to keep outside the machine.")
final class DigestCommand implements Callable<Integer> {
    @Mixin
    LedgerFileOption ledgerFile;

    @Option(names = "--key", description = "HMAC key file: sign the digest")
    Path keyFile;

    @Option(names = "--out", description = "write the digest to this file (default: stdout)")
    Path out;

    @Override
    public Integer call() throws Exception {
        Digest digest;
        try {
            digest = Digest.ofFile(ledgerFile.path, keyFile);
        } catch (Digest.HeadDisagrees e) {
            System.err.println("ledger digest: " + e.getMessage());
            return LedgerCli.EXIT_NOT_INTACT;
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
