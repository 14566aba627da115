package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.store.FaultInjector;

import io.bitcraps.ledger.health.HealthReport;
import io.bitcraps.ledger.health.HealthThresholds;
import io.micrometer.core.instrument.MeterRegistry;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything {@link Ledger#open} needs, validated once by {@link Builder#build()} and immutable
 * afterwards. A bad value is refused with a message naming it; nothing is silently replaced.
 */
public final class LedgerConfig {
    private final Path path;
    private final Durability durability;
    private final int ringSize;
    private final int batchSubmissionsMax;
    private final int batchEventsMax;
    private final Duration submitTimeout;
    private final Duration busyTimeout;
    private final Duration busyRetryDeadline;
    private final Duration closeTimeout;
    private final long maxDatabaseBytes;
    private final Clock clock;
    private final List<CommitListener> commitListeners;
    private final int subscriptionQueueBatches;
    private final int readerPoolSize;
    private final long queryCacheBytes;
    private final boolean views;
    private final boolean logFirstCommit;
    private final long stateSnapshotEveryEvents;
    private final boolean pipelinedCommit;
    private final Duration idempotencyWindow;
    private final int idempotencyKeysMax;
    private final boolean tableRules;
    private final Path hmacKeyFile;
    private final Path archiveDir;
    private final Path backupDir;
    private final Duration backupInterval;
    private final Duration backupRetention;
    private final int backupKeepMin;
    private final Duration fullBackupInterval;
    private final long backupMaxBytes;
    private final HealthThresholds healthThresholds;
    private final Duration healthInterval;
    private final Duration integrityCheckInterval;
    private final Duration integrityCheckBudget;
    private final MeterRegistry meterRegistry;
    private final FaultInjector faultInjector;
    private final Set<PosixFilePermission> fileMode;
    private final boolean allowCreateOverEvidence;
    private final boolean acceptUnsignedBatches;
    private final String publishBootstrap;
    private final String publishTopic;
    private final String prometheusHost;
    private final int prometheusPort;
    private final java.util.function.Consumer<HealthReport> healthListener;

    private LedgerConfig(Builder b) {
        this.path = b.path;
        this.durability = b.durability;
        this.ringSize = b.ringSize;
        this.batchSubmissionsMax = b.batchSubmissionsMax;
        this.batchEventsMax = b.batchEventsMax;
        this.submitTimeout = b.submitTimeout;
        this.busyTimeout = b.busyTimeout;
        this.busyRetryDeadline = b.busyRetryDeadline;
        this.closeTimeout = b.closeTimeout;
        this.maxDatabaseBytes = b.maxDatabaseBytes;
        this.clock = b.clock;
        this.commitListeners = List.copyOf(b.commitListeners);
        this.subscriptionQueueBatches = b.subscriptionQueueBatches;
        this.readerPoolSize = b.readerPoolSize;
        this.queryCacheBytes = b.queryCacheBytes;
        this.views = b.views || b.logFirstCommit;
        this.publishBootstrap = b.publishBootstrap;
        this.publishTopic = b.publishTopic;
        this.healthListener = b.healthListener;
        this.prometheusHost = b.prometheusHost;
        this.prometheusPort = b.prometheusPort;
        this.logFirstCommit = b.logFirstCommit;
        this.stateSnapshotEveryEvents = b.stateSnapshotEveryEvents;
        this.pipelinedCommit = b.pipelinedCommit;
        this.idempotencyWindow = b.idempotencyWindow;
        this.idempotencyKeysMax = b.idempotencyKeysMax;
        this.tableRules = b.tableRules;
        this.hmacKeyFile = b.hmacKeyFile;
        this.archiveDir = b.archiveDir;
        this.backupDir = b.backupDir != null ? b.backupDir
                : path.toAbsolutePath().getParent().resolve("backups");
        this.backupInterval = b.backupInterval;
        this.backupRetention = b.backupRetention;
        this.backupKeepMin = b.backupKeepMin != null ? b.backupKeepMin
                // with the archive as the increment a full backup is daily: 24 would keep 24 days of full copies
                : archiveDir != null ? 3 : 24;
        this.fullBackupInterval = b.fullBackupInterval;
        this.backupMaxBytes = b.backupMaxBytes;
        HealthThresholds t = b.healthThresholds;
        if (t.maxBackupAge() == null && !backupInterval.isZero()) {
            // with a schedule, a backup older than two full-backup periods means the schedule is not working
            t = t.withMaxBackupAge(fullBackupPeriod().multipliedBy(2));
        }
        this.healthThresholds = t;
        this.healthInterval = b.healthInterval;
        this.integrityCheckInterval = b.integrityCheckInterval;
        this.integrityCheckBudget = b.integrityCheckBudget;
        this.meterRegistry = b.meterRegistry;
        this.faultInjector = b.faultInjector;
        this.fileMode = Set.copyOf(PosixFilePermissions.fromString(b.fileMode));
        this.allowCreateOverEvidence = b.allowCreateOverEvidence;
        this.acceptUnsignedBatches = b.acceptUnsignedBatches;
    }

    public static Builder builder(Path path) {
        return new Builder(path);
    }

    public Path path() {
        return path;
    }

    public Durability durability() {
        return durability;
    }

    public int ringSize() {
        return ringSize;
    }

    public int batchSubmissionsMax() {
        return batchSubmissionsMax;
    }

    public int batchEventsMax() {
        return batchEventsMax;
    }

    public Duration submitTimeout() {
        return submitTimeout;
    }

    public Duration busyTimeout() {
        return busyTimeout;
    }

    /**
     * How long the writer keeps retrying a batch (with backoff) while another connection holds
     * the database's write lock, counted from the batch's first attempt; each attempt itself waits
     * up to {@link #busyTimeout()} inside SQLite. Past it the batch fails with the retryable
     * {@code STORAGE_FAILURE} (code BUSY) and the writer goes on.
     */
    public Duration busyRetryDeadline() {
        return busyRetryDeadline;
    }

    /** How long {@link Ledger#close()} waits for the writer to drain the ring and stop. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    public long maxDatabaseBytes() {
        return maxDatabaseBytes;
    }

    public Clock clock() {
        return clock;
    }

    public List<CommitListener> commitListeners() {
        return commitListeners;
    }

    /** Committed batches each subscription's live queue holds before the subscription falls back to reading the log. */
    public int subscriptionQueueBatches() {
        return subscriptionQueueBatches;
    }

    public int readerPoolSize() {
        return readerPoolSize;
    }

    public long queryCacheBytes() {
        return queryCacheBytes;
    }

    /** True when the durable commit carries the log only; see {@link Builder#logFirstCommit}. */
    public boolean logFirstCommit() {
        return logFirstCommit;
    }

    /** With the log-first commit: how many events between two snapshots of the writer's state (or a minute). */
    public long stateSnapshotEveryEvents() {
        return stateSnapshotEveryEvents;
    }

    /** With the log-first commit: how long an idempotency key is recognised; see {@link Builder#idempotencyWindow}. */
    public Duration idempotencyWindow() {
        return idempotencyWindow;
    }

    /** With the log-first commit: how many recent idempotency keys are recognised; see {@link Builder#idempotencyWindow}. */
    public int idempotencyKeysMax() {
        return idempotencyKeysMax;
    }

    /** Whether the writer judges bets and settlements by the craps rulebook; see {@link Builder#tableRules}. */
    public boolean tableRules() {
        return tableRules;
    }

    /** True when batch N+1 is decided while batch N commits; see {@link Builder#pipelinedCommit}. */
    public boolean pipelinedCommit() {
        return pipelinedCommit;
    }

    /** Told of each health report whose status changed, or null; see {@link Builder#healthListener}. */
    public java.util.function.Consumer<HealthReport> healthListener() {
        return healthListener;
    }

    /** The address of the Prometheus scrape endpoint, or null when it is off; see {@link Builder#prometheusEndpoint}. */
    public String prometheusHost() {
        return prometheusHost;
    }

    /** The port of the Prometheus scrape endpoint (0: any free one), or -1 when it is off. */
    public int prometheusPort() {
        return prometheusPort;
    }

    /** The Kafka bootstrap servers the ledger publishes its committed log to, or null; see {@link Builder#publishTo}. */
    public String publishBootstrap() {
        return publishBootstrap;
    }

    /** The Kafka topic the ledger publishes its committed log to, or null; see {@link Builder#publishTo}. */
    public String publishTopic() {
        return publishTopic;
    }

    /** True when the views file ({@code <db>.views}) is kept and the repositories read from it; see {@link Builder#views}. */
    public boolean views() {
        return views;
    }

    /** Where backups go (default: {@code backups/} beside the database). */
    public Path backupDir() {
        return backupDir;
    }

    /** Time between scheduled backups; zero when only {@code Ledger.backup()} takes them. */
    public Duration backupInterval() {
        return backupInterval;
    }

    public Duration backupRetention() {
        return backupRetention;
    }

    /** The newest backups kept whatever their age (default 24; 3 with a journal archive, whose full backups are daily). */
    public int backupKeepMin() {
        return backupKeepMin;
    }

    /** Time between scheduled full backups when a journal archive is the increment (default 24 h). */
    public Duration fullBackupInterval() {
        return fullBackupInterval;
    }

    /**
     * How often the schedule actually takes a full backup: every {@link #fullBackupInterval} with a
     * journal archive (which holds every batch in between), every {@link #backupInterval} without
     * one (there is no increment), never shorter than the schedule's own tick.
     */
    public Duration fullBackupPeriod() {
        if (archiveDir == null || fullBackupInterval.compareTo(backupInterval) < 0) {
            return backupInterval;
        }
        return fullBackupInterval;
    }

    /** Most bytes the backups (with their manifests) may take; 0: no cap. */
    public long backupMaxBytes() {
        return backupMaxBytes;
    }

    /** How often a full {@code quick_check} pass is due; zero: the whole file at every health check. */
    public Duration integrityCheckInterval() {
        return integrityCheckInterval;
    }

    /** Time one health check may spend on the {@code quick_check} pass (see {@code IntegrityPass}). */
    public Duration integrityCheckBudget() {
        return integrityCheckBudget;
    }

    public HealthThresholds healthThresholds() {
        return healthThresholds;
    }

    public Duration healthInterval() {
        return healthInterval;
    }

    /** The fault hook of fault-injection tests, or null. */
    FaultInjector faultInjector() {
        return faultInjector;
    }

    /** The Micrometer registry, or null without metrics. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** The journal archive directory, or null when batches are not archived. */
    public Path archiveDir() {
        return archiveDir;
    }

    /**
     * True when {@code Ledger.open} may create a new, empty ledger although the database file is
     * missing and something shows a ledger existed at that path (see {@link Builder#allowCreateOverEvidence}).
     */
    public boolean allowCreateOverEvidence() {
        return allowCreateOverEvidence;
    }

    /** Whether open with the HMAC key accepts batches without an HMAC after signed ones (see {@link Builder#acceptUnsignedBatches}). */
    public boolean acceptUnsignedBatches() {
        return acceptUnsignedBatches;
    }

    /** The HMAC key file, or null when heads are not signed. */
    public Path hmacKeyFile() {
        return hmacKeyFile;
    }

    /** The mode the database (with its -wal and -shm) and the archive segments are created with. */
    public Set<PosixFilePermission> fileMode() {
        return fileMode;
    }

    @Override
    public String toString() {
        return "LedgerConfig{path=" + path + ", durability=" + durability + ", ringSize=" + ringSize
                + ", batchSubmissionsMax=" + batchSubmissionsMax + ", batchEventsMax=" + batchEventsMax
                + ", submitTimeout=" + submitTimeout + ", busyTimeout=" + busyTimeout
                + ", busyRetryDeadline=" + busyRetryDeadline + ", closeTimeout=" + closeTimeout
                + ", maxDatabaseBytes=" + maxDatabaseBytes + ", readerPoolSize=" + readerPoolSize
                + ", queryCacheBytes=" + queryCacheBytes + ", views=" + views + ", logFirstCommit=" + logFirstCommit
                + ", pipelinedCommit=" + pipelinedCommit + ", idempotencyWindow=" + idempotencyWindow
                + ", idempotencyKeysMax=" + idempotencyKeysMax + ", tableRules=" + tableRules
                + (publishTopic == null ? "" : ", publishTo=" + publishBootstrap + "/" + publishTopic) + "}";
    }

    /** The most idempotency keys a window may hold (the writer's table is an int-indexed array). */
    public static final int IDEMPOTENCY_KEYS_MAX_LIMIT = 1 << 27;

    public static final class Builder {
        private final Path path;
        private Durability durability = Durability.FULL;
        private int ringSize = 8192;
        private int batchSubmissionsMax = 1024;
        private int batchEventsMax = 8192;
        private Duration submitTimeout = Duration.ofSeconds(5);
        private Duration busyTimeout = Duration.ofSeconds(5);
        private Duration busyRetryDeadline = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(60);
        private long maxDatabaseBytes = 1L << 40;
        private Clock clock = Clock.systemUTC();
        private final List<CommitListener> commitListeners = new ArrayList<>();
        private int subscriptionQueueBatches = 256;
        private int readerPoolSize = 4;
        private long queryCacheBytes = 32L << 20;
        private boolean views;
        private boolean logFirstCommit = true;
        private long stateSnapshotEveryEvents = 200_000;
        private boolean pipelinedCommit = true;
        private Duration idempotencyWindow = Duration.ofHours(24);
        private int idempotencyKeysMax = 1_000_000;
        private boolean tableRules = true;
        private Path hmacKeyFile;
        private Path archiveDir;
        private Path backupDir;
        private Duration backupInterval = Duration.ofHours(1);
        private Duration backupRetention = Duration.ofDays(7);
        private Integer backupKeepMin;
        private Duration fullBackupInterval = Duration.ofHours(24);
        private long backupMaxBytes;
        private HealthThresholds healthThresholds = HealthThresholds.defaults();
        private Duration healthInterval = Duration.ofSeconds(30);
        private Duration integrityCheckInterval = Duration.ofHours(6);
        private Duration integrityCheckBudget = Duration.ofSeconds(2);
        private MeterRegistry meterRegistry;
        private FaultInjector faultInjector;
        private String fileMode = "rw-------";
        private boolean allowCreateOverEvidence;
        private boolean acceptUnsignedBatches;
        private String publishBootstrap;
        private String publishTopic;
        private String prometheusHost;
        private int prometheusPort = -1;
        private java.util.function.Consumer<HealthReport> healthListener;

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "path");
        }

        public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /** Slots in the ring; a power of two. */
        public Builder ringSize(int ringSize) {
            this.ringSize = ringSize;
            return this;
        }

        /** Most submissions one commit may carry; at most the ring size. */
        public Builder batchSubmissionsMax(int max) {
            this.batchSubmissionsMax = max;
            return this;
        }

        /** Most events one commit may carry; at least one full atomic group. */
        public Builder batchEventsMax(int max) {
            this.batchEventsMax = max;
            return this;
        }

        /** How long a submitter waits for a free slot before {@code Overloaded}. */
        public Builder submitTimeout(Duration timeout) {
            this.submitTimeout = Objects.requireNonNull(timeout, "submitTimeout");
            return this;
        }

        /** How long SQLite waits on a locked database before failing the batch. */
        public Builder busyRetryDeadline(Duration deadline) {
            this.busyRetryDeadline = Objects.requireNonNull(deadline, "busyRetryDeadline");
            return this;
        }

        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Objects.requireNonNull(timeout, "closeTimeout");
            return this;
        }

        public Builder busyTimeout(Duration timeout) {
            this.busyTimeout = Objects.requireNonNull(timeout, "busyTimeout");
            return this;
        }

        /** Hard cap on the database file; a batch that would pass it fails like a full disk. */
        public Builder maxDatabaseBytes(long bytes) {
            this.maxDatabaseBytes = bytes;
            return this;
        }

        /** The engine clock that stamps events (tests pass a fixed or stepping clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Told of every commit on the committing thread, before the batch's futures complete. */
        public Builder commitListener(CommitListener listener) {
            this.commitListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Committed batches each subscription's live queue holds (also at most
         * {@value io.bitcraps.ledger.feed.Subscriptions#QUEUE_EVENTS_MAX} events). When it is full
         * the writer drops the next batch for that subscription, which then catches up from the
         * log: a larger queue costs memory, a smaller one more log reads; the writer never waits.
         */
        public Builder subscriptionQueueBatches(int batches) {
            this.subscriptionQueueBatches = batches;
            return this;
        }

        /** Read-only connections for the repositories. */
        public Builder readerPoolSize(int size) {
            this.readerPoolSize = size;
            return this;
        }

        /** Bound on the query cache, in (estimated) bytes; 0 turns the cache off. */
        public Builder queryCacheBytes(long bytes) {
            this.queryCacheBytes = bytes;
            return this;
        }

        /**
         * Keeps the views file {@code <db>.views} (the read model written by the {@code views}
         * subscriber beside the log, in large transactions) and makes the bet, game, balance,
         * player-statistics and account-statement repositories read from it. Always on with the
         * log-first commit (the default); this switch matters only with {@code logFirstCommit(false)},
         * where the read model is also written in the durable commit. A repository read right after
         * a receipt may not hold that receipt yet: every page says the seq it reflects
         * ({@code Page.asOfSeq}), and {@code Ledger.awaitViews(receipt.seq(), timeout)} waits for it.
         */
        public Builder views(boolean on) {
            this.views = on;
            return this;
        }

        /**
         * Pushes health changes: {@code listener} gets each health report (periodic, or from
         * {@code Ledger.health()}) whose overall status or any check's status differs from the
         * report before it, the first one included, on the checking thread; it should return
         * quickly. The ledger also logs each change of a check (WARN to DEGRADED, ERROR to DOWN,
         * INFO back to UP).
         */
        public Builder healthListener(java.util.function.Consumer<HealthReport> listener) {
            this.healthListener = listener;
            return this;
        }

        /**
         * Serves the ledger's meters for Prometheus at {@code http://host:port/metrics} (the JDK's
         * HTTP server, one thread; port 0 takes any free one, {@code Ledger.metricsAddress()} says
         * which). Off by default: an embedder with its own registry passes it to
         * {@link #meterRegistry} instead, or as well (the ledger then registers its meters in both).
         * {@code host} is the address to bind: 127.0.0.1 keeps it on this machine.
         */
        public Builder prometheusEndpoint(String host, int port) {
            if (host == null || host.isBlank() || port < 0 || port > 65_535) {
                throw new IllegalArgumentException("prometheusEndpoint needs a host and a port in 0..65535, got " + host
                        + ":" + port);
            }
            this.prometheusHost = host;
            this.prometheusPort = port;
            return this;
        }

        /**
         * Publishes every committed batch to the Kafka topic {@code topic} at {@code bootstrap}
         * (HOST:PORT[,...]) from inside this process: the relay of {@code tools/ledger publish}, fed
         * by the subscription {@code kafka-relay} instead of by reading the file. Exactly once for
         * {@code read_committed} consumers, across kills and broker restarts; the topic itself holds
         * the relay's position, and its transactional id is {@code bitcraps-relay-<ledger id>}, so
         * run either this or {@code tools/ledger publish} for a ledger, not both (the later one
         * fences the earlier). The ledger opens and takes writes while the broker is unreachable;
         * health reports the relay's state and lag (check {@code kafka relay}). Off by default.
         */
        public Builder publishTo(String bootstrap, String topic) {
            if (bootstrap == null || bootstrap.isBlank() || topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("publishTo needs bootstrap servers and a topic, got \"" + bootstrap
                        + "\" and \"" + topic + "\"");
            }
            this.publishBootstrap = bootstrap;
            this.publishTopic = topic;
            return this;
        }

        /**
         * The log-first commit, on by default: the durable transaction carries the events, the
         * batch record and the head, and no read model; the read model is the views file alone
         * (this turns {@link #views} on), and the writer stores a small snapshot of its state with
         * a batch every 200,000 events or minute and at close, from which an open folds the rest of
         * the log. Off, the commit also writes the read model and the events' statement indexes
         * into the database (the layout before issue #12): slower per commit, but SQL reads of the
         * database itself are exact at every receipt. A ledger moves between the two at any open.
         */
        public Builder logFirstCommit(boolean on) {
            this.logFirstCommit = on;
            return this;
        }

        /**
         * With the log-first commit: a snapshot of the writer's state every this many events (or
         * every minute, whichever comes first). An open after a crash folds at most about this
         * many events of the log; each snapshot costs one encoding of the live state, off the
         * writer thread. Default 200,000.
         */
        public Builder stateSnapshotEveryEvents(long events) {
            if (events < 1) {
                throw new IllegalArgumentException("stateSnapshotEveryEvents must be at least 1, got " + events);
            }
            this.stateSnapshotEveryEvents = events;
            return this;
        }

        /**
         * With the log-first commit, the retention window of idempotency keys: a key is
         * recognised (a resubmission gets its first receipt, other content a conflict) while it
         * is among the newest {@code keysMax} keys and at most {@code window} of ledger time older
         * than the newest; an older key is forgotten, and a submission under it is a new one.
         * The window is held in memory (about 56 bytes per key: 56 MB at the default 1,000,000)
         * and rebuilt from the log's tail at open; the commit writes no index over the keys, so
         * its cost does not grow with the keys ever used. Defaults: 24 hours, 1,000,000 keys.
         * The default commit recognises every key for ever, through the log's unique key index.
         */
        public Builder idempotencyWindow(Duration window, int keysMax) {
            if (window == null || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("idempotencyWindow must be positive, got " + window);
            }
            if (keysMax < 1 || keysMax > IDEMPOTENCY_KEYS_MAX_LIMIT) {
                throw new IllegalArgumentException("idempotencyKeysMax must be in 1.." + IDEMPOTENCY_KEYS_MAX_LIMIT + ", got "
                        + keysMax);
            }
            this.idempotencyWindow = window;
            this.idempotencyKeysMax = keysMax;
            return this;
        }

        /**
         * Whether the writer judges every bet and settlement by the craps rulebook under the table
         * rules each game recorded (on by default): a bet the rules refuse at that moment
         * ({@code BET_NOT_ALLOWED}), a settlement other than the rulebook's for the roll that decided
         * the bet ({@code WRONG_PAYOUT}), a win, loss or push before any roll decided the bet
         * ({@code EARLY_SETTLEMENT}), and a roll while an earlier roll's settlements are owed
         * ({@code UNSETTLED_BETS}) are refused and nothing is written. Off, the ledger records what
         * the engine says, as before the rules were enforced, and only the audit judges it: for
         * importing a history kept elsewhere, never for a live floor.
         */
        public Builder tableRules(boolean judge) {
            this.tableRules = judge;
            return this;
        }

        /**
         * The pipelined commit (on by default): the writer decides batch N+1 while batch N
         * commits on a thread of its own, so that the fsync overlaps the deciding. N+1 rests on
         * N's state: if N does not commit, every submission of N+1 that wrote, or was refused on
         * that state, fails as retryable {@code STORAGE_FAILURE}; nothing speculative is ever
         * acknowledged. Off: each batch commits before the next is decided.
         */
        public Builder pipelinedCommit(boolean on) {
            this.pipelinedCommit = on;
            return this;
        }

        /**
         * A file holding the HMAC key (at least 16 bytes; keep it off the database's disk). With it,
         * the writer signs the chain head at every commit, and audits with the key can prove that
         * no one without it rewrote history.
         */
        public Builder hmacKeyFile(Path file) {
            this.hmacKeyFile = Objects.requireNonNull(file, "hmacKeyFile");
            return this;
        }

        /**
         * Archive every committed batch to segment files in this directory (best on another disk):
         * point-in-time restore from a backup, and healing of a database that lost committed
         * batches. Forced to disk per batch under {@code Durability.FULL}.
         */
        public Builder archiveDir(Path dir) {
            this.archiveDir = Objects.requireNonNull(dir, "archiveDir");
            return this;
        }

        /** Where backups go; default {@code backups/} beside the database. */
        public Builder backupDir(Path dir) {
            this.backupDir = Objects.requireNonNull(dir, "backupDir");
            return this;
        }

        /** Time between scheduled backups (default 1 hour); {@code Duration.ZERO} turns the schedule off. */
        public Builder backupInterval(Duration interval) {
            this.backupInterval = Objects.requireNonNull(interval, "backupInterval");
            return this;
        }

        /** Backups younger than this are kept (default 7 days), and always the newest {@code keepMin} (default 24). */
        public Builder backupRetention(Duration keep, int keepMin) {
            this.backupRetention = Objects.requireNonNull(keep, "backupRetention");
            this.backupKeepMin = keepMin;
            return this;
        }

        /**
         * With a journal archive, the schedule takes a full backup only when the newest backup is
         * this old (default 24 h); the archive is the increment in between, and a point-in-time
         * restore replays it on top of the full backup. Without an archive every scheduled run takes
         * a full backup. {@code Duration.ZERO}: a full backup at every scheduled run.
         */
        public Builder fullBackupInterval(Duration interval) {
            this.fullBackupInterval = Objects.requireNonNull(interval, "fullBackupInterval");
            return this;
        }

        /**
         * A cap on the bytes all backups (and manifests) in the backup directory take (default 0: no
         * cap). Past it, retention deletes the oldest backups, even below the {@code keepMin}, but
         * never the newest verified one.
         */
        public Builder backupMaxBytes(long bytes) {
            this.backupMaxBytes = bytes;
            return this;
        }

        /**
         * How often a full {@code quick_check} pass over the file is due (default 6 h). Between
         * passes the health checks run only the cheap checks (chain tail, indexes, I1, disk, WAL).
         * {@code Duration.ZERO}: the whole file at every health check, fine for small files.
         */
        public Builder integrityCheckInterval(Duration interval) {
            this.integrityCheckInterval = Objects.requireNonNull(interval, "integrityCheckInterval");
            return this;
        }

        /**
         * How long one health check may spend on the {@code quick_check} pass, and so how long it
         * may hold a read snapshot that keeps the WAL from being reset (default 2 s). The pass goes
         * table by table and resumes at the next check; a table cut off gets twice the budget next time.
         */
        public Builder integrityCheckBudget(Duration budget) {
            this.integrityCheckBudget = Objects.requireNonNull(budget, "integrityCheckBudget");
            return this;
        }

        public Builder healthThresholds(HealthThresholds thresholds) {
            this.healthThresholds = Objects.requireNonNull(thresholds, "healthThresholds");
            return this;
        }

        /** Time between periodic health checks (default 30 s); zero runs them only on demand. */
        public Builder healthInterval(Duration interval) {
            this.healthInterval = Objects.requireNonNull(interval, "healthInterval");
            return this;
        }

        /** Publish metrics to this Micrometer registry (appends, rejections, batches, commits, ring, backups, pool). */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
            return this;
        }

        /** For fault-injection tests only: called before every COMMIT, it may throw to make the commit fail. */
        Builder faultInjector(FaultInjector injector) {
            this.faultInjector = Objects.requireNonNull(injector, "faultInjector");
            return this;
        }

        /**
         * The POSIX mode, as {@code ls} shows it (default {@code rw-------}), of the files that hold the
         * ledger's history: the database when this opens creates it (SQLite gives its {@code -wal} and
         * {@code -shm} the database's mode) and every new archive segment. Applied exactly, whatever the
         * umask. Files that already exist keep their mode; ignored where the file system has no POSIX modes.
         */
        public Builder fileMode(String mode) {
            this.fileMode = Objects.requireNonNull(mode, "fileMode");
            return this;
        }

        /**
         * Lets {@code Ledger.open} create a new, empty ledger where the database file is missing
         * although a ledger evidently existed there: its lock file names a ledger, its journal
         * archive holds data, a backup manifest names this path, or a {@code .damaged-*} copy lies
         * beside it. Off by default, because silently starting an empty ledger where the real one
         * went missing loses every balance; restore or recover it instead. Even with this, a new
         * ledger is never given the old ledger's non-empty journal archive.
         */
        /**
         * Lets {@code Ledger.open} with the HMAC key take writes although the newest batches carry no
         * HMAC while earlier ones are signed. Off by default: such batches were committed by a run
         * that did not have the key, which is what someone who appended to the file behind the
         * ledger's back looks like too, and the next signed batch would vouch for them. Turn it on
         * once, after {@code tools/ledger audit --key} showed those batches are yours.
         */
        public Builder acceptUnsignedBatches(boolean accept) {
            this.acceptUnsignedBatches = accept;
            return this;
        }

        public Builder allowCreateOverEvidence(boolean allow) {
            this.allowCreateOverEvidence = allow;
            return this;
        }

        public LedgerConfig build() {
            Set<PosixFilePermission> mode;
            try {
                mode = PosixFilePermissions.fromString(fileMode);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("fileMode must be nine characters like rw-------, got " + fileMode);
            }
            require(mode.contains(PosixFilePermission.OWNER_READ) && mode.contains(PosixFilePermission.OWNER_WRITE),
                    "fileMode must let the owner read and write (rw-......), got " + fileMode);
            require(!backupInterval.isNegative() && (backupInterval.isZero() || backupInterval.toSeconds() >= 1),
                    "backupInterval must be zero (off) or at least 1 s, got " + backupInterval);
            require(!backupRetention.isNegative(), "backupRetention must not be negative, got " + backupRetention);
            require(backupKeepMin == null || backupKeepMin >= 1, "backupKeepMin must keep at least 1 backup, got " + backupKeepMin);
            require(!fullBackupInterval.isNegative(), "fullBackupInterval must not be negative, got " + fullBackupInterval);
            require(backupMaxBytes >= 0, "backupMaxBytes must be 0 (no cap) or positive, got " + backupMaxBytes);
            require(!integrityCheckInterval.isNegative(), "integrityCheckInterval must be zero (every health check) or"
                    + " positive, got " + integrityCheckInterval);
            require(!integrityCheckBudget.isNegative() && integrityCheckBudget.toMillis() >= 1
                            && integrityCheckBudget.compareTo(Duration.ofMinutes(10)) <= 0,
                    "integrityCheckBudget must be in [1 ms, 10 min], got " + integrityCheckBudget);
            require(!healthInterval.isNegative(), "healthInterval must not be negative, got " + healthInterval);
            require(readerPoolSize >= 1 && readerPoolSize <= 64, "readerPoolSize must be in 1..64, got " + readerPoolSize);
            require(queryCacheBytes >= 0 && queryCacheBytes <= (16L << 30),
                    "queryCacheBytes must be in 0..16 GiB, got " + queryCacheBytes);
            require(ringSize >= 64 && ringSize <= (1 << 22) && Integer.bitCount(ringSize) == 1,
                    "ringSize must be a power of two in 64.." + (1 << 22) + ", got " + ringSize);
            require(batchSubmissionsMax >= 1 && batchSubmissionsMax <= ringSize,
                    "batchSubmissionsMax must be in 1..ringSize (" + ringSize + "), got " + batchSubmissionsMax);
            require(batchEventsMax >= Limits.ATOMIC_COMMANDS_MAX && batchEventsMax <= 1_000_000,
                    "batchEventsMax must hold one full atomic group (" + Limits.ATOMIC_COMMANDS_MAX + ") and be at most 1000000, got "
                            + batchEventsMax);
            require(!submitTimeout.isNegative() && !submitTimeout.isZero() && submitTimeout.compareTo(Duration.ofMinutes(10)) <= 0,
                    "submitTimeout must be in (0, 10 min], got " + submitTimeout);
            require(!busyTimeout.isNegative() && busyTimeout.compareTo(Duration.ofMinutes(1)) <= 0,
                    "busyTimeout must be in [0, 1 min], got " + busyTimeout);
            require(!busyRetryDeadline.isNegative() && busyRetryDeadline.compareTo(Duration.ofMinutes(10)) <= 0,
                    "busyRetryDeadline must be in [0, 10 min], got " + busyRetryDeadline);
            require(closeTimeout.compareTo(Duration.ofSeconds(1)) >= 0 && closeTimeout.compareTo(Duration.ofMinutes(10)) <= 0,
                    "closeTimeout must be in [1 s, 10 min], got " + closeTimeout);
            require(subscriptionQueueBatches >= 1 && subscriptionQueueBatches <= 65_536,
                    "subscriptionQueueBatches must be in 1..65536, got " + subscriptionQueueBatches);
            require(maxDatabaseBytes >= (1L << 20), "maxDatabaseBytes must be at least 1 MiB, got " + maxDatabaseBytes);
            return new LedgerConfig(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
