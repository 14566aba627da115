package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.LedgerException;
import org.junit.jupiter.api.BeforeEach;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Timelines through the Java API: a restore that stops short of the archive's end, or restores
 * without the archive, must not be undone by the next open with the archive (its self-heal would
 * replay the abandoned history on top). The CLI side is {@code cli.TimelineCliIT}.
 */
class TimelineIT {
    private static final long BACKUP_SEQ = 6;
    private static final long HEAD = 40;

    @TempDir
    Path dir;
    Path db;
    Path archive;
    Path backups;
    Path original;
    String backupName;

    private LedgerConfig config(Path file, Path archiveDir) {
        return LedgerConfig.builder(file).archiveDir(archiveDir).backupDir(backups).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build();
    }

    @BeforeEach
    void aLedgerWithABackupAndAnArchive() throws Exception {
        db = dir.resolve("ledger.db");
        archive = dir.resolve("archive");
        backups = dir.resolve("backups");
        try (Ledger ledger = Ledger.open(config(db, archive))) {
            ok(ledger.submit(new FundHouse(1_000_000, "bankroll")));
            for (int i = 1; i < BACKUP_SEQ; i++) {
                ok(ledger.submit(new Deposit("p", 10, "b-" + i)));
            }
            backupName = ledger.backup().file().getFileName().toString();
            for (long i = BACKUP_SEQ; i < HEAD; i++) {
                ok(ledger.submit(new Deposit("p", 10, "a-" + i)));
            }
        }
        original = dir.resolve("original.db");
        Files.copy(db, original);
    }

    private List<Path> setAside() throws Exception {
        try (Stream<Path> all = Files.walk(archive)) {
            return all.filter(p -> p.toString().endsWith(".seg") && !p.getParent().equals(archive)).toList();
        }
    }

    @Test
    void anInPlacePointInTimeRestoreIsNotUndoneByReopeningWithTheArchive() throws Exception {
        long x = 20;
        Restore.Result r = Restore.restore(backups, backupName, db, true, null, x, Long.MAX_VALUE, archive);
        assertThat(r.seq()).isEqualTo(x);

        try (Ledger ledger = Ledger.open(config(db, archive))) {
            assertThat(ledger.view().seq()).as("still at the restore point").isEqualTo(x);
            assertThat(ledger.openReport()).doesNotContain("healed");
            assertThat(ok(ledger.submit(new Deposit("p", 1, "new-history"))).seq()).isEqualTo(x + 1);
        }
        for (long seq = 1; seq <= x; seq++) {
            assertThat(EventLogs.hashAt(db, seq)).as("seq %d", seq).isEqualTo(EventLogs.hashAt(original, seq));
        }
        assertThat(EventLogs.hashAt(db, x + 1)).isNotEqualTo(EventLogs.hashAt(original, x + 1));
        assertThat(new Auditor().audit(db, Auditor.Options.everything(), n -> { }).intact()).isTrue();
        assertThat(setAside()).as("the abandoned history is kept beside the archive").isNotEmpty();
        List<JournalArchive.Batch> kept = JournalArchive.batchesAfter(setAside().get(0).getParent(), x);
        assertThat(kept.get(kept.size() - 1).lastSeq()).isEqualTo(HEAD);
    }

    @Test
    void aPointInTimeCopyLeavesTheLiveArchiveAloneAndCannotBeOpenedWithIt() throws Exception {
        Path copy = dir.resolve("investigation").resolve("ledger.db");
        assertThat(Restore.restore(backups, backupName, copy, false, null, 20, Long.MAX_VALUE, archive).seq()).isEqualTo(20);

        // the live ledger's archive was not forked by a restore to another path: it goes on as before
        assertThat(setAside()).isEmpty();
        try (Ledger live = Ledger.open(config(db, archive))) {
            assertThat(ok(live.submit(new Deposit("p", 1, "live-goes-on"))).seq()).isEqualTo(HEAD + 1);
        }
        // and the copy, on its own timeline, is refused that archive instead of being healed to its end
        assertThatThrownBy(() -> Ledger.open(config(copy, archive)).close())
                .isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining("timeline")
                .hasMessageContaining("new, empty archive directory");
        EventLogs.assertSameEvents(original, copy, 20);
    }

    @Test
    void aRecoverWithoutTheArchiveStartsANewTimelineTheOldArchiveCannotUndo() throws Exception {
        Recovery.Report r = Recovery.recover(db, backups, null, null, Clock.systemUTC());
        assertThat(r.recoveredSeq()).isEqualTo(BACKUP_SEQ);
        assertThatThrownBy(() -> Ledger.open(config(db, archive)).close())
                .isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining("timeline")
                .hasMessageContaining("--archive " + archive);
        EventLogs.assertSameEvents(original, db, BACKUP_SEQ);
        // recover again, with the archive this time: everything comes back, and the archive fits again
        Recovery.Report all = Recovery.recover(db, backups, archive, null, Clock.systemUTC());
        assertThat(all.recoveredSeq()).isEqualTo(HEAD);
        try (Ledger ledger = Ledger.open(config(db, archive))) {
            assertThat(ok(ledger.submit(new Deposit("p", 1, "after"))).seq()).isEqualTo(HEAD + 1);
        }
    }
}
