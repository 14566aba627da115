package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * Writes the log as JSON Lines, one event per line in seq order. Opens the database read-only
 * and reads inside one transaction, so the export is one consistent snapshot even while another
 * process keeps writing.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export the event log (read-only; safe beside a running writer).")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--db", required = true, description = "ledger database file")
    Path db;

    @Option(names = "--format", defaultValue = "jsonl", description = "jsonl (default)")
    String format;

    @Option(names = "--out", description = "output file (default: stdout)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!"jsonl".equals(format)) {
            throw new IllegalArgumentException("unknown format " + format + "; supported: jsonl");
        }
        PayloadCodec codec = new PayloadCodec();
        JsonFactory json = new JsonFactory();
        try (Connection conn = LedgerDatabase.openReadOnly(db);
             OutputStream sink = new BufferedOutputStream(out == null ? new FileOutputStream(FileDescriptor.out)
                     : Files.newOutputStream(out), 1 << 16)) {
            conn.setAutoCommit(false); // one read transaction: one snapshot across all chunks
            long count = EventReader.forEach(conn, 1, Long.MAX_VALUE, row -> {
                LedgerEvent e = StoredEvents.decode(codec, row);
                try (JsonGenerator g = json.createGenerator(ObjectWriteContext.empty(), new NonClosing(sink))) {
                    writeEvent(g, e, row.hash());
                }
                try {
                    sink.write('\n');
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            conn.rollback();
            sink.flush();
            System.err.println("exported " + count + " events");
        }
        return LedgerCli.EXIT_OK;
    }

    static void writeEvent(JsonGenerator g, LedgerEvent e, byte[] hash) {
        g.writeStartObject();
        g.writeNumberProperty("seq", e.seq());
        g.writeStringProperty("ts", Instant.EPOCH.plusNanos(e.timestampMicros() * 1000).toString());
        g.writeStringProperty("type", e.type().name());
        PayloadCodec.writeCommandFields(g, e.command());
        if (e.key() != null) {
            g.writeStringProperty("key", e.key());
        }
        if (e.submissionSize() > 1) {
            g.writeNumberProperty("group", e.submissionSize());
        }
        g.writeName("postings");
        g.writeStartArray();
        for (Posting p : e.postings()) {
            g.writeStartObject();
            g.writeStringProperty("account", p.account().key());
            g.writeNumberProperty("delta", p.delta());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringProperty("hash", Hex.of(hash));
        g.writeEndObject();
    }

    /** Lets a generator per line write into one shared stream without closing it. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws java.io.IOException {
            flush();
        }
    }
}
