package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.Command.Deposit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * With a journal archive as the increment, the schedule takes a full backup only once the newest
 * backup is {@code fullBackupInterval} old; without an archive every scheduled run is a full
 * backup. The scheduled run is driven by hand against a clock the test moves, as the scheduler
 * thread would call it every {@code backupInterval}.
 */
class FullBackupScheduleIT {
    @TempDir
    Path dir;

    /** A clock the test moves. */
    static final class MovingClock extends Clock {
        Instant now;

        MovingClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static final BackupService.Observer QUIET = new BackupService.Observer() {
        @Override
        public void backupTaken(Backups.Result result) {}

        @Override
        public void backupFailed(BackupFailure failure, long durationNanos) {}
    };

    @Test
    void theScheduleTakesAFullBackupOnlyWhenTheFullIntervalHasElapsedSinceTheNewestBackup() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path backups = dir.resolve("backups");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO)
                .build())) {
            ok(ledger.submit(new Deposit("alice", 100, "cage-1")));
        }
        MovingClock clock = new MovingClock(Instant.parse("2026-03-01T00:00:00Z"));
        // interval zero: no scheduler thread; runScheduled() is what it would call every hour
        try (BackupService service = new BackupService(db, backups, null, Duration.ZERO, Duration.ofHours(24),
                Duration.ofDays(7), 3, 0, clock, QUIET)) {
            assertThat(service.runScheduled()).as("no backup yet: a full one now").isNotNull();
            assertThat(Retention.list(backups)).hasSize(1);

            for (int hour = 1; hour < 24; hour++) {
                clock.advance(Duration.ofHours(1));
                assertThat(service.runScheduled()).as("hour %d: the archive is the increment, no full backup", hour).isNull();
            }
            clock.advance(Duration.ofMinutes(59));
            assertThat(service.runScheduled()).as("23 h 59 min").isNull();
            assertThat(Retention.list(backups)).hasSize(1);

            clock.advance(Duration.ofMinutes(1));
            Backups.Result second = service.runScheduled();
            assertThat(second).as("24 h after the first: the next full backup").isNotNull();
            assertThat(Retention.list(backups)).hasSize(2);
            assertThat(Retention.newestVerified(backups).file()).isEqualTo(second.file());

            // an explicit backup (Ledger.backup(), the CLI) is a full backup too and restarts the period
            clock.advance(Duration.ofHours(12));
            assertThat(service.backupNow()).isNotNull();
            clock.advance(Duration.ofHours(23));
            assertThat(service.runScheduled()).as("23 h after the explicit backup").isNull();
            clock.advance(Duration.ofHours(1));
            assertThat(service.runScheduled()).isNotNull();
            assertThat(Retention.list(backups)).hasSize(4);
        }
    }

    @Test
    void theFullBackupPeriodIsTheFullIntervalWithAnArchiveAndTheBackupIntervalWithoutOne() {
        Path db = dir.resolve("ledger.db");
        LedgerConfig withArchive = LedgerConfig.builder(db).archiveDir(dir.resolve("archive")).build();
        assertThat(withArchive.fullBackupPeriod()).isEqualTo(Duration.ofHours(24));
        assertThat(withArchive.backupKeepMin()).as("3 daily full backups at least").isEqualTo(3);
        assertThat(withArchive.healthThresholds().maxBackupAge()).isEqualTo(Duration.ofHours(48));

        LedgerConfig noArchive = LedgerConfig.builder(db).build();
        assertThat(noArchive.fullBackupPeriod()).as("no increment: hourly full backups, as before").isEqualTo(Duration.ofHours(1));
        assertThat(noArchive.backupKeepMin()).isEqualTo(24);
        assertThat(noArchive.healthThresholds().maxBackupAge()).isEqualTo(Duration.ofHours(2));

        assertThat(LedgerConfig.builder(db).archiveDir(dir).backupRetention(Duration.ofDays(7), 5).build().backupKeepMin())
                .isEqualTo(5);
        assertThatThrownBy(() -> LedgerConfig.builder(db).fullBackupInterval(Duration.ofHours(-1)).build())
                .hasMessageContaining("fullBackupInterval").hasMessageContaining("PT-1H");
        assertThatThrownBy(() -> LedgerConfig.builder(db).backupMaxBytes(-5).build())
                .hasMessageContaining("backupMaxBytes").hasMessageContaining("-5");
        assertThatThrownBy(() -> LedgerConfig.builder(db).integrityCheckInterval(Duration.ofSeconds(-3)).build())
                .hasMessageContaining("integrityCheckInterval").hasMessageContaining("PT-3S");
        assertThatThrownBy(() -> LedgerConfig.builder(db).integrityCheckBudget(Duration.ZERO).build())
                .hasMessageContaining("integrityCheckBudget").hasMessageContaining("PT0S");
    }
}
