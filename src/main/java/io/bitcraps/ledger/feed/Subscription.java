package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.BatchRecord;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A running subscription: delivers committed batches in seq order to its handler, on a thread of
 * its own, and keeps its named checkpoint.
 * <p>
 * Thread: everything below {@link #run} happens on the subscription's thread, which owns the
 * read-only connection to the log, the position and its hash. Other threads read the volatile
 * figures ({@link #position()}, {@link #status()}) and ask it to stop ({@link #close()}).
 * <p>
 * Order: the subscription starts reading the log (catch-up) from its position. When a read finds
 * nothing past the position it goes live: it takes the batches the writer's commit notices put in
 * its bounded queue. It was registered for notices before its first read, so every batch
 * committed after a read began is in the queue, or the queue is marked overflowed, which sends it
 * back to the log. Batches at or below the position are skipped (a read may already have
 * delivered them), and a batch that does not follow the position sends it back to the log too:
 * no gap, no duplicate.
 * <p>
 * Failure: a handler that throws gets the same batch again after a backoff (100 ms, doubling to
 * 30 s); so does a log read that fails. Each failed attempt shows in {@link #status()}, and the
 * ledger's health reports it. The writer never waits: while a handler fails or is slow, its queue
 * overflows and it catches up from the log later.
 * <p>
 * Read-ahead: while catching up, the read that follows is begun on a second thread of its own
 * ({@code ledger-subscription-<name>-read}) as soon as a read ends below the log's head, so that
 * reading and decoding the next events overlaps the handler's work on these (a views rebuild
 * spent about a quarter of its thread there). Only one thread uses the log connection at a time:
 * the subscription's thread touches it only when no read-ahead is running (it waits for the one
 * it takes, and for a stale one before it reads itself or closes the connection). A read-ahead is
 * used only when it starts right after the position; its failure counts as the failure of that
 * read, at the same place as without it.
 * <p>
 * Checkpoint: after the handler returned, the position and the chain hash at it are written to the
 * sidecar at most every {@link Subscriptions#CHECKPOINT_INTERVAL}, when the subscription falls
 * idle, and at close. A crash loses at most the last interval: those batches are delivered again
 * (at-least-once; the seq tells them apart).
 */
public final class Subscription implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Subscription.class);

    private final String name;
    private final SubscriptionHandler handler;
    private final Subscriptions hub;
    private final Connection log;
    private final PayloadCodec codec;
    private final LiveQueue queue;
    private final int deliveryEventsMax;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private Thread thread;

    // owned by the subscription thread
    private boolean catchingUp = true;
    /** The log read begun ahead, or null; while it runs only its thread uses {@link #log}. */
    private ReadAhead readAhead;
    /** The thread of the read-ahead, made at the first one. */
    private ExecutorService readAheadThread;
    private long lastCheckpointNanos = System.nanoTime();

    /** A read of the log from {@code fromSeq} on, running or done on the read-ahead thread. */
    private record ReadAhead(long fromSeq, Future<List<CommittedBatch>> read) {}

    /** The last acknowledged seq and its chain hash, replaced as one (close may write it from another thread). */
    private record Acked(long seq, byte[] hash) {}

    private volatile Acked acked = new Acked(0, null);
    private volatile long checkpointSeq;
    /** False: the subscriber stores its position with its effects, and nothing goes to the checkpoint file. */
    private final boolean checkpointed;
    private volatile boolean live;
    private volatile boolean closeRequested;
    private volatile int failedAttempts;
    private volatile Instant failingSince;
    private volatile String lastError;
    /** The failures counted since the last success came from {@link SubscriptionHandler#onIdle}. */
    private boolean idleFailing;
    private volatile String checkpointProblem;
    private volatile String stoppedBy;

    Subscription(String name, SubscriptionHandler handler, Subscriptions hub, Connection log, PayloadCodec codec,
                 LiveQueue queue, int deliveryEventsMax, boolean checkpointed) {
        this.name = name;
        this.checkpointed = checkpointed;
        this.handler = handler;
        this.hub = hub;
        this.log = log;
        this.codec = codec;
        this.queue = queue;
        this.deliveryEventsMax = deliveryEventsMax;
    }

    /** Sets the start (before the thread runs): deliver what follows {@code seq}, whose chain hash is {@code hash}. */
    void startAfter(long seq, byte[] hash, long storedCheckpointSeq) {
        this.acked = new Acked(seq, hash);
        this.checkpointSeq = storedCheckpointSeq;
    }

    void start() {
        thread = new Thread(this::run, "ledger-subscription-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    public String name() {
        return name;
    }

    /** The last seq the handler acknowledged (returned from); 0 before the first. */
    public long position() {
        return acked.seq();
    }

    /** Events committed but not yet acknowledged by the handler. */
    public long lag() {
        return Math.max(0, hub.headSeq() - position());
    }

    /** True once close was asked (by {@link #close()} or the ledger's close). */
    boolean isClosing() {
        return closeRequested;
    }

    /** True once the subscription's thread has stopped. */
    public boolean isClosed() {
        return finished.getCount() == 0;
    }

    /** Waits until the handler has acknowledged {@code seq}; false when the timeout passed or the subscription stopped first. */
    public boolean awaitPosition(long seq, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (position() < seq) {
            if (finished.getCount() == 0 || System.nanoTime() - deadline >= 0) {
                return position() >= seq;
            }
            finished.await(Math.min(10, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))),
                    TimeUnit.MILLISECONDS);
        }
        return true;
    }

    public SubscriptionStatus status() {
        return new SubscriptionStatus(name, position(), hub.headSeq(), live, failedAttempts, failingSince, lastError,
                checkpointSeq, checkpointProblem, queue.overflows(), stoppedBy);
    }

    /**
     * Stops delivering: lets a handler call in progress return (a batch it returns from is still
     * acknowledged), writes the checkpoint and closes the log connection. Waits up to the
     * ledger's close wait for the thread; a handler that does not return by then is interrupted,
     * and if it still does not return, the checkpoint of what it acknowledged is written from here
     * and the name stays taken until the thread ends. From the handler itself it only asks the
     * thread to stop after the handler returns. Idempotent.
     */
    @Override
    public void close() {
        requestClose();
        if (Thread.currentThread() == thread) {
            return;
        }
        if (awaitStop(hub.closeWait())) {
            hub.ended(this); // also when the thread had stopped by itself before
        }
    }

    void requestClose() {
        closeRequested = true;
        closing.countDown();
    }

    /** Waits for the thread to end; returns false when it did not within {@code wait} and a grace after an interrupt. */
    boolean awaitStop(Duration wait) {
        if (thread == null || Thread.currentThread() == thread) {
            return true;
        }
        try {
            if (finished.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            LOG.warn("subscription {}: the handler has not returned within {}; interrupting it", name, wait);
            thread.interrupt();
            if (finished.await(1, TimeUnit.SECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.error("subscription {}: the handler still has not returned; its checkpoint is written at seq {}, and the"
                + " name stays taken until the handler returns", name, position());
        writeCheckpointIfMoved();
        return false;
    }

    private void run() {
        try {
            while (!closeRequested) {
                step();
            }
        } catch (InterruptedException e) {
            // close interrupted a wait: fall through to the final checkpoint
        } catch (Error e) {
            // out of memory and the like: nothing here can be trusted to go on; health shows it stopped
            stoppedBy = e.toString();
            LOG.error("subscription {} stopped at seq {}; close it and subscribe again", name, position(), e);
            throw e;
        } finally {
            live = false;
            writeCheckpointIfMoved();
            stopReadAhead(); // before the connection it reads closes
            try {
                log.close();
            } catch (SQLException e) {
                LOG.warn("subscription {}: closing its log connection failed: {}", name, e.getMessage());
            }
            if (closeRequested) {
                hub.ended(this); // a subscription that stopped by itself stays listed, for health, until closed
            }
            finished.countDown();
        }
    }

    /**
     * One read from the log or one batch from the queue. Anything unexpected (a notice that does not
     * make a valid delivery, say) counts as a failed attempt, and the subscription reads the log next.
     */
    private void step() throws InterruptedException {
        if (queue.takeOverflow()) {
            catchingUp = true;
        }
        try {
            if (catchingUp) {
                live = false;
                catchUp();
            } else {
                live = true;
                takeLive();
            }
        } catch (RuntimeException e) {
            failed(1 + failedAttempts, "at seq " + position() + ": " + e);
            LOG.warn("subscription {}: {}; reading the log next", name, lastError, e);
            catchingUp = true;
            backOff(failedAttempts);
        }
    }

    /** One read from the log, then its deliveries. Goes live when the read finds nothing new. */
    private void catchUp() throws InterruptedException {
        List<CommittedBatch> read;
        long next = position() + 1;
        try {
            read = takeReadAhead(next);
            if (read == null) {
                read = readLog(next);
            }
        } catch (SQLException | RuntimeException e) {
            failed(1 + failedAttempts, "reading the log after seq " + position() + ": " + e);
            backOff(failedAttempts);
            return;
        }
        if (read.isEmpty()) {
            catchingUp = false;
            return;
        }
        long lastRead = read.get(read.size() - 1).toSeq();
        if (hub.headSeq() > lastRead) {
            startReadAhead(lastRead + 1);
        }
        for (CommittedBatch b : read) {
            if (!deliver(b)) {
                return;
            }
        }
    }

    private void takeLive() throws InterruptedException {
        LiveBatch b = queue.poll(Subscriptions.IDLE_CALLBACK.toMillis());
        if (b == null) {
            idle();
            if (System.nanoTime() - lastCheckpointNanos >= Subscriptions.IDLE_POLL.toNanos()) {
                writeCheckpointIfMoved(); // idle: no reason to hold the checkpoint back
            }
            return;
        }
        long next = position() + 1;
        if (b.lastSeq() < next) {
            return; // the log read delivered it already
        }
        if (b.firstSeq() > next) {
            // a batch between is missing from the queue (it came before this subscription was
            // listening, or dropped in an overflow whose mark was already taken): the log has it
            catchingUp = true;
            queue.discardQueued();
            return;
        }
        for (CommittedBatch part : parts(b, next)) {
            if (!deliver(part)) {
                return;
            }
        }
    }

    /**
     * Asks the subscription, when it is live and waiting for a batch, to call its handler's
     * {@link SubscriptionHandler#onIdle} now instead of at its next idle moment: for a reader that
     * waits for what the handler has grouped but not finished (the views' watermark). Any thread.
     */
    public void wake() {
        queue.wake();
    }

    /**
     * Lets the handler finish what it groups across batches; a throw is a failed attempt, tried
     * again at an idle moment after the same backoff as a failed delivery.
     */
    private void idle() throws InterruptedException {
        try {
            handler.onIdle();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            if (t instanceof InterruptedException && closeRequested) {
                return; // close interrupted it: a stop, not a failure
            }
            failed(1 + failedAttempts, "the handler's onIdle threw at seq " + position() + ": " + t);
            LOG.warn("subscription {}: onIdle failed at seq {}: {}", name, position(), t.toString());
            idleFailing = true;
            backOff(failedAttempts); // as after a failed delivery: not again every idle moment
            return;
        }
        if (idleFailing) { // it works again: the status says so, as after a delivery that worked
            idleFailing = false;
            failedAttempts = 0;
            failingSince = null;
        }
    }

    /** The deliveries of a live batch from {@code from} on, in parts of at most {@code deliveryEventsMax} events. */
    private List<CommittedBatch> parts(LiveBatch b, long from) {
        List<CommittedBatch> out = new ArrayList<>();
        for (long start = from; start <= b.lastSeq(); start += deliveryEventsMax) {
            long end = Math.min(b.lastSeq(), start + deliveryEventsMax - 1);
            List<CommittedEvent> events = new ArrayList<>((int) (end - start + 1));
            for (long seq = start; seq <= end; seq++) {
                int i = (int) (seq - b.firstSeq());
                EventRow row = b.rows().get(i);
                events.add(new CommittedEvent(b.events().get(i), row.hash(), row.payload()));
            }
            out.add(new CommittedBatch(b.firstSeq(), b.lastSeq(), b.committedTsMicros(), b.headHash(), b.hmac(), events));
        }
        return out;
    }

    /**
     * Reads what follows the position from the log: the next batch records (the first one from
     * the position on, when the position lies inside it) and, in one range query, their events up
     * to {@code deliveryEventsMax} in all; a record with more events than that is finished by the
     * next reads. Each query is its own short read, so no snapshot stays open while the handler
     * runs. Empty when the log holds nothing past the position.
     */
    private List<CommittedBatch> readLog(long next) throws SQLException {
        List<BatchRecord> records = EventReader.batchesEndingAfter(log, next - 1, Subscriptions.CATCH_UP_BATCHES_PER_READ);
        if (records.isEmpty()) {
            return List.of();
        }
        long end = Math.min(records.get(records.size() - 1).lastSeq(), next + deliveryEventsMax - 1);
        List<EventRow> rows = new ArrayList<>((int) (end - next + 1));
        EventReader.forEach(log, next, end, rows::add);
        if (rows.size() != end - next + 1) {
            throw new IllegalStateException("the log holds " + rows.size() + " of the events " + next + ".." + end
                    + " its batch records name; run tools/ledger audit");
        }
        List<CommittedBatch> out = new ArrayList<>();
        long from = next;
        for (BatchRecord r : records) {
            if (from > end) {
                break;
            }
            if (r.firstSeq() > from) {
                throw new IllegalStateException("no batch record covers seq " + from + ": the next one is seq "
                        + r.firstSeq() + ".." + r.lastSeq() + "; run tools/ledger audit");
            }
            long to = Math.min(r.lastSeq(), end);
            out.add(part(r, rows.subList((int) (from - next), (int) (to - next + 1))));
            from = to + 1;
        }
        return out;
    }

    /** Begins {@link #readLog} from {@code fromSeq} on the read-ahead thread. */
    private void startReadAhead(long fromSeq) {
        if (readAheadThread == null) {
            readAheadThread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "ledger-subscription-" + name + "-read");
                t.setDaemon(true);
                return t;
            });
        }
        readAhead = new ReadAhead(fromSeq, readAheadThread.submit(() -> readLog(fromSeq)));
    }

    /**
     * The read begun ahead when it starts at {@code next}, waiting for it; null when there is none
     * or it starts elsewhere (a delivery failed or a live batch moved the position), in which case
     * it is awaited and dropped. Throws what the read threw.
     */
    private List<CommittedBatch> takeReadAhead(long next) throws SQLException, InterruptedException {
        ReadAhead ahead = readAhead;
        if (ahead == null) {
            return null;
        }
        readAhead = null;
        List<CommittedBatch> read;
        try {
            read = ahead.read().get();
        } catch (ExecutionException e) {
            if (ahead.fromSeq() != next) {
                return null;
            }
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw sql;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            readAhead = ahead; // still running: stopReadAhead waits for it before the connection closes
            throw e;
        }
        return ahead.fromSeq() == next ? read : null;
    }

    /** Waits for a read-ahead still running (it holds the log connection) and ends its thread. */
    private void stopReadAhead() {
        if (readAheadThread == null) {
            return;
        }
        readAheadThread.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (readAheadThread.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
                LOG.warn("subscription {}: its read of the log ahead has not ended within a minute; waiting on", name);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        readAhead = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The delivery of {@code rows} (consecutive, within {@code r}), checked against the record's head hash when they end it. */
    private CommittedBatch part(BatchRecord r, List<EventRow> rows) {
        List<CommittedEvent> events = new ArrayList<>(rows.size());
        for (EventRow row : rows) {
            events.add(new CommittedEvent(StoredEvents.decode(codec, row), row.hash(), row.payload()));
        }
        EventRow last = rows.get(rows.size() - 1);
        if (last.seq() == r.lastSeq() && !Arrays.equals(last.hash(), r.headHash())) {
            throw new IllegalStateException("batch " + r.firstSeq() + ".." + r.lastSeq() + " records a head hash that is not"
                    + " the chain hash of the event at seq " + r.lastSeq() + "; run tools/ledger audit");
        }
        return new CommittedBatch(r.firstSeq(), r.lastSeq(), r.committedTs(), r.headHash(), r.hmac(), events);
    }

    /**
     * Hands {@code b} to the handler until it returns, backing off after each throw. False when
     * close was asked before it returned (the batch is then not acknowledged).
     */
    private boolean deliver(CommittedBatch b) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            if (closeRequested) {
                return false;
            }
            try {
                handler.onBatch(b);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                if (t instanceof InterruptedException && closeRequested) {
                    return false; // close interrupted a handler that did not return in time
                }
                failed(attempt, "the handler threw on seq " + b.fromSeq() + ".." + b.toSeq() + ": " + t);
                LOG.warn("subscription {}: handler failed on seq {}..{} (attempt {}), retrying: {}", name, b.fromSeq(),
                        b.toSeq(), attempt, t.toString());
                backOff(attempt);
                continue;
            }
            acknowledge(b);
            return true;
        }
    }

    private void acknowledge(CommittedBatch b) {
        CommittedEvent last = b.events().get(b.events().size() - 1);
        acked = new Acked(last.seq(), last.chainHashShared());
        if (failedAttempts > 0) {
            LOG.info("subscription {}: delivered seq {}..{} after {} failed attempt(s)", name, b.fromSeq(), b.toSeq(),
                    failedAttempts);
            failedAttempts = 0;
            failingSince = null;
        }
        if (System.nanoTime() - lastCheckpointNanos >= Subscriptions.CHECKPOINT_INTERVAL.toNanos()) {
            writeCheckpointIfMoved();
        }
    }

    private void failed(int attempt, String error) {
        if (failingSince == null) {
            failingSince = hub.now();
        }
        failedAttempts = attempt;
        lastError = error;
    }

    /** Waits out the backoff of the {@code attempt}-th failure; returns early when close is asked. */
    private void backOff(int attempt) throws InterruptedException {
        long millis = Math.min(Subscriptions.RETRY_MAX.toMillis(),
                Subscriptions.RETRY_FIRST.toMillis() << Math.min(attempt - 1, 20));
        closing.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Writes the checkpoint when the position moved since; a failure is reported in the status and retried at the next. */
    private void writeCheckpointIfMoved() {
        Acked a = acked;
        if (!checkpointed || a.seq() < 1 || a.seq() == checkpointSeq) {
            return;
        }
        lastCheckpointNanos = System.nanoTime();
        long seq = a.seq();
        try {
            hub.checkpoints().write(name, seq, a.hash(), hub.nowMicros());
            checkpointSeq = seq;
            checkpointProblem = null;
        } catch (SQLException | RuntimeException e) {
            checkpointProblem = "writing the checkpoint at seq " + seq + " failed: " + e.getMessage();
            LOG.warn("subscription {}: {} (delivery goes on; a lost checkpoint only re-delivers)", name, checkpointProblem);
        }
    }

    @Override
    public String toString() {
        return "Subscription[" + name + " at seq " + position() + (live ? ", live" : ", reading the log") + "]";
    }
}
