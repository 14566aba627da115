package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.store.WriterLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link Recovery#recover} through the Java API while the ledger is still open for writing in this
 * JVM (the same refusal across processes is in {@code cli.RecoverCliIT}): it must refuse before it
 * moves anything, and the open ledger must keep its database, its lock file and its writes.
 */
class RecoveryLockIT {
    @TempDir
    Path dir;

    @Test
    void recoverWhileThisJvmStillHoldsTheLedgerRefusesAndTouchesNothing() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path backups = dir.resolve("backups");
        Path archive = dir.resolve("archive");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).archiveDir(archive).backupDir(backups)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new FundHouse(1_000, "bankroll")));
            ledger.backup();
            ok(ledger.submit(new Deposit("alice", 10, "c1")));
            List<String> before = names(dir);

            BackupFailure refused = catchThrowableOfType(BackupFailure.class,
                    () -> Recovery.recover(db, backups, archive, null, Clock.systemUTC()));

            assertThat(refused).isNotNull();
            assertThat(names(dir)).as("nothing moved, created or deleted").isEqualTo(before);
            assertThat(db).exists();
            assertThat(WriterLock.lockFileOf(db)).exists();
            assertThat(refused.getMessage()).contains("already open for writing", "pid " + ProcessHandle.current().pid(),
                    "stop that process first");
            assertThat(ok(ledger.submit(new Deposit("alice", 10, "c2"))).seq()).isEqualTo(3);
        }
        try (Ledger again = Ledger.open(LedgerConfig.builder(db).archiveDir(archive).backupDir(backups)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            assertThat(again.view().seq()).isEqualTo(3);
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
