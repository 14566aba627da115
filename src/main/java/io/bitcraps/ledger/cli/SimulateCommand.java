package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.LedgerReader;
import io.bitcraps.ledger.api.LedgerView;
import io.bitcraps.ledger.api.RelayStatus;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.api.WriterStats;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.api.Durability;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The main job: the reference craps floor ({@link CrapsFloor}, every bet type, payouts by the rulebook)
 * on a real ledger, then a summary with throughput, submit-to-durable latency, batching, the bets and
 * payouts, and three checks of the books: the house's change in the ledger equals the floor's own
 * count of stakes lost less winnings paid, I1 on the live view, and a full replay of the log from disk
 * (hash chain verified) that must reproduce every balance of the live view. Payouts are judged bet by
 * bet by {@code tools/ledger audit}.
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

    @Option(names = "--rounds", defaultValue = "50", description = "games (shooters' hands, or rounds with --game round) per table (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--game", defaultValue = "hand",
            description = "how long a game lasts: hand (a shooter's hand, to the seven-out; default) or round (to the first pass-line decision)")
    String game;

    @Option(names = "--rules",
            description = "table rules, cycled over the tables: standard, variant, or a canonical rules string"
                    + " such as field12=2;placeWorksOnComeOut=true;maxOdds=10;min=1;max=1000 (repeatable;"
                    + " default: standard and variant tables taking turns)")
    List<String> rules;

    @Option(names = "--settle", defaultValue = "engine",
            description = "who computes the payouts: engine (default; the floor submits each roll with its settlements)"
                    + " or ledger (each roll alone with settle=auto: the ledger settles by the rulebook)")
    String settle;

    @Option(names = "--fair",
            description = "provably fair games: each opens with the commitment to a server seed, each roll's dice are derived"
                    + " from it (docs/fairness.md), each close reveals it; the ledger checks every die at the close")
    boolean fair;

    @Option(names = "--protection",
            description = "player protection: some players set deposit, loss and stake limits, one per table takes a"
                    + " cool-off halfway; the ledger refuses what breaks them, and the summary counts the refusals")
    boolean protection;

    @Option(names = "--seed", defaultValue = "42", description = "seed of the dice and the players' choices: same seed, same ledger (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--durability", defaultValue = "full", description = "full (default) or normal")
    String durability;

    @Option(names = "--key", description = "HMAC key file: sign the chain head at every commit")
    Path keyFile;

    @Option(names = "--archive", description = "journal archive directory: every committed batch is also appended there")
    Path archiveDir;

    @Option(names = "--allow-create-over-evidence",
            description = "create a new, empty ledger even though the database is missing where one evidently existed"
                    + " (its lock file, archive, a backup or a .damaged copy says so); without it such an open is refused:"
                    + " restore or recover the ledger instead")
    boolean allowCreateOverEvidence;

    @Option(names = "--log-first", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "the log-first commit (default): the durable transaction carries the log only, the read model is"
                    + " the views file beside the database; --no-log-first also writes the read model in the commit")
    boolean logFirst;

    @Option(names = "--accept-unsigned",
            description = "with --key: accept batches without an HMAC after signed ones (a run that forgot --key) and sign"
                    + " on top of them; without it such an open is refused. Audit with --key first")
    boolean acceptUnsigned;

    @picocli.CommandLine.Mixin
    PublishOptions publish = new PublishOptions();

    @picocli.CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Option(names = "--json", description = "print the summary as JSON")
    boolean json;

    /** The in-process relay's status after close, or null without --publish-topic. */
    private RelayStatus relayStatus;

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
        builder.allowCreateOverEvidence(allowCreateOverEvidence);
        builder.logFirstCommit(logFirst);
        builder.acceptUnsignedBatches(acceptUnsigned);
        builder.backupInterval(java.time.Duration.ZERO); // a command-line run takes backups with tools/ledger backup
        publish.applyTo(builder);
        metrics.applyTo(builder);
        CrapsFloor.Options options = floorOptions();
        LedgerConfig config = builder.build();
        CrapsFloor.Report report;
        LedgerView finalView;
        WriterStats stats;
        long startSeq;
        long houseBefore;
        Ledger opened = Ledger.open(config);
        try (Ledger ledger = opened) {
            metrics.announce("simulate", ledger);
            startSeq = ledger.view().seq();
            houseBefore = ledger.view().balance(Account.HOUSE);
            CrapsFloor.Settings settings = new CrapsFloor.Settings(tables, players, rounds, seed,
                    "s" + seed + "-at" + startSeq, 1_000, 10_000_000);
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("simulate").setInitialMax((long) tables * rounds)
                    .setUnit(" games", 1).setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
                report = new CrapsFloor(ledger, settings, options).run(bar::stepBy);
            }
            System.err.println();
            finalView = ledger.view();
            stats = ledger.stats();
        }
        // read after close, which waited for the relay to publish the run
        relayStatus = opened.relayStatus().orElse(null);
        LedgerReader.Replayed replayed;
        try (LedgerReader reader = LedgerReader.open(db)) {
            replayed = reader.replay();
        }
        return printSummary(mode, options, report, finalView, stats, startSeq, houseBefore, replayed);
    }

    /** The floor's options from --game and --rules; a bad value is an error (exit 2) before the ledger opens. */
    private CrapsFloor.Options floorOptions() {
        CrapsFloor.Options options = CrapsFloor.Options.defaults();
        options = switch (game.toLowerCase(Locale.ROOT)) {
            case "hand" -> options.withGameLength(CrapsFloor.GameLength.HAND);
            case "round" -> options.withGameLength(CrapsFloor.GameLength.ROUND);
            default -> throw new IllegalArgumentException("--game must be hand or round, got '" + game + "'");
        };
        options = switch (settle.toLowerCase(Locale.ROOT)) {
            case "engine" -> options.withSettle(CrapsFloor.Settle.ENGINE);
            case "ledger" -> options.withSettle(CrapsFloor.Settle.LEDGER);
            default -> throw new IllegalArgumentException("--settle must be engine or ledger, got '" + settle + "'");
        };
        options = options.withFairDice(fair).withProtection(protection);
        if (rules != null && !rules.isEmpty()) {
            try {
                options = options.withTableRulesNamed(rules);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--rules: " + e.getMessage(), e);
            }
        }
        return options;
    }

    private int printSummary(Durability mode, CrapsFloor.Options options, CrapsFloor.Report r, LedgerView view, WriterStats stats, long startSeq,
                             long houseBefore, LedgerReader.Replayed replayed) {
        long events = view.seq() - startSeq;
        double seconds = r.elapsedNanos() / 1e9;
        Histogram h = r.latencyNanos();
        Map<String, Long> balances = view.balances();
        long sum = balances.values().stream().mapToLong(Long::longValue).reduce(0, Math::addExact);
        boolean conserved = sum == 0 && view.totals() == 0;
        boolean replayMatches = replayed.seq() == view.seq() && replayed.balances().equals(balances);
        long houseChange = view.balance(Account.HOUSE) - houseBefore - r.houseFunding();
        boolean houseMatches = houseChange == r.houseNet();
        int exit = conserved && replayMatches && houseMatches && r.unexpectedRejections() == 0 ? LedgerCli.EXIT_OK
                : LedgerCli.EXIT_NOT_INTACT;
        if (json) {
            Map<String, Long> byType = new java.util.LinkedHashMap<>();
            r.betsByType().forEach((t, n) -> byType.put(t.name(), n));
            new JsonReport().put("database", db.toString()).put("durability", mode.name()).put("seed", seed)
                    .put("tables", tables).put("players", players).put("games", r.games()).put("rolls", r.rolls())
                    .put("events", events).put("seq", view.seq()).put("commits", stats.commits())
                    .put("events_per_second", Math.round(events / seconds)).put("seconds", seconds)
                    .put("latency_ms", JsonReport.object("p50", h.getValueAtPercentile(50) / 1e6, "p99",
                            h.getValueAtPercentile(99) / 1e6, "max", h.getMaxValue() / 1e6, "submissions", h.getTotalCount()))
                    .put("rejected", JsonReport.object("total", r.rejected(), "by_code", r.rejectedByCode(),
                            "unexpected", r.unexpectedRejections()))
                    .put("bets", JsonReport.object("placed", r.betsPlaced(), "by_type", byType))
                    .put("payouts", JsonReport.object("wins", r.wins(), "winnings_paid", r.winningsPaid(), "losses",
                            r.losses(), "stakes_lost", r.stakesLost(), "pushes", r.pushes(), "voided", r.voids()))
                    .put("house", JsonReport.object("net", r.houseNet(), "matches_ledger", houseMatches))
                    .put("conservation", JsonReport.object("balances", balances.size(), "sum", sum, "holds", conserved))
                    .put("replay", JsonReport.object("seq", replayed.seq(), "matches_view", replayMatches))
                    .put("kafka", relayStatus == null ? null : JsonReport.object("state", relayStatus.state().name(),
                            "topic", publish.topic, "published_seq", relayStatus.publishedSeq(), "transactions",
                            relayStatus.transactions(), "retries", relayStatus.retries()))
                    .put("intact", exit == LedgerCli.EXIT_OK).print();
            return exit;
        }
        var out = System.out;
        out.printf(Locale.ROOT, "BitCraps floor simulation: %s (durability %s, seed %d)%n", db, mode, seed);
        out.printf(Locale.ROOT, "  floor         %d tables, %d players, %,d games (%s), %,d rolls%n", tables, players, r.games(),
                options.gameLength() == CrapsFloor.GameLength.HAND ? "shooters' hands" : "one round each", r.rolls());
        out.printf(Locale.ROOT, "  events        %,d (ledger now at seq %,d)%n", events, view.seq());
        out.printf(Locale.ROOT, "  commits       %,d (%.1f events per commit)%n", stats.commits(),
                stats.commits() == 0 ? 0.0 : (double) stats.events() / stats.commits());
        out.printf(Locale.ROOT, "  throughput    %,.0f events/s over %.2f s%n", events / seconds, seconds);
        out.printf(Locale.ROOT, "  latency       p50 %.2f ms, p99 %.2f ms, max %.2f ms (submit to durable, %,d submissions)%n",
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6, h.getTotalCount());
        out.printf(Locale.ROOT, "  rejected      %,d%s%n", r.rejected(), r.rejectedByCode().isEmpty() ? ""
                : " " + r.rejectedByCode().toString().replace('{', '(').replace('}', ')').replace("=", " "));
        long typesPlaced = r.betsByType().values().stream().filter(n -> n > 0).count();
        out.printf(Locale.ROOT, "  bets          %,d placed, %d of %d bet types%n", r.betsPlaced(), typesPlaced,
                BetType.values().length);
        // the counts by type, wrapped under the label so the summary stays readable in a terminal
        StringBuilder line = new StringBuilder();
        for (Map.Entry<BetType, Long> e : r.betsByType().entrySet()) {
            String item = String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue());
            if (line.length() > 0 && line.length() + item.length() > 80) {
                out.println("                " + line + ",");
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "" : ", ").append(item);
        }
        out.println("                " + line);
        out.printf(Locale.ROOT, "  payouts       %,d wins paid %,d, %,d losses took %,d, %,d pushes, %,d voided at close%s%n",
                r.wins(), r.winningsPaid(), r.losses(), r.stakesLost(), r.pushes(), r.voids(),
                options.settle() == CrapsFloor.Settle.LEDGER ? " (settled by the ledger, by the rulebook)" : "");
        out.printf(Locale.ROOT, "  house         net %+,d (stakes lost less winnings paid): %s%n", r.houseNet(),
                houseMatches ? "matches the ledger" : "DIFFERS from the ledger (" + houseChange + ")");
        out.printf(Locale.ROOT, "  conservation  sum of %,d balances = %d: %s%n", balances.size(), sum,
                conserved ? "I1 holds" : "I1 BROKEN");
        if (options.protection()) {
            long refusals = r.rejected() - r.unexpectedRejections();
            out.printf(Locale.ROOT, "  protection    %d players set limits, %d took a cool-off; the ledger refused %,d of their"
                    + " bets and buy-ins%n", r.limitedPlayers(), r.coolingPlayers(), refusals);
        }
        if (options.fairDice()) {
            out.printf(Locale.ROOT, "  fair dice     %,d games opened with a commitment, each closed with its seed: the ledger"
                    + " re-derived every die at the close%n", r.games());
        }
        out.printf(Locale.ROOT, "  replay        %,d events re-read from disk, hash chain verified, balances %s%n",
                replayed.seq(), replayMatches ? "match the live view" : "DIFFER from the live view");
        if (relayStatus != null) {
            out.printf(Locale.ROOT, "  kafka         %s to topic %s: published up to seq %,d of %,d in %,d transaction(s), %d"
                            + " retries%s%n", relayStatus.state(), publish.topic, relayStatus.publishedSeq(),
                    relayStatus.headSeq(), relayStatus.transactions(), relayStatus.retries(),
                    relayStatus.lastError() == null ? "" : "; last error: " + relayStatus.lastError());
        }
        out.flush();
        return exit;
    }
}
