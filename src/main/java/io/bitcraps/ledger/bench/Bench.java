package io.bitcraps.ledger.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.audit.HashDecodeLimit;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.backup.Backups;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.query.AccountRepository;
import io.bitcraps.ledger.query.ReaderPool;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code tools/ledger bench}: every figure of the performance issue in one run, on fresh files in
 * one directory, with one durability mode, so that each ratio compares the ledger with a baseline
 * doing the same work on the same machine at the same moment.
 * <ol>
 *   <li>the ledger at full speed: 8 producers, a craps-floor mix, until durable;</li>
 *   <li>the raw limit: plain sqlite-jdbc inserting the ledger's own event rows (copied from run 1,
 *       so the same columns and payload sizes), {@code executeBatch}, one transaction per 1,000;</li>
 *   <li>the naive baseline of the seed design: one transaction per event through a HikariCP pool;</li>
 *   <li>latency: open loop at 50% of run 1's rate, submit-to-durable, measured from the intended
 *       send time (coordinated-omission corrected) into an HdrHistogram;</li>
 *   <li>reads at 50% write load: {@code LedgerView} lookups and repository point reads;</li>
 *   <li>audit speed over the database just written, on all cores, beside the machine's hash+decode
 *       limit on the same file: the audit's own reader and workers hashing every frame and decoding every
 *       payload with nothing folded after them, measured right after the audit (a pair to warm the JIT,
 *       then the best of three pairs);</li>
 *   <li>the longest gap between commits while a backup runs (full mode: of a ≥ 200 MB database);</li>
 *   <li>throughput by batch cap (the batching curve).</li>
 * </ol>
 * Progress goes to {@code progress} (stderr in the CLI). Nothing here asserts a target: the
 * report states the figures and the CLI compares them.
 */
public final class Bench {
    private static final int PRODUCERS = 8;
    private static final int WINDOW = 64;

    /**
     * How big a run is. FULL: the run of record (ten to fifteen minutes, the ledger filled to 10M
     * events); QUICK: about ninety seconds on a 2-core machine, still a measurement; SMOKE: QUICK cut
     * down to a few seconds a phase, every phase and every figure of the report still there, so that
     * a test can check that the bench runs end to end. A smoke run's figures are not measurements:
     * its phases are too short for the JIT, the caches and the disk to settle.
     */
    public enum Size { FULL, QUICK, SMOKE }

    /**
     * The size of every phase of one run: durations, row and event counts, the audit's passes, the
     * batch caps of the curve. {@link #of(Size)} is the only place they are set.
     */
    record Plan(Duration warmUp, Duration ledger, int rawRows, Duration naive, Duration latency, Duration waitLatency,
                Duration reads, boolean auditWarmUp, int auditPairs, long backupMinBytes, List<Integer> batchCaps,
                Duration perCap, Duration filled, long fillEvents, long ingestEvents) {
        static Plan of(Size size) {
            return switch (size) {
                case FULL -> new Plan(Duration.ofSeconds(10), Duration.ofSeconds(30), 400_000, Duration.ofSeconds(10),
                        Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(10), true, 3, 200L << 20,
                        List.of(1, 8, 64, 256, 1024), Duration.ofSeconds(6), Duration.ofSeconds(6), 10_000_000, 400_000);
                case QUICK -> new Plan(Duration.ofSeconds(3), Duration.ofSeconds(6), 100_000, Duration.ofSeconds(4),
                        Duration.ofSeconds(6), Duration.ofSeconds(4), Duration.ofSeconds(4), true, 3, 0,
                        List.of(1, 32, 1024), Duration.ofSeconds(3), Duration.ofSeconds(3), 0, 100_000);
                // the same phases as QUICK, each a fraction of it: the log it leaves is about a fifth as long,
                // which shortens the phases that read the whole log too (audit, views rebuild, backup)
                case SMOKE -> new Plan(Duration.ofMillis(500), Duration.ofSeconds(1), 10_000, Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofMillis(500), false, 1, 0,
                        List.of(1, 32, 1024), Duration.ofMillis(500), Duration.ofMillis(500), 0, 10_000);
            };
        }
    }

    /**
     * What to run, and how big ({@link Size}). {@code logFirst}: the ledger runs with the log-first
     * commit (issue #12); {@code pipelined} false: without the pipelined commit (each batch commits
     * before the next is decided).
     */
    public record Options(Size size, Path workDir, Durability durability, boolean logFirst, boolean pipelined,
                          Ingest ingest) {
        public Options(boolean quick, Path workDir, Durability durability) {
            this(quick ? Size.QUICK : Size.FULL, workDir, durability, true, true, null);
        }

        /** QUICK or SMOKE. */
        public boolean quick() {
            return size != Size.FULL;
        }
    }

    /**
     * The ingest phase, supplied by the command line (which owns the JSON Lines format): turn at
     * most {@code eventsMax} events of {@code sourceDb}'s log back into command lines and ingest them
     * into the fresh {@code targetDb}. Null: the bench has no ingest figure.
     */
    @FunctionalInterface
    public interface Ingest {
        Ingested run(Path sourceDb, Path targetDb, long eventsMax) throws Exception;
    }

    /** What an ingest run wrote, and how long the whole command took. */
    public record Ingested(long events, double seconds) {}

    private final Options o;
    private final Plan plan;
    private final PrintStream progress;

    public Bench(Options options, PrintStream progress) {
        this.o = options;
        this.plan = Plan.of(options.size());
        this.progress = progress;
    }

    public BenchReport run() throws Exception {
        long start = System.nanoTime();
        Files.createDirectories(o.workDir());
        String startedAt = Instant.now().toString();
        Path ledgerDb = fresh("ledger.db");

        // the JIT compiles the writer's path during the first seconds: measured cold, the full-speed
        // figure (and the 50% rate the latency run takes from it) is of the compiler, not the ledger
        step("warm-up: the craps mix at full speed on a ledger of its own, not measured");
        ledgerThroughput(fresh("warm-up.db"), plan.warmUp(), 1024, "warm");
        step("ledger at full speed (8 producers, craps mix)");
        Throughput max = ledgerThroughput(ledgerDb, plan.ledger(), 1024);

        step("raw sqlite-jdbc limit on the same rows");
        double raw = rawLimit(ledgerDb, fresh("raw.db"), plan.rawRows(), false);
        step("raw sqlite-jdbc with the events' old secondary indexes (information)");
        double rawWithIndexes = rawLimit(ledgerDb, fresh("raw-indexed.db"), plan.rawRows(), true);

        step("naive baseline (one transaction per event, HikariCP pool)");
        double naive = naiveBaseline(ledgerDb, fresh("naive.db"), plan.naive());

        step("open-loop latency at 50% of the ledger's rate; views lag as a reader that polls sees it");
        Latency latency = latency(ledgerDb, max.eventsPerSecond * 0.5, plan.latency(), LagProbe.POLLING);
        Latency waiting = new Latency(0, 0, 0, 0, 0, 0, List.of(), 0, 0, 0, 0, 0, 0);
        if (o.logFirst()) {
            step("views lag at 50% load for a reader that waits for its receipt's seq (Ledger.awaitViews)");
            waiting = latency(ledgerDb, max.eventsPerSecond * 0.5, plan.waitLatency(), LagProbe.WAITING);
        }

        step("reads at 50% write load");
        Reads reads = reads(ledgerDb, max.eventsPerSecond * 0.5, plan.reads());

        AuditSpeed auditSpeed = auditSpeed(ledgerDb);
        AuditReport audit = auditSpeed.audit;
        HashDecodeLimit.Result limit = auditSpeed.limit;

        step("backup while the writer commits" + (plan.backupMinBytes() == 0 ? ""
                : " (database grown to " + (plan.backupMinBytes() >> 20) + " MB first)"));
        BackupGap backup = backupGap(ledgerDb, plan.backupMinBytes());

        Rebuild rebuild = viewsRebuild(ledgerDb);

        step("throughput by batch cap");
        List<double[]> curve = new ArrayList<>();
        double empty = 0;
        for (int cap : plan.batchCaps()) {
            Throughput t = ledgerThroughput(fresh("curve-" + cap + ".db"), plan.perCap(), cap);
            curve.add(new double[]{cap, t.eventsPerSecond});
            progress.printf(Locale.ROOT, "  batch cap %4d: %,.0f events/s%n", cap, t.eventsPerSecond);
            empty = t.eventsPerSecond; // the last is cap 1,024, the cap of the filled run below
        }
        long filledEvents = headOf(ledgerDb);
        if (filledEvents < fillEvents()) {
            step("the bench ledger filled at full speed from " + String.format(Locale.ROOT, "%,d to %,d", filledEvents,
                    fillEvents()) + " events");
            fill(ledgerDb, fillEvents());
            filledEvents = headOf(ledgerDb);
        }
        step("throughput on the bench ledger, now holding " + String.format(Locale.ROOT, "%,d", filledEvents)
                + " events, against the fresh one just measured");
        Throughput filled = ledgerThroughput(ledgerDb, plan.filled(), 1024, "filled");
        progress.printf(Locale.ROOT, "  filled %,.0f events/s, empty %,.0f events/s: %.2f%n", filled.eventsPerSecond, empty,
                empty == 0 ? 0 : filled.eventsPerSecond / empty);

        Ingested ingested = new Ingested(0, 0);
        if (o.ingest() != null) {
            long eventsMax = plan.ingestEvents();
            step("tools/ledger ingest of " + String.format(Locale.ROOT, "%,d", Math.min(eventsMax, filledEvents))
                    + " events of the bench ledger, turned back into JSON Lines commands");
            ingested = o.ingest().run(ledgerDb, fresh("ingest.db"), eventsMax);
            progress.printf(Locale.ROOT, "  ingest %,.0f events/s (%,d events in %.1f s)%n", ingested.events() / ingested.seconds(),
                    ingested.events(), ingested.seconds());
        }
        endPhase();
        progress.printf(Locale.ROOT, "bench: %s run done in %.1f s%s%n", o.size().name().toLowerCase(Locale.ROOT),
                (System.nanoTime() - start) / 1e9, o.size() == Size.SMOKE
                        ? " (a smoke run: it checks that every phase runs, its figures are not measurements)" : "");
        return new BenchReport(modeOf(o.size()) + (o.logFirst() ? ", log-first commit" : "")
                + (o.pipelined() ? "" : ", not pipelined"),
                o.durability().name(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), startedAt, raw, rawWithIndexes, naive, max.eventsPerSecond, max.eventsPerCommit,
                latency.rate, latency.p50, latency.p99, latency.p999, latency.max, latency.samples,
                audit.eventsPerSecond(), audit.events(), limit.eventsPerSecond(), limit.workers(), reads.viewP50Nanos, reads.viewP99Nanos, reads.repoP50Micros,
                reads.repoP99Micros, reads.cachedRepoP99Micros, backup.longestGapMillis, backup.seconds, backup.bytes,
                curve, latency.curve, latency.viewsCatchUpEvents, latency.viewsCatchUpSeconds, latency.viewsLagP50Millis,
                latency.viewsLagP99Millis, latency.viewsLagSamples, latency.viewsLagTimeouts,
                waiting.viewsLagP50Millis, waiting.viewsLagP99Millis, waiting.viewsLagSamples,
                rebuild.events, rebuild.seconds, rebuild.allEvents, rebuild.allSeconds,
                filledEvents, filled.eventsPerSecond, empty, ingested.events(), ingested.seconds(),
                (System.nanoTime() - start) / 1e9);
    }

    /** {@code events} in {@code seconds}: the first {@value #REBUILD_TARGET_EVENTS} (the target's log); {@code all*}: to the head. */
    private record Rebuild(long events, double seconds, long allEvents, double allSeconds) {}

    /** The size of log the views rebuild target is set on. */
    static final long REBUILD_TARGET_EVENTS = 1_000_000;

    /** The full bench fills its ledger to this many events before the filled-ledger run (the target is set at 10M). */
    private long fillEvents() {
        return plan.fillEvents();
    }

    /**
     * The report's mode: "full", "quick", or "quick, smoke" (a cut-down quick run, not a measurement;
     * schemas/cli/bench.schema.json's pattern takes it as a quick run with a qualifier).
     */
    static String modeOf(Size size) {
        return switch (size) {
            case FULL -> "full";
            case QUICK -> "quick";
            case SMOKE -> "quick, smoke";
        };
    }

    /**
     * The views file built from empty out of the bench ledger's log: deleted, then timed from the
     * open until its watermark passes the first {@value #REBUILD_TARGET_EVENTS} events (or the
     * head, if the log is shorter) and on to the head. The watermark is polled, not awaited: a
     * waiting reader would make the views commit early. Log-first only (otherwise there is no views file).
     */
    private Rebuild viewsRebuild(Path db) throws Exception {
        if (!o.logFirst()) {
            return new Rebuild(0, 0, 0, 0);
        }
        Path views = io.bitcraps.ledger.store.LedgerDatabase.viewsFileOf(db);
        for (String suffix : new String[]{"", "-wal", "-shm"}) {
            Files.deleteIfExists(views.resolveSibling(views.getFileName() + suffix));
        }
        step("views file rebuilt from the log of the bench ledger");
        long t = System.nanoTime();
        try (Ledger ledger = Ledger.open(config(db).build())) {
            long head = ledger.view().seq();
            long target = Math.min(head, REBUILD_TARGET_EVENTS);
            long deadline = t + Duration.ofMinutes(30).toNanos();
            double targetSeconds = 0;
            while (ledger.viewsSeq() < head) {
                if (targetSeconds == 0 && ledger.viewsSeq() >= target) {
                    targetSeconds = (System.nanoTime() - t) / 1e9;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the views file did not reach seq " + head + " within 30 minutes");
                }
                Thread.sleep(5);
            }
            double seconds = (System.nanoTime() - t) / 1e9;
            if (targetSeconds == 0) {
                targetSeconds = seconds;
            }
            progress.printf(Locale.ROOT, "  the first %,d events in %.1f s: %,.0f events/s; all %,d in %.1f s: %,.0f events/s%n",
                    target, targetSeconds, target / targetSeconds, head, seconds, head / seconds);
            return new Rebuild(target, targetSeconds, head, seconds);
        }
    }

    /** Runs the craps mix at full speed on {@code db} until its log holds {@code events}. */
    private void fill(Path db, long events) throws Exception {
        try (Ledger ledger = Ledger.open(config(db).batchSubmissionsMax(1024).build())) {
            FloorLoad.fund(ledger, PRODUCERS);
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder produced = new LongAdder();
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS);
            List<Future<?>> running = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                running.add(pool.submit(() -> FloorLoad.produce(ledger, producer, "fill", 7, WINDOW, stop, produced)));
            }
            long t = System.nanoTime();
            long seq0 = ledger.view().seq();
            while (ledger.view().seq() < events) {
                Thread.sleep(50);
                for (Future<?> f : running) {
                    if (f.isDone()) {
                        f.get(); // a producer that failed: say why now
                    }
                }
            }
            stop.set(true);
            for (Future<?> f : running) {
                f.get();
            }
            pool.shutdown();
            double seconds = (System.nanoTime() - t) / 1e9;
            progress.printf(Locale.ROOT, "  %,d events in %.1f s: %,.0f events/s%n", ledger.view().seq() - seq0, seconds,
                    (ledger.view().seq() - seq0) / seconds);
        }
    }

    private static long headOf(Path db) throws SQLException {
        try (Connection c = io.bitcraps.ledger.store.LedgerDatabase.openReadOnly(db)) {
            return io.bitcraps.ledger.store.EventReader.maxSeq(c);
        }
    }

    /** When the phase now running began (0: none yet), so that the progress says where a run's time goes. */
    private long phaseStart;

    private void step(String what) {
        endPhase();
        progress.println("bench: " + what + " …");
        phaseStart = System.nanoTime();
    }

    private void endPhase() {
        if (phaseStart != 0) {
            progress.printf(Locale.ROOT, "  (%.1f s)%n", (System.nanoTime() - phaseStart) / 1e9);
            phaseStart = 0;
        }
    }

    private Path fresh(String name) throws IOException {
        Path p = o.workDir().resolve(name);
        for (String suffix : new String[]{"", "-wal", "-shm", ".writer-lock"}) {
            Files.deleteIfExists(p.resolveSibling(p.getFileName() + suffix));
        }
        return p;
    }

    private LedgerConfig.Builder config(Path db) {
        // fresh() deletes the bench's own databases on purpose; its earlier backups must not stop a new run
        return LedgerConfig.builder(db).durability(o.durability()).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).allowCreateOverEvidence(true).logFirstCommit(o.logFirst())
                .pipelinedCommit(o.pipelined());
    }

    private record Throughput(double eventsPerSecond, double eventsPerCommit) {}

    /** 8 producers with windows of in-flight submissions for {@code duration}; funding excluded. */
    private Throughput ledgerThroughput(Path db, Duration duration, int batchCap) throws Exception {
        return ledgerThroughput(db, duration, batchCap, "max" + batchCap);
    }

    /**
     * {@code tag} names the run's games and players: a second run on the same ledger needs its own.
     * On a ledger that already holds events, the run starts once the views file caught up with them
     * (the fill before it runs faster than the views): measured before that, the filled ledger would
     * be measured against its own views' catch-up, which a fresh ledger does not have.
     */
    private Throughput ledgerThroughput(Path db, Duration duration, int batchCap, String tag) throws Exception {
        try (Ledger ledger = Ledger.open(config(db).batchSubmissionsMax(batchCap).build())) {
            if (o.logFirst() && ledger.view().seq() > ledger.viewsSeq()) {
                long behind = ledger.view().seq() - ledger.viewsSeq();
                long t = System.nanoTime();
                if (!ledger.awaitViews(ledger.view().seq(), Duration.ofMinutes(10))) {
                    throw new IllegalStateException("the views file did not catch up within 10 minutes");
                }
                progress.printf(Locale.ROOT, "  views file caught up %,d events in %.1f s before the run%n", behind,
                        (System.nanoTime() - t) / 1e9);
            }
            FloorLoad.fund(ledger, PRODUCERS);
            long seq0 = ledger.view().seq();
            long commits0 = ledger.stats().commits();
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder events = new LongAdder();
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS);
            long t0 = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                running.add(pool.submit(() -> FloorLoad.produce(ledger, producer, tag, 7, WINDOW, stop, events)));
            }
            Thread.sleep(duration.toMillis());
            stop.set(true);
            for (Future<?> f : running) {
                f.get();
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            long written = ledger.view().seq() - seq0;
            long commits = ledger.stats().commits() - commits0;
            return new Throughput(written / elapsed, commits == 0 ? 0 : (double) written / commits);
        }
    }

    /**
     * The ledger's own rows into a bare events table: executeBatch, one transaction per 1,000 rows.
     * The log-only ceiling of issue #12 keeps the seq key and the unique idempotency key (what the
     * log itself needs); {@code withOldIndexes} adds the events' game and player indexes.
     */
    private double rawLimit(Path ledgerDb, Path rawDb, int rowsMax, boolean withOldIndexes) throws SQLException, IOException {
        List<EventRow> rows = new ArrayList<>();
        try (Connection conn = LedgerDatabase.openReadOnly(ledgerDb)) {
            EventReader.forEach(conn, 1, rowsMax, rows::add);
        }
        try (Connection conn = rawConnection(rawDb); Statement st = conn.createStatement();
             PreparedStatement ps = conn.prepareStatement("INSERT INTO events(seq, ts, type, game_id, player_id, bet_id,"
                     + " amount, idem_key, payload, hash) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
            if (withOldIndexes) {
                st.execute("CREATE INDEX IF NOT EXISTS events_by_game ON events (game_id, seq) WHERE game_id IS NOT NULL");
                st.execute("CREATE INDEX IF NOT EXISTS events_by_player ON events (player_id, seq) WHERE player_id IS NOT NULL");
            }
            long t0 = System.nanoTime();
            for (int from = 0; from < rows.size(); from += 1_000) {
                st.execute("BEGIN IMMEDIATE");
                for (EventRow r : rows.subList(from, Math.min(rows.size(), from + 1_000))) {
                    bind(ps, r);
                    ps.addBatch();
                }
                ps.executeBatch();
                st.execute("COMMIT");
            }
            return rows.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** One transaction per event through a pool of 8 connections from 8 threads, as the seed design did. */
    private double naiveBaseline(Path ledgerDb, Path naiveDb, Duration duration) throws Exception {
        List<EventRow> rows = new ArrayList<>();
        try (Connection conn = LedgerDatabase.openReadOnly(ledgerDb)) {
            EventReader.forEach(conn, 1, 200_000, rows::add);
        }
        rawConnection(naiveDb).close(); // creates the schema
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(LedgerDatabase.url(naiveDb));
        hc.setDataSourceProperties(pragmas().toProperties());
        hc.setMaximumPoolSize(PRODUCERS);
        hc.setPoolName("naive-baseline");
        LongAdder written = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            ExecutorService threads = Executors.newFixedThreadPool(PRODUCERS);
            List<Future<?>> running = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                running.add(threads.submit(() -> {
                    for (int i = producer; !stop.get() && i < rows.size(); i += PRODUCERS) {
                        try (Connection c = pool.getConnection();
                             PreparedStatement ps = c.prepareStatement("INSERT INTO events(seq, ts, type, game_id, player_id,"
                                     + " bet_id, amount, idem_key, payload, hash) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
                            bind(ps, rows.get(i));
                            ps.executeUpdate(); // autocommit: one transaction, one sync, per event
                            written.increment();
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(duration.toMillis());
            stop.set(true);
            for (Future<?> f : running) {
                f.get();
            }
            threads.shutdown();
            return written.sum() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private SQLiteConfig pragmas() {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(o.durability() == Durability.FULL ? SQLiteConfig.SynchronousMode.FULL
                : SQLiteConfig.SynchronousMode.NORMAL);
        cfg.setBusyTimeout(10_000);
        cfg.setCacheSize(-64_000);
        return cfg;
    }

    private Connection rawConnection(Path db) throws SQLException {
        Connection conn = pragmas().createConnection(LedgerDatabase.url(db));
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, type INTEGER NOT NULL,"
                    + " game_id TEXT, player_id TEXT, bet_id TEXT, amount INTEGER, idem_key TEXT, payload BLOB NOT NULL,"
                    + " hash BLOB NOT NULL)");
            st.execute("CREATE UNIQUE INDEX IF NOT EXISTS events_by_idem_key ON events (idem_key) WHERE idem_key IS NOT NULL");
        }
        return conn;
    }

    private static void bind(PreparedStatement ps, EventRow r) throws SQLException {
        ps.setLong(1, r.seq());
        ps.setLong(2, r.timestampMicros());
        ps.setInt(3, r.typeCode());
        setText(ps, 4, r.gameId());
        setText(ps, 5, r.playerId());
        setText(ps, 6, r.betId());
        if (r.amount() == null) {
            ps.setNull(7, Types.INTEGER);
        } else {
            ps.setLong(7, r.amount());
        }
        setText(ps, 8, r.key());
        ps.setBytes(9, r.payload().clone());
        ps.setBytes(10, r.hash().clone());
    }

    private static void setText(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, v);
        }
    }

    private record AuditSpeed(AuditReport audit, HashDecodeLimit.Result limit) {}

    /**
     * The audit and the machine's hash+decode limit on the same file, one right after the other, so
     * that their ratio compares them at the same moment. A first pair only warms the JIT: until it has
     * compiled the decoder, the books and the rulebook, and on 2 cores its compiler threads compete with
     * the audit's own, a run measures the warm-up, not the audit. Then three pairs, and the fastest run of
     * each counts: other work on a shared machine can only ever slow a run down. (The plan sets the pairs:
     * a smoke run has no warm-up pair and one measured pair.)
     */
    private AuditSpeed auditSpeed(Path db) throws SQLException {
        AuditSpeed best = null;
        for (int pass = plan.auditWarmUp() ? 0 : 1; pass <= plan.auditPairs(); pass++) {
            String which = pass == 0 ? "warm-up" : "pass " + pass + " of " + plan.auditPairs();
            step("audit of the database just written, " + Auditor.Options.allCores() + " workers (" + which + ")");
            AuditReport audit = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
            if (!audit.intact()) {
                throw new IllegalStateException("the bench ledger does not audit intact: " + audit.problems());
            }
            step("hash+decode limit on the same file: SHA-256 of every frame, Smile decode of every payload, no books ("
                    + which + ")");
            HashDecodeLimit.Result limit = HashDecodeLimit.measure(db);
            if (limit.events() != audit.events() || limit.chainBreaks() != 0) {
                throw new IllegalStateException("the hash+decode limit saw " + limit.events() + " events and "
                        + limit.chainBreaks() + " chain breaks; the audit saw " + audit.events() + " events, intact");
            }
            if (pass == 0) {
                continue;
            }
            best = best == null ? new AuditSpeed(audit, limit) : new AuditSpeed(
                    audit.elapsedNanos() < best.audit.elapsedNanos() ? audit : best.audit,
                    limit.elapsedNanos() < best.limit.elapsedNanos() ? limit : best.limit);
            progress.printf(Locale.ROOT, "  audit %,.0f events/s, limit %,.0f events/s%n", audit.eventsPerSecond(),
                    limit.eventsPerSecond());
        }
        return best;
    }

    /**
     * The open-loop latency run; with the views file (log-first), also how far the views were
     * behind when it started ({@code viewsCatchUpEvents}, caught up in {@code viewsCatchUpSeconds}
     * before the run) and the views lag during it: from a sampled submission's durable receipt to
     * its seq being visible in SQL reads ({@code Ledger.awaitViews}), one submission in 64.
     */
    private record Latency(double rate, double p50, double p99, double p999, double max, long samples,
                           List<double[]> curve, long viewsCatchUpEvents, double viewsCatchUpSeconds,
                           double viewsLagP50Millis, double viewsLagP99Millis, long viewsLagSamples,
                           long viewsLagTimeouts) {}

    /**
     * How the views lag is sampled: POLLING, as an ordinary reader sees it (the watermark read every
     * 200 us, which changes nothing in the views' commits); WAITING, a reader that waits for its
     * receipt's seq ({@code Ledger.awaitViews}), which makes the views commit early for it.
     */
    private enum LagProbe { POLLING, WAITING }

    /** A sampled receipt: its last seq, and when it became durable. */
    private record LagSample(long seq, long durableAt) {}

    /**
     * Deposits of one chip sent open loop at {@code eventsPerSecond}: each has an intended send time
     * on a fixed schedule, and its latency runs from that time, not from when the sender got round
     * to it, so a stalled writer shows as the latency callers would have seen.
     */
    private Latency latency(Path db, double eventsPerSecond, Duration duration, LagProbe lagProbeMode) throws Exception {
        Recorder recorder = new Recorder(3);
        Recorder viewsLag = new Recorder(3);
        java.util.concurrent.atomic.AtomicLong lagTimeouts = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.PriorityBlockingQueue<LagSample> polled = new java.util.concurrent.PriorityBlockingQueue<>(
                1024, java.util.Comparator.comparingLong(LagSample::seq));
        AtomicBoolean pollerStop = new AtomicBoolean();
        Thread poller = null;
        long catchUpEvents = 0;
        double catchUpSeconds = 0;
        java.util.concurrent.ExecutorService lagProbe = null;
        try (Ledger ledger = Ledger.open(config(db).build())) {
            if (o.logFirst()) {
                // the views may still be behind the full-speed phase: measure the steady state, not the catch-up
                long head = ledger.view().seq();
                catchUpEvents = head - ledger.viewsSeq();
                long t = System.nanoTime();
                if (!ledger.awaitViews(head, Duration.ofMinutes(10))) {
                    throw new IllegalStateException("the views file did not reach seq " + head + " within 10 minutes");
                }
                catchUpSeconds = (System.nanoTime() - t) / 1e9;
                progress.printf(Locale.ROOT, "  views file caught up %,d events in %.1f s before the latency run%n",
                        catchUpEvents, catchUpSeconds);
                if (lagProbeMode == LagProbe.WAITING) {
                    lagProbe = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                        Thread th = new Thread(r, "bench-views-lag");
                        th.setDaemon(true);
                        return th;
                    });
                } else {
                    poller = new Thread(() -> pollViews(ledger, polled, viewsLag, lagTimeouts, pollerStop), "bench-views-poll");
                    poller.setDaemon(true);
                    poller.start();
                }
            }
            boolean polling = poller != null;
            java.util.concurrent.ExecutorService probe = lagProbe;
            long intervalNanos = (long) (1e9 / Math.max(1, eventsPerSecond));
            long t0 = System.nanoTime();
            long end = t0 + duration.toNanos();
            long n = 0;
            for (long intended = t0; intended < end; intended = t0 + (++n) * intervalNanos) {
                long wait = intended - System.nanoTime();
                if (wait > 20_000) {
                    LockSupport.parkNanos(wait - 10_000);
                }
                long sentFor = intended;
                boolean sampled = (probe != null || polling) && (n & 63) == 0;
                ledger.submit(new Command.Deposit("lat" + (n & 63), 1, "latency")).whenComplete((r, e) -> {
                    long durableAt = System.nanoTime();
                    recorder.recordValue(Math.max(1, (durableAt - sentFor) / 1_000));
                    if (sampled && r != null && polling) {
                        polled.add(new LagSample(r.lastSeq(), durableAt));
                    } else if (sampled && r != null) {
                        probe.execute(() -> {
                            try {
                                if (ledger.awaitViews(r.lastSeq(), Duration.ofSeconds(30))) {
                                    viewsLag.recordValue(Math.max(1, (System.nanoTime() - durableAt) / 1_000));
                                } else {
                                    lagTimeouts.incrementAndGet();
                                }
                            } catch (InterruptedException ie) {
                                Thread.currentThread().interrupt();
                            }
                        });
                    }
                });
            }
            ledger.submit(new Command.Deposit("lat0", 1, "latency-end")).join();
            if (lagProbe != null) {
                lagProbe.shutdown();
                lagProbe.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            }
            if (poller != null) {
                pollerStop.set(true);
                poller.join();
            }
        }
        Histogram h = recorder.getIntervalHistogram();
        List<double[]> curve = new ArrayList<>();
        for (double p : new double[]{50, 90, 99, 99.9, 99.99}) {
            curve.add(new double[]{p, h.getValueAtPercentile(p)});
        }
        Histogram lag = viewsLag.getIntervalHistogram();
        return new Latency(eventsPerSecond, h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), h.getMaxValue(), h.getTotalCount(), curve, catchUpEvents, catchUpSeconds,
                lag.getValueAtPercentile(50) / 1e3, lag.getValueAtPercentile(99) / 1e3, lag.getTotalCount(), lagTimeouts.get());
    }

    /**
     * The polling reader: records each sample once the views watermark reaches its seq. After the
     * run it waits up to 30 s for the samples still queued; those that never become visible count
     * as timeouts (reported, never dropped silently).
     */
    private static void pollViews(Ledger ledger, java.util.concurrent.PriorityBlockingQueue<LagSample> queue,
                                  Recorder lag, java.util.concurrent.atomic.AtomicLong timeouts, AtomicBoolean stop) {
        long giveUpAt = Long.MAX_VALUE;
        while (true) {
            long visible = ledger.viewsSeq();
            long now = System.nanoTime();
            LagSample s;
            while ((s = queue.peek()) != null && s.seq() <= visible) {
                queue.poll();
                lag.recordValue(Math.max(1, (now - s.durableAt()) / 1_000));
            }
            if (stop.get()) {
                if (queue.isEmpty()) {
                    return;
                }
                if (giveUpAt == Long.MAX_VALUE) {
                    giveUpAt = now + Duration.ofSeconds(30).toNanos();
                } else if (now > giveUpAt) {
                    timeouts.addAndGet(queue.size());
                    return;
                }
            }
            LockSupport.parkNanos(200_000);
        }
    }

    private record Reads(double viewP50Nanos, double viewP99Nanos, double repoP50Micros, double repoP99Micros,
                         double cachedRepoP99Micros) {}

    /** Lookups while a paced writer keeps the ledger at the given rate. */
    private Reads reads(Path db, double eventsPerSecond, Duration duration) throws Exception {
        // the log-first commit keeps its read model in the views file only
        try (Ledger ledger = Ledger.open(config(db).build());
             ReaderPool pool = o.logFirst() ? new ReaderPool(LedgerDatabase.viewsFileOf(db), 2, null, ReaderPool.Source.VIEWS)
                     : new ReaderPool(db, 2, null)) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> pacedWriter(ledger, eventsPerSecond, stop), "bench-writer");
            writer.start();
            List<Account> accounts = new ArrayList<>();
            for (String key : ledger.view().balances().keySet()) {
                accounts.add(Account.parse(key));
            }
            SplittableRandom random = new SplittableRandom(3);
            Histogram view = new Histogram(3);
            long end = System.nanoTime() + duration.toNanos() / 2;
            long sink = 0;
            while (System.nanoTime() < end) {
                Account a = accounts.get(random.nextInt(accounts.size()));
                long t = System.nanoTime();
                sink += ledger.view().balance(a);
                view.recordValue(Math.max(1, System.nanoTime() - t));
            }
            Histogram repo = new Histogram(3);
            Histogram cached = new Histogram(3);
            AccountRepository uncached = new AccountRepository(pool, null);
            end = System.nanoTime() + duration.toNanos() / 2;
            while (System.nanoTime() < end) {
                Account a = accounts.get(random.nextInt(accounts.size()));
                long t = System.nanoTime();
                sink += uncached.balance(a).orElse(0);
                repo.recordValue(Math.max(1, (System.nanoTime() - t) / 1_000));
                Account b = accounts.get(random.nextInt(Math.min(16, accounts.size())));
                t = System.nanoTime();
                sink += ledger.accounts().balance(b).orElse(0);
                cached.recordValue(Math.max(1, (System.nanoTime() - t) / 1_000));
            }
            stop.set(true);
            writer.join();
            if (sink == Long.MIN_VALUE) {
                progress.println("(unreachable; keeps the reads from being optimised away)");
            }
            return new Reads(view.getValueAtPercentile(50), view.getValueAtPercentile(99), repo.getValueAtPercentile(50),
                    repo.getValueAtPercentile(99), cached.getValueAtPercentile(99));
        }
    }

    private static void pacedWriter(Ledger ledger, double eventsPerSecond, AtomicBoolean stop) {
        long interval = (long) (1e9 / Math.max(1, eventsPerSecond));
        long t0 = System.nanoTime();
        for (long n = 0; !stop.get(); n++) {
            long wait = t0 + n * interval - System.nanoTime();
            if (wait > 20_000) {
                LockSupport.parkNanos(wait - 10_000);
            }
            ledger.submit(new Command.Deposit("load" + (n & 255), 1, "read-load"));
        }
        ledger.submit(new Command.Deposit("load0", 1, "read-load-end")).join();
    }

    private record BackupGap(double longestGapMillis, double seconds, long bytes) {}

    /** Grows the database to {@code minBytes}, then backs it up while producers keep committing. */
    private BackupGap backupGap(Path db, long minBytes) throws Exception {
        ConcurrentLinkedQueue<Long> commits = new ConcurrentLinkedQueue<>();
        try (Ledger ledger = Ledger.open(config(db).commitListener(n -> commits.add(System.nanoTime())).build())) {
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder events = new LongAdder();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<?>> running = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int producer = p;
                running.add(pool.submit(() -> FloorLoad.produce(ledger, producer, "bk" + System.nanoTime(), 11, WINDOW, stop,
                        events)));
            }
            while (Files.size(db) + walSize(db) < minBytes) {
                Thread.sleep(500);
            }
            Thread.sleep(500);
            commits.clear();
            long before = System.nanoTime();
            Backups.Result r;
            try {
                r = Backups.take(db, o.workDir().resolve("backups"), null, Clock.systemUTC());
            } catch (BackupFailure e) {
                stop.set(true);
                throw e;
            }
            long after = System.nanoTime();
            Thread.sleep(200);
            stop.set(true);
            for (Future<?> f : running) {
                f.get();
            }
            pool.shutdown();
            long previous = before;
            long longest = 0;
            for (long t : commits) {
                if (t > after) {
                    longest = Math.max(longest, t - previous);
                    break;
                }
                longest = Math.max(longest, t - previous);
                previous = t;
            }
            return new BackupGap(longest / 1e6, (after - before) / 1e9, Files.size(r.file()));
        }
    }

    private static long walSize(Path db) throws IOException {
        Path wal = db.resolveSibling(db.getFileName() + "-wal");
        return Files.exists(wal) ? Files.size(wal) : 0;
    }

    /** Writes the two PNG charts into {@code dir}. */
    public static void charts(BenchReport r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Charts.throughputByBatchSize(r.throughputByBatchSize(), dir.resolve("throughput-by-batch-cap.png"));
        Charts.latencyPercentiles(r.latencyPercentiles(), dir.resolve("latency-percentiles.png"));
    }
}
