package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.HmacKey;
import io.bitcraps.ledger.backup.Restore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tools/ledger restore}: verify a backup, then put it in place, optionally brought forward through the archive. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Restore a verified backup (optionally to a seq or a time through the journal archive).")
final class RestoreCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "backup file name, inside the backup directory")
    String backup;

    @Option(names = "--to", required = true, description = "the database file to create (or replace, with --force)")
    Path to;

    @Option(names = "--dir", description = "backup directory (default: backups/ beside --to)")
    Path dir;

    @Option(names = "--force", description = "replace an existing database")
    boolean force;

    @Option(names = "--key", description = "HMAC key file: the backup's manifest must verify with it")
    Path keyFile;

    @Option(names = "--archive", description = "journal archive directory, to bring the backup forward")
    Path archive;

    @Option(names = "--until-seq", description = "point-in-time: stop after this seq (needs --archive)")
    Long untilSeq;

    @Option(names = "--foreign", description = "allow replacing an existing database of another ledger (id) than the backup's")
    boolean foreign;

    @Option(names = "--fork-archive",
            description = "fork the archive at the restore point although --to did not exist (a restore in place forks it anyway)")
    boolean forkArchive;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Option(names = "--until-time", description = "point-in-time: stop after this instant, e.g. 2026-11-27T04:00:00Z (needs --archive)")
    Instant untilTime;

    @Override
    public Integer call() throws Exception {
        Path backupDir = dir != null ? dir : to.toAbsolutePath().getParent().resolve("backups");
        byte[] key = keyFile == null ? null : HmacKey.read(keyFile);
        long untilMicros = untilTime == null ? Long.MAX_VALUE
                : Math.addExact(Math.multiplyExact(untilTime.getEpochSecond(), 1_000_000L), untilTime.getNano() / 1_000);
        Restore.Result r = Restore.restore(backupDir, backup, to, new Restore.Options(force, foreign, forkArchive, key,
                untilSeq == null ? Long.MAX_VALUE : untilSeq, untilMicros, archive));
        if (json) {
            new JsonReport().put("restored", r.backup().file().toString()).put("to", r.target().toString())
                    .put("backup_seq", r.backup().seq()).put("archived_events", r.archived()).put("seq", r.seq())
                    .put("verified", true)
                    .put("timeline", JsonReport.object("id", r.timeline().id(), "new", r.newTimeline(),
                            "branched_at_seq", r.newTimeline() ? r.timeline().branchedAtSeq() : null,
                            "parent", r.newTimeline() ? r.timeline().parent() : null))
                    .put("archive", !r.newTimeline() ? null : archive == null ? "none" : r.archiveForked() ? "forked" : "not_forked")
                    .put("archive_set_aside", r.archiveSetAside() == null ? null : r.archiveSetAside().toString()).print();
            return LedgerCli.EXIT_OK;
        }
        System.out.printf(Locale.ROOT, "restored %s to %s%n  backup at seq %,d%s%n  database now at seq %,d, verified%n",
                r.backup().file(), r.target(), r.backup().seq(),
                r.archived() > 0 ? String.format(Locale.ROOT, ", plus %,d event(s) from the journal archive", r.archived()) : "",
                r.seq());
        printTimeline(r, archive);
        return LedgerCli.EXIT_OK;
    }

    /** Says which timeline the restored ledger is on and what became of the archive. */
    static void printTimeline(Restore.Result r, Path archive) {
        if (!r.newTimeline()) {
            System.out.println("  timeline " + r.timeline().id());
            return;
        }
        System.out.printf(Locale.ROOT, "  new timeline %s, branched at seq %,d from %s%n", r.timeline().id(),
                r.timeline().branchedAtSeq(), r.timeline().parent());
        if (archive == null) {
            System.out.println("  no archive given: the ledger's old archive will be refused; open it with a new, empty"
                    + " archive directory, or restore again with --archive");
        } else if (r.archiveForked()) {
            System.out.println("  archive forked: it follows the new timeline" + (r.archiveSetAside() == null ? ""
                    : "; its records past seq " + r.seq() + " were kept in " + r.archiveSetAside()));
        } else {
            System.out.println("  archive not forked (--to did not exist): opening this copy with " + archive
                    + " is refused; use a new, empty archive directory, or restore with --fork-archive");
        }
    }
}
