package io.bitcraps.ledger.api;

/**
 * Told of each commit on the committing thread (the writer thread without the pipelined commit), before the
 * batch's futures complete. Must be quick: it delays every caller waiting on the batch. A listener that throws
 * an exception is logged and the batch still counts as committed (it is durable); one that throws an
 * {@link Error} halts the ledger ({@code LEDGER_HALTED}), as any Error on the writer thread does. Work that may be slow or may fail belongs
 * in a subscription ({@link Ledger#subscribe}), which runs on its own thread and is retried.
 */
@FunctionalInterface
public interface CommitListener {
    void onCommit(CommitNotice notice);
}
