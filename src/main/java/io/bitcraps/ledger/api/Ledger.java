package io.bitcraps.ledger.api;

import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Ids;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.ingest.CommandRing;
import io.bitcraps.ledger.ingest.CommitListener;
import io.bitcraps.ledger.query.AccountRepository;
import io.bitcraps.ledger.query.BetRepository;
import io.bitcraps.ledger.query.GameRepository;
import io.bitcraps.ledger.query.QueryCache;
import io.bitcraps.ledger.query.ReaderPool;
import io.bitcraps.ledger.ingest.WriterStats;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.projection.StateLoader;
import io.bitcraps.ledger.store.EventLog;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.StoreOptions;
import io.bitcraps.ledger.store.WriterLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The ledger, as a game engine sees it: submit commands, get receipts once they are durable,
 * read consistent views. Thread-safe: any number of threads may submit and read.
 * <p>
 * {@code open} takes the writer lock, opens and migrates the database, rebuilds the state from the
 * log (verifying the hash chain), and starts the writer. {@code close} drains the ring, commits,
 * checkpoints the WAL into the database file and releases the lock.
 */
public final class Ledger implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

    private final LedgerConfig config;
    private final WriterLock lock;
    private final EventLog log;
    private final CommandRing ring;
    private final String ledgerId;
    private final ReaderPool readers;
    private final QueryCache cache;
    private final BetRepository bets;
    private final GameRepository games;
    private final AccountRepository accounts;
    private volatile boolean closed;

    private Ledger(LedgerConfig config, WriterLock lock, EventLog log, CommandRing ring, String ledgerId,
                   ReaderPool readers, QueryCache cache) {
        this.config = config;
        this.lock = lock;
        this.log = log;
        this.ring = ring;
        this.ledgerId = ledgerId;
        this.readers = readers;
        this.cache = cache;
        this.bets = new BetRepository(readers, cache);
        this.games = new GameRepository(readers, cache);
        this.accounts = new AccountRepository(readers, cache);
    }

    public static Ledger open(LedgerConfig config) {
        WriterLock lock = null;
        Connection conn = null;
        ReaderPool readers = null;
        try {
            java.nio.file.Path parent = config.path().toAbsolutePath().getParent();
            if (parent != null) {
                java.nio.file.Files.createDirectories(parent);
            }
            lock = WriterLock.acquire(config.path());
            StoreOptions options = new StoreOptions(config.path(), config.durability(),
                    (int) config.busyTimeout().toMillis(), 64_000, 268_435_456L, 64L << 20, config.maxDatabaseBytes());
            conn = LedgerDatabase.openWriter(options);
            String ledgerId = LedgerDatabase.ledgerId(conn);
            PayloadCodec codec = new PayloadCodec();
            long start = System.nanoTime();
            StateLoader.Loaded loaded = StateLoader.load(conn, codec, ledgerId);
            LedgerState recovered = loaded.state();
            if (loaded.rebuilt()) {
                LOG.warn("{}: the read model lagged the log and was rebuilt by replaying {} events", config.path(),
                        recovered.seq());
            }
            LOG.info("opened {} at seq {} in {} ms", config.path(), recovered.seq(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            EventLog log = new EventLog(conn);
            ReadModel readModel = new ReadModel(conn);
            CommandRing.Settings settings = new CommandRing.Settings(config.ringSize(), config.batchSubmissionsMax(),
                    config.batchEventsMax(), config.submitTimeout().toNanos(), clockMicros(config));
            readers = new ReaderPool(config.path(), config.readerPoolSize(), null);
            QueryCache cache = config.queryCacheBytes() == 0 ? null : new QueryCache(config.queryCacheBytes());
            List<CommitListener> listeners = new ArrayList<>();
            if (cache != null) {
                // first, so the cache has forgotten what a batch changed before anyone hears of it
                listeners.add(notice -> cache.invalidate(notice.touched(), notice.lastSeq()));
            }
            listeners.addAll(config.commitListeners());
            HeadSigner signer = config.hmacKeyFile() == null ? null
                    : new HeadSigner(HeadSigner.readKey(config.hmacKeyFile()), ledgerId);
            CommandRing ring = new CommandRing(log, readModel, codec, signer, recovered, settings, listeners);
            return new Ledger(config, lock, log, ring, ledgerId, readers, cache);
        } catch (Replayer.CorruptLog e) {
            closeQuietly(readers, conn, lock);
            throw new LedgerException.LedgerHalted("the log of " + config.path() + " does not verify: " + e.getMessage()
                    + "; run tools/ledger audit, then recover from a backup", e);
        } catch (SQLException e) {
            closeQuietly(readers, conn, lock);
            throw new LedgerException.StorageFailure("cannot open " + config.path() + ": " + e.getMessage(),
                    io.bitcraps.ledger.store.SqliteFailure.resultCode(e), e);
        } catch (IOException e) {
            closeQuietly(readers, conn, lock);
            throw new UncheckedIOException("cannot open " + config.path() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(readers, conn, lock);
            throw e;
        }
    }

    private static java.util.function.LongSupplier clockMicros(LedgerConfig config) {
        java.time.Clock clock = config.clock();
        return () -> {
            java.time.Instant now = clock.instant();
            return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
        };
    }

    /** Submits one command; the future completes with its receipt once it is durable and visible. */
    public CompletableFuture<Receipt> submit(Command command) {
        return ring.submit(List.of(command), null);
    }

    /**
     * Submits one command under a client idempotency key (at most 64 printable characters).
     * Resubmitting the same command with the same key returns the original receipt and writes
     * nothing; the same key with other content fails with {@code IDEMPOTENCY_CONFLICT}.
     */
    public CompletableFuture<Receipt> submit(Command command, String idempotencyKey) {
        return submitAtomically(List.of(command), idempotencyKey);
    }

    /** Commits all commands in one transaction, or none of them (a roll and its settlements). */
    public CompletableFuture<Receipt> submitAtomically(List<Command> commands) {
        return ring.submit(commands, null);
    }

    public CompletableFuture<Receipt> submitAtomically(List<Command> commands, String idempotencyKey) {
        if (idempotencyKey != null) {
            try {
                Ids.requireKey(idempotencyKey);
            } catch (Rejected e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return ring.submit(commands, idempotencyKey);
    }

    /** Bet history (by player, by game) from the read model, through the query cache. */
    public BetRepository bets() {
        return bets;
    }

    /** Games by table, from the read model, through the query cache. */
    public GameRepository games() {
        return games;
    }

    /** Account statements and stored balances, from the read model, through the query cache. */
    public AccountRepository accounts() {
        return accounts;
    }

    /** Hits, misses and stale refusals of the query cache (all zero when it is off). */
    public QueryCache.Stats queryCacheStats() {
        return cache == null ? new QueryCache.Stats(0, 0, 0, 0, 0) : cache.stats();
    }

    /** The latest committed snapshot. Never blocks, never sees half a batch. */
    public LedgerView view() {
        return new LedgerView(ring.published());
    }

    public WriterStats stats() {
        return ring.stats();
    }

    public String ledgerId() {
        return ledgerId;
    }

    public LedgerConfig config() {
        return config;
    }

    /** Why writes stopped, or null while the ledger accepts writes. */
    public String haltReason() {
        return ring.haltReason();
    }

    /**
     * Changes the database size cap while running (an operator making room after a "disk full").
     * Runs on the writer between batches; completes with the cap now in effect, in bytes.
     */
    public CompletableFuture<Long> setMaxDatabaseBytes(long bytes) {
        if (bytes < (1L << 20)) {
            throw new IllegalArgumentException("maxDatabaseBytes must be at least 1 MiB, got " + bytes);
        }
        return ring.runOnWriter(store -> store.setMaxDatabaseBytes(bytes)).thenApply(v -> (Long) v);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ring.close();
        try {
            if (ring.haltReason() == null) {
                log.checkpoint();
            }
        } catch (SQLException e) {
            LOG.warn("checkpoint at close failed; the WAL will be replayed at next open: {}", e.getMessage());
        }
        closeQuietly(readers, log, lock);
    }

    private static void closeQuietly(ReaderPool readers, AutoCloseable connection, WriterLock lock) {
        if (readers != null) {
            readers.close();
        }
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (Exception e) {
            LOG.warn("closing the database failed: {}", e.getMessage());
        }
        try {
            if (lock != null) {
                lock.close();
            }
        } catch (IOException e) {
            LOG.warn("releasing the writer lock failed: {}", e.getMessage());
        }
    }
}
