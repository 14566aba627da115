package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.EventLines;
import io.bitcraps.ledger.cdc.LogTail;
import io.bitcraps.ledger.feed.CommittedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code tail -f} for the log: the committed events from {@code --from} on as JSON Lines (the
 * export's format), first what the log holds, then each batch as it commits, from another
 * process's writer too. Stops at SIGINT or SIGTERM (after the batch in hand), or once
 * {@code --until-seq} is printed.
 */
@Command(name = "follow", mixinStandardHelpOptions = true,
        description = "Print committed events as JSON Lines, then follow new batches as they commit (read-only).")
final class FollowCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    LedgerFileOption ledgerFile;

    @Option(names = "--from", defaultValue = "1", description = "first seq (default: 1)")
    long from;

    @Option(names = "--until-seq", description = "exit once this seq is printed")
    Long untilSeq;

    @Option(names = "--format", defaultValue = "jsonl", description = "jsonl (the export format; the only one)")
    String format;

    @Option(names = "--poll-ms", defaultValue = "50", description = "how often to look for new batches (default: ${DEFAULT-VALUE})")
    long pollMillis;

    @Override
    public Integer call() throws Exception {
        if (!"jsonl".equals(format)) {
            throw new IllegalArgumentException("unknown format " + format + "; supported: jsonl");
        }
        if (from < 1 || untilSeq != null && untilSeq < from) {
            throw new IllegalArgumentException("bad seq range --from " + from + " --until-seq " + untilSeq);
        }
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                done.await(); // the JVM exits once the batch in hand is printed and flushed
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "follow-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long printed = 0;
        try (LogTail tail = new LogTail(ledgerFile.path, from);
             OutputStream sink = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16)) {
            outer:
            while (!stop.get()) {
                LogTail.Part part = tail.next();
                if (part == null) {
                    sink.flush();
                    Thread.sleep(pollMillis);
                    continue;
                }
                for (CommittedEvent event : tail.decode(part)) {
                    sink.write(EventLines.json(event).getBytes(StandardCharsets.UTF_8));
                    sink.write('\n');
                    printed++;
                    if (untilSeq != null && event.seq() >= untilSeq) {
                        break outer;
                    }
                }
                sink.flush();
            }
            sink.flush();
            // before the latch: once it opens, a SIGTERM's shutdown goes on without this thread
            System.err.println("followed " + printed + " events");
            System.err.flush();
        } finally {
            done.countDown();
        }
        if (!stop.get()) {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        return LedgerCli.EXIT_OK;
    }
}
