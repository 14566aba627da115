package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.EventLines;
import io.bitcraps.ledger.api.LedgerReader;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    @Mixin
    LedgerFileOption ledgerFile;

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
        try (LedgerReader reader = LedgerReader.open(ledgerFile.path);
             OutputStream sink = new BufferedOutputStream(out == null ? new FileOutputStream(FileDescriptor.out)
                     : Files.newOutputStream(out), 1 << 16)) {
            if (csv) {
                sink.write((EventLines.CSV_HEADER + "\n").getBytes(StandardCharsets.UTF_8));
            }
            // one read transaction: one snapshot across the whole range
            long count = reader.forEachEvent(from, to, e -> {
                try {
                    sink.write((csv ? EventLines.csv(e) : EventLines.json(e)).getBytes(StandardCharsets.UTF_8));
                    sink.write('\n');
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
            sink.flush();
            System.err.println("exported " + count + " events");
        }
        return LedgerCli.EXIT_OK;
    }
}
