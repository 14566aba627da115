package io.bitcraps.ledger.store;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.internal.Hex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Schema migrations on real SQLite files: recorded once, verified on every open, immutable. */
class MigrationsIT {
    /** The repository's copy; Surefire runs with the project root as working directory. */
    private static final Path MIGRATIONS_DIR = Path.of("schemas", "migrations");
    private static final Pattern UP_SCRIPT = Pattern.compile("V\\d{4}__[a-z0-9_]+\\.sql");

    @TempDir
    Path dir;

    /** One row of schema_migrations, as read with plain SQL. */
    record Applied(int version, String description, String checksum, String appliedAt, long durationMs) {}

    @Test
    void aFreshDatabaseRecordsEveryMigrationWithItsChecksumTimeAndDuration() throws Exception {
        Path db = dir.resolve("fresh.db");
        Instant before = Instant.now();
        try (Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL))) {
            List<Migrations.Script> scripts = Migrations.available();
            assertThat(scripts).isNotEmpty();
            List<Applied> applied = history(conn);
            assertThat(applied).hasSameSizeAs(scripts);
            for (int i = 0; i < scripts.size(); i++) {
                Migrations.Script s = scripts.get(i);
                Applied a = applied.get(i);
                assertThat(a.version()).isEqualTo(s.version()).isEqualTo(i + 1);
                assertThat(a.description()).isEqualTo(s.description()).isNotBlank();
                assertThat(a.checksum()).isEqualTo(s.checksum()).isEqualTo(sha256Hex(s.sql())).hasSize(64);
                assertThat(Instant.parse(a.appliedAt())).isBetween(before.minusSeconds(1), Instant.now());
                assertThat(a.durationMs()).isNotNegative();
            }
            assertThat(Migrations.verify(conn)).isEqualTo(Migrations.latestVersion());
            // the init script's tables exist
            assertThat(tables(conn)).contains("events", "ledger_head", "ledger_meta", "schema_migrations");
        }
    }

    @Test
    void reopeningADatabaseAppliesNothingNew() throws Exception {
        Path db = dir.resolve("reopen.db");
        List<Applied> first;
        String ledgerId;
        try (Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL))) {
            first = history(conn);
            ledgerId = LedgerDatabase.ledgerId(conn);
        }
        try (Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.NORMAL))) {
            assertThat(history(conn)).isEqualTo(first); // same rows, same applied_at: nothing re-applied
            assertThat(Migrations.migrate(conn)).isZero();
            assertThat(history(conn)).isEqualTo(first);
            assertThat(LedgerDatabase.ledgerId(conn)).isEqualTo(ledgerId);
        }
    }

    @Test
    void aDatabaseWhoseRecordedChecksumWasAlteredIsRefusedNamingTheFileAndBothChecksumsAndNothingIsWritten()
            throws Exception {
        Path db = dir.resolve("tampered.db");
        try (Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL))) {
            assertThat(history(conn)).isNotEmpty();
        }
        Migrations.Script first = Migrations.available().get(0);
        String forged = "0".repeat(64);
        try (Connection raw = DriverManager.getConnection(LedgerDatabase.url(db)); Statement st = raw.createStatement()) {
            assertThat(st.executeUpdate("UPDATE schema_migrations SET checksum = '" + forged + "' WHERE version = 1"))
                    .isEqualTo(1);
            // with ledger_meta empty, an open that went on would write a new ledger_id: a witness for "nothing written"
            st.executeUpdate("DELETE FROM ledger_meta");
        }
        byte[] fileBefore = Files.readAllBytes(db);

        assertThatThrownBy(() -> LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL)).close())
                .isInstanceOf(SchemaMismatch.class)
                .hasMessageContaining(first.fileName())
                .hasMessageContaining(forged)
                .hasMessageContaining(first.checksum());
        assertThatThrownBy(() -> LedgerDatabase.openReadOnly(db).close())
                .isInstanceOf(SchemaMismatch.class)
                .hasMessageContaining(first.fileName());
        assertThatThrownBy(() -> Ledger.open(LedgerConfig.builder(db).build()).close())
                .isInstanceOf(SchemaMismatch.class)
                .hasMessageContaining(forged);

        assertThat(Files.readAllBytes(db)).isEqualTo(fileBefore);
        try (Connection raw = DriverManager.getConnection(LedgerDatabase.url(db)); Statement st = raw.createStatement()) {
            assertThat(count(st, "SELECT count(*) FROM ledger_meta")).isZero();
            assertThat(count(st, "SELECT count(*) FROM schema_migrations")).isEqualTo(Migrations.latestVersion());
            try (ResultSet rs = st.executeQuery("SELECT checksum FROM schema_migrations WHERE version = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(forged);
            }
        }
    }

    @Test
    void aDatabaseWithAVersionNewerThanTheCodeIsRefusedSayingItIsNewer() throws Exception {
        Path db = dir.resolve("future.db");
        try (Connection conn = LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL))) {
            assertThat(history(conn)).isNotEmpty();
        }
        try (Connection raw = DriverManager.getConnection(LedgerDatabase.url(db)); Statement st = raw.createStatement()) {
            st.executeUpdate("INSERT INTO schema_migrations(version, description, checksum, applied_at, duration_ms)"
                    + " VALUES (999, 'from the future', '" + "f".repeat(64) + "', '2099-01-01T00:00:00Z', 0)");
        }
        byte[] fileBefore = Files.readAllBytes(db);

        assertThatThrownBy(() -> LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL)).close())
                .isInstanceOf(SchemaMismatch.class)
                .hasMessageContaining("999")
                .hasMessageContaining("newer");
        assertThatThrownBy(() -> LedgerDatabase.openReadOnly(db).close())
                .isInstanceOf(SchemaMismatch.class)
                .hasMessageContaining("newer");
        assertThat(Files.readAllBytes(db)).isEqualTo(fileBefore);
    }

    @Test
    void theIndexListsExactlyTheMigrationScriptsInTheDirectorySoNoneIsForgotten() throws IOException {
        assertThat(MIGRATIONS_DIR).as("run from the project root").isDirectory();
        List<String> listed = Files.readAllLines(MIGRATIONS_DIR.resolve("index.txt"), StandardCharsets.UTF_8).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .collect(Collectors.toList());
        List<String> sqlFiles;
        try (Stream<Path> files = Files.list(MIGRATIONS_DIR)) {
            sqlFiles = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted()
                    .collect(Collectors.toList());
        }
        // Down scripts (optional, docs/formats.md) are not applied in order, so they are not in the index; every one
        // must belong to an up script. Any other .sql file must be a listed up script.
        List<String> upFiles = new ArrayList<>();
        for (String name : sqlFiles) {
            if (isDownScript(name)) {
                assertThat(sqlFiles).as("down script %s needs its up script", name).contains(upScriptOf(name));
            } else {
                assertThat(name).as("migration file name").matches(UP_SCRIPT);
                upFiles.add(name);
            }
        }
        assertThat(listed).as("index.txt against the directory").containsExactlyElementsOf(upFiles);
        assertThat(listed).as("index.txt is in version order").isSorted();

        // what the code loads from the class path is the repository's current text
        List<Migrations.Script> scripts = Migrations.available();
        assertThat(scripts).extracting(Migrations.Script::fileName).containsExactlyElementsOf(listed);
        for (Migrations.Script s : scripts) {
            assertThat(s.sql()).as("packaged copy of %s", s.fileName())
                    .isEqualTo(Files.readString(MIGRATIONS_DIR.resolve(s.fileName()), StandardCharsets.UTF_8));
        }
    }

    @Test
    void statementsSplitsTheInitScriptIntoItsSixStatementsWithoutComments() {
        Migrations.Script init = Migrations.available().get(0);
        assertThat(init.fileName()).isEqualTo("V0001__init.sql");

        List<String> statements = Migrations.statements(init.sql());

        assertThat(statements).hasSize(6);
        assertThat(statements.get(0)).startsWith("CREATE TABLE ledger_meta (").endsWith(") WITHOUT ROWID;");
        assertThat(statements.get(1)).startsWith("CREATE TABLE events (")
                .contains("seq       INTEGER PRIMARY KEY,", "hash      BLOB NOT NULL CHECK (length(hash) = 32)")
                .endsWith(");");
        assertThat(statements.get(2)).isEqualTo(
                "CREATE UNIQUE INDEX events_by_idem_key ON events (idem_key) WHERE idem_key IS NOT NULL;");
        assertThat(statements.get(3)).isEqualTo(
                "CREATE INDEX events_by_game ON events (game_id, seq) WHERE game_id IS NOT NULL;");
        assertThat(statements.get(4)).isEqualTo(
                "CREATE INDEX events_by_player ON events (player_id, seq) WHERE player_id IS NOT NULL;");
        assertThat(statements.get(5)).startsWith("CREATE TABLE ledger_head (").endsWith(");");
        assertThat(statements).allSatisfy(s -> {
            assertThat(s).doesNotContain("--").endsWith(";");
            assertThat(s.substring(0, s.length() - 1)).doesNotContain(";");
        });
    }

    @Test
    void statementsDropsCommentsAndBlankLinesAndRefusesAScriptThatEndsWithoutASemicolon() {
        String sql = "-- heading\n\nCREATE TABLE a (\n    x INTEGER  -- a comment\n);\n  -- between\nDROP TABLE a;\n";
        assertThat(Migrations.statements(sql)).containsExactly("CREATE TABLE a (\n    x INTEGER\n);", "DROP TABLE a;");

        assertThatThrownBy(() -> Migrations.statements("CREATE TABLE a (x);\nCREATE TABLE b (y)\n"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without a semicolon")
                .hasMessageContaining("CREATE TABLE b");
    }

    @Test
    void statementsKeepDoubleDashesAndSemicolonsThatAreInsideLiteralsOrQuotedIdentifiers() {
        String sql = "INSERT INTO t VALUES ('a--b'); -- a real comment\n"
                + "INSERT INTO t VALUES ('it''s -- still text');\n"
                + "CREATE TABLE \"odd--name\" (x TEXT DEFAULT 'x;'); -- trailing\n"
                + "INSERT INTO t VALUES ('two\nlines; -- kept\n');\n";

        assertThat(Migrations.statements(sql)).containsExactly(
                "INSERT INTO t VALUES ('a--b');",
                "INSERT INTO t VALUES ('it''s -- still text');",
                "CREATE TABLE \"odd--name\" (x TEXT DEFAULT 'x;');",
                "INSERT INTO t VALUES ('two\nlines; -- kept\n');");
    }

    @Test
    void statementsRefusesAScriptThatEndsInsideALiteral() {
        assertThatThrownBy(() -> Migrations.statements("INSERT INTO t VALUES ('open;\n"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unterminated")
                .hasMessageContaining("INSERT INTO t");
    }

    private static boolean isDownScript(String name) {
        return name.startsWith("U") || name.endsWith(".down.sql");
    }

    private static String upScriptOf(String down) {
        return down.startsWith("U") ? "V" + down.substring(1) : down.replace(".down.sql", ".sql");
    }

    private static List<Applied> history(Connection conn) throws SQLException {
        List<Applied> rows = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery(
                     "SELECT version, description, checksum, applied_at, duration_ms FROM schema_migrations ORDER BY version")) {
            while (rs.next()) {
                rows.add(new Applied(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
            }
        }
        return rows;
    }

    private static List<String> tables(Connection conn) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String sha256Hex(String text) throws Exception {
        return Hex.of(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
