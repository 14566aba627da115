package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;

import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * The child JVM of {@link SubscriptionKillIT}: opens the ledger, subscribes by name from its
 * stored checkpoint, and appends every delivered seq to a file (one line each, one write per
 * batch, before the handler returns). {@code produce} also keeps committing deposits until the
 * process is killed; {@code drain} delivers up to the head, closes the ledger and exits 0.
 * <p>
 * Args: {@code produce|drain <db> <deliveries file> <subscription name>}.
 */
public final class SubscriberChild {
    private SubscriberChild() {}

    public static void main(String[] args) throws Exception {
        boolean produce = args[0].equals("produce");
        Path db = Path.of(args[1]);
        Path out = Path.of(args[2]);
        String name = args[3];
        Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO)
                .build());
        try (FileOutputStream file = new FileOutputStream(out.toFile(), true)) {
            Subscription s = ledger.subscribe(name, From.checkpoint(), batch -> {
                StringBuilder lines = new StringBuilder();
                for (CommittedEvent e : batch.events()) {
                    lines.append(e.seq()).append('\n');
                }
                file.write(lines.toString().getBytes(StandardCharsets.US_ASCII)); // unbuffered: in the OS once written
                file.flush();
            });
            System.out.println("ready at seq " + s.position());
            System.out.flush();
            if (produce) {
                produceUntilKilled(ledger);
            }
            long head = ledger.view().seq();
            if (!s.awaitPosition(head, Duration.ofSeconds(60))) {
                throw new IllegalStateException("delivered up to seq " + s.position() + " of " + head);
            }
            ledger.close();
        }
        System.out.println("drained");
    }

    private static void produceUntilKilled(Ledger ledger) {
        ArrayDeque<CompletableFuture<Receipt>> inFlight = new ArrayDeque<>();
        for (long i = 0; ; i++) {
            inFlight.add(ledger.submit(new Deposit("child-" + (i % 13), 1 + i % 100, "kill-test")));
            if (inFlight.size() >= 8) {
                inFlight.poll().join();
            }
        }
    }
}
