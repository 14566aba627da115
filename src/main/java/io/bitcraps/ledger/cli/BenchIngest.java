package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.CommandLines;
import io.bitcraps.ledger.api.LedgerReader;
import io.bitcraps.ledger.bench.Bench;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bench's ingest phase: the first events of the bench ledger's log turned back into the
 * JSON Lines commands that would have written them (an atomic submission becomes one
 * {@code "atomic"} line, a key stays with its submission), then {@code tools/ledger ingest} run on
 * them in this process into a fresh database, receipts formatted and thrown away. The time is the
 * whole command's: open, read and parse, submit, receipts, close.
 */
final class BenchIngest implements Bench.Ingest {
    private final String durability;
    private final boolean logFirst;

    BenchIngest(String durability, boolean logFirst) {
        this.durability = durability;
        this.logFirst = logFirst;
    }

    @Override
    public Bench.Ingested run(Path sourceDb, Path targetDb, long eventsMax) throws Exception {
        Path commands = targetDb.resolveSibling("ingest-commands.jsonl");
        writeCommands(sourceDb, commands, eventsMax);
        IngestCommand ingest = new IngestCommand();
        new CommandLine(ingest).parseArgs("--db", targetDb.toString(), "--input", commands.toString(),
                "--durability", durability, logFirst ? "--log-first" : "--no-log-first");
        ingest.receiptsOut = OutputStream.nullOutputStream();
        long t = System.nanoTime();
        int exit = ingest.call();
        double seconds = (System.nanoTime() - t) / 1e9;
        if (exit != LedgerCli.EXIT_OK) {
            throw new IllegalStateException("ingest of " + commands + " exited with " + exit);
        }
        try (LedgerReader reader = LedgerReader.open(targetDb)) {
            return new Bench.Ingested(reader.head().seq(), seconds);
        }
    }

    /**
     * Whole submissions while they fit in {@code eventsMax} (the lines are {@link CommandLines#line} and
     * {@link CommandLines#atomicLine}). Past that, the first event of a submission that does not fit is
     * skipped, but the events after it carry a submission size of 1 and are written one by one while
     * they fit: kept as it was.
     */
    static long writeCommands(Path sourceDb, Path out, long eventsMax) throws IOException {
        long[] written = {0};
        try (LedgerReader reader = LedgerReader.open(sourceDb);
             OutputStream w = new java.io.BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
            List<Command> group = new ArrayList<>();
            long[] groupLeft = {0};
            String[] groupKey = {null};
            reader.forEachEvent(1, Long.MAX_VALUE, committed -> {
                LedgerEvent e = committed.event();
                if (groupLeft[0] == 0 && written[0] + e.submissionSize() > eventsMax) {
                    return; // the rest is read and skipped: forEachEvent has no early exit
                }
                try {
                    if (groupLeft[0] == 0 && e.submissionSize() > 1) {
                        group.clear();
                        groupKey[0] = e.key();
                        groupLeft[0] = e.submissionSize();
                    }
                    if (groupLeft[0] > 0) {
                        group.add(e.command());
                        if (--groupLeft[0] == 0) {
                            writeLine(w, CommandLines.atomicLine(group, groupKey[0]));
                        }
                    } else {
                        writeLine(w, CommandLines.line(e.command(), e.key()));
                    }
                    written[0]++;
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        }
        return written[0];
    }

    private static void writeLine(OutputStream w, String line) throws IOException {
        w.write(line.getBytes(StandardCharsets.UTF_8));
        w.write('\n');
    }
}
