package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Group commit is real: 8 producers each keeping a window of submissions in flight share
 * commits, so commits are far fewer than events, and every commit boundary the listeners see
 * is a contiguous, gap-free seq range.
 */
class BatchingIT {
    @TempDir
    Path dir;

    @Test
    void eightConcurrentProducersShareCommits() throws Exception {
        ConcurrentLinkedQueue<long[]> boundaries = new ConcurrentLinkedQueue<>();
        int producers = 8;
        int perProducer = 1_500;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db"))
                .commitListener(n -> boundaries.add(new long[]{n.firstSeq(), n.lastSeq(), n.eventCount()})).build())) {
            ExecutorService pool = Executors.newFixedThreadPool(producers);
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                String player = "p" + p;
                done.add(pool.submit(() -> {
                    List<CompletableFuture<Receipt>> window = new ArrayList<>();
                    for (int i = 0; i < perProducer; i++) {
                        window.add(ledger.submit(new Deposit(player, 1, "batching")));
                        if (window.size() == 16) {
                            window.forEach(f -> ok(f));
                            window.clear();
                        }
                    }
                    window.forEach(f -> ok(f));
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            WriterStats stats = ledger.stats();
            long events = (long) producers * perProducer;
            System.out.printf("BatchingIT: %d events in %d commits (%.1f events/commit)%n", stats.events(), stats.commits(),
                    (double) stats.events() / stats.commits());
            assertThat(stats.events()).isEqualTo(events);
            assertThat(stats.commits()).isLessThan(events / 4);
            long expectedFirst = 1;
            for (long[] b : boundaries) {
                assertThat(b[0]).isEqualTo(expectedFirst);
                assertThat(b[1] - b[0] + 1).isEqualTo(b[2]);
                expectedFirst = b[1] + 1;
            }
            assertThat(expectedFirst - 1).isEqualTo(events);
        }
    }
}
