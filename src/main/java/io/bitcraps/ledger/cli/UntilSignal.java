package io.bitcraps.ledger.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * For the long-running commands ({@code publish}, {@code replicate}): a stop flag that SIGINT and
 * SIGTERM set, a shutdown that waits (up to 30 s) for the work in hand to finish, and a status line
 * printed every so often (to stderr; with {@code --json} as JSON lines to stdout). {@link #finish} prints the last
 * line, then lets the JVM exit: once the latch opens, a signal's shutdown goes on without the main thread.
 */
final class UntilSignal implements AutoCloseable {
    final AtomicBoolean stop = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread reporter;
    private final Supplier<String> last;
    private final PrintStream out;

    UntilSignal(String name, long statusSeconds, Supplier<String> status) {
        this(name, statusSeconds, System.err, status, status);
    }

    /** Status lines from {@code status} to {@code out}, and the last one, at {@link #finish}, from {@code last}. */
    UntilSignal(String name, long statusSeconds, PrintStream out, Supplier<String> status, Supplier<String> last) {
        this.last = last;
        this.out = out;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.set(true);
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, name + "-shutdown"));
        reporter = new Thread(() -> {
            while (!stop.get()) {
                try {
                    Thread.sleep(Duration.ofSeconds(Math.max(1, statusSeconds)).toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                String line = status.get();
                if (!stop.get()) {
                    out.println(line);
                    out.flush();
                }
            }
        }, name + "-status");
        reporter.setDaemon(true);
        reporter.start();
    }

    /** The work is done: stop reporting and print the last status line. */
    void finish() {
        stop.set(true);
        reporter.interrupt();
        try {
            reporter.join(1_000); // a status line being printed comes before the last one
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.println(last.get());
        out.flush();
    }

    @Override
    public void close() {
        stop.set(true);
        reporter.interrupt();
        finished.countDown();
    }
}
