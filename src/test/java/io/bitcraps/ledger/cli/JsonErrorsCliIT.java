package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** With {@code --json}, a failure is JSON on stdout too, {@code {"error":{"code","message"}}}; stderr keeps the human line. */
class JsonErrorsCliIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private JsonNode error(ChildJvm.Result r) {
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(2);
        JsonNode n = JSON.readTree(r.stdout().strip());
        assertThat(n.has("error")).as(r.stdout()).isTrue();
        assertThat(io.bitcraps.ledger.support.OutputSchemas.errors("schemas/cli/error.schema.json", n)).as(r.stdout()).isEmpty();
        return n.get("error");
    }

    @Test
    void aRefusedValueAnUnknownOptionAndAMissingFileAreJsonErrors() throws Exception {
        Path missing = dir.resolve("missing.db");
        JsonNode refused = error(ChildJvm.run(dir, "audit", "--db", missing.toString(), "--json"));
        assertThat(refused.get("code").asString()).isEqualTo("INVALID_ARGUMENT");
        assertThat(refused.get("message").asString()).contains("no such database file", missing.toString());

        JsonNode usage = error(ChildJvm.run(dir, "health", "--db", missing.toString(), "--json", "--no-such-option"));
        assertThat(usage.get("code").asString()).isEqualTo("USAGE");
        assertThat(usage.get("message").asString()).contains("--no-such-option");

        ChildJvm.Result plain = ChildJvm.run(dir, "audit", "--db", missing.toString());
        assertThat(plain.exitCode()).isEqualTo(2);
        assertThat(plain.stdout()).as("without --json, stdout stays empty").isEmpty();
        assertThat(plain.stderr()).contains("no such database file");
    }
}
