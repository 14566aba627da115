package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.HmacKey;
import io.bitcraps.ledger.backup.Backups;
import io.bitcraps.ledger.backup.Retention;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tools/ledger backup}: one verified online backup, safe beside a running writer. */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Take a verified backup (a consistent snapshot; safe beside a running writer).")
final class BackupCommand implements Callable<Integer> {
    @Mixin
    LedgerFileOption ledgerFile;

    @Option(names = "--dir", description = "backup directory (default: backups/ beside the database)")
    Path dir;

    @Option(names = "--key", description = "HMAC key file: sign the backup's head in its manifest")
    Path keyFile;

    @Option(names = "--keep-days", defaultValue = "7", description = "retention: keep backups younger than this (default: 7)")
    int keepDays;

    @Option(names = "--keep-min", defaultValue = "24", description = "retention: always keep the newest N (default: 24)")
    int keepMin;

    @Option(names = "--json", description = "print the manifest as JSON")
    boolean json;

    @Option(names = "--no-views", description = "leave the views file out (a restore then rebuilds the read model from the log)")
    boolean noViews;

    @Override
    public Integer call() throws Exception {
        Path target = dir != null ? dir : ledgerFile.path.toAbsolutePath().getParent().resolve("backups");
        Backups.Result r = Backups.takeSignedWith(ledgerFile.path, target, keyFile == null ? null : HmacKey.read(keyFile),
                Clock.systemUTC(), !noViews);
        List<Path> removed = Retention.apply(target, Duration.ofDays(keepDays), keepMin, Clock.systemUTC().instant());
        if (json) {
            System.out.println(r.manifest().toJson());
        } else {
            System.out.printf(Locale.ROOT, "backup %s%n  seq %,d, head %s%n  %,d bytes, sha256 %s%n  verified in %.2f s%n",
                    r.file(), r.manifest().seq(), r.manifest().headHash(), r.manifest().bytes(), r.manifest().sha256(),
                    r.durationNanos() / 1e9);
            if (r.manifest().hasViews()) {
                System.out.printf(Locale.ROOT, "  views file at seq %,d, sha256 %s%n", r.manifest().viewsSeq(),
                        r.manifest().viewsSha256());
            }
            if (!removed.isEmpty()) {
                System.out.println("  retention removed " + removed.size() + " old backup(s)");
            }
        }
        return LedgerCli.EXIT_OK;
    }
}
