package io.bitcraps.ledger.ingest;

import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Receipt;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One preallocated ring entry. A producer fills it between claim and publish; the writer reads
 * it and clears it, so the ring never keeps a submission alive after it was handled.
 */
final class Slot {
    List<Command> commands;
    String key;
    CompletableFuture<Receipt> future;
    long submitNanos;
    WriterTask task;
    CompletableFuture<Object> taskDone;

    void clear() {
        commands = null;
        key = null;
        future = null;
        task = null;
        taskDone = null;
    }
}
