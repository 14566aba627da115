package io.bitcraps.ledger.api;

import io.bitcraps.ledger.backup.ArchiveReplay;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.backup.BackupService;
import io.bitcraps.ledger.backup.FormerLedger;
import io.bitcraps.ledger.backup.Backups;
import io.bitcraps.ledger.backup.JournalArchive;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Ids;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.feed.Checkpoint;
import io.bitcraps.ledger.feed.From;
import io.bitcraps.ledger.cdc.KafkaRelay;
import io.micrometer.core.instrument.MeterRegistry;
import io.bitcraps.ledger.cdc.LiveRelay;
import io.bitcraps.ledger.feed.Subscription;
import io.bitcraps.ledger.feed.SubscriptionException;
import io.bitcraps.ledger.feed.SubscriptionHandler;
import io.bitcraps.ledger.feed.SubscriptionStatus;
import io.bitcraps.ledger.feed.Subscriptions;
import io.bitcraps.ledger.health.HealthCheck;
import io.bitcraps.ledger.health.HealthMonitor;
import io.bitcraps.ledger.health.HealthReport;
import io.bitcraps.ledger.health.HealthStatus;
import io.bitcraps.ledger.ingest.CommandRing;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.projection.StateLoader;
import io.bitcraps.ledger.query.AccountRepository;
import io.bitcraps.ledger.query.BetRepository;
import io.bitcraps.ledger.query.GameRepository;
import io.bitcraps.ledger.query.QueryCache;
import io.bitcraps.ledger.query.ReaderPool;
import io.bitcraps.ledger.store.EventLog;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.SqliteFailure;
import io.bitcraps.ledger.store.StoreOptions;
import io.bitcraps.ledger.store.Timeline;
import io.bitcraps.ledger.store.WriterLock;
import io.bitcraps.ledger.views.Views;
import io.bitcraps.ledger.views.ViewsFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The ledger, as a game engine sees it: submit commands, get receipts once they are durable,
 * read consistent views, take backups, ask for health. Thread-safe: any number of threads may
 * submit and read.
 * <p>
 * {@code open} takes the writer lock, opens and migrates the database, loads the state from the
 * read model (checking it against the log), with an HMAC key checks that the newest signed
 * batch verifies (see {@code requireSignedHeadVerifies}: unsigned history is accepted, a signed
 * batch that does not verify is not), reconciles the journal archive (healing a database that
 * lost committed batches, from archived batches the key vouches for), and starts the writer, the backup schedule and the health
 * monitor. {@code close} stops the subscriptions (each writes its checkpoint), then the rest,
 * drains the ring, commits, checkpoints the WAL into the database file and releases the lock.
 * <p>
 * Downstream work that need not run on the writer thread subscribes ({@link #subscribe}): each
 * named subscription has its own thread, reads the log, then takes the writer's batches live, and
 * keeps its checkpoint in {@code <db>.subscriptions}.
 * <p>
 * With {@code LedgerConfig.views(true)} the subscription {@code views} keeps the read model in
 * {@code <db>.views} beside the log (rebuilt at open when it cannot be served), the repositories
 * read it, and {@link #awaitViews} waits for a seq; it is opened after the subscriptions and
 * closed after them and its reader pool, and the writer never waits for it.
 */
public final class Ledger implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

    private final LedgerConfig config;
    private final Parts parts;
    private final CommandRing ring;
    private final String ledgerId;
    private final QueryCache cache;
    private final Bets bets;
    private final Games games;
    private final Accounts accounts;
    private final BackupService backups;
    private final HealthMonitor health;
    private final String openReport;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Everything opened on the way, closed in reverse order if opening fails or at close. */
    private static final class Parts {
        WriterLock lock;
        Connection conn;
        CommandRing ring;
        /** False when the writer thread outlived close: it still owns the connection, which must stay open. */
        boolean writerStopped = true;
        io.bitcraps.ledger.store.Checkpointer checkpointer;
        EventLog log;
        /** The writer's reads of the log while a batch commits (the pipelined commit). */
        io.bitcraps.ledger.store.LogLookups lookups;
        ReaderPool readers;
        JournalArchive archive;
        volatile String archiveProblem;
        BackupService backups;
        HealthMonitor health;
        Subscriptions subscriptions;
        LiveRelay relay;
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus;
        MetricsEndpoint metricsEndpoint;
        LedgerMetrics meters;
        Views views;
        ReaderPool viewReaders;

        void close() {
            if (metricsEndpoint != null) {
                metricsEndpoint.close();
            }
            if (subscriptions != null) {
                subscriptions.close();
            }
            if (relay != null) {
                // after its subscription stopped: it commits what it was handed, bounded (a second close does nothing)
                relay.close(RELAY_CLOSE_WAIT);
            }
            if (health != null) {
                health.close();
            }
            if (backups != null) {
                backups.close();
            }
            if (ring != null) {
                writerStopped = ring.close();
                ring = null;
            }
            if (!writerStopped) {
                // the writer may still be inside a transaction on the connection, or appending to the
                // archive: leave the connection, the archive and the lock with it rather than pull
                // them out from under it
                LOG.error("the writer thread did not stop; the database connection, the journal archive and the"
                        + " writer lock stay open");
                return;
            }
            if (archive != null) {
                try {
                    archive.close();
                } catch (IOException e) {
                    LOG.warn("closing the journal archive failed: {}", e.getMessage());
                }
            }
            if (readers != null) {
                readers.close();
            }
            if (lookups != null) {
                try {
                    lookups.close();
                } catch (SQLException e) {
                    LOG.warn("closing the writer's lookup connection failed: {}", e.getMessage());
                }
            }
            if (viewReaders != null) {
                viewReaders.close();
            }
            if (views != null) {
                // after its subscription stopped (it commits what it applied) and after its readers
                // (the last connection to close checkpoints the file's WAL into it and removes it)
                views.close();
                views = null;
            }
            if (checkpointer != null) {
                checkpointer.close();
            }
            try {
                if (log != null) {
                    log.close();
                } else if (conn != null) {
                    conn.close();
                }
            } catch (SQLException e) {
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

    private Ledger(LedgerConfig config, Parts parts, CommandRing ring, String ledgerId, QueryCache cache, String openReport) {
        this.config = config;
        this.parts = parts;
        this.ring = ring;
        this.ledgerId = ledgerId;
        this.cache = cache;
        ReaderPool modelReaders = parts.viewReaders != null ? parts.viewReaders : parts.readers;
        this.bets = QueryReads.bets(new BetRepository(modelReaders, cache));
        this.games = QueryReads.games(new GameRepository(modelReaders, cache));
        this.accounts = QueryReads.accounts(new AccountRepository(parts.readers, modelReaders, cache));
        this.backups = parts.backups;
        this.health = parts.health;
        this.openReport = openReport;
    }

    public static Ledger open(LedgerConfig config) {
        Parts parts = new Parts();
        try {
            return open(config, parts);
        } catch (Replayer.CorruptLog e) {
            parts.close();
            throw new LedgerException.LedgerHalted("the log of " + config.path() + " does not verify: " + e.getMessage()
                    + "; run tools/ledger audit, then recover from a backup", e);
        } catch (SQLException e) {
            parts.close();
            throw new LedgerException.StorageFailure("cannot open " + config.path() + ": " + e.getMessage(),
                    SqliteFailure.resultCode(e), e);
        } catch (IOException e) {
            parts.close();
            throw new UncheckedIOException("cannot open " + config.path() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /**
     * The steps of opening, in the order they must run. Each step that opens something puts it in
     * {@code parts} at once, so that when a later step throws, {@link #open(LedgerConfig)} closes
     * what was opened so far ({@link Parts#close}, in reverse order).
     */
    private static Ledger open(LedgerConfig config, Parts parts) throws SQLException, IOException, Replayer.CorruptLog {
        // the key first: a key file that is refused must not leave a new database (and a lock file
        // naming it, which later counts as evidence of a ledger) behind
        byte[] hmacKey = config.hmacKeyFile() == null ? null : HeadSigner.readKey(config.hmacKeyFile());
        // a zero-byte file is no database either: SQLite would make a new, empty ledger of it
        boolean creating = !Files.exists(config.path()) || Files.size(config.path()) == 0;
        OpenedDatabase database = lockAndOpenDatabase(config, parts, creating);
        String ledgerId = database.ledgerId();
        PayloadCodec codec = new PayloadCodec();
        long start = System.nanoTime();
        List<String> report = new ArrayList<>();
        if (creating) {
            report.add("created a new, empty ledger " + ledgerId);
        }
        if (config.archiveDir() != null) {
            // before the load: the load refuses a head that names events the log lacks, and the
            // archive is what makes cutting such a head back safe (the events are healed from it below)
            openArchiveAndCutHeadToLog(config, parts, codec, ledgerId, report);
        }
        LedgerState loaded = loadState(config, parts.conn, codec, ledgerId, report);
        adoptIndexesAndFillCommitments(config, parts.conn, codec, creating, report);
        openEventLog(config, parts);
        ReadModel readModel = new ReadModel(parts.conn);
        HeadSigner signer = hmacKey == null ? null : new HeadSigner(hmacKey, ledgerId);
        LedgerState state = verifySignedHeadAndLevelArchive(config, parts, readModel, codec, loaded, signer, report);
        if (config.logFirstCommit()) {
            // at the state the writer starts from, so after the archive healed the database
            keepSnapshotAtHead(parts.conn, parts.log, state);
        }

        // the registry before the reader pool, which registers its meters in it
        MeterRegistry registry = registryOf(config, parts);
        parts.readers = new ReaderPool(config.path(), config.readerPoolSize(), registry);
        parts.checkpointer = new io.bitcraps.ledger.store.Checkpointer(database.options(), 1_000);
        QueryCache cache = config.queryCacheBytes() == 0 ? null : new QueryCache(config.queryCacheBytes());
        LedgerMetrics meters = registry == null ? null : new LedgerMetrics(registry);
        List<io.bitcraps.ledger.ingest.CommitListener> listeners = openCommitListeners(config, parts, cache, meters,
                registry, ledgerId, codec, state.seq(), report);
        CommandRing ring = startWriter(config, parts, readModel, codec, signer, state, listeners);
        startViewsAndRelay(config, parts, registry);
        if (meters != null) {
            meters.ring(registry, ring);
        }
        startBackupsAndHealth(config, parts, signer, meters, ring);
        if (meters != null) {
            registerStateMetersAndServeScrapes(config, parts, registry, meters, ring);
        }
        LOG.info("opened {} at seq {} in {} ms{}", config.path(), state.seq(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), report.isEmpty() ? "" : "; " + report);
        return new Ledger(config, parts, ring, ledgerId, cache, String.join("; ", report));
    }

    /** The writer's database as {@link #lockAndOpenDatabase} leaves it: how it was opened, and whose it is. */
    private record OpenedDatabase(StoreOptions options, String ledgerId) {}

    /**
     * Takes the writer lock and opens (and migrates) the database with the writer's connection;
     * refuses a standby; records the ledger's id in the lock file.
     */
    private static OpenedDatabase lockAndOpenDatabase(LedgerConfig config, Parts parts, boolean creating)
            throws SQLException, IOException {
        if (creating) {
            // before the lock is taken: taking it creates the lock file, which is itself evidence
            refuseToCreateOverEvidence(config);
        }
        Path parent = config.path().toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        parts.lock = WriterLock.acquire(config.path());
        StoreOptions options = new StoreOptions(config.path(), config.durability().storeMode(), (int) config.busyTimeout().toMillis(),
                64_000, 268_435_456L, 64L << 20, config.maxDatabaseBytes()).withFileMode(config.fileMode());
        parts.conn = LedgerDatabase.openWriter(options);
        String standbyOf = LedgerDatabase.standbyOf(parts.conn);
        if (standbyOf != null) {
            // its events come from the primary through the topic; a write here would fork the history
            // (refused before any later step of opening writes: cutting, rebuilding, healing, snapshots)
            throw new LedgerException.LedgerHalted(config.path() + " is a standby of topic " + standbyOf
                    + ": it is written by tools/ledger replicate only; make it a primary with tools/ledger promote", null);
        }
        String ledgerId = LedgerDatabase.ledgerId(parts.conn);
        parts.lock.recordLedger(ledgerId);
        return new OpenedDatabase(options, ledgerId);
    }

    /**
     * Opens the journal archive, which must follow the database's timeline (checked before any of
     * it is trusted, see {@link #checkTimelines}); when the log lost its newest events but the
     * archive has them, cuts the head back to the log's end, for the archive to heal once the
     * state is loaded ({@link #reconcileArchive}).
     */
    private static void openArchiveAndCutHeadToLog(LedgerConfig config, Parts parts, PayloadCodec codec, String ledgerId,
                                                   List<String> report) throws SQLException, IOException, Replayer.CorruptLog {
        parts.archive = JournalArchive.open(config.archiveDir(), config.durability() == Durability.FULL, config.fileMode());
        String adopted = checkTimelines(parts.conn, parts.archive, config);
        if (adopted != null) {
            report.add(adopted);
        }
        long head = io.bitcraps.ledger.store.EventReader.head(parts.conn).seq();
        if (StateLoader.logBehindHead(parts.conn) && parts.archive.lastSeq() >= head) {
            // the log lost its newest events but the archive has them: cut the head back, heal below
            long end = StateLoader.cutToLog(parts.conn, codec, ledgerId);
            report.add("the log ended at seq " + end + " although its head named seq " + head);
        }
    }

    /**
     * Loads the writer's state (from the read model, or log-first from the newest snapshot), checked
     * against the log and rebuilt by replaying it when it cannot be trusted; the report says why.
     */
    private static LedgerState loadState(LedgerConfig config, Connection conn, PayloadCodec codec, String ledgerId,
                                         List<String> report) throws SQLException, Replayer.CorruptLog {
        StateLoader.Loaded loaded = config.logFirstCommit() ? StateLoader.loadLogFirst(conn, codec, ledgerId)
                : StateLoader.load(conn, codec, ledgerId);
        LedgerState state = loaded.state();
        if (config.logFirstCommit() && loaded.rebuilt() && EventReader.head(conn).readModelSeq() < 0) {
            report.add((loaded.damage() == null ? "no state snapshot" : "the state snapshot was unusable (" + loaded.damage()
                    + ")") + "; the writer's state was rebuilt by replaying " + state.seq() + " events");
        } else if (loaded.damage() != null) {
            report.add("the read model was damaged (" + loaded.damage() + ") and was rebuilt by replaying "
                    + state.seq() + " events");
        } else if (loaded.rebuilt()) {
            report.add("the read model lagged the log and was rebuilt by replaying " + state.seq() + " events");
        }
        return state;
    }

    /**
     * Brings the statement indexes in line with the commit mode and fills the commitments of provably
     * fair games opened before the ledger kept them; each in a transaction of its own, committed
     * before the writer takes the connection.
     */
    private static void adoptIndexesAndFillCommitments(LedgerConfig config, Connection conn, PayloadCodec codec,
                                                       boolean creating, List<String> report) throws SQLException {
        String indexes = io.bitcraps.ledger.store.CommitModeIndexes.adopt(conn, config.logFirstCommit());
        if (indexes != null && !creating) {
            report.add(indexes);
        }
        int commitments = io.bitcraps.ledger.projection.FairCommitments.fill(conn, codec);
        if (commitments > 0) {
            report.add("recorded the commitments of " + commitments + " provably fair game(s) opened before the ledger"
                    + " refused a commitment used twice");
        }
    }

    /** The writer's log on the writer's connection, with the configured fault injector (tests). */
    private static void openEventLog(LedgerConfig config, Parts parts) throws SQLException {
        parts.log = new EventLog(parts.conn, !config.logFirstCommit());
        if (config.faultInjector() != null) {
            parts.log.injectFaults(config.faultInjector());
        }
    }

    /**
     * The state the writer starts from. With a key, the newest signed batch must verify first:
     * healing from the archive appends to the log, and a rewritten log (or the wrong key) must take
     * no writes. Then database and archive are levelled ({@link #reconcileArchive}).
     */
    private static LedgerState verifySignedHeadAndLevelArchive(LedgerConfig config, Parts parts, ReadModel readModel,
                                                               PayloadCodec codec, LedgerState state, HeadSigner signer,
                                                               List<String> report) throws SQLException, IOException {
        if (signer != null) {
            String unsigned = requireSignedHeadVerifies(parts.conn, signer, config);
            if (unsigned != null) {
                report.add(unsigned);
            }
        }
        if (parts.archive == null) {
            return state;
        }
        ArchiveOutcome outcome = reconcileArchive(parts.archive, parts.log,
                config.logFirstCommit() ? null : readModel, codec, state, signer, config);
        report.add(outcome.report);
        return outcome.state;
    }

    /**
     * Opens the subscriptions and, when configured, the views file and its reader pool, and lists
     * everything the writer tells of each committed batch, in the order it tells them.
     */
    private static List<io.bitcraps.ledger.ingest.CommitListener> openCommitListeners(LedgerConfig config, Parts parts,
            QueryCache cache, LedgerMetrics meters, MeterRegistry registry, String ledgerId, PayloadCodec codec, long headSeq,
            List<String> report) throws SQLException, IOException {
        // order matters: the cache forgets what a batch changed, then the batch is archived, then the
        // metrics and the user's listeners hear of it; all before the batch's callers are answered
        List<io.bitcraps.ledger.ingest.CommitListener> listeners = new ArrayList<>();
        if (cache != null) {
            listeners.add(notice -> cache.invalidate(notice.touched(), notice.lastSeq()));
        }
        if (parts.archive != null) {
            JournalArchive archive = parts.archive;
            listeners.add(notice -> archiveBatch(archive, parts, notice));
        }
        if (meters != null) {
            listeners.add(meters);
        }
        // subscriptions only offer the batch to their queues here; they deliver on their own threads
        Subscriptions subscriptions = new Subscriptions(config.path(), config.fileMode(), headSeq,
                Subscriptions.Settings.of(config.subscriptionQueueBatches(), config.closeTimeout()), config.clock());
        parts.subscriptions = subscriptions;
        listeners.add(subscriptions);
        if (config.views()) {
            // here, before the writer starts: openViews checks the file against the log with the writer's connection
            parts.views = openViews(config, parts, ledgerId, codec, subscriptions, headSeq, report);
            listeners.add(parts.views);
            parts.viewReaders = new ReaderPool(parts.views.file(), config.readerPoolSize(), registry,
                    ReaderPool.Source.VIEWS);
        }
        for (CommitListener user : config.commitListeners()) {
            // the user's code is shown immutable values only, never the rows the subscriptions were offered
            listeners.add(new UserListener(user));
        }
        return listeners;
    }

    /**
     * Starts the writer thread, which from then on owns the write connection: everything it is
     * handed (the log, the read model, the listeners) is opened before it, and nothing opened after
     * it uses that connection. From here on a failure of opening must stop the writer too, which
     * {@link Parts#close} does before it closes what the writer uses.
     */
    private static CommandRing startWriter(LedgerConfig config, Parts parts, ReadModel readModel, PayloadCodec codec,
                                           HeadSigner signer, LedgerState state,
                                           List<io.bitcraps.ledger.ingest.CommitListener> listeners) throws SQLException {
        CommandRing.Settings settings = new CommandRing.Settings(config.ringSize(), config.batchSubmissionsMax(),
                config.batchEventsMax(), config.submitTimeout().toNanos(), clockMicros(config.clock()),
                config.busyRetryDeadline().toNanos(), config.closeTimeout().toNanos(), config.stateSnapshotEveryEvents(),
                config.pipelinedCommit(), config.logFirstCommit() ? config.idempotencyKeysMax() : 0,
                java.util.concurrent.TimeUnit.MICROSECONDS.convert(config.idempotencyWindow()), config.tableRules());
        // pipelined, the write connection is busy with the batch in flight while the next is decided
        if (config.pipelinedCommit()) {
            parts.lookups = io.bitcraps.ledger.store.LogLookups.open(config.path());
        }
        CommandRing ring = new CommandRing(parts.log, config.pipelinedCommit() ? parts.lookups : parts.log.lookups(),
                config.logFirstCommit() ? null : readModel, codec, signer,
                state, settings, listeners);
        parts.ring = ring; // from here on a failure must stop the writer thread too
        return ring;
    }

    /**
     * Starts the views subscriber and, when configured, the in-process Kafka relay: both are
     * subscriptions, each with a thread of its own, that read the log and then follow the writer.
     */
    private static void startViewsAndRelay(LedgerConfig config, Parts parts, MeterRegistry registry) throws SQLException {
        Subscriptions subscriptions = parts.subscriptions;
        if (parts.views != null) {
            parts.views.start(subscriptions);
        }
        if (config.publishTopic() != null) {
            // connects and subscribes on a thread of its own: the ledger takes writes while the broker is unreachable
            parts.relay = LiveRelay.start(config.path(), config.publishBootstrap(), config.publishTopic(),
                    subscriptions::headSeq, (from, handler) -> subscriptions.subscribeAtOwnPosition(LiveRelay.SUBSCRIPTION,
                            from, handler), config.clock(), RELAY_RETRY_FIRST, RELAY_RETRY_MAX);
            if (registry != null) {
                LedgerMetrics.relay(registry, parts.relay);
            }
        }
    }

    /**
     * Starts the backup schedule, then the health monitor, which reports on the backups and on the
     * writer (and halts it when a check says so): both must exist before it does.
     */
    private static void startBackupsAndHealth(LedgerConfig config, Parts parts, HeadSigner signer, LedgerMetrics meters,
                                              CommandRing ring) {
        parts.backups = new BackupService(config.path(), config.backupDir(), signer, config.backupInterval(),
                config.fullBackupPeriod(), config.backupRetention(), config.backupKeepMin(), config.backupMaxBytes(), config.clock(),
                meters == null ? LedgerMetrics.NO_BACKUP_METRICS : meters);
        ReaderPool readers = parts.readers;
        Subscriptions subscriptions = parts.subscriptions;
        parts.health = new HealthMonitor(config.path(), config.healthThresholds(), readers::connection,
                () -> snapshot(ring, readers, parts), parts.backups, ring::halt, config.clock(), config.healthInterval(),
                config.integrityCheckInterval(), config.integrityCheckBudget(), () -> extraChecks(subscriptions, parts.views, parts.relay));
        parts.health.onChange(config.healthListener());
    }

    /**
     * Registers the meters read from the ledger's state (health among them, so after the monitor),
     * then, last of all, opens the Prometheus endpoint: a scrape is served as soon as it listens,
     * and finds every meter registered.
     */
    private static void registerStateMetersAndServeScrapes(LedgerConfig config, Parts parts, MeterRegistry registry,
                                                           LedgerMetrics meters, CommandRing ring) throws IOException {
        parts.meters = meters;
        HealthMonitor health = parts.health;
        Subscriptions subscriptions = parts.subscriptions;
        meters.ledgerState(registry, ring, config.path(), () -> health.latest(), subscriptions::statuses);
        if (parts.prometheus != null) {
            parts.metricsEndpoint = new MetricsEndpoint(config.prometheusHost(), config.prometheusPort(), parts.prometheus,
                    meters::refresh);
        }
    }

    /**
     * Refuses to create a database where one evidently existed (see {@link FormerLedger}), unless
     * the config says {@code allowCreateOverEvidence}; and never hands a new ledger the old one's
     * non-empty journal archive, which it could not continue.
     */
    private static void refuseToCreateOverEvidence(LedgerConfig config) throws IOException {
        Path db = config.path();
        List<String> evidence = FormerLedger.evidence(db, config.archiveDir(), config.backupDir());
        boolean archiveHoldsData = config.archiveDir() != null && JournalArchive.holdsData(config.archiveDir());
        if (!evidence.isEmpty() && !config.allowCreateOverEvidence()) {
            throw new DatabaseMissing("no ledger database at " + db + ", but a ledger existed there: "
                    + String.join("; ", evidence) + ". Opening would start a new, empty ledger in its place. Bring it back"
                    + " with tools/ledger recover --db " + db + " (the newest verified backup plus the journal archive)"
                    + " or tools/ledger restore BACKUP --to " + db + "; or, to start a new, empty ledger there on purpose,"
                    + " open with --allow-create-over-evidence (LedgerConfig.Builder.allowCreateOverEvidence(true))"
                    + (archiveHoldsData ? " and a new, empty archive directory" : ""));
        }
        if (archiveHoldsData) {
            throw new DatabaseMissing("a new ledger at " + db + " cannot continue the journal archive in "
                    + config.archiveDir() + ", which holds another ledger's history (up to seq "
                    + JournalArchive.lastSeqIn(config.archiveDir()) + "); give the new ledger a new, empty archive"
                    + " directory, or bring the old ledger back with tools/ledger recover or restore");
        }
        if (!evidence.isEmpty()) {
            LOG.warn("creating a new, empty ledger at {} although {} (allowCreateOverEvidence)", db, String.join("; ", evidence));
        }
    }

    /**
     * The archive must follow the database's timeline. An archive on another one is adopted only
     * when it holds nothing the database does not share (it is empty, or ends at or before the
     * seq where the database's timeline branched off the archive's); otherwise it holds history a
     * restore left behind, and replaying it would undo that restore: refused, naming the ways on.
     * Returns what was adopted, for the open report, or null.
     */
    private static String checkTimelines(Connection conn, JournalArchive archive, LedgerConfig config)
            throws SQLException, IOException {
        Timeline db = Timeline.read(conn);
        Timeline archived = JournalArchive.timeline(archive.directory());
        if (db.id().equals(archived.id())) {
            return null;
        }
        if (archive.isEmpty() || (archive.lastSeq() <= db.branchedAtSeq() && archived.id().equals(db.parent()))) {
            JournalArchive.writeTimeline(archive.directory(), db);
            return "journal archive now follows timeline " + db.id() + " (it held only history shared with it)";
        }
        throw new LedgerException.LedgerHalted("the journal archive in " + archive.directory() + " follows timeline "
                + archived.describe() + " and holds events up to seq " + archive.lastSeq() + ", but " + config.path()
                + " is on timeline " + db.describe() + ": a restore branched it off, and replaying that archive would"
                + " bring back the history the restore left behind. Either open the ledger with a new, empty archive"
                + " directory, or restore it again with this archive (tools/ledger restore BACKUP --to " + config.path()
                + " --force --archive " + archive.directory() + " [--until-seq N]), which forks the archive at the"
                + " restore point so that it follows the restored history", null);
    }

    /**
     * The registry the ledger's meters go to: the configured one, a Prometheus registry for the scrape endpoint, both
     * (a composite), or none.
     */
    private static MeterRegistry registryOf(LedgerConfig config, Parts parts) {
        if (config.prometheusPort() < 0) {
            return config.meterRegistry();
        }
        parts.prometheus = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        if (config.meterRegistry() == null) {
            return parts.prometheus;
        }
        return new io.micrometer.core.instrument.composite.CompositeMeterRegistry(io.micrometer.core.instrument.Clock.SYSTEM,
                List.of(config.meterRegistry(), parts.prometheus));
    }

    private static HealthMonitor.LedgerSnapshot snapshot(CommandRing ring, ReaderPool readers, Parts parts) {
        LedgerState s = ring.published();
        var pool = readers.stats();
        long archiveLag = parts.archive == null ? 0 : Math.max(0, s.seq() - parts.archive.lastSeq());
        return new HealthMonitor.LedgerSnapshot(ring.haltReason(), ring.backlog(), ring.ringSize(),
                ring.nanosSinceLastCommit(), s.seq(), s.balanceSum(), pool.getActiveConnections(),
                pool.getIdleConnections(), pool.getThreadsAwaitingConnection(), archiveLag, parts.archiveProblem);
    }

    /**
     * Opens the views file (made afresh when it cannot be served, which the open report says) on the
     * opening thread, which still owns the writer's connection: the log's chain hashes come from it.
     */
    private static Views openViews(LedgerConfig config, Parts parts, String ledgerId, PayloadCodec codec,
                                   Subscriptions subscriptions, long headSeq, List<String> report)
            throws SQLException, IOException {
        Connection log = parts.conn;
        Views views = Views.open(config.path(), config.fileMode(), (int) config.busyTimeout().toMillis(), ledgerId,
                new Replayer(codec).genesis(ledgerId), seq -> io.bitcraps.ledger.store.EventReader.hashAt(log, seq),
                subscriptions::headSeq, config.clock());
        if (views.rebuiltBecause() != null && (headSeq > 0 || !views.rebuiltBecause().equals(ViewsFile.MISSING))) {
            report.add("the views file " + views.file() + " is rebuilt from the log (" + headSeq + " events) because "
                    + views.rebuiltBecause());
        }
        return views;
    }

    private static List<HealthCheck> extraChecks(Subscriptions subscriptions, Views views, LiveRelay relay) {
        List<HealthCheck> checks = subscriptionChecks(subscriptions);
        if (views != null) {
            checks.add(viewsCheck(views));
        }
        if (relay != null) {
            checks.add(relayCheck(relay));
        }
        return checks;
    }

    /** The in-process relay's first retry waits this long, each later one twice as long up to {@link #RELAY_RETRY_MAX}. */
    static final java.time.Duration RELAY_RETRY_FIRST = java.time.Duration.ofMillis(100);
    static final java.time.Duration RELAY_RETRY_MAX = java.time.Duration.ofSeconds(10);
    /** How long close gives the relay to commit what it was handed (and its starter to stop). */
    static final java.time.Duration RELAY_CLOSE_WAIT = java.time.Duration.ofSeconds(10);
    /** Relay lag past which health says DEGRADED: read_committed consumers and standbys are that far behind. */
    static final java.time.Duration RELAY_LAG_DEGRADED = java.time.Duration.ofSeconds(5);

    /**
     * The in-process Kafka relay: its state and lag (events, and how long the oldest the topic lacks
     * has been committed). DEGRADED while it retries, once it is fenced or refused, while it has
     * not reached the broker for {@link #RELAY_LAG_DEGRADED}, or past that lag. The ledger goes on
     * without it, so never DOWN.
     */
    static HealthCheck relayCheck(LiveRelay relay) {
        KafkaRelay.Status s = relay.status();
        String where = s.publishedSeq() < 0
                ? String.format(Locale.ROOT, "not connected yet (%d ms since open), head at seq %d", s.lagMillis(), s.headSeq())
                : String.format(Locale.ROOT, "published up to seq %d of %d, %d event(s) and %d ms behind", s.publishedSeq(),
                s.headSeq(), s.lagEvents(), s.lagMillis());
        String detail = String.format(Locale.ROOT, "%s to topic %s at %s (transactional id %s): %s; %d transaction(s), %d"
                        + " retries%s", s.state(), relay.topic(), relay.bootstrap(), relay.transactionalId(), where,
                s.transactions(), s.retries(), s.lastError() == null ? "" : "; last error: " + s.lastError());
        boolean healthy = switch (s.state()) {
            case PUBLISHING, STOPPED -> s.lagMillis() <= RELAY_LAG_DEGRADED.toMillis();
            case STARTING -> s.lagMillis() <= RELAY_LAG_DEGRADED.toMillis();
            case RETRYING, FENCED, REFUSED -> false;
        };
        return new HealthCheck("kafka relay", healthy ? HealthStatus.UP : HealthStatus.DEGRADED, detail);
    }

    /**
     * How far the views file is behind the log, in events and in milliseconds (how long the oldest
     * batch it lacks has been committed). DEGRADED past {@link #VIEWS_LAG_DEGRADED}: SQL reads are
     * that stale; writes go on, so never DOWN. A failing views subscriber shows in its own
     * subscription check too.
     */
    private static HealthCheck viewsCheck(Views views) {
        long events = views.lagEvents();
        long millis = views.lagMillis();
        String detail = String.format(Locale.ROOT, "views file at seq %d, %d event(s) and %d ms behind the log%s",
                views.watermark(), events, millis, views.rebuiltBecause() == null ? ""
                        : "; rebuilt from the log since open because " + views.rebuiltBecause());
        HealthStatus status = millis > VIEWS_LAG_DEGRADED.toMillis() ? HealthStatus.DEGRADED : HealthStatus.UP;
        return new HealthCheck("views", status, detail);
    }

    /** Views lag past which health says DEGRADED. */
    static final java.time.Duration VIEWS_LAG_DEGRADED = java.time.Duration.ofSeconds(5);

    /**
     * One check per running subscription, named {@code subscription <name>}: its lag, and DEGRADED
     * while its handler (or its log read) keeps failing, with the attempts, since when and the
     * last error. A lagging or failing subscriber never stops writes, so it is never DOWN.
     */
    private static List<HealthCheck> subscriptionChecks(Subscriptions subscriptions) {
        List<HealthCheck> checks = new ArrayList<>();
        for (SubscriptionStatus s : subscriptions.statuses()) {
            String where = String.format(Locale.ROOT, "at seq %d, %d event(s) behind the head (seq %d), %s",
                    s.position(), s.lag(), s.headSeq(), s.live() ? "live" : "reading the log");
            if (s.stoppedBy() != null) {
                checks.add(new HealthCheck("subscription " + s.name(), HealthStatus.DEGRADED, "stopped by " + s.stoppedBy()
                        + "; close it and subscribe again (it resumes from its checkpoint, seq " + s.checkpointSeq() + "); "
                        + where));
            } else if (s.failing()) {
                checks.add(new HealthCheck("subscription " + s.name(), HealthStatus.DEGRADED, "failing since "
                        + s.failingSince() + ", " + s.failedAttempts() + " failed attempt(s), retried with backoff; last error: "
                        + s.lastError() + "; " + where));
            } else if (s.checkpointProblem() != null) {
                checks.add(new HealthCheck("subscription " + s.name(), HealthStatus.DEGRADED, s.checkpointProblem()
                        + " (delivery goes on; after a restart it repeats from the last stored checkpoint, seq "
                        + s.checkpointSeq() + "); " + where));
            } else {
                checks.add(new HealthCheck("subscription " + s.name(), HealthStatus.UP, where));
            }
        }
        return checks;
    }

    private record ArchiveOutcome(LedgerState state, String report) {}

    /**
     * With a key, the newest signed batch in the database must verify: a rewritten log, or the
     * wrong key, must not take new writes (every later batch would be signed over the rewrite).
     * Unsigned history is accepted: a ledger written without a key gains one by being opened with
     * it, and is signed from then on. Batches written without the key after signed ones are
     * refused unless {@code acceptUnsignedBatches} (then reported); the audit with the key reports
     * them too. The check cannot tell a
     * ledger never signed from one whose signatures were all removed: that is what the audit with
     * the key ("no head is signed") and external digests are for. Returns a report line for
     * unsigned batches after the newest signed one, or null.
     */
    private static String requireSignedHeadVerifies(Connection conn, HeadSigner signer, LedgerConfig config)
            throws SQLException {
        io.bitcraps.ledger.store.EventReader.SignedBatch newest = io.bitcraps.ledger.store.EventReader.newestSignedBatch(conn);
        if (newest != null && !signer.verify(newest.lastSeq(), newest.hash(), newest.hmac())) {
            throw new LedgerException.LedgerHalted("the newest signed batch of " + config.path() + ", ending at seq "
                    + newest.lastSeq() + ", does not verify with HMAC key " + signer.keyId() + " (" + config.hmacKeyFile()
                    + "): the key may be wrong or the log was rewritten at or before seq " + newest.lastSeq()
                    + "; check the key, then run tools/ledger audit --key", null);
        }
        long[] unsigned = io.bitcraps.ledger.store.EventReader.unsignedBatchesAfter(conn,
                newest == null ? Long.MAX_VALUE : newest.lastSeq());
        if (unsigned == null) {
            return null;
        }
        String line = "seq " + unsigned[0] + ".." + unsigned[1] + " was committed without the HMAC key after the signed"
                + " head at seq " + newest.lastSeq() + " (or its signatures were removed); the audit with the key reports it";
        if (!config.acceptUnsignedBatches()) {
            // the next batch would be signed on top of them, vouching for what nobody with the key wrote
            throw new LedgerException.LedgerHalted("the newest batches of " + config.path() + " are not signed: " + line
                    + ". Batches a run without --key wrote look exactly like batches appended behind the ledger's back;"
                    + " run tools/ledger audit --key, and if they are yours open once with --accept-unsigned"
                    + " (LedgerConfig.Builder.acceptUnsignedBatches)", null);
        }
        LOG.warn("{}: {} (accepted by configuration)", config.path(), line);
        return line;
    }

    /**
     * Log-first: a state snapshot at the head before the first batch, so that a crash before the
     * writer's first periodic snapshot still opens from here (after a rebuild, or the first
     * log-first open of a ledger that kept its read model in the commit).
     */
    private static void keepSnapshotAtHead(java.sql.Connection conn, EventLog log, LedgerState state) throws SQLException {
        if (state.seq() == 0) {
            return;
        }
        EventReader.Snapshot newest = EventReader.latestSnapshot(conn, Long.MAX_VALUE);
        Long storedDigest = EventReader.storedDigest(conn);
        // a head of the read-model layout still names its read model's seq: from now on the database keeps none
        boolean headSaysElsewhere = EventReader.head(conn).readModelSeq() == EventLog.READ_MODEL_ELSEWHERE;
        if (newest != null && newest.seq() == state.seq() && (storedDigest == null || storedDigest == state.digest())
                && headSaysElsewhere) {
            return;
        }
        log.begin();
        try (java.sql.PreparedStatement drop = conn.prepareStatement("DELETE FROM state_snapshots WHERE seq > ?");
             java.sql.PreparedStatement digest = conn.prepareStatement("UPDATE ledger_head SET state_digest = ?,"
                     + " read_model_seq = " + EventLog.READ_MODEL_ELSEWHERE + " WHERE id = 1")) {
            // none may lie past the log (a log cut back, a restored file): a later history could reuse those seqs
            drop.setLong(1, state.seq());
            drop.executeUpdate();
            // the state was verified against the whole log when it disagreed with the stored digest: the digest was damaged
            digest.setLong(1, state.digest());
            digest.executeUpdate();
            log.saveSnapshot(state.seq(), state.lastTimestampMicros(), state.digest(),
                    io.bitcraps.ledger.projection.StateSnapshot.encode(state));
            log.commit();
        } catch (SQLException | RuntimeException e) {
            log.rollback();
            throw e;
        }
    }

    /**
     * Brings database and archive level: a database behind the archive is healed from it (and the
     * repair reported); an archive behind the database is caught up from it; an empty archive
     * starts at the database's head.
     */
    private static ArchiveOutcome reconcileArchive(JournalArchive archive, EventLog log, ReadModel readModel,
                                                   PayloadCodec codec, LedgerState state, HeadSigner signer,
                                                   LedgerConfig config) throws SQLException, IOException {
        if (archive.isEmpty()) {
            archive.startAfter(state.seq());
            return new ArchiveOutcome(state, "journal archive starts after seq " + state.seq());
        }
        if (archive.lastSeq() > state.seq()) {
            ArchiveReplay.Result healed;
            try {
                healed = ArchiveReplay.replay(log, readModel, codec, state, archive.directory(), Long.MAX_VALUE,
                        Long.MAX_VALUE, signer);
            } catch (ArchiveReplay.ArchiveConflict e) {
                throw new LedgerException.LedgerHalted("the journal archive in " + archive.directory()
                        + " does not continue " + config.path() + ": " + e.getMessage()
                        + "; move the archive aside or restore the database from a backup", null);
            }
            String report = "healed from the journal archive: " + healed.applied()
                    + " committed event(s) the database had lost, seq " + healed.firstSeq() + ".." + healed.lastSeq();
            LOG.warn("{}: {}", config.path(), report);
            return new ArchiveOutcome(healed.state(), report);
        }
        long appended = ArchiveReplay.catchUp(archive, log, state.seq());
        return new ArchiveOutcome(state, appended == 0 ? "journal archive in step at seq " + state.seq()
                : "journal archive caught up with " + appended + " event(s) committed before the last stop");
    }

    /** A user's listener as the writer calls it; named as the user's, so that the writer's log of a failure names it. */
    private record UserListener(CommitListener user) implements io.bitcraps.ledger.ingest.CommitListener {
        @Override
        public void onCommit(io.bitcraps.ledger.ingest.CommitNotice notice) {
            user.onCommit(CommitNotice.of(notice));
        }

        @Override
        public String toString() {
            return user.toString();
        }
    }

    private static void archiveBatch(JournalArchive archive, Parts parts, io.bitcraps.ledger.ingest.CommitNotice notice) {
        if (parts.archiveProblem != null) {
            return; // the archive has a gap now; it is caught up from the database at the next open
        }
        try {
            archive.append(notice.rows(), notice.committedTs(), notice.headSignature());
        } catch (IOException e) {
            parts.archiveProblem = "journal archive append failed at seq " + notice.firstSeq() + ": " + e.getMessage();
            LOG.error("{}; the batch is committed, the archive will be caught up at the next open", parts.archiveProblem);
        }
    }

    private static LongSupplier clockMicros(Clock clock) {
        return () -> {
            Instant now = clock.instant();
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

    /** The latest committed snapshot. Never blocks, never sees half a batch. */
    public LedgerView view() {
        return new LedgerView(ring.published());
    }

    /** Bet history (by player, by game) from the read model, through the query cache. */
    public Bets bets() {
        return bets;
    }

    /** Games by table, from the read model, through the query cache. */
    public Games games() {
        return games;
    }

    /**
     * Account statements and stored balances, through the query cache: from the views file when it
     * is on; else balances from the read model and statements from the log.
     */
    public Accounts accounts() {
        return accounts;
    }

    /** Hits, misses and stale refusals of the query cache (all zero when it is off). */
    public QueryCacheStats queryCacheStats() {
        return cache == null ? new QueryCacheStats(0, 0, 0, 0, 0) : QueryCacheStats.of(cache.stats());
    }

    /**
     * Takes a verified backup now, without stopping the writer (see {@link Backups}), then applies
     * the retention policy. Runs on the calling thread.
     */
    public BackupResult backup() throws BackupFailure {
        return BackupResult.of(backups.backupNow());
    }

    /** The backups taken since open: the last attempt and success, the last error, counts. */
    public BackupStatus backupStatus() {
        return BackupStatus.of(backups.status());
    }

    /**
     * Waits until the SQL reads hold {@code seq} (e.g. {@code receipt.lastSeq()}): read-your-writes
     * for the repositories. With the views file on, until its watermark reaches the seq; without
     * it, until the writer has committed the seq (the read model moves in its commit). Returns
     * false when the timeout passed first.
     */
    public boolean awaitViews(long seq, java.time.Duration timeout) throws InterruptedException {
        Views views = parts.views;
        if (views != null) {
            return views.awaitSeq(seq, timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ring.published().seq() < seq) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
        return true;
    }

    /** The last seq the views file holds, or -1 when the views file is off. */
    public long viewsSeq() {
        Views views = parts.views;
        return views == null ? -1 : views.watermark();
    }

    /** Runs every health check now, on the calling thread (never the writer's). */
    public HealthReport health() {
        HealthReport report = health.check();
        LedgerMetrics meters = parts.meters;
        if (meters != null) {
            try {
                meters.refresh();
            } catch (RuntimeException e) { // the report stands; only the gauges missed it
                LOG.warn("refreshing the health meters failed: {}", e.toString());
            }
        }
        return report;
    }

    /** Where the Prometheus scrape endpoint listens ({@code http://<address>/metrics}), or empty when it is off. */
    public java.util.Optional<java.net.InetSocketAddress> metricsAddress() {
        MetricsEndpoint endpoint = parts.metricsEndpoint;
        return endpoint == null ? java.util.Optional.empty() : java.util.Optional.of(endpoint.address());
    }

    /**
     * Starts the named subscription: committed events in seq order, one committed batch per
     * delivery, on a thread of its own; first read from the log (catch-up), then handed over
     * live from the writer's commit notices, with no gap and no duplicate between the two. A slow
     * or failing handler never slows the writer: it falls behind and catches up from the log.
     * <p>
     * <b>Checkpoints and delivery guarantees.</b> The handler acknowledges a batch by returning
     * normally; the subscription's checkpoint (seq and chain hash, in the sidecar file
     * {@code <db>.subscriptions}) then moves past it, written at most every 100 ms, when idle and
     * at close. Delivery is <i>at-least-once</i>: after a crash the batches since the last
     * written checkpoint come again; {@code event.seq()} lets a subscriber skip what it has. A
     * subscriber that stores its own position in the same transaction as its effects, and
     * subscribes with {@link From#after(long) From.after(itsPosition)}, processes every event
     * <i>exactly once</i>.
     * <p>
     * A handler that throws gets the same batch again after a backoff (100 ms doubling to 30 s);
     * {@link #health()} reports it DEGRADED meanwhile, and each subscription's lag. A start
     * inside a batch delivers that batch from the start onward. A stored checkpoint that the log
     * does not hold (past its head, or another chain hash at its seq: the ledger was restored or
     * forked) is refused, never re-based; see {@link #resetSubscription}.
     *
     * @param name    1..64 of {@code [A-Za-z0-9._-]}, starting with a letter or digit; one running subscription per name
     * @param from    {@link From#checkpoint()}, {@link From#beginning()}, {@link From#now()} or {@link From#seq(long)}
     * @param handler called with each delivery on the subscription's thread
     * @throws SubscriptionException a bad or running name, a closed ledger, or a checkpoint or start not in the log (typed, see its cases)
     */
    public Subscription subscribe(String name, From from, SubscriptionHandler handler) {
        return parts.subscriptions.subscribe(name, from, handler);
    }

    /**
     * Forgets the checkpoint stored for {@code name}, so that {@code From.checkpoint()} starts at
     * seq 1 again: the way on after a checkpoint was refused as not in the log (after a restore or
     * recover), once the subscriber has undone what it did with the events the log lost. Returns
     * the checkpoint that was stored, or null. The subscription must not be running.
     */
    public Checkpoint resetSubscription(String name) {
        return parts.subscriptions.reset(name);
    }

    /** The checkpoint stored for {@code name}, or null when there is none. */
    public Checkpoint subscriptionCheckpoint(String name) {
        return parts.subscriptions.stored(name);
    }

    /** The running subscriptions: position, lag, failures. */
    public List<SubscriptionStatus> subscriptions() {
        return parts.subscriptions.statuses();
    }

    /**
     * The in-process Kafka relay's state and lag ({@code LedgerConfig.Builder.publishTo}), or empty
     * when the ledger does not publish.
     */
    public java.util.Optional<RelayStatus> relayStatus() {
        LiveRelay relay = parts.relay;
        return relay == null ? java.util.Optional.empty() : java.util.Optional.of(RelayStatus.of(relay.status()));
    }

    /** The writer's counters since open. */
    public WriterStats stats() {
        return WriterStats.of(ring.stats());
    }

    public String ledgerId() {
        return ledgerId;
    }

    public LedgerConfig config() {
        return config;
    }

    /** What opening did besides loading: a rebuilt read model, a healed or caught-up archive. Empty when nothing. */
    public String openReport() {
        return openReport;
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

    /**
     * Asks the writer to move the WAL into the database file between two batches (the writer also
     * does this by itself every {@value io.bitcraps.ledger.store.LedgerDatabase#WRITER_AUTOCHECKPOINT_PAGES}
     * pages). Returns at once; the checkpoint runs on the writer.
     */
    public CompletableFuture<Object> checkpoint() {
        return ring.runOnWriter(store -> {
            store.checkpointPassive();
            return null;
        });
    }

    /** How long {@link #close} lets the views file catch up with the last receipt before it stops it. */
    private static final long VIEWS_CATCH_UP_AT_CLOSE_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Waits a little for the views to reach {@code head}; not for a views subscriber that is failing (it would not). */
    private static void catchUpViewsForClose(Views views, long head) {
        long deadline = System.nanoTime() + VIEWS_CATCH_UP_AT_CLOSE_NANOS;
        try {
            while (views.watermark() < head && System.nanoTime() - deadline < 0) {
                io.bitcraps.ledger.feed.Subscription s = views.subscription();
                if (s == null || s.isClosed() || s.status().failedAttempts() > 0) {
                    return;
                }
                views.awaitSeq(head, java.time.Duration.ofMillis(50));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the health monitor and the backup schedule, drains the ring (every submission already
     * accepted is committed or failed, and its future completed), closes the readers, moves the WAL
     * into the database file and releases the writer lock. Safe to call from any thread, more than
     * once, and from a callback of a ledger future.
     *
     * @throws IllegalStateException when the writer did not stop within the close timeout (a commit
     *                               listener that never returns, a stuck disk); the connection and
     *                               the writer lock then stay with the writer thread
     */
    @Override
    public void close() {
        if (ring.onWriterThread()) {
            // a CommitListener: close waits for the writer to drain, which would be waiting for itself
            throw new IllegalStateException("Ledger.close() was called on the writer thread (from a CommitListener);"
                    + " close the ledger from another thread");
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Views views = parts.views;
        if (views != null) {
            // a views file current at close shows read-only tools (history, balances) every receipt given
            // before close was called; one far behind (a rebuild) is left to the next open instead of holding
            // the close, as are batches still being submitted while the ledger closes
            catchUpViewsForClose(views, ring.published().seq());
        }
        LiveRelay relay = parts.relay;
        if (relay != null) {
            try {
                relay.drain(RELAY_CLOSE_WAIT); // the run's last batches leave now rather than at the next open
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // subscriptions first: each handler finishes its batch and its checkpoint is written while
        // the log is still there to read; a handler may itself be calling close
        parts.subscriptions.close();
        if (relay != null) {
            relay.close(RELAY_CLOSE_WAIT); // commits what its subscription handed it; stays for relayStatus()
        }
        try {
            parts.health.close();
            parts.backups.close();
        } catch (RuntimeException e) {
            LOG.warn("stopping the health monitor or the backup schedule failed; closing the rest: {}", e.toString());
        }
        boolean stopped = ring.close();
        parts.ring = null;
        parts.writerStopped = stopped;
        if (!stopped) {
            parts.close();
            throw new IllegalStateException("the writer of " + config.path() + " did not stop within "
                    + config.closeTimeout() + "; its connection and the writer lock stay open until it does");
        }
        parts.checkpointer.close(); // the final TRUNCATE checkpoint below is the writer's
        parts.checkpointer = null;
        if (parts.readers != null) {
            // readers go first: a pooled reader holding a snapshot would keep the checkpoint from
            // emptying the WAL
            parts.readers.close();
            parts.readers = null;
        }
        if (parts.lookups != null) {
            try {
                parts.lookups.close();
            } catch (SQLException e) {
                LOG.warn("closing the writer's lookup connection failed: {}", e.getMessage());
            }
            parts.lookups = null;
        }
        if (parts.viewReaders != null) {
            parts.viewReaders.close();
            parts.viewReaders = null;
        }
        if (parts.views != null) {
            // its subscription has stopped: it commits what it applied; its readers are closed, so
            // closing its connection checkpoints the file's WAL into it
            parts.views.close();
            parts.views = null;
        }
        try {
            if (ring.haltReason() == null) {
                parts.log.checkpoint();
            }
        } catch (SQLException e) {
            LOG.warn("checkpoint at close failed; the WAL will be replayed at next open: {}", e.getMessage());
        }
        parts.close();
    }
}
