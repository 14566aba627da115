package io.bitcraps.ledger.crash;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills {@code tools/ledger ingest} with SIGKILL in the middle of a stream, again and again on
 * the same database, and checks after each restart that every receipt the child printed is in
 * the log under its key and seq, that seqs have no gap, and that the hash chain verifies (which
 * also proves no half batch was left: a torn batch would break the chain or the head row).
 * Replay a failure with {@code -Dledger.crash.seed=<seed printed below>}.
 */
class IngestCrashIT {
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final int CYCLES = Integer.getInteger("ledger.crash.cycles", 10);

    @TempDir
    Path dir;

    @Test
    void everyPrintedReceiptSurvivesAKillAtARandomMoment() throws Exception {
        long seed = Long.getLong("ledger.crash.seed", System.nanoTime());
        System.out.println("IngestCrashIT seed=" + seed + " cycles=" + CYCLES + " (replay: -Dledger.crash.seed=" + seed + ")");
        Random random = new Random(seed);
        Path db = dir.resolve("ledger.db");
        Map<String, Long> acknowledged = new HashMap<>();
        long totalKills = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            long killAfterMillis = random.nextInt(1_000);
            Map<String, Long> printed = runAndKill(db, cycle, killAfterMillis);
            totalKills++;
            acknowledged.putAll(printed);
            verify(db, acknowledged, cycle, seed);
        }
        System.out.println("IngestCrashIT: " + totalKills + " kills survived, " + acknowledged.size()
                + " acknowledged keys all present");
        assertThat(acknowledged).isNotEmpty();
    }

    /**
     * Streams keyed commands into a child ingest; once it has printed its first receipt (it is up
     * and committing), kills it after the delay. Returns key → seq of every fully printed receipt.
     */
    private Map<String, Long> runAndKill(Path db, int cycle, long killAfterMillis) throws Exception {
        Process child = ChildJvm.ledger(dir, "ingest", "--db", db.toString())
                .redirectError(dir.resolve("ingest-" + cycle + ".err").toFile())
                .start();
        Map<String, Long> printed = new HashMap<>();
        CountDownLatch firstReceipt = new CountDownLatch(1);
        Thread reader = new Thread(() -> readReceipts(child, printed, firstReceipt), "receipt-reader");
        reader.start();
        Thread feeder = new Thread(() -> feed(child.getOutputStream(), cycle), "command-feeder");
        feeder.start();
        if (!firstReceipt.await(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("child printed no receipt within 60 s; stderr: "
                    + java.nio.file.Files.readString(dir.resolve("ingest-" + cycle + ".err")));
        }
        Thread.sleep(killAfterMillis);
        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close, no checkpoint
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        feeder.join(10_000);
        reader.join(10_000);
        synchronized (printed) {
            return new HashMap<>(printed);
        }
    }

    private static void feed(OutputStream stdin, int cycle) {
        try (OutputStream out = stdin) {
            for (int n = 0; n < 2_000_000; n++) {
                String key = "c" + cycle + "-" + n;
                String line = n % 10 == 9
                        ? "{\"type\":\"atomic\",\"key\":\"" + key + "\",\"commands\":["
                          + "{\"type\":\"deposit\",\"player\":\"p" + (n % 13) + "\",\"amount\":2,\"reference\":\"" + key + "a\"},"
                          + "{\"type\":\"withdraw\",\"player\":\"p" + (n % 13) + "\",\"amount\":1,\"reference\":\"" + key + "b\"}]}\n"
                        : "{\"type\":\"deposit\",\"player\":\"p" + (n % 13) + "\",\"amount\":" + (1 + n % 50)
                          + ",\"reference\":\"crash\",\"key\":\"" + key + "\"}\n";
                out.write(line.getBytes(StandardCharsets.UTF_8));
                if (n % 64 == 0) {
                    out.flush();
                }
            }
        } catch (IOException expected) {
            // the child was killed: the pipe is broken
        }
    }

    private static void readReceipts(Process child, Map<String, Long> printed, CountDownLatch firstReceipt) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode r;
                try {
                    r = JSON.readTree(line);
                } catch (RuntimeException torn) {
                    continue; // the last line may be cut by the kill; it was never fully printed
                }
                assertThat(r.get("status").stringValue()).as(line).isEqualTo("ok");
                long seq = r.has("seq") ? r.get("seq").longValue() : r.get("seqs").get(0).longValue();
                synchronized (printed) {
                    printed.put(r.get("key").stringValue(), seq);
                }
                firstReceipt.countDown();
            }
        } catch (IOException ignored) {
            // stream closed by the kill
        }
    }

    private static void verify(Path db, Map<String, Long> acknowledged, int cycle, long seed) throws Exception {
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            Map<Long, String> keyBySeq = new HashMap<>();
            List<Long> seqs = new ArrayList<>();
            EventReader.forEach(conn, 1, Long.MAX_VALUE, (EventRow row) -> {
                seqs.add(row.seq());
                if (row.key() != null) {
                    keyBySeq.put(row.seq(), row.key());
                }
            });
            for (int i = 0; i < seqs.size(); i++) {
                assertThat(seqs.get(i)).as("cycle %d seed %d: seq without gap", cycle, seed).isEqualTo(i + 1L);
            }
            for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
                assertThat(keyBySeq.get(e.getValue())).as("cycle %d seed %d: acknowledged %s at seq %d", cycle, seed,
                        e.getKey(), e.getValue()).isEqualTo(e.getKey());
            }
            LedgerState state = new Replayer(new PayloadCodec()).replay(conn, LedgerDatabase.ledgerId(conn));
            assertThat(state.seq()).isEqualTo(seqs.size());
            assertThat(state.balanceSum()).isZero();
        }
    }
}
