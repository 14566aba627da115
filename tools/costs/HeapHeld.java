import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.LedgerView;

import java.nio.file.Path;

/**
 * The heap an open ledger holds: used memory after full GCs before Ledger.open and while it is
 * open, and what the writer's state holds (accounts, games). Opens the ledger twice: the first
 * open may migrate or rebuild the read model, the second is the one measured. Each open lives in
 * its own method, so that no stack slot of main keeps a closed ledger reachable.
 * Used for docs/performance.md "Memory held by an open ledger".
 *
 *   java <the JVM flags of tools/ledger> -Xmx2g -cp target/bitcraps-ledger-0.1.0-SNAPSHOT-cli.jar tools/costs/HeapHeld.java DB
 */
public class HeapHeld {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        firstOpen(db);
        measuredOpen(db);
    }

    private static void firstOpen(Path db) {
        long start = System.nanoTime();
        try (Ledger first = Ledger.open(LedgerConfig.builder(db).build())) {
            System.out.printf("first open in %,d ms: %s%n", (System.nanoTime() - start) / 1_000_000,
                    first.openReport().isEmpty() ? "loaded" : first.openReport());
        }
    }

    private static void measuredOpen(Path db) throws InterruptedException {
        long before = usedAfterGc();
        long start = System.nanoTime();
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).build())) {
            long openMs = (System.nanoTime() - start) / 1_000_000;
            long after = usedAfterGc();
            LedgerView view = ledger.view();
            System.out.printf("seq %,d; open in %,d ms; held in memory: %,d accounts, %,d games;"
                            + " heap used %.1f MiB before open, %.1f MiB open: the ledger holds %.1f MiB%n",
                    view.seq(), openMs, view.accountCount(), view.state().games().size(), before / 1048576.0,
                    after / 1048576.0, (after - before) / 1048576.0);
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
