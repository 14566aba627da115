package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.HmacKey;
import io.bitcraps.ledger.api.LedgerReader;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.audit.Digest;
import io.bitcraps.ledger.audit.HtmlReport;
import io.bitcraps.ledger.audit.Problem;
import io.bitcraps.ledger.audit.RootCause;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tools/ledger audit PATH}: replays the log and says whether the books are intact. Exit 0
 * intact, 1 not intact (including a damaged file), 2 usage or I/O error. Problems are shown by root cause: the
 * problems that name it, how the audit went on past it, and how many follow-on problems it explains; {@code --all}
 * adds every problem in the order found, and {@code --json} carries both.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Verify a ledger (live, stopped, or a backup): chain, payloads, invariants, read model.")
final class AuditCommand implements Callable<Integer> {
    private static final long PROGRESS_MIN_EVENTS = 200_000;
    private static final int TEXT_ROOT_CAUSES_MAX = 20;

    @Option(names = "--db", description = "ledger database file (as every command takes it)")
    Path dbOption;

    /** The older spelling, {@code audit PATH}, kept working. */
    @Parameters(index = "0", arity = "0..1", paramLabel = "DB", description = "ledger database file (same as --db)")
    Path dbPositional;

    private Path db;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Option(names = "--key", description = "HMAC key file: verify signed heads")
    Path keyFile;

    @Option(names = "--digest", description = "a digest saved earlier: the log must still extend it")
    Path digestFile;

    @Option(names = "--from", defaultValue = "1", description = "first seq to check (default: 1)")
    long from;

    @Option(names = "--to", description = "last seq to check (default: the head)")
    Long to;

    @Option(names = "--html", description = "also write an HTML report with charts to this file")
    Path html;

    @Option(names = "--all", description = "after the root causes, list every problem in the order found (the first "
            + Auditor.PROBLEMS_KEPT + ")")
    boolean all;

    @Override
    public Integer call() throws Exception {
        if ((dbOption == null) == (dbPositional == null)) {
            throw new IllegalArgumentException(dbOption == null ? "name the database: audit --db PATH"
                    : "name the database once: --db " + dbOption + " or " + dbPositional + ", not both");
        }
        db = dbOption != null ? dbOption : dbPositional;
        if (!Files.isRegularFile(db)) {
            throw new IllegalArgumentException("no such database file: " + db);
        }
        byte[] key = keyFile == null ? null : HmacKey.read(keyFile);
        Digest digest = digestFile == null ? null : Digest.parse(Files.readString(digestFile, StandardCharsets.UTF_8));
        Auditor.Options options = new Auditor.Options(from, to == null ? Long.MAX_VALUE : to, key, digest);
        AuditReport report;
        try (ProgressBar bar = progressBar()) {
            report = new Auditor().audit(db, options, bar == null ? done -> { } : done -> bar.stepTo(done));
        }
        if (html != null) {
            Files.writeString(html, HtmlReport.render(report), StandardCharsets.UTF_8);
        }
        System.out.println(json ? toJson(report) : toText(report, all));
        return report.intact() ? LedgerCli.EXIT_OK : LedgerCli.EXIT_NOT_INTACT;
    }

    /** A bar only for long logs: the head seq is read cheaply first. */
    private ProgressBar progressBar() {
        long total;
        try (LedgerReader reader = LedgerReader.open(db)) {
            total = reader.head().seq();
        } catch (RuntimeException e) {
            return null; // the audit itself will say what is wrong with the file
        }
        if (total < PROGRESS_MIN_EVENTS) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName("audit").setInitialMax(total).setUnit(" events", 1)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    static String toText(AuditReport r) {
        return toText(r, false);
    }

    static String toText(AuditReport r, boolean all) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "audit of %s at seq %,d (one read-only snapshot)%n", r.database(), r.snapshotSeq()));
        s.append(String.format(Locale.ROOT, "  events     %,d checked (seq %d..%d) in %,d batches, %,d signed heads verified%n",
                r.events(), r.fromSeq(), r.toSeq(), r.batches(), r.signedBatches()));
        s.append(String.format(Locale.ROOT, "  accounts   %,d, balances sum to %d%n", r.accounts(), r.balanceSum()));
        s.append(String.format(Locale.ROOT, "  read model %s%n", r.projectionsCompared()
                ? "compared with a replay from zero (balances, games, bets, player stats)"
                : "in the database not compared (it keeps none with the log-first commit; or a partial range, or a log"
                        + " that could not be read to its end)"));
        s.append(String.format(Locale.ROOT, "  views      %s%n", r.views()));
        s.append(r.payoutsVerified()
                ? String.format(Locale.ROOT, "  payouts    %,d settlements of %,d games judged by the craps rulebook;"
                        + " every die of %,d provably fair games re-derived%n",
                        r.settlementsVerified(), r.gamesVerified(), r.fairGamesVerified())
                : String.format(Locale.ROOT, "  payouts    not verified (a partial range, or a log that could not be read to its end)%n"));
        if (r.payoutsVerified()) {
            s.append(String.format(Locale.ROOT, "  protection %,d deposits and bets of %,d protected players judged against"
                    + " their limits and exclusions%n", r.limitChecks(), r.protectedPlayers()));
        }
        s.append(String.format(Locale.ROOT, "  time       %.2f s (%,.0f events/s)%n", r.elapsedNanos() / 1e9, r.eventsPerSecond()));
        rootCauses(s, r);
        if (all) {
            allProblems(s, r);
        }
        s.append(r.intact() ? "  verdict    INTACT" : String.format(Locale.ROOT, "  verdict    NOT INTACT (%,d problems);"
                + " %,d root cause%s, %,d follow-on problem%s", r.problemCount(), r.rootCauseCount(),
                r.rootCauseCount() == 1 ? "" : "s", r.followOnProblemCount(), r.followOnProblemCount() == 1 ? "" : "s"));
        return s.toString();
    }

    /** Each root cause: the problems that name it, how the audit went on past it, how many follow-ons it explains. */
    private static void rootCauses(StringBuilder s, AuditReport r) {
        int shown = 0;
        for (RootCause c : r.rootCauses()) {
            if (shown++ == TEXT_ROOT_CAUSES_MAX) {
                break;
            }
            s.append(String.format(Locale.ROOT, "  root cause %d of %,d, at seq %d%n", shown, r.rootCauseCount(), c.seq()));
            for (Problem p : c.problems()) {
                s.append(String.format(Locale.ROOT, "  problem    seq %d %s: %s%n", p.seq(), p.kind(), p.detail()));
            }
            s.append(String.format(Locale.ROOT, "  books      %s%n", c.resync()));
            if (c.followOnCount() > 0) {
                s.append(String.format(Locale.ROOT, "  follow-on  %,d follow-on problem%s (--all or --json lists them)%n",
                        c.followOnCount(), c.followOnCount() == 1 ? "" : "s"));
            }
        }
        if (r.rootCauseCount() > Math.min(shown, TEXT_ROOT_CAUSES_MAX)) {
            s.append(String.format(Locale.ROOT, "  …          %,d more root causes (--json lists up to %,d)%n",
                    r.rootCauseCount() - Math.min(shown, TEXT_ROOT_CAUSES_MAX), RootCause.KEPT));
        }
    }

    private static void allProblems(StringBuilder s, AuditReport r) {
        if (r.problems().isEmpty()) {
            return;
        }
        s.append(String.format(Locale.ROOT, "  every problem, in the order found:%n"));
        for (Problem p : r.problems()) {
            s.append(String.format(Locale.ROOT, "  problem    seq %d %s: %s%n", p.seq(), p.kind(), p.detail()));
        }
        if (r.problemCount() > r.problems().size()) {
            s.append(String.format(Locale.ROOT, "  …          %,d more problems (the audit keeps the first %,d)%n",
                    r.problemCount() - r.problems().size(), Auditor.PROBLEMS_KEPT));
        }
    }


    static String toJson(AuditReport r) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeBooleanProperty("intact", r.intact());
            g.writeNumberProperty("events", r.events());
            g.writeNumberProperty("headSeq", r.headSeq());
            g.writeStringProperty("headHash", r.headHash());
            g.writeNumberProperty("snapshotSeq", r.snapshotSeq());
            g.writeStringProperty("ledgerId", r.ledgerId());
            g.writeNumberProperty("batches", r.batches());
            g.writeNumberProperty("signedBatches", r.signedBatches());
            g.writeNumberProperty("accounts", r.accounts());
            g.writeBooleanProperty("projectionsCompared", r.projectionsCompared());
            g.writeStringProperty("views", r.views());
            g.writeBooleanProperty("payoutsVerified", r.payoutsVerified());
            g.writeNumberProperty("settlementsVerified", r.settlementsVerified());
            g.writeNumberProperty("fairGamesVerified", r.fairGamesVerified());
            g.writeNumberProperty("protectedPlayers", r.protectedPlayers());
            g.writeNumberProperty("limitChecks", r.limitChecks());
            g.writeNumberProperty("gamesVerified", r.gamesVerified());
            g.writeNumberProperty("elapsedMillis", r.elapsedNanos() / 1_000_000);
            g.writeNumberProperty("eventsPerSecond", Math.round(r.eventsPerSecond()));
            g.writeNumberProperty("problemCount", r.problemCount());
            g.writeNumberProperty("rootCauseCount", r.rootCauseCount());
            g.writeNumberProperty("followOnCount", r.followOnProblemCount());
            g.writeName("rootCauses");
            g.writeStartArray();
            for (RootCause c : r.rootCauses()) {
                g.writeStartObject();
                g.writeNumberProperty("seq", c.seq());
                problems(g, "problems", c.problems());
                g.writeBooleanProperty("resynchronised", c.resynchronised());
                g.writeStringProperty("resync", c.resync());
                g.writeNumberProperty("followOnCount", c.followOnCount());
                problems(g, "followOns", c.followOns());
                g.writeEndObject();
            }
            g.writeEndArray();
            problems(g, "problems", r.problems());
            g.writeEndObject();
        }
        return w.toString();
    }

    private static void problems(JsonGenerator g, String name, java.util.List<Problem> problems) {
        g.writeName(name);
        g.writeStartArray();
        for (Problem p : problems) {
            g.writeStartObject();
            g.writeNumberProperty("seq", p.seq());
            g.writeStringProperty("kind", p.kind().name());
            g.writeStringProperty("detail", p.detail());
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
