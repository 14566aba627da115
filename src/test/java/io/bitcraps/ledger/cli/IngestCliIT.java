package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tools/ledger ingest} in a real child JVM, fed a file that mixes good and bad lines; every receipt
 * (ok with a seq or a group's seqs, rejected, invalid) is checked against schemas/cli/receipt.schema.json.
 */
class IngestCliIT {
    private static final JsonMapper JSON = JsonMapper.shared();

    @TempDir
    Path dir;

    @Test
    void commitsTheValidLinesAndAnswersEveryOtherLineWithItsOwnReceipt() throws Exception {
        Path input = dir.resolve("commands.jsonl");
        Files.writeString(input, String.join("\n",
                "{\"type\":\"fund_house\",\"amount\":100000,\"reference\":\"bankroll\"}",
                "{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":1000,\"reference\":\"cash-1\",\"key\":\"k1\"}",
                "{\"type\":\"withdraw\",\"player\":\"alice\",\"amount\":5000,\"reference\":\"too-much\"}",
                "{\"type\":\"deposit\",\"player\":",
                "{\"type\":\"deposit\",\"player\":\"bob\",\"amount\":10,\"reference\":\"r\",\"colour\":\"red\"}",
                "{\"type\":\"open_game\",\"game\":\"g1\",\"table\":\"t1\"}",
                "{\"type\":\"place_bet\",\"game\":\"g1\",\"bet\":\"b1\",\"player\":\"alice\",\"bet_type\":\"PASS_LINE\",\"point\":null,\"amount\":100}",
                "{\"type\":\"atomic\",\"key\":\"roll-1\",\"commands\":[{\"type\":\"roll\",\"game\":\"g1\",\"die1\":3,\"die2\":4},"
                        + "{\"type\":\"settle\",\"game\":\"g1\",\"bet\":\"b1\",\"outcome\":\"WIN\",\"winnings\":100}]}",
                "{\"type\":\"roll\",\"game\":\"g1\",\"die1\":7,\"die2\":1}",
                "{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":1000,\"reference\":\"cash-1\",\"key\":\"k1\"}",
                "{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":2000,\"reference\":\"cash-1\",\"key\":\"k1\"}",
                "",
                "{\"type\":\"deposit\",\"player\":\"eve\",\"amount\":-5,\"reference\":\"neg\"}",
                "{\"type\":\"close_game\",\"game\":\"g1\"}") + "\n");
        Path db = dir.resolve("ledger.db");

        ChildJvm.Result run = ChildJvm.run(dir, "ingest", "--db", db.toString(), "--input", input.toString());

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        List<JsonNode> receipts = run.stdout().lines().map(JSON::readTree).toList();
        assertThat(receipts).hasSize(14);
        for (int i = 0; i < receipts.size(); i++) {
            assertThat(receipts.get(i).get("line").longValue()).isEqualTo(i + 1);
            assertThat(OutputSchemas.errors("schemas/cli/receipt.schema.json", receipts.get(i)))
                    .as("receipt %s against its schema", receipts.get(i)).isEmpty();
        }
        assertOk(receipts.get(0), 1);
        assertOk(receipts.get(1), 2);
        assertThat(receipts.get(1).get("key").stringValue()).isEqualTo("k1");
        assertRejected(receipts.get(2), "INSUFFICIENT_FUNDS");
        assertInvalid(receipts.get(3), "not valid JSON");
        assertInvalid(receipts.get(4), "unknown field \"colour\"");
        assertOk(receipts.get(5), 3);
        assertOk(receipts.get(6), 4);
        assertThat(receipts.get(7).get("status").stringValue()).isEqualTo("ok");
        assertThat(receipts.get(7).get("seqs").values()).extracting(JsonNode::longValue).containsExactly(5L, 6L);
        assertRejected(receipts.get(8), "INVALID_DICE");
        assertOk(receipts.get(9), 2); // same key, same body: the original receipt
        assertRejected(receipts.get(10), "IDEMPOTENCY_CONFLICT");
        assertInvalid(receipts.get(11), "");
        assertRejected(receipts.get(12), "INVALID_AMOUNT");
        assertOk(receipts.get(13), 7);

        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            assertThat(EventReader.maxSeq(conn)).isEqualTo(7);
        }
    }

    private static void assertOk(JsonNode receipt, long seq) {
        assertThat(receipt.get("status").stringValue()).as(receipt.toString()).isEqualTo("ok");
        assertThat(receipt.get("seq").longValue()).isEqualTo(seq);
    }

    private static void assertRejected(JsonNode receipt, String code) {
        assertThat(receipt.get("status").stringValue()).as(receipt.toString()).isEqualTo("rejected");
        assertThat(receipt.get("code").stringValue()).isEqualTo(code);
        assertThat(receipt.get("message").stringValue()).isNotBlank();
    }

    private static void assertInvalid(JsonNode receipt, String messagePart) {
        assertThat(receipt.get("status").stringValue()).as(receipt.toString()).isEqualTo("invalid");
        assertThat(receipt.get("message").stringValue()).contains(messagePart);
    }
}
