package io.bitcraps.ledger.ingest;

import io.bitcraps.ledger.store.EventLog;

/** Work that must run on the writer thread between two batches, such as changing the size cap. */
@FunctionalInterface
public interface WriterTask {
    Object run(EventLog log) throws Exception;
}
