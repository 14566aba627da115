package io.bitcraps.ledger.jmh;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.api.WriterStats;
import io.bitcraps.ledger.api.Durability;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The writer end to end (issue 8, "writer batch cost"): one thread submits {@code batch} deposits
 * to the ledger through the public API ({@link Ledger#submit}, ring, validation, Smile, frame,
 * SHA-256 chain, JDBC batch insert, read-model upserts, COMMIT with the {@code durability} mode's
 * sync, view publish, futures) and waits until all of them are durable. One invocation is one
 * such round trip on a real SQLite file in WAL mode; {@code events} (an auxiliary counter) is the
 * resulting events/s, the primary score the round trips per second.
 * <p>
 * The writer commits whatever has reached the ring when it looks, so a round trip of N
 * submissions may take more than one commit (the first submissions are often committed before the
 * last ones arrive); the tear-down prints the events per commit actually achieved. It is a
 * single-producer figure: the ledger's peak with many producers is {@code tools/ledger bench}'s job.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_REFLECT, BenchSupport.ADD_EXPORTS_REF,
        BenchSupport.ADD_EXPORTS_NIO, BenchSupport.NO_ANALYTICS, BenchSupport.SQLITE_TMPDIR, BenchSupport.BENCH_LOG, "-Xmx1g"})
@State(Scope.Benchmark)
public class WriterBatchBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(WriterBatchBenchmark.class);

    static final int PLAYERS = 1_000;

    @Param({"NORMAL", "FULL"})
    public Durability durability;

    @Param({"1", "16", "256"})
    public int batch;

    private Path dir;
    private Ledger ledger;
    private Command[] deposits;
    private WriterStats before;

    /** Events made durable, reported by JMH per second next to the primary score. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long events;

        @Setup(Level.Iteration)
        public void reset() {
            events = 0;
        }
    }

    @Setup(Level.Trial)
    public void open() {
        BenchSupport.prepareSqliteTmpdir();
        dir = BenchSupport.tempDir("ledger-writer-bench");
        ledger = Ledger.open(LedgerConfig.builder(dir.resolve("bench.db")).durability(durability).build());
        List<CompletableFuture<Receipt>> setup = new ArrayList<>();
        setup.add(ledger.submit(new Command.FundHouse(1_000_000_000L, "bankroll")));
        deposits = new Command[PLAYERS];
        for (int i = 0; i < PLAYERS; i++) {
            deposits[i] = new Command.Deposit("p" + i, 1, "cashier-7");
            setup.add(ledger.submit(new Command.Deposit("p" + i, 1_000, "cashier-7")));
        }
        CompletableFuture.allOf(setup.toArray(CompletableFuture[]::new)).join();
        before = ledger.stats();
    }

    @TearDown(Level.Trial)
    public void close() {
        WriterStats after = ledger.stats();
        long events = after.events() - before.events();
        long commits = after.commits() - before.commits();
        LOG.info(String.format("%s batch=%d: %d events in %d commits, %.1f events/commit, "
                        + "%d rejections, %d failed batches", durability, batch, events, commits,
                commits == 0 ? 0.0 : (double) events / commits, after.rejections() - before.rejections(),
                after.failedBatches() - before.failedBatches()));
        ledger.close();
        BenchSupport.deleteTree(dir);
    }

    private int next;

    @Benchmark
    public Receipt submitAndJoin(Counters counters) {
        List<CompletableFuture<Receipt>> futures = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            futures.add(ledger.submit(deposits[next++ % PLAYERS]));
        }
        Receipt last = null;
        for (CompletableFuture<Receipt> f : futures) {
            last = f.join();
        }
        counters.events += batch;
        return last;
    }
}
