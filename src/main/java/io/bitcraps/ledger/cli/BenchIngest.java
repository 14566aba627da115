package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.bench.Bench;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import picocli.CommandLine;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;

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
        try (Connection c = LedgerDatabase.openReadOnly(targetDb)) {
            return new Bench.Ingested(EventReader.maxSeq(c), seconds);
        }
    }

    /** Whole submissions only: stops before a submission that would pass {@code eventsMax}. */
    static long writeCommands(Path sourceDb, Path out, long eventsMax) throws Exception {
        PayloadCodec codec = new PayloadCodec();
        JsonFactory json = new JsonFactory();
        long[] written = {0};
        try (Connection conn = LedgerDatabase.openReadOnly(sourceDb);
             OutputStream w = new java.io.BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
            conn.setAutoCommit(false);
            long[] groupLeft = {0};
            JsonGenerator[] group = {null};
            EventReader.forEach(conn, 1, Long.MAX_VALUE, row -> {
                LedgerEvent e = StoredEvents.decode(codec, row);
                if (groupLeft[0] == 0 && written[0] + e.submissionSize() > eventsMax) {
                    return; // the rest is read and skipped: forEach has no early exit
                }
                try {
                    if (groupLeft[0] == 0 && e.submissionSize() > 1) {
                        group[0] = json.createGenerator(ObjectWriteContext.empty(), new ExportCommand.Unflushed(w));
                        group[0].writeStartObject();
                        group[0].writeStringProperty("type", "atomic");
                        if (e.key() != null) {
                            group[0].writeStringProperty("key", e.key());
                        }
                        group[0].writeName("commands");
                        group[0].writeStartArray();
                        groupLeft[0] = e.submissionSize();
                    }
                    if (groupLeft[0] > 0) {
                        writeCommand(group[0], e, false);
                        if (--groupLeft[0] == 0) {
                            group[0].writeEndArray();
                            group[0].writeEndObject();
                            group[0].close();
                            w.write('\n');
                        }
                    } else {
                        try (JsonGenerator g = json.createGenerator(ObjectWriteContext.empty(), new ExportCommand.Unflushed(w))) {
                            writeCommand(g, e, true);
                        }
                        w.write('\n');
                    }
                    written[0]++;
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
            conn.rollback();
        }
        return written[0];
    }

    private static void writeCommand(JsonGenerator g, LedgerEvent e, boolean withKey) {
        g.writeStartObject();
        g.writeStringProperty("type", e.command().eventType().commandName());
        if (withKey && e.key() != null) {
            g.writeStringProperty("key", e.key());
        }
        PayloadCodec.writeCommandFields(g, e.command());
        g.writeEndObject();
    }
}
