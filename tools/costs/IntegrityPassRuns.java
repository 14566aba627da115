import io.bitcraps.ledger.health.HealthMonitor;
import io.bitcraps.ledger.health.HealthReport;
import io.bitcraps.ledger.health.HealthThresholds;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Health checks back to back, with the quick_check pass due every 6 h and the given budget, until a
 * full pass finishes; prints what each check did and how long it took. Used for docs/operations.md
 * "Costs at production size".
 *
 *   java -cp target/bitcraps-ledger-0.1.0-SNAPSHOT-cli.jar tools/costs/IntegrityPassRuns.java DB PT2S
 */
public class IntegrityPassRuns {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        Duration budget = Duration.parse(args[1]);
        HealthMonitor.LedgerSnapshot quiet = new HealthMonitor.LedgerSnapshot(null, 0, 8192, 0, 0, 0, 0, 1, 0, 0, null);
        try (HealthMonitor m = new HealthMonitor(db, HealthThresholds.defaults().withMinFreeBytes(0),
                () -> LedgerDatabase.openReadOnly(db), () -> quiet, null, reason -> System.out.println("HALT " + reason),
                Clock.systemUTC(), Duration.ZERO, Duration.ofHours(6), budget)) {
            for (int run = 1; run <= 30; run++) {
                long start = System.nanoTime();
                HealthReport r = m.check();
                System.out.printf("run %d: whole health check %.2f s; integrity %s: %s%n", run, (System.nanoTime() - start) / 1e9,
                        r.check("integrity").status(), r.check("integrity").detail());
                if (r.check("integrity").detail().contains("full pass finished")) {
                    start = System.nanoTime();
                    HealthReport next = m.check();
                    System.out.printf("next run (pass not due): whole health check %.3f s; %s%n", (System.nanoTime() - start) / 1e9,
                            next.check("integrity").detail());
                    return;
                }
            }
        }
    }
}
