package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * With an HMAC key, the journal archive is trusted only as far as the key vouches for it. Anyone
 * who can write to the archive directory can append batches that continue the SHA-256 chain (that
 * needs no key); self-healing at open and point-in-time restore must refuse them before anything
 * of them is applied. And a database whose newest signed batch does not verify with the key (a
 * rewritten log, or the wrong key) must not open.
 */
class SignedArchiveIT {
    private static final String KEY = "signed-archive-key-0123456789abcdef";
    private static final String OTHER_KEY = "another-key-entirely-0123456789abcdef";
    private static final int FORGED_EVENTS = 3;

    @TempDir
    Path dir;

    private Path keyFile;

    private LedgerConfig.Builder config(Path db) {
        return LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
    }

    /** An honest ledger, signed with {@link #KEY}, with its archive and one backup at its head. Returns the head. */
    private long writeSigned(Path db, Path archive, Path backups, int submissions) throws Exception {
        keyFile = Fixtures.writeKey(dir.resolve("hmac.key"), KEY);
        try (Ledger ledger = Ledger.open(config(db).hmacKeyFile(keyFile).archiveDir(archive).backupDir(backups).build())) {
            List<CompletableFuture<Receipt>> pending = new ArrayList<>();
            for (int i = 0; i < submissions; i++) {
                pending.add(ledger.submit(new Deposit("p" + (i % 7), 100 + i, "honest-" + i)));
            }
            pending.forEach(Fixtures::ok);
            ledger.backup();
            return ledger.view().seq();
        }
    }

    /**
     * What an intruder without the key can write: events that continue the chain of {@code db}
     * (computed by an unsigned copy of the ledger), appended to a copy of {@code archive} as one
     * batch carrying {@code hmac}.
     */
    private Path forgeArchive(Path db, Path archive, byte[] hmac, String name) throws Exception {
        Path intruderDb = dir.resolve(name + ".db");
        Files.copy(db, intruderDb); // closed and checkpointed: the .db file is the whole ledger
        long head;
        try (Ledger intruder = Ledger.open(config(intruderDb).build())) {
            head = intruder.view().seq();
            for (int i = 0; i < FORGED_EVENTS; i++) {
                ok(intruder.submit(new Deposit("mallory", 1_000_000, "forged-" + i)));
            }
        }
        List<EventRow> rows = new ArrayList<>();
        try (Connection c = LedgerDatabase.openReadOnly(intruderDb)) {
            EventReader.forEach(c, head + 1, Long.MAX_VALUE, rows::add);
        }
        assertThat(rows).hasSize(FORGED_EVENTS);
        Path forged = dir.resolve(name + "-archive");
        copyDirectory(archive, forged);
        try (JournalArchive a = JournalArchive.open(forged, true)) {
            assertThat(a.lastSeq()).isEqualTo(head);
            a.append(rows, rows.get(rows.size() - 1).timestampMicros(), hmac);
        }
        return forged;
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static long maxSeq(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return EventReader.maxSeq(c);
        }
    }

    private static String onlyBackup(Path backups) throws IOException {
        try (Stream<Path> files = Files.list(backups)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".db")).findFirst().orElseThrow();
        }
    }

    private static byte[] otherKeysSignature(Path db, long seq) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            return new HeadSigner(OTHER_KEY.getBytes(java.nio.charset.StandardCharsets.US_ASCII), LedgerDatabase.ledgerId(c))
                    .sign(seq, new byte[32]);
        }
    }

    @Test
    void anUnsignedBatchAppendedToTheArchiveIsRefusedAtOpenAndNothingOfItIsApplied() throws Exception {
        Path db = dir.resolve("ledger.db");
        long head = writeSigned(db, dir.resolve("archive"), dir.resolve("backups"), 20);
        Path forged = forgeArchive(db, dir.resolve("archive"), null, "unsigned");

        LedgerException.LedgerHalted e = catchThrowableOfType(LedgerException.LedgerHalted.class,
                () -> Ledger.open(config(db).hmacKeyFile(keyFile).archiveDir(forged).build()).close());
        assertThat(e).as("open with the key heals in a batch nobody signed").isNotNull();
        assertThat(e.getMessage()).contains(forged.toString(), "seq " + (head + 1) + ".." + (head + FORGED_EVENTS),
                "carries no HMAC");
        assertThat(maxSeq(db)).as("nothing of the forged batch is in the database").isEqualTo(head);
    }

    @Test
    void aBatchAppendedToTheArchiveWithAWrongHmacIsRefusedAtOpen() throws Exception {
        Path db = dir.resolve("ledger.db");
        long head = writeSigned(db, dir.resolve("archive"), dir.resolve("backups"), 20);
        Path forged = forgeArchive(db, dir.resolve("archive"), otherKeysSignature(db, head + FORGED_EVENTS), "wrong-hmac");

        assertThatThrownBy(() -> Ledger.open(config(db).hmacKeyFile(keyFile).archiveDir(forged).build()).close())
                .isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining(forged.toString())
                .hasMessageContaining("seq " + (head + 1) + ".." + (head + FORGED_EVENTS))
                .hasMessageContaining("does not verify with key");
        assertThat(maxSeq(db)).isEqualTo(head);
    }

    @Test
    void pointInTimeRestoreWithTheKeyRefusesAForgedArchiveBatchAndWritesNothing() throws Exception {
        restoreThroughAForgedBatchIsRefused(false);
    }

    @Test
    void pointInTimeRestoreToASeqInsideAForgedBatchRefusesItRatherThanSigningItsHead() throws Exception {
        // a bound that cuts a batch makes the restore sign the cut batch itself, with the key
        restoreThroughAForgedBatchIsRefused(true);
    }

    private void restoreThroughAForgedBatchIsRefused(boolean cutInside) throws Exception {
        Path db = dir.resolve("ledger.db");
        Path backups = dir.resolve("backups");
        long head = writeSigned(db, dir.resolve("archive"), backups, 20);
        Path forged = forgeArchive(db, dir.resolve("archive"), null, "unsigned");
        byte[] key = HeadSigner.readKey(keyFile);
        Path target = dir.resolve("restored").resolve("ledger.db");
        long untilSeq = cutInside ? head + 1 : Long.MAX_VALUE;

        BackupFailure e = catchThrowableOfType(BackupFailure.class,
                () -> Restore.restore(backups, onlyBackup(backups), target, false, key, untilSeq, Long.MAX_VALUE, forged));
        assertThat(e).as("restore to seq %d applies a batch nobody signed", untilSeq).isNotNull();
        assertThat(e.getMessage()).contains("seq " + (head + 1) + ".." + (head + FORGED_EVENTS), "carries no HMAC");
        assertThat(target).doesNotExist();
    }

    @Test
    void anHonestSignedArchiveStillHealsADatabaseThatLostItsTailAndTheResultAuditsWithTheKey() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path archive = dir.resolve("archive");
        long head = writeSigned(db, archive, dir.resolve("backups"), 40);
        long keep = head - 10;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(last_seq) FROM batches WHERE last_seq <= " + keep)) {
            rs.next();
            keep = rs.getLong(1);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM events WHERE seq > " + keep);
        }
        try (Ledger ledger = Ledger.open(config(db).hmacKeyFile(keyFile).archiveDir(archive).build())) {
            assertThat(ledger.openReport()).contains("healed from the journal archive", "seq " + (keep + 1) + ".." + head);
            assertThat(ledger.view().seq()).isEqualTo(head);
        }
        AuditReport audit = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, HeadSigner.readKey(keyFile), null),
                n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.intact()).isTrue();
    }

    @Test
    void anHonestSignedArchiveStillBringsABackupForwardWithTheKey() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path archive = dir.resolve("archive");
        Path backups = dir.resolve("backups");
        long atBackup = writeSigned(db, archive, backups, 20);
        long head;
        try (Ledger ledger = Ledger.open(config(db).hmacKeyFile(keyFile).archiveDir(archive).build())) {
            for (int i = 0; i < 10; i++) {
                ok(ledger.submit(new Deposit("p1", 5, "after-backup-" + i)));
            }
            head = ledger.view().seq();
        }
        Path target = dir.resolve("restored.db");
        Restore.Result r = Restore.restore(backups, onlyBackup(backups), target, false, HeadSigner.readKey(keyFile),
                Long.MAX_VALUE, Long.MAX_VALUE, archive);
        assertThat(r.seq()).isEqualTo(head);
        assertThat(r.archived()).isEqualTo(head - atBackup);
    }

    @Test
    void aDatabaseWhoseNewestBatchHmacWasRewrittenDoesNotOpenWithTheKey() throws Exception {
        Path db = dir.resolve("ledger.db");
        long head = writeSigned(db, dir.resolve("archive"), dir.resolve("backups"), 20);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE batches SET hmac = randomblob(32) WHERE last_seq = " + head)).isEqualTo(1);
        }
        assertThatThrownBy(() -> Ledger.open(config(db).hmacKeyFile(keyFile).build()).close())
                .isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining(db.toString())
                .hasMessageContaining("seq " + head)
                .hasMessageContaining("the key may be wrong or the log was rewritten");
    }

    @Test
    void aSignedDatabaseDoesNotOpenWithAnotherKey() throws Exception {
        Path db = dir.resolve("ledger.db");
        long head = writeSigned(db, dir.resolve("archive"), dir.resolve("backups"), 20);
        Path otherKeyFile = Fixtures.writeKey(dir.resolve("other.key"), OTHER_KEY);
        assertThatThrownBy(() -> Ledger.open(config(db).hmacKeyFile(otherKeyFile).build()).close())
                .isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining("seq " + head)
                .hasMessageContaining(otherKeyFile.toString())
                .hasMessageContaining("the key may be wrong or the log was rewritten");
    }

    @Test
    void aLedgerWrittenWithoutAKeyOpensWithOneAndIsSignedFromThenOn() throws Exception {
        Path db = dir.resolve("ledger.db");
        keyFile = Fixtures.writeKey(dir.resolve("hmac.key"), KEY);
        try (Ledger ledger = Ledger.open(config(db).build())) {
            ok(ledger.submit(new Deposit("p1", 10, "unsigned")));
        }
        try (Ledger ledger = Ledger.open(config(db).hmacKeyFile(keyFile).build())) {
            ok(ledger.submit(new Deposit("p1", 10, "signed")));
        }
        try (Ledger ledger = Ledger.open(config(db).hmacKeyFile(keyFile).build())) {
            assertThat(ledger.view().seq()).isEqualTo(2);
        }
        AuditReport audit = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, HeadSigner.readKey(keyFile), null),
                n -> { });
        assertThat(audit.problems()).isEmpty();
    }

    @Test
    void batchesWrittenWithoutTheKeyAfterSignedOnesAreRefusedUnlessAcceptedOnPurpose() throws Exception {
        Path db = dir.resolve("ledger.db");
        long head = writeSigned(db, dir.resolve("archive"), dir.resolve("backups"), 5);
        try (Ledger ledger = Ledger.open(config(db).build())) {
            ok(ledger.submit(new Deposit("p1", 10, "keyless")));
        }
        assertThatThrownBy(() -> Ledger.open(config(db).hmacKeyFile(keyFile).build()))
                .isInstanceOf(LedgerException.LedgerHalted.class)
                .hasMessageContaining("seq " + (head + 1) + ".." + (head + 1))
                .hasMessageContaining("--accept-unsigned");
        try (Ledger ledger = Ledger.open(config(db).hmacKeyFile(keyFile).acceptUnsignedBatches(true).build())) {
            assertThat(ledger.openReport()).contains("seq " + (head + 1) + ".." + (head + 1),
                    "committed without the HMAC key after the signed head at seq " + head);
        }
    }
}
