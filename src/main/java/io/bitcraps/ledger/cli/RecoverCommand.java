package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.HmacKey;
import io.bitcraps.ledger.backup.Recovery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tools/ledger recover}: newest verified backup + journal archive in place of a damaged database. */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Replace a damaged database with the newest verified backup plus the journal archive; report what was lost.")
final class RecoverCommand implements Callable<Integer> {
    @Option(names = "--db", required = true, description = "the damaged ledger database")
    Path db;

    @Option(names = "--dir", description = "backup directory (default: backups/ beside the database)")
    Path dir;

    @Option(names = "--archive", description = "journal archive directory")
    Path archive;

    @Option(names = "--key", description = "HMAC key file: only backups whose HMAC verifies are used")
    Path keyFile;

    @Option(names = "--foreign", description = "allow a backup of another ledger (id) than the damaged database's")
    boolean foreign;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path backupDir = dir != null ? dir : db.toAbsolutePath().getParent().resolve("backups");
        byte[] key = keyFile == null ? null : HmacKey.read(keyFile);
        Recovery.Report r = Recovery.recover(db, backupDir, archive, key, foreign, Clock.systemUTC());
        boolean lost = r.damagedClaimedSeq() >= 0 && !r.lostNothingKnown();
        if (json) {
            new JsonReport().put("recovered", r.database().toString()).put("skipped_backups", r.skippedBackups())
                    .put("backup", r.backupUsed().getFileName().toString()).put("backup_seq", r.backupSeq())
                    .put("archived_events", r.archivedEvents()).put("seq", r.recoveredSeq()).put("verified", true)
                    .put("damaged_copy", r.damagedCopy() == null ? null : r.damagedCopy().toString())
                    .put("lost", r.damagedClaimedSeq() < 0 ? JsonReport.object("known", false)
                            : lost ? JsonReport.object("known", true, "from", r.lostFrom(), "to", r.lostTo(),
                            "events", r.lostTo() - r.recoveredSeq())
                            : JsonReport.object("known", true, "events", 0, "damaged_claimed_seq", r.damagedClaimedSeq()))
                    .print();
            return lost ? LedgerCli.EXIT_NOT_INTACT : LedgerCli.EXIT_OK;
        }
        System.out.printf(Locale.ROOT, "recovered %s%n", r.database());
        for (String s : r.skippedBackups()) {
            System.out.println("  skipped backup " + s);
        }
        System.out.printf(Locale.ROOT, "  from backup %s at seq %,d%n", r.backupUsed().getFileName(), r.backupSeq());
        System.out.printf(Locale.ROOT, "  plus %,d event(s) from the journal archive%s%n", r.archivedEvents(),
                archive == null ? " (no archive given)" : "");
        System.out.printf(Locale.ROOT, "  database now at seq %,d, verified%n", r.recoveredSeq());
        if (r.damagedCopy() != null) {
            System.out.println("  damaged database kept as " + r.damagedCopy());
        }
        if (r.damagedClaimedSeq() < 0) {
            System.out.println("  lost: unknown: the damaged database's head could not be read; compare with your last digest");
        } else if (r.lostNothingKnown()) {
            System.out.printf(Locale.ROOT, "  lost: nothing (the damaged database claimed seq %,d)%n", r.damagedClaimedSeq());
        } else {
            System.out.printf(Locale.ROOT, "  lost: seq %,d..%,d (%,d event(s)): committed, but in neither the backup nor the archive%n",
                    r.lostFrom(), r.lostTo(), r.lostTo() - r.recoveredSeq());
        }
        return r.damagedClaimedSeq() >= 0 && !r.lostNothingKnown() ? LedgerCli.EXIT_NOT_INTACT : LedgerCli.EXIT_OK;
    }
}
