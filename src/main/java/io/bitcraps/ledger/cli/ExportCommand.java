package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;

import picocli.CommandLine.Option;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * Writes the log as JSON Lines or CSV, one event per line in seq order. Opens the database
 * read-only and reads inside one transaction, so the export is one consistent snapshot even while
 * another process keeps writing. The output depends only on the events: the same database gives
 * the same bytes.
 */
@picocli.CommandLine.Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export the event log as JSON Lines or CSV (read-only; safe beside a running writer).")
final class ExportCommand implements Callable<Integer> {
    static final String CSV_HEADER = "seq,ts,type,player,amount,reference,game,table,bet,bet_type,point,die1,die2,"
            + "outcome,winnings,key,group,postings,hash,protection";

    @Option(names = "--db", required = true, description = "ledger database file")
    Path db;

    @Option(names = "--format", defaultValue = "jsonl", description = "jsonl (default) or csv")
    String format;

    @Option(names = "--out", description = "output file (default: stdout)")
    Path out;

    @Option(names = "--from", defaultValue = "1", description = "first seq (default: 1)")
    long from;

    @Option(names = "--to", defaultValue = "" + Long.MAX_VALUE, description = "last seq (default: the head)")
    long to;

    @Override
    public Integer call() throws Exception {
        boolean csv = switch (format) {
            case "jsonl" -> false;
            case "csv" -> true;
            default -> throw new IllegalArgumentException("unknown format " + format + "; supported: jsonl, csv");
        };
        if (from < 1 || to < from) {
            throw new IllegalArgumentException("bad seq range --from " + from + " --to " + to);
        }
        PayloadCodec codec = new PayloadCodec();
        JsonFactory json = new JsonFactory();
        try (Connection conn = LedgerDatabase.openReadOnly(db);
             OutputStream sink = new BufferedOutputStream(out == null ? new FileOutputStream(FileDescriptor.out)
                     : Files.newOutputStream(out), 1 << 16)) {
            conn.setAutoCommit(false); // one read transaction: one snapshot across all chunks
            if (csv) {
                sink.write((CSV_HEADER + "\n").getBytes(StandardCharsets.UTF_8));
            }
            long count = EventReader.forEach(conn, from, to, row -> {
                LedgerEvent e = StoredEvents.decode(codec, row);
                try {
                    if (csv) {
                        sink.write(csvLine(e, row).getBytes(StandardCharsets.UTF_8));
                    } else {
                        try (JsonGenerator g = json.createGenerator(ObjectWriteContext.empty(), new Unflushed(sink))) {
                            writeEvent(g, e, row.hash());
                        }
                    }
                    sink.write('\n');
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
            conn.rollback();
            sink.flush();
            System.err.println("exported " + count + " events");
        }
        return LedgerCli.EXIT_OK;
    }

    static String timestamp(long micros) {
        return Instant.EPOCH.plusNanos(micros * 1000).toString();
    }

    static void writeEvent(JsonGenerator g, LedgerEvent e, byte[] hash) {
        g.writeStartObject();
        g.writeNumberProperty("seq", e.seq());
        g.writeStringProperty("ts", timestamp(e.timestampMicros()));
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

    /** One CSV line in the column order of {@link #CSV_HEADER}; empty cells for fields the type lacks. */
    static String csvLine(LedgerEvent e, EventRow row) {
        String[] cells = new String[20];
        java.util.Arrays.fill(cells, "");
        cells[0] = Long.toString(e.seq());
        cells[1] = timestamp(e.timestampMicros());
        cells[2] = e.type().name();
        Command c = e.command();
        if (c instanceof Command.Deposit d) {
            cells[3] = d.player();
            cells[4] = Long.toString(d.amount());
            cells[5] = d.reference();
        } else if (c instanceof Command.Withdraw w) {
            cells[3] = w.player();
            cells[4] = Long.toString(w.amount());
            cells[5] = w.reference();
        } else if (c instanceof Command.FundHouse f) {
            cells[4] = Long.toString(f.amount());
            cells[5] = f.reference();
        } else if (c instanceof Command.OpenGame o) {
            cells[6] = o.gameId();
            cells[7] = o.tableId();
        } else if (c instanceof Command.PlaceBet b) {
            cells[3] = b.player();
            cells[4] = Long.toString(b.amount());
            cells[6] = b.gameId();
            cells[8] = b.betId();
            cells[9] = b.betType().name();
            cells[10] = b.point() == null ? "" : b.point().toString();
        } else if (c instanceof Command.RecordRoll r) {
            cells[6] = r.gameId();
            cells[11] = Integer.toString(r.die1());
            cells[12] = Integer.toString(r.die2());
        } else if (c instanceof Command.SettleBet s) {
            cells[6] = s.gameId();
            cells[8] = s.betId();
            cells[13] = s.outcome().name();
            cells[14] = Long.toString(s.winnings());
        } else if (c instanceof Command.CloseGame cg) {
            cells[6] = cg.gameId();
        } else if (c instanceof Command.SetLimits sl) {
            cells[3] = sl.player();
            StringBuilder limits = new StringBuilder();
            for (io.bitcraps.ledger.domain.PlayerLimit l : io.bitcraps.ledger.domain.PlayerLimit.ALL) {
                if (sl.limit(l) != null) {
                    limits.append(limits.length() == 0 ? "" : ";").append(l.field()).append('=').append(sl.limit(l));
                }
            }
            cells[19] = limits.toString();
        } else if (c instanceof Command.SelfExclude x) {
            cells[3] = x.player();
            cells[19] = x.kind().field() + "=" + x.hours() + "h";
        }
        cells[15] = e.key() == null ? "" : e.key();
        cells[16] = e.submissionSize() > 1 ? Integer.toString(e.submissionSize()) : "";
        StringBuilder postings = new StringBuilder();
        for (Posting p : e.postings()) {
            if (postings.length() > 0) {
                postings.append(';');
            }
            postings.append(p.account().key()).append('=').append(p.delta());
        }
        cells[17] = postings.toString();
        cells[18] = Hex.of(row.hash());
        StringBuilder line = new StringBuilder(160);
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                line.append(',');
            }
            line.append(csvCell(cells[i]));
        }
        return line.toString();
    }

    /**
     * RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled. A cell that a
     * spreadsheet would run as a formula (it starts with {@code = + - @}, a tab or a carriage return,
     * and is not a plain number: a player id or a reference is free text) gets a leading apostrophe
     * and is quoted, so that it opens as the text it is.
     */
    static String csvCell(String s) {
        if (formulaLike(s)) {
            return "\"'" + s.replace("\"", "\"\"") + '"';
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    private static final java.util.regex.Pattern PLAIN_NUMBER = java.util.regex.Pattern.compile("[+-]?[0-9]+");

    /** True when a spreadsheet would read the cell as a formula: OWASP's "CSV injection" first characters. */
    static boolean formulaLike(String s) {
        return !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 && !PLAIN_NUMBER.matcher(s).matches();
    }

    /** Lets a generator per line write into one shared stream without flushing or closing it. */
    static final class Unflushed extends java.io.FilterOutputStream {
        Unflushed(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        /** The shared stream is flushed once, at the end; a flush per line would be a write(2) per event. */
        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
