package io.bitcraps.ledger.views;

import io.bitcraps.ledger.feed.From;
import io.bitcraps.ledger.feed.Subscription;
import io.bitcraps.ledger.feed.Subscriptions;
import io.bitcraps.ledger.ingest.CommitListener;
import io.bitcraps.ledger.ingest.CommitNotice;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.ReadModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The views file and the subscription that keeps it: opened (or made afresh) at the ledger's
 * open, then the {@value #SUBSCRIPTION} subscription applies the log from the file's watermark on
 * (catch-up, then live), exactly once, since it starts from the watermark stored with the rows
 * ({@code From.after(watermark)}) rather than from the subscription's own checkpoint.
 * <p>
 * Threads: the subscription's thread writes the file ({@link ViewsWriter}); the committing thread
 * only records when each batch committed ({@link #onCommit}, for the lag in milliseconds); any
 * thread reads the watermark, waits on it, or asks for the lag.
 */
public final class Views implements CommitListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Views.class);

    /** The name of the subscription that writes the views file. */
    public static final String SUBSCRIPTION = "views";
    /** Commit times kept for the lag in milliseconds; past this many batches behind, newer ones are not recorded. */
    static final int COMMIT_TIMES_MAX = 4_096;

    private record CommitTime(long lastSeq, long nanos) {}

    private final Path file;
    private final Connection conn;
    private final ViewsWriter writer;
    private final String rebuiltBecause;
    private final LongSupplier logHeadSeq;
    private final ConcurrentLinkedDeque<CommitTime> commitTimes = new ConcurrentLinkedDeque<>();
    private final AtomicInteger commitTimesHeld = new AtomicInteger();
    private volatile Subscription subscription;

    private Views(Path file, Connection conn, ViewsWriter writer, String rebuiltBecause, LongSupplier logHeadSeq) {
        this.file = file;
        this.conn = conn;
        this.writer = writer;
        this.rebuiltBecause = rebuiltBecause;
        this.logHeadSeq = logHeadSeq;
    }

    /**
     * Opens the views file of {@code db} (see {@link ViewsFile#open}) and loads the state at its
     * watermark. Nothing runs until {@link #start}.
     *
     * @param genesisHash the chain hash before seq 1 (the state at watermark 0)
     * @param logHeadSeq  the last committed seq, now and later (the writer's published view)
     */
    public static Views open(Path db, Set<PosixFilePermission> mode, int busyTimeoutMillis, String ledgerId,
                             byte[] genesisHash, ViewsFile.LogHashes log, LongSupplier logHeadSeq, Clock clock)
            throws SQLException, IOException {
        ViewsFile.Opened opened = ViewsFile.open(db, mode, busyTimeoutMillis, ledgerId, logHeadSeq.getAsLong(), log);
        try {
            ViewsFile.Head head = opened.head();
            LedgerState state = head.seq() == 0 ? LedgerState.genesis(genesisHash)
                    : ReadModel.load(opened.conn(), head.seq(), head.hash(), head.lastTimestampMicros());
            ViewsWriter writer = new ViewsWriter(opened.conn(), state, head.rowsDigest(), head.seq() == 0, logHeadSeq, clock);
            if (opened.rebuiltBecause() != null && logHeadSeq.getAsLong() == 0) {
                LOG.info("views file {} made for an empty log", opened.file()); // a new ledger: nothing is wrong
            } else if (opened.rebuiltBecause() != null) {
                LOG.warn("views file {} is rebuilt from the log: {}", opened.file(), opened.rebuiltBecause());
            }
            return new Views(opened.file(), opened.conn(), writer, opened.rebuiltBecause(), logHeadSeq);
        } catch (SQLException | RuntimeException e) {
            opened.conn().close();
            throw e;
        }
    }

    /** Starts applying the log after the watermark, on the subscription's thread. */
    public void start(Subscriptions subscriptions) {
        // the watermark, stored with the rows, is the position: no second one in the checkpoint file
        subscription = subscriptions.subscribeAtOwnPosition(SUBSCRIPTION, (From.Seq) From.after(writer.watermark()), writer);
        writer.wakeOnWait(subscription::wake);
    }

    public Path file() {
        return file;
    }

    /** Why the file was made afresh at open (and is being rebuilt from the log), or null when it was served as found. */
    public String rebuiltBecause() {
        return rebuiltBecause;
    }

    /** The last seq the views file holds: every event up to it, none after. */
    public long watermark() {
        return writer.watermark();
    }

    /** Waits until the views hold {@code seq}; false when the timeout passed first. */
    public boolean awaitSeq(long seq, Duration timeout) throws InterruptedException {
        return writer.awaitSeq(seq, timeout.toNanos());
    }

    /** Events committed to the log but not yet in the views. */
    public long lagEvents() {
        return Math.max(0, logHeadSeq.getAsLong() - watermark());
    }

    /** How long the oldest batch not yet in the views has been committed, in milliseconds; 0 when none. */
    public long lagMillis() {
        long w = watermark();
        CommitTime first = commitTimes.peekFirst();
        while (first != null && first.lastSeq() <= w) {
            if (commitTimes.remove(first)) {
                commitTimesHeld.decrementAndGet();
            }
            first = commitTimes.peekFirst();
        }
        if (first == null || lagEvents() == 0) {
            return 0;
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - first.nanos());
    }

    /** The subscription that writes the file, or null before {@link #start}. */
    public Subscription subscription() {
        return subscription;
    }

    /** Writer thread: remembers when the batch committed. Never blocks or throws. */
    @Override
    public void onCommit(CommitNotice notice) {
        if (commitTimesHeld.get() < COMMIT_TIMES_MAX) {
            commitTimesHeld.incrementAndGet();
            commitTimes.addLast(new CommitTime(notice.lastSeq(), System.nanoTime()));
        }
    }

    /**
     * Stops the subscription (it finishes its delivery), commits the whole batches it applied and
     * closes the file. When the subscription's thread does not stop, the connection stays with it.
     */
    @Override
    public void close() {
        Subscription s = subscription;
        if (s != null) {
            s.close();
            if (!s.isClosed()) {
                LOG.error("views subscription did not stop; the views file {} stays open", file);
                return;
            }
        }
        try {
            writer.close();
        } catch (SQLException e) {
            LOG.warn("views file {}: the last transaction could not be committed ({}); the next open catches up",
                    file, e.getMessage());
        }
        try {
            conn.close();
        } catch (SQLException e) {
            LOG.warn("closing views file {} failed: {}", file, e.getMessage());
        }
    }
}
