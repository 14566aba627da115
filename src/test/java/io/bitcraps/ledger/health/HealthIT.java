package io.bitcraps.ledger.health;

import io.bitcraps.ledger.support.SteppedClock;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health of a running ledger: UP when all is well; DEGRADED when free space or backup age crosses
 * its threshold, with a reason that names the threshold and what to do; DOWN when the file is
 * changed behind the ledger (a payload byte of a recent event edited through another
 * connection), which also halts the writer while reads go on. {@code tools/ledger health} says
 * the same from outside the process, through its exit code.
 */
class HealthIT {
    @TempDir
    Path dir;


    private LedgerConfig.Builder config() {
        // no schedule and no periodic checks: each test decides when backups and checks happen
        return LedgerConfig.builder(dir.resolve("ledger.db")).backupDir(dir.resolve("backups"))
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
    }

    private static void write(Ledger ledger, int n) {
        for (int i = 0; i < n; i++) {
            ok(ledger.submit(new Deposit("p" + (i % 4), 10 + i, "cage-" + i)));
        }
        ok(ledger.submit(new Withdraw("p0", 5, "out-1")));
    }

    private static String describe(HealthReport r) {
        StringBuilder s = new StringBuilder(r.status().toString());
        r.checks().forEach(c -> s.append(String.format(Locale.ROOT, "%n  %-9s %-13s %s", c.status(), c.name(), c.detail())));
        return s.toString();
    }

    @Test
    void aHealthyLedgerWithAFreshBackupIsUpOnEveryCheck() throws Exception {
        try (Ledger ledger = Ledger.open(config().healthThresholds(HealthThresholds.defaults()
                .withMinFreeBytes(1L << 20).withMaxBackupAge(Duration.ofHours(2))).build())) {
            write(ledger, 30);
            ledger.backup();
            HealthReport r = ledger.health();
            System.out.println(describe(r));
            assertThat(r.checks()).extracting(HealthCheck::name).contains("writer", "integrity", "chain", "last commit",
                    "conservation", "disk", "wal", "ring", "readers", "backup");
            assertThat(r.checks()).allSatisfy(c -> assertThat(c.status()).as(c.name() + ": " + c.detail()).isEqualTo(HealthStatus.UP));
            assertThat(r.status()).isEqualTo(HealthStatus.UP);
            assertThat(r.check("chain").detail()).contains("head at seq " + ledger.view().seq());
        }
    }

    @Test
    void lowFreeSpaceIsDegradedWithAReasonThatNamesTheThreshold() throws Exception {
        long huge = 1L << 60; // more free space than any disk has
        try (Ledger ledger = Ledger.open(config().healthThresholds(HealthThresholds.defaults().withMinFreeBytes(huge)).build())) {
            write(ledger, 5);
            HealthReport r = ledger.health();
            System.out.println(describe(r));
            assertThat(r.status()).isEqualTo(HealthStatus.DEGRADED);
            HealthCheck disk = r.check("disk");
            assertThat(disk.status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(disk.detail()).contains("MiB free", String.format(Locale.ROOT, "threshold %,d MiB", huge >> 20), "make room");
            // only the disk is graded down: the reason is specific
            assertThat(r.checks()).filteredOn(c -> c.status() != HealthStatus.UP).extracting(HealthCheck::name).containsExactly("disk");
            // the writer is not stopped by a warning
            assertThat(ok(ledger.submit(new Deposit("p1", 1, "still-writing"))).seq()).isEqualTo(ledger.view().seq());
        }
    }

    @Test
    void noBackupAtAllIsDegradedWhenOneIsExpected() throws Exception {
        try (Ledger ledger = Ledger.open(config().healthThresholds(HealthThresholds.defaults().withMinFreeBytes(0)
                .withMaxBackupAge(Duration.ofHours(2))).build())) {
            write(ledger, 5);
            HealthReport r = ledger.health();
            System.out.println(describe(r));
            assertThat(r.status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(r.check("backup").status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(r.check("backup").detail()).contains("no backup in " + dir.resolve("backups"), "take one");
            assertThat(r.checks()).filteredOn(c -> c.status() != HealthStatus.UP).extracting(HealthCheck::name).containsExactly("backup");
        }
    }

    @Test
    void aBackupOlderThanItsThresholdIsDegradedAndAFreshOneClearsIt() throws Exception {
        SteppedClock clock = new SteppedClock(Instant.now()); // moved forward to age a backup without waiting
        try (Ledger ledger = Ledger.open(config().clock(clock).healthThresholds(HealthThresholds.defaults().withMinFreeBytes(0)
                .withMaxBackupAge(Duration.ofHours(2))).build())) {
            write(ledger, 5);
            ledger.backup();
            assertThat(ledger.health().check("backup").status()).isEqualTo(HealthStatus.UP);

            clock.advance(Duration.ofHours(3)); // three hours pass without a backup
            HealthReport r = ledger.health();
            System.out.println(describe(r));
            assertThat(r.status()).isEqualTo(HealthStatus.DEGRADED);
            HealthCheck backup = r.check("backup");
            assertThat(backup.status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(backup.detail()).contains("3 h old", "older than 2 h", "check the backup schedule");

            // acting on the reason fixes it
            ledger.backup();
            assertThat(ledger.health().check("backup").status()).isEqualTo(HealthStatus.UP);
            assertThat(ledger.health().status()).isEqualTo(HealthStatus.UP);
        }
    }

    @Test
    void aPayloadByteChangedBehindTheLedgerIsDownNamesTheSeqHaltsWritesAndKeepsReads() throws Exception {
        Path db = dir.resolve("ledger.db");
        long changed;
        long head;
        try (Ledger ledger = Ledger.open(config().healthThresholds(HealthThresholds.defaults().withMinFreeBytes(0)).build())) {
            write(ledger, 40);
            ledger.backup(); // into backups/ beside the database, where the CLI looks by default
            head = ledger.view().seq();
            long aliceBefore = ledger.view().balance(Account.player("p1"));
            assertThat(ledger.health().status()).isEqualTo(HealthStatus.UP);

            // the CLI, from another process beside the running writer, agrees that all is well
            ChildJvm.Result up = ChildJvm.run(dir, "health", "--db", db.toString(), "--min-free-mb", "0");
            System.out.println("tools/ledger health (intact), exit " + up.exitCode() + ":\n" + up.stdout() + up.stderr());
            assertThat(up.exitCode()).isZero();
            assertThat(up.stdout()).contains("health UP");
            // asked for more free disk than any machine has: DEGRADED, an exit of its own
            ChildJvm.Result degraded = ChildJvm.run(dir, "health", "--db", db.toString(), "--min-free-mb", "1000000000");
            assertThat(degraded.exitCode()).as(degraded.stdout() + degraded.stderr()).isEqualTo(3);
            assertThat(degraded.stdout()).contains("health DEGRADED");

            // someone edits a recent event through a plain connection while the ledger runs
            changed = head - 2;
            flipAPayloadByte(db, changed);

            HealthReport r = ledger.health();
            System.out.println(describe(r));
            assertThat(r.status()).isEqualTo(HealthStatus.DOWN);
            HealthCheck chain = r.check("chain");
            assertThat(chain.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(chain.detail()).contains("seq " + changed + " breaks the hash chain", "audit");

            // the writer is halted: a submit is refused with LEDGER_HALTED, and nothing is written
            assertThat(ledger.haltReason()).isNotNull().contains("seq " + changed);
            LedgerException refused = error(ledger.submit(new Deposit("p1", 1, "after-the-break")));
            assertThat(refused.code()).isEqualTo("LEDGER_HALTED");
            assertThat(refused.getMessage()).contains("seq " + changed);
            // reads continue on the last published view
            assertThat(ledger.view().seq()).isEqualTo(head);
            assertThat(ledger.view().balance(Account.player("p1"))).isEqualTo(aliceBefore);
            // the next report says why writes stopped
            HealthReport again = ledger.health();
            assertThat(again.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(again.check("writer").status()).isEqualTo(HealthStatus.DOWN);
            assertThat(again.check("writer").detail()).contains("seq " + changed, "writes are refused");
        }

        ChildJvm.Result down = ChildJvm.run(dir, "health", "--db", db.toString(), "--min-free-mb", "0");
        System.out.println("tools/ledger health (tampered), exit " + down.exitCode() + ":\n" + down.stdout() + down.stderr());
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.stdout()).contains("health DOWN", "seq " + changed + " breaks the hash chain");
    }

    @Test
    void thePeriodicCheckFindsTheBreakAndHaltsTheWriterWithoutBeingAsked() throws Exception {
        Path db = dir.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(config().healthInterval(Duration.ofMillis(200))
                .healthThresholds(HealthThresholds.defaults().withMinFreeBytes(0)).build())) {
            write(ledger, 20);
            long changed = ledger.view().seq() - 1;
            flipAPayloadByte(db, changed);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ledger.haltReason() == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(ledger.haltReason()).as("halted by the periodic health check").isNotNull().contains("seq " + changed);
            assertThat(error(ledger.submit(new Deposit("p1", 1, "after"))).code()).isEqualTo("LEDGER_HALTED");
        }
    }

    /** Changes one byte of the payload of {@code seq} through a connection of its own, as an intruder would. */
    private static void flipAPayloadByte(Path db, long seq) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.createStatement().execute("PRAGMA busy_timeout = 10000");
            byte[] payload;
            try (PreparedStatement ps = c.prepareStatement("SELECT payload FROM events WHERE seq = ?")) {
                ps.setLong(1, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    payload = rs.getBytes(1);
                }
            }
            payload[payload.length - 1] ^= 0x01;
            try (PreparedStatement ps = c.prepareStatement("UPDATE events SET payload = ? WHERE seq = ?")) {
                ps.setBytes(1, payload);
                ps.setLong(2, seq);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
    }
}
