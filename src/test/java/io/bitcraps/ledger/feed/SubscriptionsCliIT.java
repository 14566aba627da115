package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.backup.Restore;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.store.SubscriptionCheckpoints;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tools/ledger subscriptions}: lists checkpoints against the log, and resets one only while the ledger is stopped. */
class SubscriptionsCliIT {
    @TempDir
    Path dir;

    /** The one JSON document a --json run printed, valid against its schema. */
    private static JsonNode json(ChildJvm.Result r, int exitCode, String schema) {
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(exitCode);
        assertThat(r.stdout().strip().lines()).as(r.stdout()).hasSize(1);
        JsonNode n = OutputSchemas.json().readTree(r.stdout().strip());
        assertThat(OutputSchemas.errors(schema, n)).as("%s", n).isEmpty();
        return n;
    }

    @Test
    void listsACheckpointLeftPastARestoredLogAndResetsItOnlyWhileTheLedgerIsStopped() throws Exception {
        Path db = dir.resolve("ledger.db");
        LedgerConfig config = LedgerConfig.builder(db).backupDir(dir.resolve("backups")).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build();
        String backup;
        try (Ledger ledger = Ledger.open(config)) {
            for (int i = 0; i < 4; i++) {
                ok(ledger.submit(new Deposit("alice", 10, "a" + i)));
            }
            backup = ledger.backup().file().getFileName().toString();
            ok(ledger.submit(new Deposit("alice", 10, "b")));
            Subscription stats = ledger.subscribe("stats", From.beginning(), b -> { });
            Subscription relay = ledger.subscribe("relay", From.beginning(), b -> { });
            assertThat(stats.awaitPosition(5, Duration.ofSeconds(30))).isTrue();
            assertThat(relay.awaitPosition(5, Duration.ofSeconds(30))).isTrue();
            relay.close();
        }
        ChildJvm.Result inStep = ChildJvm.run(dir, "subscriptions", "--db", db.toString());
        assertThat(inStep.exitCode()).as(inStep.stderr()).isZero();
        assertThat(inStep.stdout().lines()).hasSize(2).allMatch(l -> l.contains("in the log (0 event(s) behind the head, seq 5)"));
        assertThat(inStep.stdout()).contains("relay  seq 5  (written ", "stats  seq 5  (written ");
        JsonNode inStepJson = json(ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--json"), 0,
                "schemas/cli/subscriptions.schema.json");
        assertThat(inStepJson.get("db").stringValue()).isEqualTo(db.toString());
        assertThat(inStepJson.get("subscriptions")).hasSize(2).allSatisfy(s -> {
            assertThat(s.get("seq").asLong()).isEqualTo(5);
            assertThat(s.get("verdict").stringValue()).isEqualTo("IN_THE_LOG");
            assertThat(s.get("in_log").asBoolean()).isTrue();
            assertThat(s.get("behind").asLong()).isZero();
            assertThat(s.get("log_head").asLong()).isEqualTo(5);
            assertThat(s.get("log_hash").stringValue()).isEqualTo(s.get("hash").stringValue());
        });
        assertThat(inStepJson.get("subscriptions")).extracting(s -> s.get("name").stringValue()).containsExactly("relay", "stats");

        Restore.restore(dir.resolve("backups"), backup, db, true, null, Long.MAX_VALUE, Long.MAX_VALUE, null); // seq 4
        ChildJvm.Result listed = ChildJvm.run(dir, "subscriptions", "--db", db.toString());
        assertThat(listed.exitCode()).as(listed.stderr()).isZero();
        assertThat(listed.stdout().lines()).hasSize(2).allMatch(l -> l.contains("NOT IN THE LOG: the log ends at seq 4"));
        System.out.print("$ tools/ledger subscriptions --db ledger.db\n" + listed.stdout());
        ChildJvm.Result listedJson = ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--json");
        JsonNode notInLog = json(listedJson, 0, "schemas/cli/subscriptions.schema.json");
        assertThat(notInLog.get("subscriptions")).hasSize(2).allSatisfy(s -> {
            assertThat(s.get("verdict").stringValue()).isEqualTo("NOT_IN_THE_LOG");
            assertThat(s.get("in_log").asBoolean()).isFalse();
            assertThat(s.get("log_head").asLong()).isEqualTo(4);
            assertThat(s.get("log_hash").isNull()).isTrue();
            assertThat(s.get("behind").isNull()).isTrue();
        });
        System.out.print("$ tools/ledger subscriptions --db ledger.db --json\n" + listedJson.stdout());

        ChildJvm.Result refused;
        try (Ledger ledger = Ledger.open(config)) {
            refused = ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--reset", "relay");
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.stderr()).contains("pid " + ProcessHandle.current().pid());
            JsonNode refusedJson = json(ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--reset", "relay", "--json"),
                    2, "schemas/cli/error.schema.json");
            assertThat(refusedJson.get("error").get("message").stringValue()).contains("pid " + ProcessHandle.current().pid());
            assertThat(ledger.subscriptionCheckpoint("relay").seq()).isEqualTo(5);
        }
        ChildJvm.Result reset = ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--reset", "relay");
        assertThat(reset.exitCode()).as(reset.stderr()).isZero();
        assertThat(reset.stdout()).contains("checkpoint of relay at seq 5 forgotten");
        System.out.print("$ tools/ledger subscriptions --db ledger.db --reset relay\n" + reset.stdout() + refused.stderr());
        assertThat(SubscriptionCheckpoints.readAll(db)).extracting(c -> c.name()).containsExactly("stats");

        JsonNode notStored = json(ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--reset", "relay", "--json"), 0,
                "schemas/cli/subscriptions.schema.json");
        assertThat(notStored.get("reset").stringValue()).isEqualTo("relay");
        assertThat(notStored.get("outcome").stringValue()).isEqualTo("NOT_STORED");
        assertThat(notStored.get("checkpoint").isNull()).isTrue();
        ChildJvm.Result forgottenRun = ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--reset", "stats", "--json");
        JsonNode forgotten = json(forgottenRun, 0, "schemas/cli/subscriptions.schema.json");
        assertThat(forgotten.get("outcome").stringValue()).isEqualTo("FORGOTTEN");
        assertThat(forgotten.get("checkpoint").get("name").stringValue()).isEqualTo("stats");
        assertThat(forgotten.get("checkpoint").get("seq").asLong()).isEqualTo(5);
        System.out.print("$ tools/ledger subscriptions --db ledger.db --reset stats --json\n" + forgottenRun.stdout());
        assertThat(SubscriptionCheckpoints.readAll(db)).isEmpty();
        JsonNode none = json(ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--json"), 0,
                "schemas/cli/subscriptions.schema.json");
        assertThat(none.get("subscriptions")).isEmpty();
    }
}
