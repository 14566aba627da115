import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;

/**
 * How fast the views file is built from the log: deletes {@code DB.views}, opens the ledger with
 * views on, and times until the views reach the head. Also prints the CPU time of the views
 * subscription's thread (SQLite's work runs on it, in native code), so that a run on a machine
 * shared with other builds still says what the build itself costs: events per CPU second of
 * that thread is the rate one free core would give. The subscription reads and decodes the log
 * on a second thread while it catches up ({@code ...-views-read}): its CPU time is printed too.
 * Used for docs/performance.md (issue #12: rebuilding the views from the log, target 200k events/s).
 *
 *   java <the JVM flags of tools/ledger> -Xmx2g -cp target/bitcraps-ledger-0.1.0-SNAPSHOT-cli.jar tools/costs/ViewsRebuild.java DB
 */
public class ViewsRebuild {
    /** CPU time of the threads whose names end with {@code suffix}; 0 when there is none. */
    private static long threadCpuNanos(String suffix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().endsWith(suffix)) {
                nanos += mx.getThreadCpuTime(t.getId());
            }
        }
        return nanos;
    }

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
            double cpuSeconds = threadCpuNanos("-views") / 1e9;
            // the subscription reads and decodes the log ahead on a second thread while catching up
            double readCpuSeconds = threadCpuNanos("-views-read") / 1e9;
            System.out.printf("views built from %,d events in %.1f s (open %.1f s): %,.0f events/s;"
                            + " views thread CPU %.1f s: %,.0f events per CPU second;"
                            + " read-ahead thread CPU %.1f s, both threads %,.0f events per CPU second%n", head, seconds,
                    (opened - start) / 1e9, head / seconds, cpuSeconds, head / cpuSeconds, readCpuSeconds,
                    head / (cpuSeconds + readCpuSeconds));
        }
    }
}
