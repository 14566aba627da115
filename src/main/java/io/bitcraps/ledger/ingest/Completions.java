package io.bitcraps.ledger.ingest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Completes the writer's futures on threads of their own, never on the writer thread.
 * <p>
 * Why: {@code CompletableFuture.complete} runs the caller's dependent stages ({@code thenApply},
 * {@code thenAccept}, …) on the completing thread. Completed on the writer, a slow callback would
 * stall every commit, a callback that submits and joins would wait for the very thread it blocks
 * (deadlock), and a callback that closes the ledger would wait for itself to finish.
 * <p>
 * How: the writer hands each finished batch over as one task, so the futures of a batch complete
 * in ring order and the writer pays one hand-off per batch. The pool is a {@link ForkJoinPool}:
 * a callback that blocks on another ledger future ({@code join}, {@code get}) goes through
 * {@link ForkJoinPool#managedBlock}, and the pool adds a thread for the duration, so later batches
 * are still completed while it waits. Tasks start in submission order (FIFO mode); batches may
 * finish out of order when a callback blocks, which is why no caller may rely on one future
 * completing before another unless it waited for the first.
 * <p>
 * Bounded: at most {@code undeliveredMax} futures may wait for delivery. Past that the writer
 * waits before handing over its next batch, so callbacks slower than the commits push back on
 * the ring (and producers get {@code OVERLOADED}) instead of queueing without limit. A permit is
 * returned just before its future is completed, so a callback that blocks holds none of its own.
 */
final class Completions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Completions.class);
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ForkJoinPool pool;
    private final Semaphore undelivered;

    Completions(int parallelism, int undeliveredMax) {
        this.undelivered = new Semaphore(undeliveredMax);
        int poolId = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.pool = new ForkJoinPool(parallelism, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("ledger-callbacks-" + poolId + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, (t, e) -> LOG.error("a caller's callback failed on {}", t.getName(), e), true);
    }

    /** True on a thread of this pool: the caller is inside a callback of a ledger future. */
    boolean isCallbackThread() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool;
    }

    /**
     * Hands over the deliveries of one batch, to be run in order off the caller's thread (after
     * close, on the caller's thread, so that no future is stranded). Waits while too many earlier
     * deliveries are still pending.
     */
    void handOver(Runnable[] deliveries) {
        undelivered.acquireUninterruptibly(deliveries.length);
        Runnable batch = () -> {
            for (Runnable d : deliveries) {
                undelivered.release();
                d.run();
            }
        };
        try {
            pool.execute(batch);
        } catch (RejectedExecutionException closed) {
            batch.run();
        }
    }

    <T> void complete(CompletableFuture<T> future, T value) {
        handOver(new Runnable[]{() -> future.complete(value)});
    }

    <T> void fail(CompletableFuture<T> future, Throwable error) {
        handOver(new Runnable[]{() -> future.completeExceptionally(error)});
    }

    /**
     * Lets queued completions run, then stops the threads. Waits (bounded) for them unless called
     * from a callback: a callback that closes the ledger cannot wait for itself.
     */
    @Override
    public void close() {
        pool.shutdown();
        if (isCallbackThread()) {
            return;
        }
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("callbacks of ledger futures still running 30 s after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
