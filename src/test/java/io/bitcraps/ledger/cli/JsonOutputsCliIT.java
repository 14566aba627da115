package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --json} on simulate, backup, verify-backup, restore, recover and health: one JSON object on stdout, the same facts as the text. */
class JsonOutputsCliIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    /** The command's JSON, checked against its schema under schemas/cli/. */
    private static JsonNode json(ChildJvm.Result r, int exit, String schema) {
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(exit);
        JsonNode n = JSON.readTree(r.stdout().strip());
        assertThat(io.bitcraps.ledger.support.OutputSchemas.errors("schemas/cli/" + schema + ".schema.json", n))
                .as("%s output against its schema: %s", schema, n).isEmpty();
        return n;
    }

    @Test
    void theOperatorsCommandsSpeakJson() throws Exception {
        Path db = dir.resolve("floor.db");
        JsonNode sim = json(ChildJvm.run(dir, "simulate", "--db", db.toString(), "--tables", "2", "--players", "6",
                "--rounds", "3", "--durability", "normal", "--json"), 0, "simulate");
        assertThat(sim.get("intact").asBoolean()).isTrue();
        long seq = sim.get("seq").asLong();
        assertThat(seq).isPositive().isEqualTo(sim.get("events").asLong());
        assertThat(sim.get("conservation").get("holds").asBoolean()).isTrue();
        assertThat(sim.get("replay").get("matches_view").asBoolean()).isTrue();
        assertThat(sim.get("bets").get("placed").asLong()).isPositive();

        ChildJvm.Result backup = ChildJvm.run(dir, "backup", "--db", db.toString(), "--json");
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
        // backup --json prints the manifest it wrote beside the backup
        assertThat(io.bitcraps.ledger.support.OutputSchemas.errors("schemas/backup/manifest.schema.json",
                JSON.readTree(backup.stdout().strip()))).as(backup.stdout()).isEmpty();
        Path backups = dir.resolve("backups");
        Path file;
        try (var files = Files.list(backups)) {
            file = files.filter(p -> p.toString().endsWith(".db")).findFirst().orElseThrow();
        }
        JsonNode verified = json(ChildJvm.run(dir, "verify-backup", file.toString(), "--json"), 0, "verify-backup");
        assertThat(verified.get("verifies").asBoolean()).isTrue();
        assertThat(verified.get("seq").asLong()).isEqualTo(seq);
        assertThat(verified.get("hmac").asString()).isEqualTo("absent");

        Path junk = dir.resolve("junk.db");
        Files.writeString(junk, "not a backup");
        JsonNode refused = json(ChildJvm.run(dir, "verify-backup", junk.toString(), "--json"), 1, "verify-backup");
        assertThat(refused.get("verifies").asBoolean()).isFalse();
        assertThat(refused.get("reason").asString()).isNotEmpty();

        Path restored = dir.resolve("restored.db");
        JsonNode restore = json(ChildJvm.run(dir, "restore", file.getFileName().toString(), "--dir", backups.toString(),
                "--to", restored.toString(), "--json"), 0, "restore");
        assertThat(restore.get("seq").asLong()).isEqualTo(seq);
        assertThat(restore.get("verified").asBoolean()).isTrue();
        assertThat(restore.get("to").asString()).isEqualTo(restored.toString());

        JsonNode recover = json(ChildJvm.run(dir, "recover", "--db", db.toString(), "--json"), 0, "recover");

        JsonNode health = json(ChildJvm.run(dir, "health", "--db", db.toString(), "--min-free-mb", "0", "--json"), 0,
                "health");
        assertThat(health.get("status").asString()).isEqualTo("UP");
        // the validator can fail: an output without a required field, or with a status no check has, is refused
        assertThat(io.bitcraps.ledger.support.OutputSchemas.errors("schemas/cli/verify-backup.schema.json",
                ((tools.jackson.databind.node.ObjectNode) verified.deepCopy()).without("seq"))).isNotEmpty();
        assertThat(io.bitcraps.ledger.support.OutputSchemas.errors("schemas/cli/health.schema.json",
                ((tools.jackson.databind.node.ObjectNode) health.deepCopy()).put("status", "FINE"))).isNotEmpty();
        assertThat(recover.get("seq").asLong()).isEqualTo(seq);
        assertThat(recover.get("lost").get("known").asBoolean()).isTrue();
        assertThat(recover.get("lost").get("events").asLong()).isZero();
    }
}
