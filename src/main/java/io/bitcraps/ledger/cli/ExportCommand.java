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
    /** The CSV columns, in their order; the header line is their names in lower case. */
    enum Column {
        SEQ, TS, TYPE, PLAYER, AMOUNT, REFERENCE, GAME, TABLE, BET, BET_TYPE, POINT, DIE1, DIE2, OUTCOME, WINNINGS, KEY,
        GROUP, POSTINGS, HASH, PROTECTION, EPOCH;

        String header() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static final String CSV_HEADER = java.util.Arrays.stream(Column.values()).map(Column::header)
            .collect(java.util.stream.Collectors.joining(","));

    /** One CSV line's cells by column, empty until set. */
    static final class Cells {
        private final String[] cells = new String[Column.values().length];

        Cells() {
            java.util.Arrays.fill(cells, "");
        }

        Cells set(Column column, String value) {
            cells[column.ordinal()] = value;
            return this;
        }

        Cells set(Column column, long value) {
            return set(column, Long.toString(value));
        }

        String line() {
            StringBuilder line = new StringBuilder(160);
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) {
                    line.append(',');
                }
                line.append(csvCell(cells[i]));
            }
            return line.toString();
        }
    }

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

    /**
     * One CSV line in the order of {@link Column}; empty cells for fields the type lacks. A switch over the event type
     * with no default: a command added to the ledger does not compile until it says what goes in which column.
     */
    static String csvLine(LedgerEvent e, EventRow row) {
        Command c = e.command();
        Cells cells = new Cells().set(Column.SEQ, e.seq()).set(Column.TS, timestamp(e.timestampMicros()))
                .set(Column.TYPE, e.type().name());
        cells = switch (c.eventType()) {
            case DEPOSITED -> {
                Command.Deposit d = (Command.Deposit) c;
                yield cells.set(Column.PLAYER, d.player()).set(Column.AMOUNT, d.amount()).set(Column.REFERENCE, d.reference());
            }
            case WITHDRAWN -> {
                Command.Withdraw w = (Command.Withdraw) c;
                yield cells.set(Column.PLAYER, w.player()).set(Column.AMOUNT, w.amount()).set(Column.REFERENCE, w.reference());
            }
            case HOUSE_FUNDED -> {
                Command.FundHouse f = (Command.FundHouse) c;
                yield cells.set(Column.AMOUNT, f.amount()).set(Column.REFERENCE, f.reference());
            }
            case GAME_OPENED -> {
                Command.OpenGame o = (Command.OpenGame) c;
                yield cells.set(Column.GAME, o.gameId()).set(Column.TABLE, o.tableId());
            }
            case BET_PLACED -> {
                Command.PlaceBet b = (Command.PlaceBet) c;
                yield cells.set(Column.PLAYER, b.player()).set(Column.AMOUNT, b.amount()).set(Column.GAME, b.gameId())
                        .set(Column.BET, b.betId()).set(Column.BET_TYPE, b.betType().name())
                        .set(Column.POINT, b.point() == null ? "" : b.point().toString());
            }
            case DICE_ROLLED -> {
                Command.RecordRoll r = (Command.RecordRoll) c;
                yield cells.set(Column.GAME, r.gameId()).set(Column.DIE1, r.die1()).set(Column.DIE2, r.die2());
            }
            case BET_SETTLED -> {
                Command.SettleBet st = (Command.SettleBet) c;
                yield cells.set(Column.GAME, st.gameId()).set(Column.BET, st.betId()).set(Column.OUTCOME, st.outcome().name())
                        .set(Column.WINNINGS, st.winnings());
            }
            case GAME_CLOSED -> cells.set(Column.GAME, ((Command.CloseGame) c).gameId());
            case LIMITS_SET -> {
                Command.SetLimits sl = (Command.SetLimits) c;
                StringBuilder limits = new StringBuilder();
                for (io.bitcraps.ledger.domain.PlayerLimit l : io.bitcraps.ledger.domain.PlayerLimit.ALL) {
                    if (sl.limit(l) != null) {
                        limits.append(limits.length() == 0 ? "" : ";").append(l.field()).append('=').append(sl.limit(l));
                    }
                }
                yield cells.set(Column.PLAYER, sl.player()).set(Column.PROTECTION, limits.toString());
            }
            case PLAYER_EXCLUDED -> {
                Command.SelfExclude x = (Command.SelfExclude) c;
                yield cells.set(Column.PLAYER, x.player()).set(Column.PROTECTION, x.kind().field() + "=" + x.hours() + "h");
            }
            case EPOCH_STARTED -> {
                Command.StartEpoch ep = (Command.StartEpoch) c;
                yield cells.set(Column.EPOCH, ep.epoch()).set(Column.REFERENCE, ep.reason());
            }
        };
        StringBuilder postings = new StringBuilder();
        for (Posting p : e.postings()) {
            if (postings.length() > 0) {
                postings.append(';');
            }
            postings.append(p.account().key()).append('=').append(p.delta());
        }
        return cells.set(Column.KEY, e.key() == null ? "" : e.key())
                .set(Column.GROUP, e.submissionSize() > 1 ? Integer.toString(e.submissionSize()) : "")
                .set(Column.POSTINGS, postings.toString()).set(Column.HASH, Hex.of(row.hash())).line();
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
