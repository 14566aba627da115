package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.cdc.KafkaRelay;
import io.bitcraps.ledger.cdc.Standby;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lines of {@code publish --json} and {@code replicate --json} that a short run in KafkaCdcIT rarely prints (a
 * status line while running, a retried broker error, a refusal), built from statuses and validated against their
 * schemas; KafkaCdcIT validates the real output of a run. And {@code scale-out --json}'s report, which no test runs
 * (a measurement of half a minute and more), from a result.
 */
class FeedJsonLinesTest {
    private static final String PUBLISH = "schemas/cli/publish.schema.json";
    private static final String REPLICATE = "schemas/cli/replicate.schema.json";

    @Test
    void publishStatusAndDoneLinesFollowTheirSchema() {
        KafkaRelay.Status starting = new KafkaRelay.Status(KafkaRelay.State.STARTING, -1, 0, 1, 0, 0, 0, null);
        KafkaRelay.Status retrying = new KafkaRelay.Status(KafkaRelay.State.RETRYING, 1_200, 1_500, 300, 2_345, 17, 3,
                "org.apache.kafka.common.errors.TimeoutException: broker down");
        KafkaRelay.Status fenced = new KafkaRelay.Status(KafkaRelay.State.FENCED, 1_500, 1_500, 0, 0, 18, 3, null);
        for (String line : new String[] {PublishCommand.json("status", "ledger-a", starting),
                PublishCommand.json("status", "ledger-a", retrying), PublishCommand.json("done", "ledger-a", fenced)}) {
            assertThat(OutputSchemas.errors(PUBLISH, OutputSchemas.json().readTree(line))).as(line).isEmpty();
        }
        assertThat(OutputSchemas.json().readTree(PublishCommand.json("status", "ledger-a", retrying)).path("last_error")
                .stringValue()).contains("broker down");
        assertThat(OutputSchemas.errors(PUBLISH, OutputSchemas.json().readTree(
                PublishCommand.json("running", "ledger-a", fenced)))).as("an unknown kind").isNotEmpty();
    }

    @Test
    void replicateStatusDoneAndRefusedLinesFollowTheirSchema() {
        Standby.Status running = new Standby.Status("ledger-a", 800, 120, 35, 12, 1, 4, 2);
        String refusal = "gap: seq 802 after seq 800";
        for (String line : new String[] {ReplicateCommand.json("status", running, null),
                ReplicateCommand.json("done", running, null), ReplicateCommand.json("done", running, refusal)}) {
            assertThat(OutputSchemas.errors(REPLICATE, OutputSchemas.json().readTree(line))).as(line).isEmpty();
        }
        assertThat(OutputSchemas.errors(REPLICATE, OutputSchemas.json().readTree(
                ReplicateCommand.json("status", running, refusal)))).as("a refusal only on the done line").isNotEmpty();
    }

    @Test
    void scaleOutReportFollowsItsSchema() {
        io.bitcraps.ledger.bench.ScaleOut.Result r = new io.bitcraps.ledger.bench.ScaleOut.Result(4, false, java.util.List.of(
                new io.bitcraps.ledger.bench.ScaleOut.Phase("100%", 41_234.5, 40_987.25, 12.5, 48.0, 95.1, 1_234),
                new io.bitcraps.ledger.bench.ScaleOut.Phase("50%", 20_617.0, 20_600.0, 4.0, 9.5, 20.0, 2_345)),
                987_654, true, -1_000, -1_000);
        String line = ScaleOutCommand.json("scale-out-1", r);
        assertThat(OutputSchemas.errors("schemas/cli/scale-out.schema.json", OutputSchemas.json().readTree(line)))
                .as(line).isEmpty();
        assertThat(OutputSchemas.json().readTree(line).path("phases").get(1).path("name").stringValue()).isEqualTo("50%");
    }
}
