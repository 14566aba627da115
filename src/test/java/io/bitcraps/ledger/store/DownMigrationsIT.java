package io.bitcraps.ledger.store;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.audit.ProblemKind;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.sim.CrapsFloor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Down migrations (issue #15) on real SQLite files: a ledger populated by a simulated floor (fair dice and player
 * protection, so that every table of the schema holds rows) goes down and up across every version it may reach. At
 * each version its events are the same rows and its schema is the one the up scripts alone give that version; back at
 * the latest it opens as a ledger and the audit finds it intact. Steps that would lose what no event holds are refused
 * and write nothing.
 */
class DownMigrationsIT {
    @TempDir
    static Path populatedDir;
    private static Path populated;
    private static LogPrint populatedLog;

    @TempDir
    Path dir;

    /** Every column of every event row, in seq order, hashed; with the count and the chain hash at the head. */
    record LogPrint(long events, long headSeq, String headHash, String rowsSha256) {}

    @BeforeAll
    static void populateALedgerWithASimulatedFloor() throws Exception {
        populated = populatedDir.resolve("ledger.db");
        try (Ledger ledger = open(populated)) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(3, 12, 6, 15, "m", 1_000, 1_000_000),
                    CrapsFloor.Options.defaults().withFairDice(true).withProtection(true)).run(n -> { });
        }
        try (Connection conn = LedgerDatabase.openReadOnly(populated)) {
            populatedLog = logPrint(conn);
            assertThat(count(conn, "SELECT count(*) FROM batches")).as("batch records").isGreaterThan(1);
            assertThat(count(conn, "SELECT count(*) FROM fair_commitments")).as("fair games").isPositive();
            assertThat(count(conn, "SELECT count(*) FROM events WHERE type IN (9, 10)")).as("protection events").isPositive();
            assertThat(count(conn, "SELECT count(*) FROM state_snapshots")).as("snapshots").isPositive();
        }
        assertThat(populatedLog.events()).isBetween(1_000L, 20_000L);
    }

    @Test
    void aPopulatedLedgerWalksDownToItsLowestVersionAndBackUpWithItsEventsAndEachVersionsSchemaAndTheAuditHolds()
            throws Exception {
        Path db = copyOfPopulated();
        int latest = Migrations.latestVersion();
        try (Connection conn = LedgerDatabase.openForMigration(db)) {
            // batch records are in no event: version 3 (batches) is as low as a written ledger goes
            int lowest = Migrations.lowestReachableVersion(conn);
            assertThat(lowest).isEqualTo(3);
            for (int v = latest - 1; v >= lowest; v--) {
                List<Migrations.Step> steps = Migrations.migrateTo(conn, v, s -> { });
                assertThat(steps).singleElement().satisfies(s -> assertThat(s.down()).isTrue());
                assertAtVersion(conn, v);
                assertAuditHoldsBesidesTheLaggingReadModelBelowV0008(db, v);
            }
            for (int v = lowest + 1; v <= latest; v++) {
                assertThat(Migrations.migrateTo(conn, v, s -> { })).singleElement()
                        .satisfies(s -> assertThat(s.down()).isFalse());
                assertAtVersion(conn, v);
            }
        }
        assertOpensAndAuditsIntact(db);
    }

    @Test
    void fromTheLatestDownToEachReachableVersionAndBackTheLedgerOpensAndTheAuditHolds() throws Exception {
        int latest = Migrations.latestVersion();
        for (int v = latest - 1; v >= 3; v--) {
            Path db = copyOfPopulated();
            try (Connection conn = LedgerDatabase.openForMigration(db)) {
                assertThat(Migrations.migrateTo(conn, v, s -> { })).as("down to %d", v).hasSize(latest - v);
                assertAtVersion(conn, v);
                assertThat(Migrations.migrateTo(conn, latest, s -> { })).as("up from %d", v).hasSize(latest - v);
                assertAtVersion(conn, latest);
            }
            assertOpensAndAuditsIntact(db);
            deleteLedgerFiles(db);
        }
    }

    @Test
    void aWalkDownThatWouldLoseBatchRecordsIsRefusedAtThatStepBeforeAnyStepIsWritten() throws Exception {
        Path db = copyOfPopulated();
        byte[] before = Files.readAllBytes(db);
        try (Connection conn = LedgerDatabase.openForMigration(db)) {
            Map<String, String> schemaBefore = schema(conn);
            assertThatThrownBy(() -> Migrations.migrateTo(conn, 2, s -> { }))
                    .isInstanceOfSatisfying(DownStepRefused.class, e -> {
                        assertThat(e.fromVersion()).isEqualTo(3);
                        assertThat(e.toVersion()).isEqualTo(2);
                        assertThat(e.lowestReachableVersion()).isEqualTo(3);
                        assertThat(e.code()).isEqualTo("DOWN_STEP_REFUSED");
                    })
                    .hasMessageContaining("down step 3 -> 2 (V0003__batches.down.sql)")
                    .hasMessageContaining("batches holds")
                    .hasMessageContaining("nothing was written");
            // the eleven steps above version 3 would each have been allowed: none of them ran either
            assertThat(Migrations.verify(conn)).isEqualTo(Migrations.latestVersion());
            assertThat(schema(conn)).isEqualTo(schemaBefore);
            assertThat(logPrint(conn)).isEqualTo(populatedLog);
        }
        assertThat(Files.readAllBytes(db)).as("the database file").isEqualTo(before);
    }

    @Test
    void theStepBelowTheEventsTableIsRefusedWhileTheLogHoldsAnEventAndAllowedOnceItHoldsNone() throws Exception {
        Path db = dir.resolve("one-event.db");
        try (Connection conn = DriverManager.getConnection(LedgerDatabase.url(db)); Statement st = conn.createStatement()) {
            assertThat(Migrations.migrateTo(conn, 1, s -> { })).hasSize(1);
            st.executeUpdate("INSERT INTO events (seq, ts, type, payload, hash) VALUES (1, 0, 1, x'00', zeroblob(32))");

            assertThatThrownBy(() -> Migrations.migrateTo(conn, 0, s -> { }))
                    .isInstanceOf(DownStepRefused.class)
                    .hasMessageContaining("down step 1 -> 0 (V0001__init.down.sql)")
                    .hasMessageContaining("1 event(s) (seq 1..1)");
            assertThat(Migrations.verify(conn)).isEqualTo(1);
            assertThat(count(conn, "SELECT count(*) FROM events")).isEqualTo(1);

            st.executeUpdate("DELETE FROM events");
            // an empty standby: whose standby it is lives in ledger_meta only (cdc.Standby)
            st.executeUpdate("INSERT INTO ledger_meta(name, value) VALUES ('standby_of', 'primary-7')");
            assertThatThrownBy(() -> Migrations.migrateTo(conn, 0, s -> { }))
                    .isInstanceOf(DownStepRefused.class)
                    .hasMessageContaining("down step 1 -> 0 (V0001__init.down.sql)")
                    .hasMessageContaining("a standby of primary-7");
            assertThat(Migrations.verify(conn)).isEqualTo(1);
            st.executeUpdate("DELETE FROM ledger_meta WHERE name = 'standby_of'");
            assertThat(Migrations.migrateTo(conn, 0, s -> { })).hasSize(1);
            assertThat(schema(conn)).isEqualTo(freshSchema(0)).containsOnlyKeys("table schema_migrations");
        }
    }

    @Test
    void aRestoredLedgersTimelineIsInNoEventSoTheStepBelowV0006IsRefused() throws Exception {
        Path db = copyOfPopulated();
        try (Connection conn = LedgerDatabase.openForMigration(db); Statement st = conn.createStatement()) {
            Migrations.migrateTo(conn, 6, s -> { });
            // what a point-in-time restore records (backup.Restore)
            st.executeUpdate("UPDATE ledger_timeline SET timeline = 'tl-2', branched_at_seq = 40, parent = 'original'");

            assertThatThrownBy(() -> Migrations.migrateTo(conn, 5, s -> { }))
                    .isInstanceOf(DownStepRefused.class)
                    .hasMessageContaining("down step 6 -> 5 (V0006__timeline.down.sql)")
                    .hasMessageContaining("timeline tl-2, branched from original at seq 40");
            assertThat(Migrations.verify(conn)).isEqualTo(6);
            assertThat(Migrations.lowestReachableVersion(conn)).isEqualTo(6);
        }
    }

    @Test
    void anEmptyLedgerGoesDownToVersionZeroWithEachVersionsSchemaAndBackUpToALedgerThatOpens() throws Exception {
        Path db = dir.resolve("empty.db");
        open(db).close();
        int latest = Migrations.latestVersion();
        try (Connection conn = LedgerDatabase.openForMigration(db)) {
            assertThat(Migrations.lowestReachableVersion(conn)).isZero();
            for (int v = latest - 1; v >= 0; v--) {
                Migrations.migrateTo(conn, v, s -> { });
                assertThat(Migrations.verify(conn)).isEqualTo(v);
                Map<String, String> expected = freshSchema(v, v >= 10);
                if (v == 10) { // V0011's down script builds the keys' index again: code of version 10 answers retries through it
                    expected.put("index events_by_idem_key", freshSchema(10).get("index events_by_idem_key"));
                }
                assertThat(schema(conn)).as("schema at version %d", v).isEqualTo(expected);
            }
            List<Migrations.Step> up = new ArrayList<>();
            Migrations.migrateTo(conn, latest, up::add);
            assertThat(up).extracting(Migrations.Step::to).containsExactlyElementsOf(
                    Stream.iterate(1, v -> v + 1).limit(latest).toList());
        }
        open(db).close();
    }

    @Test
    void aVersionThatDoesNotExistIsRefusedAndNothingIsWritten() throws Exception {
        Path db = copyOfPopulated();
        byte[] before = Files.readAllBytes(db);
        try (Connection conn = LedgerDatabase.openForMigration(db)) {
            int latest = Migrations.latestVersion();
            assertThatThrownBy(() -> Migrations.migrateTo(conn, latest + 1, s -> { }))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("schema version " + (latest + 1) + " does not exist")
                    .hasMessageContaining("0.." + latest);
            assertThatThrownBy(() -> Migrations.migrateTo(conn, -1, s -> { }))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Files.readAllBytes(db)).isEqualTo(before);
    }

    @Test
    void everyUpScriptHasADownScriptOnTheClassPath() {
        for (Migrations.Script s : Migrations.available()) {
            assertThat(DownMigrationsIT.class.getClassLoader().getResource("schemas/migrations/" + s.downFileName()))
                    .as("down script of %s", s.fileName()).isNotNull();
        }
    }

    // --- helpers

    private static Ledger open(Path db) {
        return Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build());
    }

    /** At version {@code v}: recorded as such, the same events, and the schema the up scripts alone give {@code v}. */
    private static void assertAtVersion(Connection conn, int v) throws Exception {
        assertThat(Migrations.verify(conn)).isEqualTo(v);
        assertThat(logPrint(conn)).as("the log at version %d", v).isEqualTo(populatedLog);
        if (v < 10) {
            assertThat(schema(conn)).as("schema at version %d", v).isEqualTo(freshSchema(v));
            return;
        }
        // from V0010 on, the commit mode's indexes are there or not as the last open's mode had it (the populated
        // ledger's log-first commit dropped them, V0010's down script built them again), and ledger_meta says which;
        // at V0010 the code drops the four statement indexes only: the idempotency keys' index is there and unique
        Map<String, String> schema = schema(conn);
        List<String> present = CommitModeIndexes.present(conn);
        // (a walk up from V0010 or below brings the keys' index along: the next log-first open drops it again)
        boolean dropped = CommitModeIndexes.droppedByLogFirst(conn);
        if (!dropped) {
            assertThat(present).as("commit mode indexes at version %d", v).containsExactlyInAnyOrderElementsOf(CommitModeIndexes.names());
        } else if (v == 10) {
            assertThat(present).as("commit mode indexes at version 10").containsExactly("events_by_idem_key");
        } else {
            assertThat(present).as("commit mode indexes at version %d", v).isSubsetOf("events_by_idem_key");
        }
        if (v == 10) {
            assertThat(schema.get("index events_by_idem_key")).as("the keys' index at version 10").contains("UNIQUE");
        }
        present.forEach(name -> schema.remove("index " + name));
        assertThat(schema).as("schema at version %d", v).isEqualTo(freshSchema(v, true));
    }

    /**
     * The audit of this code, run on the file as the walk left it. Down to V0008 it holds as it is. Below, V0008's
     * down script has marked the read model in the database as lagging (for the open of an older release to rebuild):
     * the audit then finds that, and only that; the log's own checks (chain, batches, payouts, the views) hold.
     */
    private static void assertAuditHoldsBesidesTheLaggingReadModelBelowV0008(Path db, int v) throws Exception {
        AuditReport report = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, null, null), n -> { });
        assertThat(report.events()).as("events audited at version %d", v).isEqualTo(populatedLog.events());
        if (v >= 8) {
            assertThat(report.intact()).as("audit at version %d: %s", v, report.problems()).isTrue();
            return;
        }
        assertThat(report.problems()).as("audit at version %d", v).isNotEmpty()
                .allSatisfy(p -> assertThat(p.kind()).isIn(ProblemKind.HEAD_MISMATCH, ProblemKind.PROJECTION_MISMATCH))
                .anySatisfy(p -> assertThat(p.detail()).contains("the read model is at seq 0"));
    }

    private static void assertOpensAndAuditsIntact(Path db) throws Exception {
        open(db).close();
        AuditReport report = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, null, null), n -> { });
        assertThat(report.intact()).as("audit of %s: %s", db, report.problems()).isTrue();
        assertThat(report.events()).isEqualTo(populatedLog.events());
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            assertThat(logPrint(conn)).isEqualTo(populatedLog);
            assertThat(Migrations.verify(conn)).isEqualTo(Migrations.latestVersion());
        }
    }

    private Path copyOfPopulated() throws Exception {
        Path copyDir = Files.createTempDirectory(dir, "copy");
        try (Stream<Path> files = Files.list(populatedDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, copyDir.resolve(f.getFileName()));
            }
        }
        return copyDir.resolve(populated.getFileName());
    }

    private static void deleteLedgerFiles(Path db) throws Exception {
        try (Stream<Path> files = Files.list(db.getParent())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.delete(f);
            }
        }
    }

    private static Map<String, String> freshSchema(int version) throws Exception {
        return freshSchema(version, false);
    }

    /** The schema of a new database taken up to {@code version}, without the commit mode's indexes when asked. */
    private static Map<String, String> freshSchema(int version, boolean withoutCommitModeIndexes) throws Exception {
        Path file = Files.createTempFile("fresh-v" + version + "-", ".db");
        try (Connection conn = DriverManager.getConnection(LedgerDatabase.url(file))) {
            Migrations.migrateTo(conn, version, s -> { });
            Map<String, String> schema = schema(conn);
            if (withoutCommitModeIndexes) {
                CommitModeIndexes.names().forEach(name -> schema.remove("index " + name));
            }
            return schema;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Each table by its columns (name, type, not null, default, key position) and whether it has a rowid, each index by
     * its table, uniqueness and definition. Not the tables' CREATE text, which ALTER TABLE rewrites.
     */
    static Map<String, String> schema(Connection conn) throws SQLException {
        Map<String, String> schema = new TreeMap<>();
        List<String[]> objects = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")) {
            while (rs.next()) {
                objects.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
            }
        }
        for (String[] o : objects) {
            if (o[0].equals("table")) {
                StringBuilder columns = new StringBuilder(o[3].contains("WITHOUT ROWID") ? "without rowid:" : "rowid:");
                try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA table_xinfo(" + o[1] + ")")) {
                    while (rs.next()) {
                        columns.append(' ').append(rs.getString("name")).append(' ').append(rs.getString("type"))
                                .append(rs.getInt("notnull") == 1 ? " not null" : "")
                                .append(rs.getString("dflt_value") == null ? "" : " default " + rs.getString("dflt_value"))
                                .append(rs.getInt("pk") > 0 ? " pk" + rs.getInt("pk") : "").append(',');
                    }
                }
                schema.put("table " + o[1], columns.toString());
            } else {
                schema.put(o[0] + " " + o[1], o[2] + ": " + (o[3] == null ? "" : o[3].replaceAll("\\s+", " ")));
            }
        }
        return schema;
    }

    static LogPrint logPrint(Connection conn) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long events = 0;
        long headSeq = 0;
        byte[] headHash = new byte[0];
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq, ts, type, game_id, player_id, bet_id, amount, idem_key, payload, hash"
                     + " FROM events ORDER BY seq")) {
            while (rs.next()) {
                for (int i = 1; i <= 10; i++) {
                    byte[] value = i >= 9 ? rs.getBytes(i) : String.valueOf(rs.getObject(i)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    sha.update(value);
                    sha.update((byte) 0);
                }
                events++;
                headSeq = rs.getLong(1);
                headHash = rs.getBytes(10);
            }
        }
        return new LogPrint(events, headSeq, Hex.of(headHash), Hex.of(sha.digest()));
    }

    private static long count(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
