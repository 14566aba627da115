import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.store.Durability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput of keyed submissions: every submission carries a fresh random idempotency key (a
 * UUID, as a game engine would send), so each commit inserts one entry per submission into the
 * unique index of keys at a random place. Used for issue #12, item 6 (does the per-commit cost
 * grow with the number of keys already held?): run it on an empty ledger and on one already
 * filled with millions of keyed events (the fill mode), alternating.
 *
 *   java <the JVM flags of tools/ledger> -Xmx1g -cp target/bitcraps-ledger-0.1.0-SNAPSHOT-cli.jar tools/costs/KeyedLoad.java \
 *        DB SECONDS [full|normal] [log-first|default]
 *
 * 8 producer threads, each with 64 submissions in flight, deposit 1 chip to one of 1,000 players.
 * Prints the events per second over the run (durable), and the keys in the ledger before it.
 */
public class KeyedLoad {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        long seconds = Long.parseLong(args[1]);
        Durability durability = args.length > 2 && args[2].equals("normal") ? Durability.NORMAL : Durability.FULL;
        boolean logFirst = args.length <= 3 || !args[3].equals("default");
        long openStart = System.nanoTime();
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(durability).logFirstCommit(logFirst)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            long before = ledger.view().seq();
            System.out.printf("open in %,d ms at seq %,d (%s, %s)%n", (System.nanoTime() - openStart) / 1_000_000, before,
                    durability, logFirst ? "log-first" : "default commit");
            if (logFirst) {
                // measure the steady state: a views file still catching up would compete for the CPU
                long behind = before - ledger.viewsSeq();
                long t = System.nanoTime();
                ledger.awaitViews(before, Duration.ofMinutes(30));
                System.out.printf("views caught up %,d events in %,d ms before the run%n", behind, (System.nanoTime() - t) / 1_000_000);
            }
            AtomicLong done = new AtomicLong();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            Thread[] producers = new Thread[8];
            for (int t = 0; t < producers.length; t++) {
                int id = t;
                producers[t] = new Thread(() -> {
                    Semaphore window = new Semaphore(64);
                    long n = 0;
                    while (System.nanoTime() < end) {
                        window.acquireUninterruptibly();
                        CompletableFuture<Receipt> f = ledger.submit(
                                new Command.Deposit("k" + ((id * 131 + n++) % 1_000), 1, "keyed"), UUID.randomUUID().toString());
                        f.whenComplete((r, e) -> {
                            if (e == null) {
                                done.incrementAndGet();
                            }
                            window.release();
                        });
                    }
                    window.acquireUninterruptibly(64);
                }, "keyed-" + t);
                producers[t].start();
            }
            long start = System.nanoTime();
            for (Thread p : producers) {
                p.join();
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("%,d keyed events in %.1f s: %,.0f events/s; %,d commits since open%n", done.get(), elapsed,
                    done.get() / elapsed, ledger.stats().commits());
        }
    }
}
