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
 * How: every future is its own task in a {@link ForkJoinPool} in FIFO mode, so deliveries start
 * in ring order. Its own task, not one per batch: a callback may join a later future of the same
 * batch, which must not wait behind it. A callback that blocks on another ledger future
 * ({@code join}, {@code get}) goes through {@link ForkJoinPool#managedBlock}, and the pool adds a
 * thread for the duration, so later deliveries still run while it waits. Deliveries may finish
 * out of order when a callback blocks, which is why no caller may rely on one future completing
 * before another unless it waited for the first.
 * <p>
 * Bounded, softly: normally at most {@code undeliveredMax} futures wait for delivery, and past
 * that the writer waits before handing over its next batch, so callbacks slower than the commits
 * push back on the ring (producers get {@code OVERLOADED}) instead of queueing without limit. A
 * permit is returned when its delivery starts, so a blocked callback holds none. The writer waits
 * at most {@link #OVERDRAW_AFTER_MILLIS} for permits and then hands over anyway (and says so):
 * callbacks that block on something other than a ledger future (a latch a later delivery would
 * release) could otherwise hold every pool thread and leave the writer waiting for ever.
 */
final class Completions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Completions.class);
    private static final AtomicInteger POOLS = new AtomicInteger();

    static final long OVERDRAW_AFTER_MILLIS = 1_000;

    private final ForkJoinPool pool;
    private final Semaphore undelivered;
    private final java.util.concurrent.atomic.AtomicLong overdrawn = new java.util.concurrent.atomic.AtomicLong();

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
     * Hands over the deliveries of one batch, each to run off the caller's thread, in order of
     * start (after close, on the caller's thread, so that no future is stranded). Waits, bounded,
     * while too many earlier deliveries have not started.
     */
    void handOver(Runnable[] deliveries) {
        boolean permitted = acquire(deliveries.length);
        for (Runnable d : deliveries) {
            Runnable task = permitted ? () -> {
                undelivered.release();
                d.run();
            } : d;
            try {
                pool.execute(task);
            } catch (RejectedExecutionException closed) {
                task.run();
            }
        }
    }

    private boolean acquire(int permits) {
        try {
            if (undelivered.tryAcquire(permits, OVERDRAW_AFTER_MILLIS, TimeUnit.MILLISECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (overdrawn.getAndIncrement() % 1_000 == 0) {
            LOG.warn("callbacks of ledger futures have not kept up for {} ms; delivering past the bound"
                    + " (a callback blocks on something other than a ledger future?)", OVERDRAW_AFTER_MILLIS);
        }
        return false;
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
