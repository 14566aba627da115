package io.bitcraps.ledger.api;

import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.DownStepRefused;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.Migrations;
import io.bitcraps.ledger.store.SchemaMismatch;
import io.bitcraps.ledger.store.WriterLock;
import io.bitcraps.ledger.store.WriterLockHeld;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes a stopped ledger's schema up or down to a version, one migration at a time ({@code tools/ledger migrate}),
 * and shows that the log came through unchanged: its event count and the chain hash at its head, read before and
 * after. It holds the writer lock, so it refuses a ledger that is open, and a ledger opened afterwards by
 * {@link Ledger#open} migrates itself up to the latest version again: going down is for handing the file to an older
 * release. A down step that would lose what the events cannot give back is refused, and nothing is written.
 */
public final class SchemaMigration {
    private SchemaMigration() {
    }

    /** The latest schema version this code knows; versions 0 (empty) to this one can be migrated to. */
    public static int latestVersion() {
        return Migrations.latestVersion();
    }

    /** One migration applied ({@code to = from + 1}) or undone ({@code to = from - 1}), with its script and time. */
    public record Step(int from, int to, String script, long millis) {
        public boolean down() {
            return to < from;
        }
    }

    /** The log as the walk found or left it: its event count, its last seq and the chain hash there (hex). */
    public record LogHead(long events, long seq, String hash) {}

    /** Hears of the walk as it goes: its start, then each step once it is committed. */
    public interface Listener {
        default void started(int fromVersion) {
        }

        default void stepped(Step step) {
        }
    }

    /**
     * What the walk did.
     *
     * @param from            the version the database was at
     * @param to              the version asked for
     * @param version         the version it is at now
     * @param latest          {@link #latestVersion()}
     * @param lowestReachable the lowest version the database can go down to as it is now
     * @param logBefore       the log before the walk, null at a version without an event log (0)
     * @param logAfter        the log after it (equal to {@code logBefore} when both have a log), null likewise
     */
    public record Result(Path db, int from, int to, List<Step> steps, int version, int latest, int lowestReachable,
                         LogHead logBefore, LogHead logAfter) {
        public Result {
            steps = List.copyOf(steps);
        }

        /** Whether the walk went up: the ledger's next open rebuilds from the log what the walk left to rebuild. */
        public boolean openBeforeAudit() {
            return to > from;
        }
    }

    /**
     * Migrates the ledger database {@code db}, which must exist and be stopped, to schema version {@code to}.
     *
     * @throws IllegalArgumentException when there is no database at {@code db}, or {@code to} is not a version this code
     *                                  knows (0 to {@link #latestVersion()})
     * @throws MigrationRefused         when the ledger is open, a down step would lose what the events cannot give back,
     *                                  or the database's schema history does not match this code
     * @throws IllegalStateException    when the log changed during the walk
     */
    public static Result migrate(Path db, int to, Listener listener) throws IOException, SQLException {
        // refused before the lock is taken: acquiring it would create a lock file beside a missing database
        if (!Files.isRegularFile(db)) {
            throw new IllegalArgumentException(db + ": no ledger database there");
        }
        if (to < 0 || to > Migrations.latestVersion()) {
            throw new IllegalArgumentException("schema version " + to + " does not exist: this code knows versions 0.."
                    + Migrations.latestVersion());
        }
        // the lock first: a running ledger holds it, and nothing is read or written without it
        try (WriterLock lock = WriterLock.acquire(db); Connection conn = LedgerDatabase.openForMigration(db)) {
            int from = Migrations.verify(conn);
            LogHead before = logHead(conn);
            listener.started(from);
            List<Step> steps = new ArrayList<>();
            Migrations.migrateTo(conn, to, step -> {
                Step s = new Step(step.from(), step.to(), step.fileName(), step.durationMillis());
                steps.add(s);
                listener.stepped(s);
            });
            LogHead after = logHead(conn);
            if (before != null && after != null && !before.equals(after)) {
                throw new IllegalStateException("the log changed during the migration: " + before + " before, " + after + " after");
            }
            int lowest = Migrations.lowestReachableVersion(conn);
            return new Result(db, from, to, steps, Migrations.verify(conn), Migrations.latestVersion(), lowest, before, after);
        } catch (DownStepRefused e) {
            throw new MigrationRefused(e.code(), e.getMessage(), e);
        } catch (WriterLockHeld e) {
            throw new MigrationRefused(MigrationRefused.WRITER_LOCK_HELD, e.getMessage(), e);
        } catch (SchemaMismatch e) {
            throw new MigrationRefused(MigrationRefused.SCHEMA_MISMATCH, e.getMessage(), e);
        }
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
