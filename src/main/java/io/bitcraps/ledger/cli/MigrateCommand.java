package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.MigrationRefused;
import io.bitcraps.ledger.api.SchemaMigration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tools/ledger migrate --to N}: takes a stopped ledger's schema up or down to version N, one
 * migration at a time, and shows that the log came through unchanged (its event count and the chain
 * hash at its head, read before and after): {@link SchemaMigration}, which holds the writer lock, so it
 * refuses a ledger that is open. Exit 0 done, 2 refused or failed (a down step that would lose what the
 * events cannot give back writes nothing).
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Take a stopped ledger's schema up or down to version N, step by step; a down step that would"
                + " lose events or records no event holds is refused and nothing is written.")
final class MigrateCommand implements Callable<Integer> {
    @Mixin
    LedgerFileOption ledgerFile;

    @Option(names = "--to", required = true, paramLabel = "N",
            description = "the schema version to end at: 0 (empty) up to the latest this code knows")
    int to;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        // refused before the lock is taken: acquiring it would create a lock file beside a missing database
        if (!Files.isRegularFile(ledgerFile.path)) {
            throw new IllegalArgumentException("--db " + ledgerFile.path + ": no ledger database there");
        }
        int latest = SchemaMigration.latestVersion();
        if (to < 0 || to > latest) {
            throw new IllegalArgumentException("--to " + to + ": this code knows schema versions 0.." + latest);
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        SchemaMigration.Result r;
        try {
            r = SchemaMigration.migrate(ledgerFile.path, to, new SchemaMigration.Listener() {
                @Override
                public void started(int from) {
                    if (!json) {
                        out.printf(Locale.ROOT, "migrate %s: schema version %d -> %d (this code knows 0..%d)%n", ledgerFile.path,
                                from, to, latest);
                    }
                }

                @Override
                public void stepped(SchemaMigration.Step step) {
                    if (!json) {
                        out.printf(Locale.ROOT, "  %-4s %2d -> %2d  %s  (%d ms)%n", step.down() ? "down" : "up", step.from(),
                                step.to(), step.script(), step.millis());
                    }
                }
            });
        } catch (MigrationRefused e) {
            return refused(e.code(), MigrationRefused.WRITER_LOCK_HELD.equals(e.code())
                    ? e.getMessage() + "; stop it before migrating" : e.getMessage());
        }
        if (json) {
            List<Map<String, Object>> steps = r.steps().stream().map(step -> JsonReport.object("from", step.from(),
                    "to", step.to(), "script", step.script(), "ms", step.millis())).toList();
            new JsonReport().put("db", ledgerFile.path.toString()).put("from", r.from()).put("to", r.to()).put("steps", steps)
                    .put("version", r.version()).put("latest", r.latest())
                    .put("lowest_reachable", r.lowestReachable()).put("log", r.logAfter() == null ? null : json(r.logAfter()))
                    .put("open_before_audit", r.openBeforeAudit()).print();
            return LedgerCli.EXIT_OK;
        }
        out.printf(Locale.ROOT, "now at schema version %d; %s; lowest version reachable: %d%n", r.version(),
                describe(r.logBefore(), r.logAfter()), r.lowestReachable());
        if (r.openBeforeAudit()) {
            // V0008's up script (and the down scripts of V0005 and V0008) mark the read model as lagging; the down
            // scripts of V0009 and V0013 dropped derived tables: the writer's open writes them again from the log
            out.println("open the ledger once before an audit: its open rebuilds from the log what the walk left"
                    + " to rebuild (read model, state snapshot, fair commitments)");
        }
        return LedgerCli.EXIT_OK;
    }

    private int refused(String code, String message) {
        System.err.println("ledger migrate: " + message);
        if (json) {
            LedgerCli.printJsonError(new PrintWriter(System.out, true, StandardCharsets.UTF_8), code, message);
        }
        return LedgerCli.EXIT_ERROR;
    }

    private static Map<String, Object> json(SchemaMigration.LogHead log) {
        return JsonReport.object("events", log.events(), "seq", log.seq(), "hash", log.hash());
    }

    private static String describe(SchemaMigration.LogHead before, SchemaMigration.LogHead after) {
        if (after == null) {
            return "no event log at this version";
        }
        if (before == null) {
            return "empty event log";
        }
        return String.format(Locale.ROOT, "the log is unchanged: %,d event(s), head seq %,d, hash %s", after.events(),
                after.seq(), after.hash());
    }
}
