package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.crash.Reliability;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.StoredCheckpoint;
import io.bitcraps.ledger.store.SubscriptionCheckpoints;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A subscription resumes after kill -9 with no gap and no duplicate before its checkpoint. A child
 * JVM ({@link SubscriberChild}) commits deposits and delivers them to a handler that appends each
 * seq to a file; it is SIGKILLed at a random moment, several times. After each kill the checkpoint
 * is read from the sidecar (it must name a seq of the log, with the log's hash, and no more than
 * was delivered), a marker with it goes into the file, and the child starts again. Then:
 * the first seq delivered after each restart is the checkpoint + 1; each run delivers consecutive
 * seqs; a seq delivered twice lies past the checkpoint of the later run; and, after a last run that
 * drains to the head, every committed seq was delivered. Replay a failure with
 * {@code -Dledger.feed.kill.seed=<seed>}; more cycles with {@code -Dledger.feed.kill.cycles=N}.
 */
class SubscriptionKillIT {
    private static final String NAME = "relay";
    private static final String MARK = "# restart after checkpoint ";

    @TempDir
    Path dir;

    @Test
    void aSubscriptionResumesAfterKillNineFromItsCheckpointWithNoGapAndNoDuplicateBeforeIt() throws Exception {
        long seed = Long.getLong("ledger.feed.kill.seed", System.nanoTime());
        int cycles = Integer.getInteger("ledger.feed.kill.cycles", 6);
        System.out.println("SubscriptionKillIT seed=" + seed + " cycles=" + cycles + " (replay: -Dledger.feed.kill.seed="
                + seed + ")");
        Random random = new Random(seed);
        Path db = dir.resolve("ledger.db");
        Path out = dir.resolve("delivered.txt");
        Files.createFile(out);
        for (int cycle = 0; cycle < cycles; cycle++) {
            String where = "seed " + seed + " cycle " + cycle;
            long checkpoint = checkpointChecked(db, out, where);
            appendMarker(out, checkpoint);
            runAndKill(db, out, cycle, 300 + random.nextInt(1_200), where);
        }
        long checkpoint = checkpointChecked(db, out, "seed " + seed + " after the last kill");
        appendMarker(out, checkpoint);
        drain(db, out, seed);

        long head;
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            head = EventReader.maxSeq(c);
        }
        Verdict v = verify(Files.readAllLines(out, StandardCharsets.US_ASCII), head, seed);
        System.out.println("SubscriptionKillIT seed=" + seed + ": " + head + " events committed, " + v.delivered
                + " deliveries of a seq, " + v.duplicates + " repeated past a checkpoint, " + v.runsWithDeliveries
                + " of " + (cycles + 1) + " runs delivered something");
        Reliability.line("SIGKILL of a child JVM with a live subscription", cycles,
                "first seq after each restart = stored checkpoint + 1; consecutive seqs per run; repeats only past the"
                        + " checkpoint; checkpoint in the log with its hash and never past what was delivered; every seq"
                        + " delivered after a final drain",
                "0 gaps, 0 repeats before a checkpoint, " + v.duplicates + " repeats after one (" + head
                        + " events), seed " + seed);
        assertThat(head).as(seed + ": the children committed something").isPositive();
        assertThat(v.runsWithDeliveries).as(seed + ": runs that delivered").isGreaterThan(cycles / 2);
    }

    private void runAndKill(Path db, Path out, int cycle, int runMillis, String where) throws Exception {
        Process child = ChildJvm.java(dir, SubscriberChild.class.getName(), "produce", db.toString(), out.toString(), NAME)
                .redirectError(dir.resolve("child-" + cycle + ".err").toFile()).start();
        try (BufferedReader stdout = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line = stdout.readLine(); // "ready at seq N", or null if it died
            assertThat(line).as(where + ": the child subscribed; stderr: " + stderr(cycle)).startsWith("ready");
            Thread.sleep(runMillis);
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private void drain(Path db, Path out, long seed) throws Exception {
        Process child = ChildJvm.java(dir, SubscriberChild.class.getName(), "drain", db.toString(), out.toString(), NAME)
                .redirectError(dir.resolve("drain.err").toFile()).redirectOutput(dir.resolve("drain.out").toFile()).start();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).as(seed + ": the drain finished").isTrue();
        assertThat(child.exitValue()).as(seed + ": drain exit code; stderr: " + Files.readString(dir.resolve("drain.err")))
                .isZero();
    }

    /**
     * The stored checkpoint, checked: a seq of the log with the log's chain hash, and not past the
     * last seq the handler wrote (it is written only after the handler returned).
     */
    private static long checkpointChecked(Path db, Path out, String where) throws Exception {
        List<StoredCheckpoint> all = SubscriptionCheckpoints.readAll(db);
        if (all.isEmpty()) {
            return 0;
        }
        assertThat(all).extracting(StoredCheckpoint::name).containsExactly(NAME);
        StoredCheckpoint c = all.get(0);
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            assertThat(EventReader.hashAt(conn, c.seq())).as(where + ": the log's hash at checkpoint seq " + c.seq())
                    .isEqualTo(c.hash());
        }
        long lastWritten = 0;
        for (String line : completeLines(out)) {
            if (!line.startsWith("#")) {
                lastWritten = Long.parseLong(line);
            }
        }
        assertThat(c.seq()).as(where + ": checkpoint not past the last delivered seq").isLessThanOrEqualTo(lastWritten);
        return c.seq();
    }

    /** The file's complete lines; a line the kill cut short is dropped from the file too. */
    private static List<String> completeLines(Path out) throws Exception {
        byte[] bytes = Files.readAllBytes(out);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        if (end < bytes.length) {
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
                ch.truncate(end);
            }
        }
        String text = new String(bytes, 0, end, StandardCharsets.US_ASCII);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    private static void appendMarker(Path out, long checkpoint) throws Exception {
        completeLines(out);
        Files.writeString(out, MARK + checkpoint + "\n", StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
    }

    private record Verdict(long delivered, long duplicates, int runsWithDeliveries) {}

    private static Verdict verify(List<String> lines, long head, long seed) {
        Set<Long> seen = new HashSet<>();
        long delivered = 0;
        long duplicates = 0;
        int runsWithDeliveries = 0;
        long checkpoint = -1;
        long previous = -1;
        int run = -1;
        for (String line : lines) {
            if (line.startsWith(MARK)) {
                long next = Long.parseLong(line.substring(MARK.length()));
                assertThat(next).as(seed + ": checkpoints never move back (run " + (run + 1) + ")")
                        .isGreaterThanOrEqualTo(Math.max(checkpoint, 0));
                checkpoint = next;
                previous = -1;
                run++;
                continue;
            }
            long seq = Long.parseLong(line);
            String where = seed + ": run " + run + " (after checkpoint " + checkpoint + ")";
            if (previous == -1) {
                runsWithDeliveries++;
                assertThat(seq).as(where + ": the first seq delivered after the restart").isEqualTo(checkpoint + 1);
            } else {
                assertThat(seq).as(where + ": the seq after " + previous).isEqualTo(previous + 1);
            }
            if (!seen.add(seq)) {
                duplicates++;
                assertThat(seq).as(where + ": a seq delivered again lies past the checkpoint").isGreaterThan(checkpoint);
            }
            delivered++;
            previous = seq;
        }
        for (long seq = 1; seq <= head; seq++) {
            assertThat(seen.contains(seq)).as(seed + ": seq " + seq + " of " + head + " was delivered").isTrue();
        }
        assertThat(seen).as(seed + ": nothing past the log's head").hasSize((int) head);
        return new Verdict(delivered, duplicates, runsWithDeliveries);
    }

    private String stderr(int cycle) {
        try {
            return Files.readString(dir.resolve("child-" + cycle + ".err"));
        } catch (Exception e) {
            return "(unreadable: " + e + ")";
        }
    }
}
