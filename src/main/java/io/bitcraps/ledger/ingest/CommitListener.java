package io.bitcraps.ledger.ingest;

/**
 * Called on the committing thread (the writer thread without the pipelined commit) after each
 * commit, before the batch's futures complete. Must be quick and must not throw: it delays
 * every caller waiting on the batch. A listener that throws is logged and the batch still counts
 * as committed (it is durable).
 */
@FunctionalInterface
public interface CommitListener {
    void onCommit(CommitNotice notice);
}
