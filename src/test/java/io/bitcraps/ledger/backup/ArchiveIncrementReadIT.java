package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bringing a backup forward reads the increment, not the whole archive: a segment whose successor
 * starts at or below the backup's seq + 1 holds nothing the replay needs and is not opened. An
 * unreadable segment (a directory where a segment file should be) stands for such an old segment.
 */
class ArchiveIncrementReadIT {
    @TempDir
    Path dir;

    @Test
    void segmentsWhollyAtOrBelowTheStartingSeqAreNotRead() throws Exception {
        Path archive = dir.resolve("archive");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).archiveDir(archive)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            for (int i = 0; i < 10; i++) {
                ok(ledger.submit(new Deposit("p" + i, 10, "cage-" + i)));
            }
        }
        List<JournalArchive.Batch> all = JournalArchive.batchesAfter(archive, 0);
        assertThat(all.get(all.size() - 1).lastSeq()).isEqualTo(10);

        // an "older" segment before the real one (which starts at seq 1), unreadable as a file
        Files.createDirectory(archive.resolve("journal-00000000000000000000.seg"));
        List<JournalArchive.Batch> after5 = JournalArchive.batchesAfter(archive, 5);
        assertThat(after5).isNotEmpty().allSatisfy(b -> assertThat(b.lastSeq()).isGreaterThan(5));
        assertThat(after5.get(after5.size() - 1).lastSeq()).isEqualTo(10);

        // a segment that may hold needed batches is still read: its successor starts after afterSeq + 1
        Files.delete(archive.resolve("journal-00000000000000000000.seg"));
        Files.createDirectory(archive.resolve("journal-00000000000000000011.seg"));
        assertThatThrownBy(() -> JournalArchive.batchesAfter(archive, 5)).isInstanceOf(java.io.IOException.class);
    }
}
