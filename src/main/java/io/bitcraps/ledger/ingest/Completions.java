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
 * in ring order. The writer's two threads (deciding and committing) both hand outcomes over, and
 * the pool keeps one submission queue per submitting thread, so one dispatching thread
 * ({@code ledger-completions-N}) submits every batch's tasks in the order the batches were handed
 * over: batch N+1's answers never start before batch N's. Its own task, not one per batch: a callback may join a later future of the same
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
    /** Batches of delivery tasks, in hand-over order, for the dispatching thread. */
    private final java.util.concurrent.LinkedBlockingQueue<Runnable[]> toDispatch = new java.util.concurrent.LinkedBlockingQueue<>();
    private final Thread dispatcher;
    private volatile boolean closed;
    private static final Runnable[] STOP = new Runnable[0];
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
        Thread d = new Thread(this::dispatch, "ledger-completions-" + poolId);
        d.setDaemon(true);
        d.start();
        this.dispatcher = d;
    }

    private void dispatch() {
        while (true) {
            Runnable[] tasks;
            try {
                tasks = toDispatch.take();
            } catch (InterruptedException e) {
                continue; // only close stops this thread, with STOP
            }
            if (tasks == STOP) {
                return;
            }
            execute(tasks);
        }
    }

    private void execute(Runnable[] tasks) {
        for (Runnable task : tasks) {
            try {
                pool.execute(task);
            } catch (RejectedExecutionException | Error shut) {
                task.run();
            }
        }
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
        Runnable[] tasks = new Runnable[deliveries.length];
        for (int i = 0; i < deliveries.length; i++) {
            Runnable d = deliveries[i];
            tasks[i] = permitted ? () -> {
                undelivered.release();
                d.run();
            } : d;
        }
        synchronized (toDispatch) {
            if (!closed) {
                toDispatch.add(tasks);
                return;
            }
        }
        execute(tasks); // closed: on the caller's thread (or the pool's), so that no future is stranded
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
        synchronized (toDispatch) {
            if (!closed) {
                closed = true;
                toDispatch.add(STOP); // after every batch handed over before: those are dispatched first
            }
        }
        if (Thread.currentThread() != dispatcher && !isCallbackThread()) {
            try {
                dispatcher.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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
