package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.LedgerView;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.ingest.WriterStats;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.store.Durability;
import io.bitcraps.ledger.store.LedgerDatabase;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The main job: a simulated craps floor on a real ledger, then a summary with throughput,
 * submit-to-durable latency, batching, and two independent checks of the books: I1 on the live
 * view, and a full replay of the log from disk (hash chain verified) that must reproduce every
 * balance of the live view.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Run a simulated craps floor against a ledger and print a summary.")
final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--db", defaultValue = "data/bitcraps.db", description = "ledger database (default: ${DEFAULT-VALUE})")
    Path db;

    @Option(names = "--tables", defaultValue = "8", description = "tables, one thread each (default: ${DEFAULT-VALUE})")
    int tables;

    @Option(names = "--players", defaultValue = "48", description = "players, spread over the tables (default: ${DEFAULT-VALUE})")
    int players;

    @Option(names = "--rounds", defaultValue = "120", description = "games per table (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--seed", defaultValue = "42", description = "dice seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--durability", defaultValue = "full", description = "full (default) or normal")
    String durability;

    @Option(names = "--key", description = "HMAC key file: sign the chain head at every commit")
    Path keyFile;

    @Option(names = "--archive", description = "journal archive directory: every committed batch is also appended there")
    Path archiveDir;

    @Override
    public Integer call() throws Exception {
        Durability mode = Durability.valueOf(durability.toUpperCase(Locale.ROOT));
        LedgerConfig.Builder builder = LedgerConfig.builder(db).durability(mode);
        if (keyFile != null) {
            builder.hmacKeyFile(keyFile);
        }
        if (archiveDir != null) {
            builder.archiveDir(archiveDir);
        }
        builder.backupInterval(java.time.Duration.ZERO); // a command-line run takes backups with tools/ledger backup
        LedgerConfig config = builder.build();
        CrapsFloor.Report report;
        LedgerView finalView;
        WriterStats stats;
        long startSeq;
        try (Ledger ledger = Ledger.open(config)) {
            startSeq = ledger.view().seq();
            CrapsFloor.Settings settings = new CrapsFloor.Settings(tables, players, rounds, seed,
                    "s" + seed + "-at" + startSeq, 1_000, 10_000_000);
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("simulate").setInitialMax((long) tables * rounds)
                    .setUnit(" games", 1).setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
                report = new CrapsFloor(ledger, settings).run(bar::stepBy);
            }
            System.err.println();
            finalView = ledger.view();
            stats = ledger.stats();
        }
        LedgerState replayed;
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            replayed = new Replayer(new PayloadCodec()).replay(conn, LedgerDatabase.ledgerId(conn));
        }
        return printSummary(mode, report, finalView, stats, startSeq, replayed);
    }

    private int printSummary(Durability mode, CrapsFloor.Report r, LedgerView view, WriterStats stats, long startSeq,
                             LedgerState replayed) {
        long events = view.seq() - startSeq;
        double seconds = r.elapsedNanos() / 1e9;
        Histogram h = r.latencyNanos();
        Map<String, Long> balances = view.balances();
        long sum = balances.values().stream().mapToLong(Long::longValue).reduce(0, Math::addExact);
        boolean conserved = sum == 0 && view.totals() == 0;
        boolean replayMatches = replayed.seq() == view.seq() && replayed.balances().equals(view.state().balances());
        var out = System.out;
        out.printf(Locale.ROOT, "BitCraps floor simulation: %s (durability %s, seed %d)%n", db, mode, seed);
        out.printf(Locale.ROOT, "  floor         %d tables, %d players, %,d games, %,d rolls%n", tables, players, r.games(), r.rolls());
        out.printf(Locale.ROOT, "  events        %,d (ledger now at seq %,d)%n", events, view.seq());
        out.printf(Locale.ROOT, "  commits       %,d (%.1f events per commit)%n", stats.commits(),
                stats.commits() == 0 ? 0.0 : (double) stats.events() / stats.commits());
        out.printf(Locale.ROOT, "  throughput    %,.0f events/s over %.2f s%n", events / seconds, seconds);
        out.printf(Locale.ROOT, "  latency       p50 %.2f ms, p99 %.2f ms, max %.2f ms (submit to durable, %,d submissions)%n",
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6, h.getTotalCount());
        out.printf(Locale.ROOT, "  rejected      %,d%n", r.rejected());
        out.printf(Locale.ROOT, "  conservation  sum of %,d balances = %d: %s%n", balances.size(), sum,
                conserved ? "I1 holds" : "I1 BROKEN");
        out.printf(Locale.ROOT, "  replay        %,d events re-read from disk, hash chain verified, balances %s%n",
                replayed.seq(), replayMatches ? "match the live view" : "DIFFER from the live view");
        out.flush();
        return conserved && replayMatches && r.rejected() == 0 ? LedgerCli.EXIT_OK : LedgerCli.EXIT_NOT_INTACT;
    }
}
