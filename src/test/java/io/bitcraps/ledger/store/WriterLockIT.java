package io.bitcraps.ledger.store;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One writer per ledger database: in this JVM, and across processes. */
class WriterLockIT {
    private static final long CHILD_TIMEOUT_SECONDS = 60;
    private static final String MY_PID = "pid " + ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void aSecondOpenInTheSameJvmFailsNamingTheHolderAndTheFirstLedgerKeepsWorking() {
        Path db = dir.resolve("ledger.db");
        try (Ledger first = Ledger.open(LedgerConfig.builder(db).build())) {
            assertThatThrownBy(() -> Ledger.open(LedgerConfig.builder(db).build()).close())
                    .isInstanceOf(WriterLockHeld.class)
                    .hasMessageContaining(db.toString())
                    .hasMessageContaining(MY_PID);
            assertThat(ok(first.submit(new FundHouse(1_000, "bankroll"))).seq()).isEqualTo(1);
        }
        // closed: the lock is free again for this JVM
        try (Ledger again = Ledger.open(LedgerConfig.builder(db).build())) {
            assertThat(again.view().seq()).isEqualTo(1);
        }
    }

    @Test
    void aWriterInAnotherProcessExitsWithCode2NamingTheHolderWhileThisJvmHoldsTheLedgerAndSucceedsAfterClose()
            throws Exception {
        Path db = dir.resolve("ledger.db");
        Path input = Files.createFile(dir.resolve("empty.jsonl"));
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).build())) {
            ok(ledger.submit(new FundHouse(1_000, "bankroll")));
            Child refused = ingest(db, input);
            assertThat(refused.exitCode()).as("exit code; stderr:%n%s", refused.stderr()).isEqualTo(2);
            assertThat(refused.stderr()).contains("already open for writing").contains(MY_PID);
            // the refused process changed nothing and this ledger still writes
            assertThat(ok(ledger.submit(new Deposit("alice", 10, "c1"))).seq()).isEqualTo(2);
        }
        Child allowed = ingest(db, input);
        assertThat(allowed.exitCode()).as("exit code; stderr:%n%s", allowed.stderr()).isZero();
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            assertThat(EventReader.maxSeq(conn)).isEqualTo(2);
        }
    }

    /**
     * A refused open in this JVM closes its own channel on the lock file. On Linux, closing any file
     * descriptor of a file drops every POSIX lock this process holds on it, so a careless close would
     * hand the lock to the next process while the first ledger is still writing.
     * <p>
     * It does today: WriterLock.acquire closes its channel after OverlappingFileLockException (WriterLock.java:45),
     * which drops the holder's lock; the child then appends seq 2 and exits 0, and the first ledger acknowledges
     * a different seq 2 that is not in the file (BatchWriter.recoverFromFailedCommit takes "max seq matches" as
     * "my batch is durable"). Enable this test with the fix.
     */
    @Test
    void aRefusedOpenInThisJvmDoesNotReleaseTheLockHeldAgainstOtherProcesses() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path input = dir.resolve("one-deposit.jsonl");
        Files.writeString(input, "{\"type\":\"deposit\",\"player\":\"bob\",\"amount\":10,\"reference\":\"c9\"}\n",
                StandardCharsets.UTF_8);
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).build())) {
            assertThat(ok(ledger.submit(new FundHouse(1_000, "bankroll"))).seq()).isEqualTo(1);
            assertThatThrownBy(() -> Ledger.open(LedgerConfig.builder(db).build()).close())
                    .isInstanceOf(WriterLockHeld.class);
            Child child = ingest(db, input);
            assertThat(child.exitCode())
                    .as("a second process must still be refused; its stdout:%n%s%nits stderr:%n%s", child.stdout(),
                            child.stderr())
                    .isEqualTo(2);
            assertThat(ok(ledger.submit(new Deposit("alice", 10, "c1"))).seq()).isEqualTo(2);
        }
    }

    private record Child(int exitCode, String stdout, String stderr) {}

    /** Runs {@code ledger ingest --db <db> --input <input>} in a child JVM with this JVM's class path. */
    private Child ingest(Path db, Path input) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        String flags = System.getProperty("ledger.test.jvmFlags", "");
        Arrays.stream(flags.split(" ")).map(String::strip).filter(f -> !f.isEmpty()).forEach(cmd::add);
        String sqliteTmp = System.getProperty("org.sqlite.tmpdir");
        if (sqliteTmp != null) {
            cmd.add("-Dorg.sqlite.tmpdir=" + sqliteTmp);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.bitcraps.ledger.cli.LedgerCli");
        cmd.addAll(List.of("ingest", "--db", db.toString(), "--input", input.toString()));

        Path out = Files.createTempFile(dir, "child", ".out");
        Path err = Files.createTempFile(dir, "child", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("child JVM did not finish in " + CHILD_TIMEOUT_SECONDS + " s; stderr:\n"
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Child(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
