package io.bitcraps.ledger.store;

import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.internal.Invariants;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Versioned schema migrations from {@code schemas/migrations/} (packaged in the jar). The list
 * comes from {@code index.txt}; each applied script is recorded in {@code schema_migrations}
 * with its SHA-256. A database whose recorded checksum differs from the script, or that has a
 * version this code does not know, is refused before anything is written.
 * <p>
 * Every up script has a down script beside it, {@code V<version>__<description>.down.sql}, that
 * undoes it; {@link #migrateTo} walks a database up or down one version at a time, each step in its
 * own immediate transaction with its {@code schema_migrations} row. A down step may drop only what
 * the log can give back: {@link DownStepChecks} refuses the others, for the whole walk before its
 * first step writes anything, and again inside each step's transaction. The caller holds the
 * writer lock.
 */
public final class Migrations {
    private static final String ROOT = "schemas/migrations/";
    private static final Pattern NAME = Pattern.compile("V(\\d{4})__([a-z0-9_]+)\\.sql");

    /** One migration script as shipped with this code. */
    public record Script(int version, String description, String fileName, String sql, String checksum) {
        /** The file name of the script that undoes this one. */
        public String downFileName() {
            return fileName.substring(0, fileName.length() - ".sql".length()) + ".down.sql";
        }
    }

    /**
     * One step {@link #migrateTo} took: from version {@code from} to {@code to} (one apart) with the
     * script {@code fileName}.
     */
    public record Step(int from, int to, String fileName, long durationMillis) {
        public boolean down() {
            return to < from;
        }
    }

    private Migrations() {}

    public static List<Script> available() {
        List<Script> scripts = new ArrayList<>();
        for (String line : resource("index.txt").split("\n")) {
            String name = line.strip();
            if (name.isEmpty() || name.startsWith("#")) {
                continue;
            }
            Matcher m = NAME.matcher(name);
            if (!m.matches()) {
                throw new IllegalStateException("migration file name " + name + " is not V<4 digits>__<description>.sql");
            }
            String sql = resource(name);
            int version = Integer.parseInt(m.group(1));
            if (version != scripts.size() + 1) {
                throw new IllegalStateException("migration " + name + " breaks the sequence; expected version "
                        + (scripts.size() + 1));
            }
            scripts.add(new Script(version, m.group(2).replace('_', ' '), name, sql, sha256(sql)));
        }
        return List.copyOf(scripts);
    }

    public static int latestVersion() {
        return available().size();
    }

    /** Applies what is missing, each script in its own immediate transaction. Returns the count applied. */
    public static int migrate(Connection conn) throws SQLException {
        List<Script> scripts = available();
        ensureTable(conn);
        int applied = verify(conn, scripts);
        int count = 0;
        for (Script s : scripts.subList(applied, scripts.size())) {
            apply(conn, s);
            count++;
        }
        return count;
    }

    /**
     * Takes the database to schema version {@code target} (0 to {@link #latestVersion()}), one step
     * at a time, up or down, and tells {@code onStep} of each step once it is committed. A walk down
     * that some step would refuse ({@link DownStepRefused}) writes nothing at all. Returns the steps.
     */
    public static List<Step> migrateTo(Connection conn, int target, Consumer<Step> onStep) throws SQLException {
        List<Script> scripts = available();
        if (target < 0 || target > scripts.size()) {
            throw new IllegalArgumentException("schema version " + target + " does not exist: this code knows versions 0.."
                    + scripts.size());
        }
        int current = verify(conn, scripts);
        List<Step> steps = new ArrayList<>();
        if (target < current) {
            requireNoLoss(conn, scripts, current, target);
            for (int v = current; v > target; v--) {
                steps.add(unapply(conn, scripts, v));
                onStep.accept(steps.get(steps.size() - 1));
            }
        } else {
            ensureTable(conn);
            for (Script s : scripts.subList(current, target)) {
                long start = System.nanoTime();
                apply(conn, s);
                steps.add(new Step(s.version() - 1, s.version(), s.fileName(), (System.nanoTime() - start) / 1_000_000));
                onStep.accept(steps.get(steps.size() - 1));
            }
        }
        return steps;
    }

    /**
     * The lowest version this database can go down to as it is now: the first down step from its
     * current version that {@link DownStepChecks} would refuse stops there.
     */
    public static int lowestReachableVersion(Connection conn) throws SQLException {
        int version = verify(conn);
        while (version > 0 && DownStepChecks.lossOf(conn, version) == null) {
            version--;
        }
        return version;
    }

    /** Refuses a walk from {@code current} down to {@code target} at its first step that would lose information. */
    private static void requireNoLoss(Connection conn, List<Script> scripts, int current, int target) throws SQLException {
        for (int v = current; v > target; v--) {
            String loss = DownStepChecks.lossOf(conn, v);
            if (loss != null) {
                throw new DownStepRefused(v, scripts.get(v - 1).downFileName(), loss, v);
            }
        }
    }

    /** Undoes version {@code version}, the newest applied, in one immediate transaction. */
    private static Step unapply(Connection conn, List<Script> scripts, int version) throws SQLException {
        Script s = scripts.get(version - 1);
        String downSql = resource(s.downFileName());
        long start = System.nanoTime();
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                // checked again under the write lock of the transaction: the rows may have changed since the walk began
                Invariants.check(newestApplied(conn) == version, "down step %d: schema_migrations no longer ends at version %d",
                        version, version);
                String loss = DownStepChecks.lossOf(conn, version);
                if (loss != null) {
                    throw new DownStepRefused(version, s.downFileName(), loss, version);
                }
                for (String stmt : statements(downSql)) {
                    st.execute(stmt);
                }
                try (PreparedStatement ps = conn.prepareStatement("DELETE FROM schema_migrations WHERE version = ?")) {
                    ps.setInt(1, version);
                    Invariants.check(ps.executeUpdate() == 1, "down step %d: no schema_migrations row to delete", version);
                }
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw new SQLException("down migration " + s.downFileName() + " failed: " + e.getMessage(), e.getSQLState(),
                        e.getErrorCode(), e);
            } catch (RuntimeException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
        return new Step(version, version - 1, s.downFileName(), (System.nanoTime() - start) / 1_000_000);
    }

    private static int newestApplied(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT max(version) FROM schema_migrations")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /**
     * Checks the recorded history against the scripts without changing anything; returns the
     * number of scripts applied. Refuses a changed checksum, a gap, or a newer database.
     */
    public static int verify(Connection conn, List<Script> scripts) throws SQLException {
        if (!tableExists(conn)) {
            return 0;
        }
        int applied = 0;
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT version, checksum FROM schema_migrations ORDER BY version")) {
            while (rs.next()) {
                int version = rs.getInt(1);
                String checksum = rs.getString(2);
                if (version > scripts.size()) {
                    throw new SchemaMismatch("database schema version " + version + " is newer than this code, which knows "
                            + scripts.size() + "; use a newer release of the ledger");
                }
                if (version != applied + 1) {
                    throw new SchemaMismatch("schema_migrations has a gap before version " + version);
                }
                Script s = scripts.get(version - 1);
                if (!s.checksum().equals(checksum)) {
                    throw new SchemaMismatch("migration " + s.fileName() + " was changed after it was applied: database has checksum "
                            + checksum + ", code has " + s.checksum() + "; migrations are immutable, add a new one instead");
                }
                applied = version;
            }
        }
        return applied;
    }

    public static int verify(Connection conn) throws SQLException {
        return verify(conn, available());
    }

    private static void apply(Connection conn, Script s) throws SQLException {
        long start = System.nanoTime();
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                for (String stmt : statements(s.sql())) {
                    st.execute(stmt);
                }
                try (PreparedStatement ps = conn.prepareStatement(
                        "INSERT INTO schema_migrations(version, description, checksum, applied_at, duration_ms) VALUES (?,?,?,?,?)")) {
                    ps.setInt(1, s.version());
                    ps.setString(2, s.description());
                    ps.setString(3, s.checksum());
                    ps.setString(4, Instant.now().toString());
                    ps.setLong(5, (System.nanoTime() - start) / 1_000_000);
                    ps.executeUpdate();
                }
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw new SQLException("migration " + s.fileName() + " failed: " + e.getMessage(), e.getSQLState(),
                        e.getErrorCode(), e);
            }
        }
    }

    private static void ensureTable(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
                    + " checksum TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms INTEGER NOT NULL)");
        }
    }

    private static boolean tableExists(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'")) {
            return rs.next();
        }
    }

    /**
     * Splits a script at semicolons that end a line; comments are stripped. Scripts keep to that shape.
     * A small scanner finds where a {@code --} comment starts: inside a {@code '...'} literal (with
     * {@code ''} for a quote) or a {@code "..."} identifier, {@code --} and {@code ;} are text, so
     * {@code INSERT INTO t VALUES ('a--b');} keeps its value. A literal may span lines; its lines
     * are kept as written.
     */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char openQuote = 0; // the quote of a literal or identifier still open at the end of the previous line, or 0
        for (String line : sql.split("\n")) {
            boolean startsInsideQuote = openQuote != 0;
            int comment = -1;
            for (int i = 0; i < line.length() && comment < 0; i++) {
                char c = line.charAt(i);
                if (openQuote != 0) {
                    // a doubled quote ('' or "") closes and at once reopens: no special case needed
                    if (c == openQuote) {
                        openQuote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    openQuote = c;
                } else if (c == '-' && i + 1 < line.length() && line.charAt(i + 1) == '-') {
                    comment = i;
                }
            }
            String code = comment >= 0 ? line.substring(0, comment) : line;
            if (openQuote == 0) {
                code = code.stripTrailing();
            }
            if (code.isBlank() && !startsInsideQuote && openQuote == 0) {
                continue;
            }
            current.append(code).append('\n');
            if (openQuote == 0 && code.endsWith(";")) {
                out.add(current.toString().strip());
                current.setLength(0);
            }
        }
        if (openQuote != 0) {
            throw new IllegalStateException("migration script ends inside an unterminated " + openQuote + " quote: " + current);
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException("migration script ends without a semicolon: " + current);
        }
        return out;
    }

    private static String resource(String name) {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("migration resource " + ROOT + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return Hex.of(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
