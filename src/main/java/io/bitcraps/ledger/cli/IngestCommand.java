package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.CommandLines;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.api.Durability;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

/**
 * Reads JSON Lines commands and prints one JSON receipt per input line, in input order. A
 * receipt is printed only after its batch committed, and stdout is flushed whenever the printer
 * would otherwise wait, i.e. once per batch. A bad line never stops the stream.
 * <p>
 * Threads: the caller's thread reads and submits (up to {@link #IN_FLIGHT_MAX} lines ahead); a
 * printer thread waits on each receipt in turn.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Append JSON Lines commands to a ledger; print one JSON receipt per line once durable.")
final class IngestCommand implements Callable<Integer> {
    static final int IN_FLIGHT_MAX = 4096;

    @Option(names = "--db", required = true, description = "ledger database file (created if missing)")
    Path db;

    @Option(names = "--input", defaultValue = "-", description = "JSON Lines file, or - for stdin (default)")
    String input;

    @Option(names = "--durability", defaultValue = "full", description = "full (default) or normal")
    String durability;

    @Option(names = "--log-first", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "the log-first commit (default): the durable transaction carries the log only, the read model is"
                    + " the views file beside the database; --no-log-first also writes the read model in the commit")
    boolean logFirst;

    @Option(names = "--table-rules", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "judge every bet and settlement by the craps rulebook (default); --no-table-rules records what the"
                    + " lines say, for importing a history kept elsewhere (the audit then judges it)")
    boolean tableRules;

    @Option(names = "--idempotency-window-hours", defaultValue = "24",
            description = "with --log-first: a key is recognised for this many hours of ledger time (default: ${DEFAULT-VALUE})")
    long idempotencyWindowHours;

    @Option(names = "--idempotency-keys", defaultValue = "1000000",
            description = "with --log-first: and while it is among this many newest keys (default: ${DEFAULT-VALUE}, about 56 bytes"
                    + " each); a key older than both is forgotten, and a line under it is applied again")
    int idempotencyKeys;

    @Option(names = "--checkpoint-every", defaultValue = "0",
            description = "force a WAL checkpoint after every N lines (0: leave it to SQLite)")
    int checkpointEvery;

    @Option(names = "--key", description = "HMAC key file: sign the chain head at every commit")
    Path keyFile;

    @Option(names = "--archive", description = "journal archive directory: every committed batch is also appended there")
    Path archiveDir;

    @Option(names = "--allow-create-over-evidence",
            description = "create a new, empty ledger even though the database is missing where one evidently existed"
                    + " (its lock file, archive, a backup or a .damaged copy says so); without it such an open is refused:"
                    + " restore or recover the ledger instead")
    boolean allowCreateOverEvidence;

    @Option(names = "--accept-unsigned",
            description = "with --key: accept batches without an HMAC after signed ones (a run that forgot --key) and sign"
                    + " on top of them; without it such an open is refused. Audit with --key first")
    boolean acceptUnsigned;

    private static final JsonFactory JSON = new JsonFactory();

    /** One line's outcome: a ready receipt line, or a future that yields it. */
    private record Pending(long line, String key, boolean atomic, CompletableFuture<Receipt> future, String ready) {}

    private static final Pending END = new Pending(-1, null, false, null, null);

    /** Where the receipts go; null: standard output. The bench's ingest phase sends them nowhere. */
    java.io.OutputStream receiptsOut;

    @picocli.CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @picocli.CommandLine.Mixin
    PublishOptions publish = new PublishOptions();

    @Override
    public Integer call() throws Exception {
        Durability mode = Durability.valueOf(durability.toUpperCase(java.util.Locale.ROOT));
        BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(IN_FLIGHT_MAX);
        PrintStream out = new PrintStream(receiptsOut != null ? receiptsOut
                : new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        LedgerConfig.Builder builder = LedgerConfig.builder(db).durability(mode);
        if (keyFile != null) {
            builder.hmacKeyFile(keyFile);
        }
        if (archiveDir != null) {
            builder.archiveDir(archiveDir);
        }
        builder.allowCreateOverEvidence(allowCreateOverEvidence);
        builder.logFirstCommit(logFirst);
        builder.tableRules(tableRules);
        if (idempotencyWindowHours < 1) {
            throw new IllegalArgumentException("--idempotency-window-hours must be at least 1, got " + idempotencyWindowHours);
        }
        builder.idempotencyWindow(java.time.Duration.ofHours(idempotencyWindowHours), idempotencyKeys);
        builder.acceptUnsignedBatches(acceptUnsigned);
        builder.backupInterval(java.time.Duration.ZERO); // a command-line run takes backups with tools/ledger backup
        metrics.applyTo(builder);
        publish.applyTo(builder);
        try (Ledger ledger = Ledger.open(builder.build())) {
            metrics.announce("ingest", ledger);
            Thread printer = new Thread(() -> printReceipts(queue, out), "ingest-printer");
            printer.start();
            try (Reader reader = openInput()) {
                LineSource lines = new LineSource(reader, Limits.COMMAND_LINE_CHARS_MAX);
                CommandLines parser = new CommandLines();
                long lineNo = 0;
                while (lines.next()) {
                    queue.put(submit(ledger, parser, ++lineNo, lines));
                    if (checkpointEvery > 0 && lineNo % checkpointEvery == 0) {
                        ledger.checkpoint();
                    }
                }
            } finally {
                queue.put(END);
                printer.join();
            }
        }
        out.flush();
        return LedgerCli.EXIT_OK;
    }

    /** Unbuffered: {@link LineSource} reads in blocks of its own. */
    private Reader openInput() throws java.io.IOException {
        if ("-".equals(input)) {
            return new InputStreamReader(System.in, StandardCharsets.UTF_8);
        }
        // like stdin: bytes that are not UTF-8 become U+FFFD, so one bad line gets its own receipt
        // (INVALID_ID) instead of a MalformedInputException ending the whole run
        return new InputStreamReader(Files.newInputStream(Path.of(input)), StandardCharsets.UTF_8);
    }

    private static Pending submit(Ledger ledger, CommandLines parser, long lineNo, LineSource line) {
        if (line.overlongChars() > 0) {
            return ready(lineNo, invalid(lineNo, "line of " + line.overlongChars() + " characters is longer than "
                    + Limits.COMMAND_LINE_CHARS_MAX));
        }
        String key = null;
        try {
            CommandLines.Parsed parsed = parser.read(line.chars(), line.start(), line.length());
            key = parsed.key();
            CompletableFuture<Receipt> f = ledger.submitAtomically(parsed.commands(), key);
            return new Pending(lineNo, key, parsed.atomic(), f, null);
        } catch (CommandLines.Invalid e) {
            return ready(lineNo, invalid(lineNo, e.getMessage()));
        } catch (Rejected e) {
            return ready(lineNo, rejected(lineNo, key != null ? key : CommandLines.keyOf(line.text()), e));
        }
    }

    private static Pending ready(long lineNo, String receiptLine) {
        return new Pending(lineNo, null, false, null, receiptLine);
    }

    private static void printReceipts(BlockingQueue<Pending> queue, PrintStream out) {
        StringBuilder line = new StringBuilder(256);
        try {
            while (true) {
                Pending p = queue.poll();
                if (p == null) {
                    out.flush(); // about to wait: everything printed so far is durable, let it out
                    p = queue.take();
                }
                if (p == END) {
                    out.flush();
                    return;
                }
                if (p.future != null && !p.future.isDone()) {
                    out.flush();
                }
                if (p.ready != null) {
                    out.println(p.ready);
                } else {
                    line.setLength(0);
                    resolve(p, line);
                    out.append(line).println();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Appends the receipt of a submitted line to {@code line}, once its future is done. */
    private static void resolve(Pending p, StringBuilder line) throws InterruptedException {
        try {
            appendOk(line, p.line, p.key, p.atomic, p.future.get());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof LedgerException le) {
                line.append(rejected(p.line, p.key, le));
            } else {
                line.append(rejected(p.line, p.key, new LedgerException.StorageFailure(String.valueOf(cause), -1, cause)));
            }
        }
    }

    /**
     * The receipt of a line that committed, built without a JSON generator (one per line cost more
     * than the rest of the printer's work). The numbers need no escaping, and a key that got this
     * far passed {@code Ids.requireKey}, so it is printable ASCII where only '"' and '\\' are
     * escaped, as Jackson escapes them; any other key goes through the generator all the same.
     */
    static String ok(long line, String key, boolean atomic, Receipt r) {
        StringBuilder b = new StringBuilder(64);
        appendOk(b, line, key, atomic, r);
        return b.toString();
    }

    private static void appendOk(StringBuilder b, long line, String key, boolean atomic, Receipt r) {
        if (key != null && !isPrintableAscii(key)) {
            b.append(okByGenerator(line, key, atomic, r));
            return;
        }
        b.append("{\"line\":").append(line).append(",\"key\":");
        if (key == null) {
            b.append("null");
        } else {
            b.append('"');
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                if (c == '"' || c == '\\') {
                    b.append('\\');
                }
                b.append(c);
            }
            b.append('"');
        }
        b.append(",\"status\":\"ok\",");
        // a single roll the ledger settled (settle=auto) wrote its settlements too: their seqs, as for a group
        if (atomic || r.firstSeq() != r.lastSeq()) {
            b.append("\"seqs\":[");
            for (long s = r.firstSeq(); s <= r.lastSeq(); s++) {
                b.append(s).append(s < r.lastSeq() ? "," : "]");
            }
        } else {
            b.append("\"seq\":").append(r.seq());
        }
        b.append('}');
    }

    private static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }

    static String okByGenerator(long line, String key, boolean atomic, Receipt r) {
        return json(g -> {
            g.writeNumberProperty("line", line);
            writeKey(g, key);
            g.writeStringProperty("status", "ok");
            if (atomic || r.firstSeq() != r.lastSeq()) {
                g.writeName("seqs");
                g.writeStartArray();
                for (long s : r.seqs()) {
                    g.writeNumber(s);
                }
                g.writeEndArray();
            } else {
                g.writeNumberProperty("seq", r.seq());
            }
        });
    }

    static String rejected(long line, String key, LedgerException e) {
        return json(g -> {
            g.writeNumberProperty("line", line);
            writeKey(g, key);
            g.writeStringProperty("status", "rejected");
            g.writeStringProperty("code", e.code());
            g.writeStringProperty("message", e.getMessage());
        });
    }

    static String invalid(long line, String message) {
        return json(g -> {
            g.writeNumberProperty("line", line);
            g.writeStringProperty("status", "invalid");
            g.writeStringProperty("message", message);
        });
    }

    private static void writeKey(JsonGenerator g, String key) {
        if (key != null) {
            g.writeStringProperty("key", key);
        } else {
            g.writeNullProperty("key");
        }
    }

    private interface Fields {
        void write(JsonGenerator g);
    }

    private static String json(Fields fields) {
        StringWriter w = new StringWriter(96);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        }
        return w.toString();
    }
}
