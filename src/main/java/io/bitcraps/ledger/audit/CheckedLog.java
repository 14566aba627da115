package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The log as the audit reads it: rows in seq order, each already framed, hashed onto its predecessor's
 * stored hash and decoded, handed back in chunks for the caller to fold in order. Hashing and decoding
 * need nothing but the row and the stored hash of the row before it, so they run on all cores; the
 * books and the rulebook stay with the caller.
 * <p>
 * Threads. One reader thread reads the rows in chunks of {@code chunkRows} from the caller's connection,
 * inside the caller's read transaction, so every chunk comes from the same WAL snapshot. A pool of
 * {@code workers} threads checks whole chunks ({@link RowCheck}, one per worker thread). The caller takes
 * the chunks with {@link #next} on its own thread. The connection stays the caller's: the reader uses it
 * only while it holds {@code connectionLock}, and every other user of the connection must hold the lock
 * too until {@link #close} returns, so that two threads' statements never run inside sqlite-jdbc at once.
 * <p>
 * Order and memory. The reader submits each chunk to the pool and puts the chunk's future into a
 * bounded queue in seq order; the caller takes futures from the head of that queue, so chunks come back
 * in seq order however the workers finish. When the queue is full the reader waits: at most
 * {@link #CHUNKS_IN_FLIGHT_PER_WORKER} × {@code workers} chunks are queued, plus the one the reader is
 * reading and the one the caller is folding.
 * <p>
 * Failure. A read that fails ends the log: the last chunk carries the rows read before the failure and
 * the {@link SQLException}, for the caller to report after folding them. What a row's checks throw travels
 * with the row ({@link CheckedRow}). Anything else the reader or a worker throws is thrown by
 * {@link #next} in its place in the order. {@link #close} stops the reader and the workers and returns
 * only when the reader has let go of the connection.
 */
final class CheckedLog implements AutoCloseable {
    static final int CHUNKS_IN_FLIGHT_PER_WORKER = 2;

    /** One chunk of checked rows; {@code last} on the final chunk, which also carries a read failure if any. */
    record Chunk(List<CheckedRow> rows, SQLException readFailure, boolean last) {}

    private final Connection conn;
    private final Object connectionLock;
    private final long fromSeq;
    private final long toSeq;
    private final byte[] firstPredecessor;
    private final int chunkRows;
    private final ThreadLocal<RowCheck> rowChecks;
    private final ExecutorService workers;
    private final BlockingQueue<Future<Chunk>> inOrder;
    private final Thread reader;
    private final AtomicLong chunksRead = new AtomicLong();
    /** Caller's thread only: the last chunk has been taken. */
    private boolean ended;

    private CheckedLog(Connection conn, Object connectionLock, long fromSeq, long toSeq, byte[] firstPredecessor,
                       int workers, int chunkRows, PayloadCodec codec) {
        this.conn = conn;
        this.connectionLock = connectionLock;
        this.fromSeq = fromSeq;
        this.toSeq = toSeq;
        this.firstPredecessor = firstPredecessor;
        this.chunkRows = chunkRows;
        this.rowChecks = ThreadLocal.withInitial(() -> new RowCheck(codec));
        this.workers = Executors.newFixedThreadPool(workers, daemonThreads("audit-check-"));
        this.inOrder = new ArrayBlockingQueue<>(CHUNKS_IN_FLIGHT_PER_WORKER * workers);
        this.reader = new Thread(this::read, "audit-reader");
        reader.setDaemon(true);
    }

    /**
     * Starts reading rows {@code fromSeq..toSeq}. {@code firstPredecessor} is the stored hash the first
     * row chains from (the genesis hash, or the row before the range), null when it is not known.
     */
    static CheckedLog start(Connection conn, Object connectionLock, long fromSeq, long toSeq, byte[] firstPredecessor,
                            int workers, int chunkRows, PayloadCodec codec) {
        if (workers < 1 || workers > Auditor.Options.WORKERS_MAX || chunkRows < 1
                || chunkRows > Auditor.Options.CHUNK_ROWS_MAX || fromSeq > toSeq) {
            throw new IllegalArgumentException("bad pipeline: " + workers + " workers, chunks of " + chunkRows
                    + " rows, seqs " + fromSeq + ".." + toSeq);
        }
        CheckedLog log = new CheckedLog(conn, connectionLock, fromSeq, toSeq, firstPredecessor, workers, chunkRows, codec);
        log.reader.start();
        return log;
    }

    /** The next chunk in seq order, waiting for it if need be; null after the last one. */
    Chunk next() {
        if (ended) {
            return null;
        }
        try {
            Chunk chunk = inOrder.take().get();
            ended = chunk.last();
            return chunk;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("the audit was interrupted while waiting for rows");
        } catch (ExecutionException e) {
            throw unchecked(e.getCause());
        }
    }

    /** How many chunks the reader has handed on so far; tests use it to see the bound hold. */
    long chunksRead() {
        return chunksRead.get();
    }

    @Override
    public void close() {
        reader.interrupt(); // a no-op once the reader has handed on the last chunk
        boolean interrupted = false;
        while (reader.isAlive()) {
            try {
                reader.join(); // the caller may use the connection again only after this
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        workers.shutdownNow(); // a worker checks one chunk and touches nothing else: it finishes soon
        while (!workers.isTerminated()) {
            try {
                workers.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- reader thread

    private void read() {
        try {
            readAll();
        } catch (InterruptedException e) {
            // close() stops the reader: nobody will take further chunks
        } catch (RuntimeException | Error e) {
            try {
                inOrder.put(CompletableFuture.failedFuture(e));
            } catch (InterruptedException stopped) {
                // close() came first: the caller has stopped taking chunks and will not see this one
            }
        }
    }

    private void readAll() throws InterruptedException {
        PreparedStatement chunk;
        try {
            synchronized (connectionLock) {
                chunk = EventReader.prepareChunk(conn);
            }
        } catch (SQLException e) {
            handOver(List.of(), firstPredecessor, e, true);
            return;
        }
        byte[] predecessor = firstPredecessor;
        long next = fromSeq;
        boolean end = false;
        try {
            while (!end) {
                List<EventRow> rows = new ArrayList<>(chunkRows);
                SQLException failure = readChunk(chunk, next, rows);
                EventRow lastRow = rows.isEmpty() ? null : rows.get(rows.size() - 1);
                end = failure != null || rows.size() < chunkRows || lastRow.seq() >= toSeq;
                if (end) {
                    failure = closeStatement(chunk, failure);
                }
                handOver(rows, predecessor, failure, end);
                if (!end) {
                    predecessor = lastRow.hash();
                    next = lastRow.seq() + 1;
                }
            }
        } finally {
            if (!end) {
                // stopped early: the caller has given up on the log, so a failure to close is of no interest
                closeStatement(chunk, null);
            }
        }
    }

    private SQLException readChunk(PreparedStatement chunk, long next, List<EventRow> rows) {
        synchronized (connectionLock) {
            try {
                EventReader.readChunk(chunk, next, toSeq, chunkRows, rows);
                return null;
            } catch (SQLException e) {
                return e;
            }
        }
    }

    private SQLException closeStatement(PreparedStatement chunk, SQLException failure) {
        synchronized (connectionLock) {
            try {
                chunk.close();
                return failure;
            } catch (SQLException e) {
                if (failure == null) {
                    return e;
                }
                failure.addSuppressed(e);
                return failure;
            }
        }
    }

    /** Never called with the connection lock held: it may wait for the caller, who may need the lock. */
    private void handOver(List<EventRow> rows, byte[] predecessor, SQLException failure, boolean end)
            throws InterruptedException {
        Future<Chunk> checked = rows.isEmpty() ? CompletableFuture.completedFuture(new Chunk(List.of(), failure, end))
                : workers.submit(() -> check(rows, predecessor, failure, end));
        chunksRead.incrementAndGet();
        inOrder.put(checked);
    }

    // ---- worker threads

    private Chunk check(List<EventRow> rows, byte[] predecessor, SQLException failure, boolean end) {
        RowCheck rowCheck = rowChecks.get();
        List<CheckedRow> checked = new ArrayList<>(rows.size());
        byte[] previous = predecessor;
        for (EventRow row : rows) {
            checked.add(rowCheck.check(row, previous));
            previous = row.hash();
        }
        return new Chunk(checked, failure, end);
    }

    private static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("the audit's reader or a worker failed", t);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, prefix + n.incrementAndGet());
            t.setDaemon(true); // a caller that forgets close() must not keep the JVM alive
            return t;
        };
    }
}
