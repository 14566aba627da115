package io.bitcraps.ledger.api;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.feed.CommittedEvent;
import io.bitcraps.ledger.internal.Hex;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.StringWriter;
import java.time.Instant;

/**
 * The event as it leaves the ledger in text: one JSON object ({@code schemas/cli/export-line.schema.json}) or one
 * CSV line with named columns ({@link Column}). {@code tools/ledger export} and {@code follow} print these, and an
 * embedder's own export prints the same. A line depends only on the event and its chain hash, so the same log
 * gives the same bytes.
 */
public final class EventLines {
    private static final JsonFactory JSON = new JsonFactory();

    private EventLines() {
    }

    /** The CSV columns, in their order; the header line is their names in lower case. */
    public enum Column {
        SEQ, TS, TYPE, PLAYER, AMOUNT, REFERENCE, GAME, TABLE, BET, BET_TYPE, POINT, DIE1, DIE2, OUTCOME, WINNINGS, KEY,
        GROUP, POSTINGS, HASH, PROTECTION, EPOCH;

        public String header() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final String CSV_HEADER = java.util.Arrays.stream(Column.values()).map(Column::header)
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

    /** The event as one line of JSON (no line break). */
    public static String json(CommittedEvent event) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), w)) {
            writeJson(g, event.event(), event.chainHash());
        }
        return w.toString();
    }

    /** The event as one CSV line in the order of {@link Column} (no line break); {@link #CSV_HEADER} names them. */
    public static String csv(CommittedEvent event) {
        return csvLine(event.event(), event.chainHash());
    }

    private static String timestamp(long micros) {
        return Instant.EPOCH.plusNanos(micros * 1000).toString();
    }

    static void writeJson(JsonGenerator g, LedgerEvent e, byte[] hash) {
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
    static String csvLine(LedgerEvent e, byte[] hash) {
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
                .set(Column.POSTINGS, postings.toString()).set(Column.HASH, Hex.of(hash)).line();
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

}
