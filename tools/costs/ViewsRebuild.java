import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How fast the views file is built from the log: deletes {@code DB.views}, opens the ledger with
 * views on, and times until the views reach the head. Used for docs/performance.md (issue #12:
 * rebuilding the views from the log, target 200k events/s).
 *
 *   java <the JVM flags of tools/ledger> -Xmx2g -cp target/bitcraps-ledger.jar tools/costs/ViewsRebuild.java DB
 */
public class ViewsRebuild {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        for (String suffix : new String[]{".views", ".views-wal", ".views-shm"}) {
            Files.deleteIfExists(Path.of(db + suffix));
        }
        long start = System.nanoTime();
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).views(true).backupInterval(Duration.ZERO).build())) {
            long head = ledger.view().seq();
            long opened = System.nanoTime();
            if (!ledger.awaitViews(head, Duration.ofHours(2))) {
                throw new IllegalStateException("the views did not reach seq " + head);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("views built from %,d events in %.1f s (open %.1f s): %,.0f events/s%n", head, seconds,
                    (opened - start) / 1e9, head / seconds);
        }
    }
}
