package io.bitcraps.ledger.ingest;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.store.EventLog;
import io.bitcraps.ledger.store.LogLookups;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The multi-producer ring in front of the writer. Game-engine threads claim a preallocated slot,
 * fill it and publish; one consumer thread runs the {@link BatchWriter}. A producer that finds
 * the ring full spins briefly, then parks in short steps, and gives up with
 * {@link LedgerException.Overloaded} at its deadline: a full ring is back-pressure, never a hang.
 * <p>
 * Shutdown: new submissions are refused, the writer drains everything already published,
 * commits it, and only then stops.
 */
public final class CommandRing {
    private static final Logger LOG = LoggerFactory.getLogger(CommandRing.class);
    private static final int SPINS_BEFORE_PARKING = 64;
    private static final long PARK_NANOS = 50_000;

    private final RingBuffer<Slot> ring;
    private final BatchWriter writer;
    private final BatchEventProcessor<Slot> processor;
    private final Thread thread;
    private final long submitTimeoutNanos;
    private final long closeTimeoutNanos;
    private final Completions completions;
    private volatile boolean closed;
    /** Producers between their closed-check and their publish; close waits for them so no slot is stranded. */
    private final AtomicInteger producersInFlight = new AtomicInteger();

    /**
     * Sizes and timing of the pipeline; the caller validated them. {@code busyRetryDeadlineNanos}
     * bounds how long a batch is retried while another connection holds the write lock;
     * {@code closeTimeoutNanos} how long close waits for the writer to drain and stop.
     */
    public record Settings(int ringSize, int submissionsPerBatchMax, int eventsPerBatchMax, long submitTimeoutNanos,
                           LongSupplier clockMicros, long busyRetryDeadlineNanos, long closeTimeoutNanos,
                           long snapshotEveryEvents, boolean pipelined, int keyWindowKeysMax, long keyWindowMicros,
                           boolean byTheRules) {}

    public CommandRing(EventLog store, LogLookups lookups, ReadModel readModel, PayloadCodec codec, HeadSigner signer, LedgerState recovered,
                       Settings settings, List<CommitListener> listeners) {
        // as many futures may wait for delivery as the ring holds: callbacks slower than the
        // commits then push back on producers, as the ring does, instead of queueing without bound
        this.completions = new Completions(Math.max(2, Runtime.getRuntime().availableProcessors()), settings.ringSize());
        this.writer = new BatchWriter(store, lookups, readModel, codec, signer, recovered, settings.clockMicros(),
                settings.submissionsPerBatchMax(), settings.eventsPerBatchMax(), listeners, completions,
                settings.busyRetryDeadlineNanos(), settings.snapshotEveryEvents(), settings.pipelined(),
                settings.keyWindowKeysMax(), settings.keyWindowMicros(), settings.byTheRules());
        this.ring = RingBuffer.createMultiProducer(Slot::new, settings.ringSize(), new BlockingWaitStrategy());
        this.processor = new BatchEventProcessorBuilder()
                .setMaxBatchSize(settings.submissionsPerBatchMax())
                .build(ring, ring.newBarrier(), writer);
        this.processor.setExceptionHandler(new LastResortHandler());
        ring.addGatingSequences(processor.getSequence());
        this.submitTimeoutNanos = settings.submitTimeoutNanos();
        this.closeTimeoutNanos = settings.closeTimeoutNanos();
        this.writer.afterShutdown(this::failUnhandled);
        this.thread = new Thread(processor, "ledger-writer");
        this.thread.setDaemon(false);
        this.thread.start();
    }

    public CompletableFuture<Receipt> submit(List<Command> commands, String key) {
        if (commands == null || commands.isEmpty()) {
            return CompletableFuture.failedFuture(new Rejected.InvalidCommand("a submission needs at least one command"));
        }
        if (commands.size() > Limits.ATOMIC_COMMANDS_MAX) {
            return CompletableFuture.failedFuture(new Rejected.LimitExceeded("atomic group of " + commands.size()
                    + " commands; at most " + Limits.ATOMIC_COMMANDS_MAX));
        }
        for (Command c : commands) {
            if (c == null) {
                return CompletableFuture.failedFuture(new Rejected.InvalidCommand("a submission holds a null command"));
            }
        }
        String halted = writer.haltReason();
        if (halted != null) {
            return CompletableFuture.failedFuture(new LedgerException.LedgerHalted(halted, null));
        }
        List<Command> copy = List.copyOf(commands);
        producersInFlight.incrementAndGet();
        try {
            if (closed) {
                throw new IllegalStateException("ledger is closed");
            }
            long sequence;
            try {
                sequence = claim();
            } catch (LedgerException.Overloaded e) {
                return CompletableFuture.failedFuture(e);
            }
            CompletableFuture<Receipt> future = new CompletableFuture<>();
            Slot slot = ring.get(sequence);
            slot.commands = copy;
            slot.key = key;
            slot.future = future;
            slot.submitNanos = System.nanoTime();
            ring.publish(sequence);
            return future;
        } finally {
            producersInFlight.decrementAndGet();
        }
    }

    /** Runs {@code task} on the writer thread between two batches. */
    public CompletableFuture<Object> runOnWriter(WriterTask task) {
        producersInFlight.incrementAndGet();
        try {
            if (closed) {
                throw new IllegalStateException("ledger is closed");
            }
            long sequence = claim();
            CompletableFuture<Object> done = new CompletableFuture<>();
            Slot slot = ring.get(sequence);
            slot.task = task;
            slot.taskDone = done;
            ring.publish(sequence);
            return done;
        } finally {
            producersInFlight.decrementAndGet();
        }
    }

    private long claim() {
        long deadline = System.nanoTime() + submitTimeoutNanos;
        int attempts = 0;
        while (true) {
            try {
                return ring.tryNext();
            } catch (InsufficientCapacityException full) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new LedgerException.Overloaded(ring.getBufferSize(), TimeUnit.NANOSECONDS.toMillis(submitTimeoutNanos));
                }
                if (++attempts < SPINS_BEFORE_PARKING) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(PARK_NANOS);
                }
            }
        }
    }

    public LedgerState published() {
        return writer.published();
    }

    public String haltReason() {
        return writer.haltReason();
    }

    /** Rejections since open, by code (live counters). */
    public java.util.Map<String, java.util.concurrent.atomic.LongAdder> rejectionsByCode() {
        return writer.rejectionsByCode();
    }

    public long nanosSinceLastCommit() {
        return writer.nanosSinceLastCommit();
    }

    public int ringSize() {
        return ring.getBufferSize();
    }

    /** Stops all further writes: corruption or a changed file was found outside the writer. */
    public void halt(String reason) {
        writer.haltFromOutside(reason);
    }

    public WriterStats stats() {
        return writer.stats(backlog());
    }

    /** Submissions published but not yet handled by the writer. */
    public long backlog() {
        return ring.getCursor() - processor.getSequence().get();
    }

    public boolean isWriterAlive() {
        return thread.isAlive();
    }

    /**
     * After a close that timed out, the writer stops at the end of the batch it was stuck in and
     * never sees what is still in the ring: those submissions were accepted but never decided, so
     * their callers are told, rather than left waiting forever. Runs on the writer thread.
     */
    private void failUnhandled() {
        long handled = processor.getSequence().get();
        long cursor = ring.getCursor();
        for (long seq = handled + 1; seq <= cursor; seq++) {
            if (!ring.isAvailable(seq)) {
                continue;
            }
            Slot slot = ring.get(seq);
            IllegalStateException closedFirst = new IllegalStateException(
                    "the ledger was closed before this submission was handled; nothing of it was written");
            if (slot.future != null) {
                completions.fail(slot.future, closedFirst);
            }
            if (slot.taskDone != null) {
                completions.fail(slot.taskDone, closedFirst);
            }
            slot.clear();
        }
    }

    /** True on the writer's own threads, deciding or committing (a CommitListener is running). */
    public boolean onWriterThread() {
        return Thread.currentThread() == thread || writer.onCommitterThread();
    }

    /**
     * Refuses new work, lets the writer drain and commit what was published, then stops it, all
     * within the close timeout. Returns true when the writer thread has ended; false means it is
     * still running (stuck in a listener or in SQLite), still owns the write connection, and the
     * caller must not touch that connection.
     */
    public boolean close() {
        if (closed) {
            return !thread.isAlive();
        }
        closed = true;
        long deadline = System.nanoTime() + closeTimeoutNanos;
        while (producersInFlight.get() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(50_000); // a producer between its closed-check and its publish: moments
        }
        while (processor.getSequence().get() < ring.getCursor() && thread.isAlive()) {
            if (System.nanoTime() - deadline > 0) {
                LOG.error("writer did not drain the ring within {} ms; {} submissions left",
                        TimeUnit.NANOSECONDS.toMillis(closeTimeoutNanos), backlog());
                break;
            }
            LockSupport.parkNanos(100_000);
        }
        processor.halt();
        try {
            thread.join(Math.max(1_000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean stopped = !thread.isAlive();
        if (stopped) {
            completions.close(); // only now: the writer's last batch has been handed over
        } else {
            LOG.error("the writer thread did not stop within {} ms; it keeps the write connection",
                    TimeUnit.NANOSECONDS.toMillis(closeTimeoutNanos));
        }
        return stopped;
    }

    /** The writer catches everything itself; reaching here is a bug, and logging beats a dead thread. */
    private static final class LastResortHandler implements ExceptionHandler<Slot> {
        @Override
        public void handleEventException(Throwable ex, long sequence, Slot event) {
            LOG.error("writer failed on ring sequence {}", sequence, ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            LOG.error("writer failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            LOG.error("writer failed to shut down cleanly", ex);
        }
    }
}
