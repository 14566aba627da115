package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.BackupResult;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Point-in-time restore: a backup at seq B brought forward through the journal archive to a seq
 * M or a time T between B and the head E. The result must be exactly the live events 1..M (no
 * more, no fewer), audit intact, and open as a ledger at M. A seq before the backup and an
 * archive that ends too early are refused.
 * <p>
 * Concurrent submissions make multi-event batches, so M can cut a batch in the middle; the seed
 * of the amounts is printed, replay with {@code -Dledger.pitr.seed=<seed>}.
 */
class PointInTimeRestoreIT {
    @TempDir
    static Path shared;
    static Path live;
    static Path archive;
    static Path backups;
    static Path keyFile;
    static String backupName;
    static long b;
    static long e;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeBackUpAndKeepWriting() throws Exception {
        long seed = Long.getLong("ledger.pitr.seed", System.nanoTime());
        System.out.println("PointInTimeRestoreIT seed=" + seed + " (replay: -Dledger.pitr.seed=" + seed + ")");
        Random random = new Random(seed);
        live = shared.resolve("live.db");
        archive = shared.resolve("archive");
        backups = shared.resolve("backups");
        keyFile = shared.resolve("hmac.key");
        Fixtures.writeKey(keyFile, "0123456789abcdef0123456789abcdef");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(live).archiveDir(archive).backupDir(backups)
                .hmacKeyFile(keyFile).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new FundHouse(10_000_000, "bankroll")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            // before the backup: single commands and bet/roll/settle groups
            for (int round = 0; round < 10; round++) {
                List<CompletableFuture<Receipt>> window = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String p = "p" + random.nextInt(6);
                    window.add(ledger.submit(new Deposit(p, 100 + random.nextInt(900), "d-" + round + "-" + i)));
                    String bet = "b-" + round + "-" + i;
                    long stake = 5 + random.nextInt(46); // the standard table's minimum is 5
                    int d1 = 1 + random.nextInt(6);
                    int d2 = 1 + random.nextInt(6);
                    window.add(ledger.submitAtomically(List.<Command>of(
                            new PlaceBet("g1", bet, p, BetType.FIELD, null, stake),
                            new RecordRoll("g1", d1, d2), fieldSettlement(bet, stake, d1 + d2))));
                }
                window.forEach(f -> ok(f));
            }
            BackupResult backup = ledger.backup();
            backupName = backup.file().getFileName().toString();
            b = backup.seq();
            // after the backup: only single commands (so every seq is a submission boundary), in
            // concurrent windows (so batches hold several events and M can cut one in the middle)
            for (int round = 0; round < 20; round++) {
                List<CompletableFuture<Receipt>> window = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    String p = "p" + random.nextInt(6);
                    window.add(random.nextInt(3) == 0 ? ledger.submit(new Withdraw(p, 1 + random.nextInt(20), "w-" + round + "-" + i))
                            : ledger.submit(new Deposit(p, 1 + random.nextInt(500), "e-" + round + "-" + i)));
                }
                window.forEach(f -> ok(f));
                Thread.sleep(2); // let the clock move between windows, for the until-time restore
            }
            e = ledger.view().seq();
        }
        System.out.println("backup at seq " + b + ", head at seq " + e);
        assertThat(b).isGreaterThan(0).isLessThan(e);
    }

    /** A seq strictly inside a multi-event batch near the middle of (B, E), or the middle when there is none. */
    /** The standard table's field, as the audit's rulebook pays it: the restored ledgers must audit intact. */
    private static SettleBet fieldSettlement(String bet, long stake, int total) {
        return switch (total) {
            case 5, 6, 7, 8 -> new SettleBet("g1", bet, Outcome.LOSE, 0);
            case 2 -> new SettleBet("g1", bet, Outcome.WIN, 2 * stake);
            case 12 -> new SettleBet("g1", bet, Outcome.WIN, 3 * stake);
            default -> new SettleBet("g1", bet, Outcome.WIN, stake);
        };
    }

    private static long middleOfABatch() throws Exception {
        long middle = (b + e) / 2;
        long best = -1;
        for (long[] batch : EventLogs.batches(live)) {
            if (batch[0] > b && batch[1] - batch[0] >= 2 && batch[1] < e
                    && (best < 0 || Math.abs(batch[0] - middle) < Math.abs(best - middle))) {
                best = batch[0] + (batch[1] - batch[0]) / 2;
            }
        }
        System.out.println(best < 0 ? "no multi-event batch after the backup; restoring to the middle seq " + middle
                : "restoring to seq " + best + ", inside a batch");
        return best < 0 ? middle : best;
    }

    private Restore.Result restore(Path to, long untilSeq, long untilMicros, Path archiveDir) throws Exception {
        return Restore.restore(backups, backupName, to, false, HeadSigner.readKey(keyFile), untilSeq, untilMicros, archiveDir);
    }

    /** Exactly live events 1..m; audits intact with and without the key; opens as a ledger at m and takes writes. */
    private static void assertIsTheLiveLedgerAt(Path restored, long m) throws Exception {
        EventLogs.assertSameEvents(live, restored, m);
        AuditReport plain = new Auditor().audit(restored, Auditor.Options.everything(), n -> { });
        assertThat(plain.problems()).isEmpty();
        assertThat(plain.intact()).isTrue();
        assertThat(plain.headSeq()).isEqualTo(m);
        AuditReport signed = new Auditor().audit(restored, new Auditor.Options(1, Long.MAX_VALUE, HeadSigner.readKey(keyFile), null),
                n -> { });
        assertThat(signed.problems()).as("every batch, the cut one included, is signed with the key").isEmpty();
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(restored).hmacKeyFile(keyFile).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            assertThat(ledger.view().seq()).isEqualTo(m);
            assertThat(ledger.view().totals()).isZero();
            assertThat(ok(ledger.submit(new Deposit("p0", 1, "after-restore"))).seq()).isEqualTo(m + 1);
        }
    }

    @Test
    void restoringToASeqInTheMiddleOfTheArchiveGivesExactlyEventsOneToThatSeq() throws Exception {
        long m = middleOfABatch();
        assertThat(m).isGreaterThan(b).isLessThan(e);
        Path restored = dir.resolve("pitr").resolve("ledger.db");
        Restore.Result r = restore(restored, m, Long.MAX_VALUE, archive);
        assertThat(r.seq()).isEqualTo(m);
        assertThat(r.backup().seq()).isEqualTo(b);
        assertThat(r.archived()).as("events replayed from the archive").isEqualTo(m - b);
        assertThat(EventLogs.isBatchBoundary(restored, m)).as("the cut batch ends at M in the restored ledger").isTrue();
        assertIsTheLiveLedgerAt(restored, m);
    }

    @Test
    void restoringToATimeGivesExactlyTheEventsStampedUpToThatTime() throws Exception {
        // T = the timestamp of an event about two thirds of the way; every event stamped <= T comes back
        long pick = b + (e - b) * 2 / 3;
        long untilMicros = timestampOf(pick);
        long expected = lastSeqStampedAtOrBefore(untilMicros);
        assertThat(expected).isGreaterThanOrEqualTo(pick).isLessThan(e);
        Path restored = dir.resolve("pitr-time").resolve("ledger.db");
        Restore.Result r = restore(restored, Long.MAX_VALUE, untilMicros, archive);
        System.out.println("until time " + untilMicros + " µs: restored to seq " + r.seq() + " (expected " + expected + ")");
        assertThat(r.seq()).isEqualTo(expected);
        assertIsTheLiveLedgerAt(restored, expected);
    }

    @Test
    void restoringToTheEndOfTheArchiveGivesTheWholeLiveLedger() throws Exception {
        Path restored = dir.resolve("pitr-all").resolve("ledger.db");
        Restore.Result r = restore(restored, e, Long.MAX_VALUE, archive);
        assertThat(r.seq()).isEqualTo(e);
        assertIsTheLiveLedgerAt(restored, e);
    }

    @Test
    void restoringToASeqBeforeTheBackupIsRefused() throws Exception {
        Path restored = dir.resolve("too-early").resolve("ledger.db");
        BackupFailure failure = catchThrowableOfType(BackupFailure.class, () -> restore(restored, b - 1, Long.MAX_VALUE, archive));
        assertThat(failure).isNotNull();
        assertThat(failure.getMessage()).contains("seq " + b, "seq " + (b - 1), "older backup");
        assertThat(restored.getParent()).doesNotExist();
    }

    @Test
    void anArchiveThatEndsBeforeTheRequestedSeqIsRefused() throws Exception {
        long m = middleOfABatch();
        // a copy of the archive holding only the batches that end before M's batch
        Path shortArchive = dir.resolve("short-archive");
        long end = 0;
        try (JournalArchive a = JournalArchive.open(shortArchive, false);
             Connection c = LedgerDatabase.openReadOnly(live);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT first_seq, last_seq, committed_ts, hmac FROM batches WHERE last_seq < ? ORDER BY last_seq")) {
            ps.setLong(1, m);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<EventRow> rows = new ArrayList<>();
                    EventReader.forEach(c, rs.getLong(1), rs.getLong(2), rows::add);
                    a.append(rows, rs.getLong(3), rs.getBytes(4));
                    end = rs.getLong(2);
                }
            }
        }
        assertThat(end).isGreaterThan(b).isLessThan(m);
        Path restored = dir.resolve("short").resolve("ledger.db");
        BackupFailure failure = catchThrowableOfType(BackupFailure.class, () -> restore(restored, m, Long.MAX_VALUE, shortArchive));
        assertThat(failure).isNotNull();
        assertThat(failure.getMessage()).contains("the archive ends at seq " + end, "seq " + m);
        // nothing half-restored: no target and no temp file
        assertThat(restored).doesNotExist();
        assertThat(EventLogs.filesStartingWith(restored.getParent(), ".restore-")).isEmpty();
        // the same short archive does restore as far as it goes when no bound is asked for
        Path upToEnd = dir.resolve("short-ok").resolve("ledger.db");
        assertThat(restore(upToEnd, Long.MAX_VALUE, Long.MAX_VALUE, shortArchive).seq()).isEqualTo(end);
        EventLogs.assertSameEvents(live, upToEnd, end);
    }

    @Test
    void anArchiveOfAnotherLedgerIsRefused() throws Exception {
        // another ledger's archive covers the same seqs, but not this chain
        Path otherArchive = dir.resolve("other-archive");
        try (Ledger other = Ledger.open(LedgerConfig.builder(dir.resolve("other.db")).archiveDir(otherArchive)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            for (int i = 0; i < b + 10; i++) {
                ok(other.submit(new Deposit("x", 1, "x-" + i)));
            }
        }
        Path restored = dir.resolve("foreign").resolve("ledger.db");
        BackupFailure failure = catchThrowableOfType(BackupFailure.class, () -> restore(restored, b + 5, Long.MAX_VALUE, otherArchive));
        assertThat(failure).isNotNull();
        assertThat(failure.getMessage()).contains("seq " + (b + 1), "another history");
        assertThat(restored).doesNotExist();
        assertThat(EventLogs.filesStartingWith(restored.getParent(), ".restore-")).isEmpty();
    }

    @Test
    void aRefusedPointInTimeRestoreLeavesNoDirectoryOrLockFileBehind() throws Exception {
        Path restored = dir.resolve("never").resolve("made").resolve("ledger.db");
        // the archive ends at E: asking for E + 100 fails only after the backup verified and the archive replayed
        BackupFailure failure = catchThrowableOfType(BackupFailure.class, () -> restore(restored, e + 100, Long.MAX_VALUE, archive));
        assertThat(failure).isNotNull();
        assertThat(failure.getMessage()).contains("the archive ends at seq " + e);
        assertThat(dir.resolve("never")).as("no directory created by a refused restore").doesNotExist();
    }

    @Test
    void aPointInTimeRestoreNeverKeepsPartOfAnAtomicGroup() throws Exception {
        // the groups (bet, roll, settlement) were all written before the backup; make one after it
        Path live2 = dir.resolve("groups.db");
        Path archive2 = dir.resolve("groups-archive");
        Path backups2 = dir.resolve("groups-backups");
        String name;
        long at;
        Receipt group;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(live2).archiveDir(archive2).backupDir(backups2)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new FundHouse(1_000, "bankroll")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            ok(ledger.submit(new Deposit("alice", 100, "c1")));
            BackupResult r = ledger.backup();
            name = r.file().getFileName().toString();
            at = r.seq();
            group = ok(ledger.submitAtomically(List.<Command>of(new PlaceBet("g1", "b1", "alice", BetType.FIELD, null, 10),
                    new RecordRoll("g1", 1, 1), new SettleBet("g1", "b1", Outcome.WIN, 20))));
        }
        long inside = group.firstSeq() + 1; // after the bet and the roll, before the settlement
        Path restored = dir.resolve("half").resolve("ledger.db");
        // a bound inside the group is refused, naming the group and the two seqs that would work
        BackupFailure inGroup = catchThrowableOfType(BackupFailure.class,
                () -> Restore.restore(backups2, name, restored, false, null, inside, Long.MAX_VALUE, archive2));
        assertThat(inGroup).isNotNull();
        assertThat(inGroup.getMessage()).contains("inside the atomic submission seq " + group.firstSeq() + ".."
                + group.lastSeq(), "ask for seq " + (group.firstSeq() - 1) + " or " + group.lastSeq());
        assertThat(restored).doesNotExist();
        assertThat(dir.resolve("half")).doesNotExist();
        // either edge of the group restores
        assertThat(Restore.restore(backups2, name, restored, false, null, group.firstSeq() - 1, Long.MAX_VALUE, archive2)
                .seq()).isEqualTo(group.firstSeq() - 1);
        assertThat(Restore.restore(backups2, name, restored, true, null, group.lastSeq(), Long.MAX_VALUE, archive2)
                .seq()).isEqualTo(group.lastSeq());
        assertThat(at).isLessThan(group.firstSeq());
    }

    private static long timestampOf(long seq) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(live);
             PreparedStatement ps = c.prepareStatement("SELECT ts FROM events WHERE seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
            }
        }
    }

    /** The restore stops at the first event stamped after T; events are stamped in seq order. */
    private static long lastSeqStampedAtOrBefore(long micros) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(live);
             PreparedStatement ps = c.prepareStatement("SELECT coalesce(min(seq), 0) - 1 FROM events WHERE ts > ?")) {
            ps.setLong(1, micros);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
