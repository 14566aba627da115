package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.Migrations;
import io.bitcraps.ledger.store.WriterLock;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tools/ledger migrate} in a child JVM on a simulated ledger: steps, exit codes, --json, refusals. */
class MigrateCliIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @Test
    void migrateTakesASimulatedLedgerDownAndBackUpStepByStepAndRefusesWhatWouldLoseRecords() throws Exception {
        Path db = dir.resolve("floor.db");
        ChildJvm.Result sim = ChildJvm.run(dir, "simulate", "--db", db.toString(), "--tables", "2", "--players", "6",
                "--rounds", "3", "--durability", "normal", "--json");
        assertThat(sim.exitCode()).as(sim.stderr()).isZero();
        long events = JSON.readTree(sim.stdout().strip()).get("events").asLong();
        int latest = Migrations.latestVersion();

        // down to 5, as JSON: one step per version, the log unchanged
        JsonNode down = migrateJson(db, 5);
        assertThat(down.get("from").asInt()).isEqualTo(latest);
        assertThat(down.get("version").asInt()).isEqualTo(5);
        assertThat(down.get("latest").asInt()).isEqualTo(latest);
        assertThat(down.get("lowest_reachable").asInt()).isEqualTo(3);
        assertThat(down.get("steps")).hasSize(latest - 5);
        JsonNode first = down.get("steps").get(0);
        assertThat(first.get("from").asInt()).isEqualTo(latest);
        assertThat(first.get("to").asInt()).isEqualTo(latest - 1);
        assertThat(first.get("script").asString()).endsWith(".down.sql");
        assertThat(down.get("log").get("events").asLong()).isEqualTo(events);
        String head = down.get("log").get("hash").asString();
        assertThat(head).hasSize(64);
        assertThat(down.get("open_before_audit").asBoolean()).isFalse();

        // a step below 3 would drop the batch records: refused, named, nothing written
        ChildJvm.Result refused = ChildJvm.run(dir, "migrate", "--db", db.toString(), "--to", "0", "--json");
        JsonNode error = errorJson(refused, "DOWN_STEP_REFUSED");
        assertThat(error.get("message").asString()).contains("down step 3 -> 2 (V0003__batches.down.sql)", "batches holds");
        assertThat(refused.stderr()).contains("ledger migrate: down step 3 -> 2");
        assertThat(versionOf(db)).isEqualTo(5);

        // the ledger is stopped only when its lock is free: held here, the child is refused
        try (WriterLock held = WriterLock.acquire(db)) {
            errorJson(ChildJvm.run(dir, "migrate", "--db", db.toString(), "--to", String.valueOf(latest), "--json"),
                    "WRITER_LOCK_HELD");
        }
        assertThat(versionOf(db)).isEqualTo(5);

        // up to the latest, as text: each step printed, the log unchanged
        ChildJvm.Result up = ChildJvm.run(dir, "migrate", "--db", db.toString(), "--to", String.valueOf(latest));
        assertThat(up.exitCode()).as(up.stderr()).isZero();
        assertThat(up.stdout()).contains("schema version 5 -> " + latest)
                .contains("up    5 ->  6  V0006__timeline.sql")
                .contains("up   " + (latest - 1) + " -> " + latest)
                .contains("now at schema version " + latest)
                .contains("the log is unchanged: ").contains("hash " + head);
        assertThat(up.stdout().lines().filter(l -> l.startsWith("  up ")).count()).isEqualTo(latest - 5);

        // V0008's up script marks the read model as lagging: the ledger's next open rebuilds it, then the audit holds
        assertThat(up.stdout()).contains("open the ledger once before an audit");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            assertThat(ledger).isNotNull();
        }
        AuditReport audit = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, null, null), n -> { });
        assertThat(audit.intact()).as("%s", audit.problems()).isTrue();
        assertThat(audit.events()).isEqualTo(events);

        // the same walk both ways as JSON, one step each: down says nothing to do before an audit, up does
        JsonNode oneDown = migrateJson(db, latest - 1);
        assertThat(oneDown.get("steps")).singleElement().satisfies(s -> {
            assertThat(s.get("from").asInt()).isEqualTo(latest);
            assertThat(s.get("script").asString()).endsWith(".down.sql");
        });
        assertThat(oneDown.get("open_before_audit").asBoolean()).isFalse();
        JsonNode oneUp = migrateJson(db, latest);
        assertThat(oneUp.get("from").asInt()).isEqualTo(latest - 1);
        assertThat(oneUp.get("version").asInt()).isEqualTo(latest);
        assertThat(oneUp.get("steps")).singleElement().satisfies(s -> {
            assertThat(s.get("to").asInt()).isEqualTo(latest);
            assertThat(s.get("script").asString()).startsWith(String.format("V%04d__", latest)).doesNotEndWith(".down.sql");
        });
        assertThat(oneUp.get("open_before_audit").asBoolean()).isTrue();
        for (JsonNode walked : new JsonNode[] {oneDown, oneUp}) {
            assertThat(walked.get("log").get("events").asLong()).isEqualTo(events);
            assertThat(walked.get("log").get("hash").asString()).isEqualTo(head);
        }

        // already there: no steps, nothing to rebuild
        JsonNode noOp = migrateJson(db, latest);
        assertThat(noOp.get("from").asInt()).isEqualTo(latest);
        assertThat(noOp.get("steps")).isEmpty();
        assertThat(noOp.get("open_before_audit").asBoolean()).isFalse();
    }

    @Test
    void anEmptyLedgerWalksDownToVersionZeroWhereThereIsNoLogAndBackUpToAnEmptyLog() throws Exception {
        Path db = dir.resolve("empty.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            assertThat(ledger).isNotNull();
        }
        int latest = Migrations.latestVersion();

        JsonNode down = migrateJson(db, 0);
        assertThat(down.get("from").asInt()).isEqualTo(latest);
        assertThat(down.get("version").asInt()).isZero();
        assertThat(down.get("steps")).hasSize(latest);
        assertThat(down.get("log").isNull()).as("%s", down).isTrue();

        JsonNode up = migrateJson(db, latest);
        assertThat(up.get("from").asInt()).isZero();
        assertThat(up.get("steps")).hasSize(latest);
        assertThat(up.get("steps").get(0).get("script").asString()).isEqualTo("V0001__init.sql");
        assertThat(up.get("log").get("events").asLong()).isZero();
        assertThat(up.get("log").get("hash").asString()).isEmpty();
        assertThat(up.get("open_before_audit").asBoolean()).isTrue();
    }

    /** {@code migrate --db db --to n --json}, exit 0, its document checked against migrate.schema.json. */
    private JsonNode migrateJson(Path db, int to) throws Exception {
        JsonNode n = json(ChildJvm.run(dir, "migrate", "--db", db.toString(), "--to", String.valueOf(to), "--json"), 0);
        assertThat(OutputSchemas.errors("schemas/cli/migrate.schema.json", n)).as("%s", n).isEmpty();
        return n;
    }

    @Test
    void aVersionThatDoesNotExistOrAMissingDatabaseIsAnInvalidArgumentAndCreatesNothing() throws Exception {
        Path db = dir.resolve("floor.db");
        assertThat(ChildJvm.run(dir, "simulate", "--db", db.toString(), "--tables", "1", "--players", "2",
                "--rounds", "1", "--durability", "normal").exitCode()).isZero();
        byte[] before = Files.readAllBytes(db);

        JsonNode tooHigh = errorJson(ChildJvm.run(dir, "migrate", "--db", db.toString(), "--to", "99", "--json"),
                "INVALID_ARGUMENT");
        assertThat(tooHigh.get("message").asString()).contains("--to 99", "0.." + Migrations.latestVersion());
        assertThat(Files.readAllBytes(db)).isEqualTo(before);

        Path missing = dir.resolve("nothing-here.db");
        JsonNode absent = errorJson(ChildJvm.run(dir, "migrate", "--db", missing.toString(), "--to", "3", "--json"),
                "INVALID_ARGUMENT");
        assertThat(absent.get("message").asString()).contains("no ledger database");
        assertThat(missing).doesNotExist();
        assertThat(WriterLock.lockFileOf(missing)).doesNotExist();
    }

    private static JsonNode json(ChildJvm.Result r, int exit) {
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(exit);
        return JSON.readTree(r.stdout().strip());
    }

    /** The {"error":{code,message}} answer of a refused command (exit 2), checked against its schema. */
    private static JsonNode errorJson(ChildJvm.Result r, String code) {
        JsonNode n = json(r, LedgerCli.EXIT_ERROR);
        assertThat(OutputSchemas.errors("schemas/cli/error.schema.json", n)).as("%s", n).isEmpty();
        assertThat(n.get("error").get("code").asString()).isEqualTo(code);
        return n.get("error");
    }

    private static int versionOf(Path db) throws Exception {
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            return Migrations.verify(conn);
        }
    }
}
