package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.BackupResult;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/** restore and recover refuse a backup of another ledger over an existing one, unless told {@code --foreign}. */
class ForeignBackupCliIT {
    @TempDir
    Path dir;

    private static String write(Path db, Path backups, int deposits) throws Exception {
        LedgerConfig.Builder b = LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
        if (backups != null) {
            b.backupDir(backups);
        }
        try (Ledger ledger = Ledger.open(b.build())) {
            ok(ledger.submit(new FundHouse(1_000, "bankroll")));
            for (int i = 0; i < deposits; i++) {
                ok(ledger.submit(new Deposit("p", 1, "d-" + i)));
            }
            if (backups != null) {
                BackupResult r = ledger.backup();
                return r.file().getFileName().toString();
            }
            return ledger.ledgerId();
        }
    }

    private static String idOf(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return LedgerDatabase.ledgerId(c);
        }
    }

    private static long headOf(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return EventReader.maxSeq(c);
        }
    }

    @Test
    void restoreRefusesABackupOfAnotherLedgerOverAnExistingOneUnlessForeign() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path backups = dir.resolve("backups");
        String backup = write(dir.resolve("a").resolve("ledger.db"), backups, 3);
        String idA = idOf(dir.resolve("a").resolve("ledger.db"));
        Path target = dir.resolve("b").resolve("ledger.db");
        String idB = write(target, null, 9);

        ChildJvm.Result refused = ChildJvm.run(work, "restore", backup, "--dir", backups.toString(), "--to", target.toString(),
                "--force");
        assertThat(refused.exitCode()).as("stdout %s stderr %s", refused.stdout(), refused.stderr()).isEqualTo(2);
        assertThat(refused.stderr()).contains(idA, idB, "--foreign");
        assertThat(idOf(target)).isEqualTo(idB);
        assertThat(headOf(target)).isEqualTo(10);

        ChildJvm.Result forced = ChildJvm.run(work, "restore", backup, "--dir", backups.toString(), "--to", target.toString(),
                "--force", "--foreign");
        assertThat(forced.exitCode()).as("stdout %s stderr %s", forced.stdout(), forced.stderr()).isZero();
        assertThat(idOf(target)).isEqualTo(idA);
        assertThat(headOf(target)).isEqualTo(4);
    }

    @Test
    void recoverRefusesABackupOfAnotherLedgerNamingBothIds() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path backups = dir.resolve("backups");
        write(dir.resolve("a").resolve("ledger.db"), backups, 3);
        String idA = idOf(dir.resolve("a").resolve("ledger.db"));
        Path target = dir.resolve("c").resolve("ledger.db");
        String idC = write(target, null, 5);

        ChildJvm.Result refused = ChildJvm.run(work, "recover", "--db", target.toString(), "--dir", backups.toString());
        assertThat(refused.exitCode()).as("stdout %s stderr %s", refused.stdout(), refused.stderr()).isEqualTo(2);
        assertThat(refused.stderr()).contains(idA, idC, "--foreign");
        assertThat(idOf(target)).isEqualTo(idC);
        assertThat(headOf(target)).isEqualTo(6);
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".damaged-"));
        }

        ChildJvm.Result forced = ChildJvm.run(work, "recover", "--db", target.toString(), "--dir", backups.toString(),
                "--foreign");
        assertThat(forced.exitCode()).as("stdout %s stderr %s", forced.stdout(), forced.stderr()).isIn(0, 1);
        assertThat(idOf(target)).isEqualTo(idA);
    }
}
