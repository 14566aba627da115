package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.BackupResult;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.backup.JournalArchive;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restore starts a new timeline: reopening the restored ledger with the journal archive must
 * continue the restored history, never replay the abandoned one on top of it. Through the CLI,
 * each command in its own JVM, as an operator runs them.
 */
class TimelineCliIT {
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final int BACKUP_SEQ = 11;
    private static final int HEAD = 31;

    @TempDir
    Path dir;
    Path work;
    Path db;
    Path archive;
    Path backups;
    Path original;
    String backupName;

    /** A ledger at seq 31 with its archive, and a backup at seq 11; a copy of the file is kept as it was. */
    @BeforeEach
    void aLedgerWithABackupAndAnArchive() throws Exception {
        work = Files.createDirectories(dir.resolve("work"));
        db = dir.resolve("floor").resolve("ledger.db");
        archive = dir.resolve("archive");
        backups = dir.resolve("backups");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).archiveDir(archive).backupDir(backups)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new FundHouse(1_000_000, "bankroll")));
            for (int i = 1; i < BACKUP_SEQ; i++) {
                ok(ledger.submit(new Deposit("p" + (i % 3), 10 + i, "before-" + i)));
            }
            BackupResult b = ledger.backup();
            backupName = b.file().getFileName().toString();
            assertThat(b.seq()).isEqualTo(BACKUP_SEQ);
            for (int i = BACKUP_SEQ; i < HEAD; i++) {
                ok(ledger.submit(new Deposit("p" + (i % 3), 10 + i, "after-" + i)));
            }
        }
        original = dir.resolve("original.db");
        Files.copy(db, original); // closed and checkpointed: the file is the whole ledger
    }

    private ChildJvm.Result ledger(String... args) throws Exception {
        return ChildJvm.run(work, args);
    }

    private Path input(String... references) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String r : references) {
            sb.append("{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":7,\"reference\":\"").append(r).append("\"}\n");
        }
        return Files.writeString(Files.createTempFile(work, "input", ".jsonl"), sb.toString());
    }

    private static List<Long> seqs(ChildJvm.Result ingest) {
        List<Long> out = new ArrayList<>();
        for (String line : ingest.stdout().lines().toList()) {
            JsonNode r = JSON.readTree(line);
            assertThat(r.get("status").stringValue()).as(line).isEqualTo("ok");
            out.add(r.get("seq").longValue());
        }
        return out;
    }

    private static List<EventRow> events(Path file) throws Exception {
        List<EventRow> rows = new ArrayList<>();
        try (Connection c = LedgerDatabase.openReadOnly(file)) {
            EventReader.forEach(c, 1, Long.MAX_VALUE, rows::add);
        }
        return rows;
    }

    private static void assertSameHashes(List<EventRow> expected, List<EventRow> actual, int upTo) {
        for (int i = 0; i < upTo; i++) {
            assertThat(actual.get(i).seq()).isEqualTo(expected.get(i).seq());
            assertThat(actual.get(i).hash()).as("hash of seq %d", expected.get(i).seq()).isEqualTo(expected.get(i).hash());
        }
    }

    /** Sub-directories of the archive that hold segment files: the timelines moved aside. */
    private List<Path> movedAside() throws Exception {
        try (Stream<Path> all = Files.walk(archive)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".seg") && !p.getParent().equals(archive))
                    .map(Path::getParent).distinct().toList();
        }
    }

    @Test
    void reopeningWithTheArchiveAfterAPointInTimeRestoreContinuesTheRestoredHistory() throws Exception {
        long x = 20;
        ChildJvm.Result restore = ledger("restore", backupName, "--dir", backups.toString(), "--to", db.toString(),
                "--force", "--archive", archive.toString(), "--until-seq", Long.toString(x));
        assertThat(restore.exitCode()).as("stdout %s stderr %s", restore.stdout(), restore.stderr()).isZero();

        ChildJvm.Result ingest = ledger("ingest", "--db", db.toString(), "--archive", archive.toString(),
                "--input", input("new-1", "new-2").toString());

        assertThat(ingest.exitCode()).as(ingest.stderr()).isZero();
        assertThat(seqs(ingest)).as("the restored ledger continues at X+1 with new events").containsExactly(x + 1, x + 2);
        List<EventRow> now = events(db);
        assertThat(now).hasSize((int) x + 2);
        List<EventRow> before = events(original);
        assertSameHashes(before, now, (int) x);
        assertThat(now.get((int) x).hash()).as("seq X+1 is a new event, not the abandoned one")
                .isNotEqualTo(before.get((int) x).hash());
        ChildJvm.Result audit = ledger("audit", db.toString());
        assertThat(audit.exitCode()).as("audit: %s %s", audit.stdout(), audit.stderr()).isZero();

        // the archive follows the new history; the abandoned one is kept beside it, whole
        List<JournalArchive.Batch> archived = JournalArchive.batchesAfter(archive, 0);
        assertThat(archived.get(archived.size() - 1).lastSeq()).isEqualTo(x + 2);
        List<Path> aside = movedAside();
        assertThat(aside).hasSize(1);
        List<JournalArchive.Batch> abandoned = JournalArchive.batchesAfter(aside.get(0), x);
        assertThat(abandoned.get(abandoned.size() - 1).lastSeq()).isEqualTo(HEAD);

        assertThat(restore.stdout()).as("restore says it started a timeline and forked the archive")
                .contains("new timeline", "archive forked");

        // and opening once more changes nothing
        ChildJvm.Result again = ledger("ingest", "--db", db.toString(), "--archive", archive.toString(),
                "--input", input().toString());
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(events(db)).hasSize((int) x + 2);
    }

    @Test
    void theOldArchiveIsRefusedAfterARestoreWithoutItNamingBothWaysOn() throws Exception {
        ChildJvm.Result restore = ledger("restore", backupName, "--dir", backups.toString(), "--to", db.toString(), "--force");
        assertThat(restore.exitCode()).as("stdout %s stderr %s", restore.stdout(), restore.stderr()).isZero();

        ChildJvm.Result refused = ledger("ingest", "--db", db.toString(), "--archive", archive.toString(),
                "--input", input("new-1").toString());

        assertThat(refused.exitCode()).as("stdout %s stderr %s", refused.stdout(), refused.stderr()).isEqualTo(2);
        assertThat(refused.stderr()).contains(archive.toString(), "timeline", "new, empty archive directory",
                "tools/ledger restore", "--archive " + archive);
        assertThat(events(db)).as("nothing replayed, nothing written").hasSize(BACKUP_SEQ);

        // way one: a new archive directory
        Path fresh = dir.resolve("archive-2");
        ChildJvm.Result withNew = ledger("ingest", "--db", db.toString(), "--archive", fresh.toString(),
                "--input", input("new-1").toString());
        assertThat(withNew.exitCode()).as(withNew.stderr()).isZero();
        assertThat(seqs(withNew)).containsExactly((long) BACKUP_SEQ + 1);

        // way two: restore again with the old archive, which forks it at the restore point
        ChildJvm.Result again = ledger("restore", backupName, "--dir", backups.toString(), "--to", db.toString(),
                "--force", "--archive", archive.toString(), "--until-seq", Integer.toString(BACKUP_SEQ));
        assertThat(again.exitCode()).as("stdout %s stderr %s", again.stdout(), again.stderr()).isZero();
        ChildJvm.Result withOld = ledger("ingest", "--db", db.toString(), "--archive", archive.toString(),
                "--input", input("new-2").toString());
        assertThat(withOld.exitCode()).as(withOld.stderr()).isZero();
        assertThat(seqs(withOld)).containsExactly((long) BACKUP_SEQ + 1);
        assertSameHashes(events(original), events(db), BACKUP_SEQ);
    }

    @Test
    void theSelfHealOfALostTailStillWorksThroughTheCli() throws Exception {
        // same timeline, the file lost its committed tail: an older copy put back in its place
        Path older = dir.resolve("older.db");
        ChildJvm.Result restoreCopy = ledger("restore", backupName, "--dir", backups.toString(), "--to", older.toString());
        assertThat(restoreCopy.exitCode()).as(restoreCopy.stderr()).isZero();
        // a raw copy of the backup file (not a restore): the same history, just behind
        Files.copy(backups.resolve(backupName), db, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ChildJvm.Result ingest = ledger("ingest", "--db", db.toString(), "--archive", archive.toString(),
                "--input", input("after-heal").toString());
        assertThat(ingest.exitCode()).as(ingest.stderr()).isZero();
        assertThat(seqs(ingest)).containsExactly((long) HEAD + 1);
        assertSameHashes(events(original), events(db), HEAD);
    }
}
