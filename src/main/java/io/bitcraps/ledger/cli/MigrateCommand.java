package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.DownStepRefused;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.Migrations;
import io.bitcraps.ledger.store.SchemaMismatch;
import io.bitcraps.ledger.store.WriterLock;
import io.bitcraps.ledger.store.WriterLockHeld;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tools/ledger migrate --to N}: takes a stopped ledger's schema up or down to version N, one
 * migration at a time, and shows that the log came through unchanged (its event count and the chain
 * hash at its head, read before and after). It holds the writer lock, so it refuses a ledger that is
 * open, and a ledger opened afterwards by this code migrates itself up to the latest version again:
 * going down is for handing the file to an older release. Exit 0 done, 2 refused or failed (a down step
 * that would lose what the events cannot give back writes nothing).
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

    /** The log as the walk found it and left it: its event count and the chain hash of its last event. */
    private record LogHead(long events, long seq, String hash) {
        Map<String, Object> json() {
            return JsonReport.object("events", events, "seq", seq, "hash", hash);
        }
    }

    @Override
    public Integer call() throws Exception {
        // refused before the lock is taken: acquiring it would create a lock file beside a missing database
        if (!Files.isRegularFile(ledgerFile.path)) {
            throw new IllegalArgumentException("--db " + ledgerFile.path + ": no ledger database there");
        }
        if (to < 0 || to > Migrations.latestVersion()) {
            throw new IllegalArgumentException("--to " + to + ": this code knows schema versions 0.." + Migrations.latestVersion());
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        // the lock first: a running ledger holds it, and nothing is read or written without it
        try (WriterLock lock = WriterLock.acquire(ledgerFile.path); Connection conn = LedgerDatabase.openForMigration(ledgerFile.path)) {
            int from = Migrations.verify(conn);
            LogHead before = logHead(conn);
            if (!json) {
                out.printf(Locale.ROOT, "migrate %s: schema version %d -> %d (this code knows 0..%d)%n", ledgerFile.path, from, to,
                        Migrations.latestVersion());
            }
            List<Map<String, Object>> steps = new ArrayList<>();
            Migrations.migrateTo(conn, to, step -> {
                steps.add(JsonReport.object("from", step.from(), "to", step.to(), "script", step.fileName(),
                        "ms", step.durationMillis()));
                if (!json) {
                    out.printf(Locale.ROOT, "  %-4s %2d -> %2d  %s  (%d ms)%n", step.down() ? "down" : "up", step.from(),
                            step.to(), step.fileName(), step.durationMillis());
                }
            });
            LogHead after = logHead(conn);
            if (before != null && after != null && !before.equals(after)) {
                throw new IllegalStateException("the log changed during the migration: " + before + " before, " + after + " after");
            }
            int lowest = Migrations.lowestReachableVersion(conn);
            if (json) {
                new JsonReport().put("db", ledgerFile.path.toString()).put("from", from).put("to", to).put("steps", steps)
                        .put("version", Migrations.verify(conn)).put("latest", Migrations.latestVersion())
                        .put("lowest_reachable", lowest).put("log", after == null ? null : after.json())
                        .put("open_before_audit", to > from).print();
                return LedgerCli.EXIT_OK;
            }
            out.printf(Locale.ROOT, "now at schema version %d; %s; lowest version reachable: %d%n", Migrations.verify(conn),
                    describe(before, after), lowest);
            if (to > from) {
                // V0008's up script (and the down scripts of V0005 and V0008) mark the read model as lagging; the down
                // scripts of V0009 and V0013 dropped derived tables: the writer's open writes them again from the log
                out.println("open the ledger once before an audit: its open rebuilds from the log what the walk left"
                        + " to rebuild (read model, state snapshot, fair commitments)");
            }
            return LedgerCli.EXIT_OK;
        } catch (DownStepRefused e) {
            return refused(e.code(), e.getMessage());
        } catch (WriterLockHeld e) {
            return refused("WRITER_LOCK_HELD", e.getMessage() + "; stop it before migrating");
        } catch (SchemaMismatch e) {
            return refused("SCHEMA_MISMATCH", e.getMessage());
        }
    }

    private int refused(String code, String message) {
        System.err.println("ledger migrate: " + message);
        if (json) {
            LedgerCli.printJsonError(new PrintWriter(System.out, true, StandardCharsets.UTF_8), code, message);
        }
        return LedgerCli.EXIT_ERROR;
    }

    private static String describe(LogHead before, LogHead after) {
        if (after == null) {
            return "no event log at this version";
        }
        if (before == null) {
            return "empty event log";
        }
        return String.format(Locale.ROOT, "the log is unchanged: %,d event(s), head seq %,d, hash %s", after.events(),
                after.seq(), after.hash());
    }

    /** The log's head, or null at a version without an events table (0). */
    private static LogHead logHead(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'")) {
                if (!rs.next()) {
                    return null;
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM events), seq, hash FROM events"
                    + " ORDER BY seq DESC LIMIT 1")) {
                if (!rs.next()) {
                    return new LogHead(0, 0, "");
                }
                return new LogHead(rs.getLong(1), rs.getLong(2), Hex.of(rs.getBytes(3)));
            }
        }
    }
}
