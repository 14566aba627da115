import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import java.nio.file.*;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Submit-to-durable latency of one-event deposits sent open loop at a fixed rate (each latency
 * from its intended send time: coordinated omission corrected), on a fresh ledger with the default
 * config, after a 3 s warm-up. Prints p50, p99, p99.9 and max. Used for docs/performance.md
 * ("The views commit grouped when caught up"): the same measurement as the bench's latency phase,
 * without the rest of the bench around it, so that one change can be compared in a few runs.
 *
 *   java <the JVM flags of tools/ledger> -Xmx1g -cp target/bitcraps-ledger-0.1.0-SNAPSHOT-cli.jar tools/costs/LatencyProbe.java DB RATE SECONDS [probe]
 */
public class LatencyProbe {
    public static void main(String[] a) throws Exception {
        Path db = Path.of(a[0]); double rate = Double.parseDouble(a[1]); int seconds = Integer.parseInt(a[2]);
        // "probe": as the bench does, one submission in 64 is followed by Ledger.awaitViews on its receipt
        boolean probe = a.length > 3 && a[3].equals("probe");
        java.util.concurrent.ExecutorService waits = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "probe"); t.setDaemon(true); return t; });
        Recorder rec = new Recorder(3);
        try (Ledger l = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            for (int i = 0; i < 64; i++) l.submit(new Command.Deposit("lat" + i, 1_000_000, "fund")).join();
            // warm-up 3 s, then measure
            for (int phase = 0; phase < 2; phase++) {
                long interval = (long) (1e9 / rate), t0 = System.nanoTime(), end = t0 + (phase == 0 ? 3 : seconds) * 1_000_000_000L, n = 0;
                for (long intended = t0; intended < end; intended = t0 + (++n) * interval) {
                    long wait = intended - System.nanoTime();
                    if (wait > 20_000) LockSupport.parkNanos(wait - 10_000);
                    long sent = intended;
                    boolean sampled = probe && (n & 63) == 0;
                    l.submit(new Command.Deposit("lat" + (n & 63), 1, "l")).whenComplete((r, e) -> {
                        rec.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                        if (sampled && r != null) {
                            waits.execute(() -> { try { l.awaitViews(r.lastSeq(), Duration.ofSeconds(30)); } catch (InterruptedException ie) { } });
                        }
                    });
                }
                l.submit(new Command.Deposit("lat0", 1, "end")).join();
                Histogram h = rec.getIntervalHistogram();
                if (phase == 1) System.out.printf("rate %.0f: p50 %.2f ms p99 %.2f ms p99.9 %.2f ms max %.2f ms (%d)%n", rate,
                        h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount());
            }
        }
    }
}
