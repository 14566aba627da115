package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.HmacKey;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.backup.Backups;
import io.bitcraps.ledger.backup.Manifest;
import io.bitcraps.ledger.backup.SafePaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tools/ledger verify-backup}: the checks a restore makes, without restoring. Exit 1 when the backup does not verify. */
@Command(name = "verify-backup", mixinStandardHelpOptions = true,
        description = "Verify a backup (manifest, SHA-256, chain, HMAC) without restoring it.")
final class VerifyBackupCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "backup file (a path, or a name inside --dir)")
    String backup;

    @Option(names = "--dir", description = "backup directory the name is resolved in (default: the file's own directory)")
    Path dir;

    @Option(names = "--key", description = "HMAC key file: the manifest's HMAC must verify with it")
    Path keyFile;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path given = Path.of(backup);
        Path base = dir != null ? dir : given.toAbsolutePath().getParent();
        byte[] key = keyFile == null ? null : HmacKey.read(keyFile);
        try {
            Path file = SafePaths.insideDirectory(base, dir != null ? backup : given.toAbsolutePath().toString());
            Manifest m = Backups.verify(file, key);
            if (json) {
                new JsonReport().put("backup", file.toString()).put("verifies", true).put("ledger", m.ledgerId())
                        .put("seq", m.seq()).put("head", m.headHash()).put("sha256", m.sha256())
                        .put("hmac", key != null ? "verified" : m.hmac() != null ? "present" : "absent").print();
                return LedgerCli.EXIT_OK;
            }
            System.out.printf(Locale.ROOT, "backup %s verifies%n  ledger %s, seq %,d, head %s%n  sha256 %s%s%n", file,
                    m.ledgerId(), m.seq(), m.headHash(), m.sha256(),
                    key != null ? "\n  HMAC verified with key " + m.keyId() : m.hmac() != null ? "\n  HMAC present (pass --key to verify it)" : "");
            return LedgerCli.EXIT_OK;
        } catch (BackupFailure e) {
            if (json) {
                new JsonReport().put("backup", backup).put("verifies", false).put("reason", e.getMessage()).print();
                return LedgerCli.EXIT_NOT_INTACT;
            }
            System.out.println("backup does NOT verify: " + e.getMessage());
            return LedgerCli.EXIT_NOT_INTACT;
        }
    }
}
