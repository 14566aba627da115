package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * The machine's hash+decode limit for one ledger file: what the audit's own reader thread and workers
 * ({@link CheckedLog}) do with nothing folded after them. SHA-256 of every frame onto its predecessor's
 * stored hash and a strict Smile decode of every payload, on {@code workers} threads, the rows read in the
 * same chunks from one read-only snapshot; no books, no rulebook, no batch records, no integrity check,
 * no read model. The bench divides the audit's rate by this one, measured in the same run on the same
 * file, to show how much of what the machine can hash and decode the whole audit achieves.
 */
public final class HashDecodeLimit {
    private HashDecodeLimit() {}

    /** {@code events} rows hashed and decoded in {@code elapsedNanos}, of which {@code chainBreaks} did not match their hash. */
    public record Result(long events, long elapsedNanos, int workers, long chainBreaks) {
        public double eventsPerSecond() {
            return elapsedNanos == 0 ? 0 : events / (elapsedNanos / 1e9);
        }
    }

    /** Measures over the whole log with the audit's defaults: all cores, its chunk size. */
    public static Result measure(Path db) throws SQLException {
        return measure(db, Auditor.Options.allCores(), Auditor.Options.CHUNK_ROWS_DEFAULT);
    }

    /** Measures over the whole log; a log that cannot be read to its end throws, since no rate can be given for it. */
    public static Result measure(Path db, int workers, int chunkRows) throws SQLException {
        long start = System.nanoTime();
        long events = 0;
        long chainBreaks = 0;
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            conn.setAutoCommit(false);
            try {
                EventReader.head(conn); // the first read fixes the snapshot, as in the audit
                byte[] genesis = new ChainHash().genesis(LedgerDatabase.ledgerId(conn));
                Object connectionLock = new Object();
                try (CheckedLog log = CheckedLog.start(conn, connectionLock, 1, Long.MAX_VALUE, genesis, workers, chunkRows,
                        new PayloadCodec())) {
                    for (CheckedLog.Chunk chunk = log.next(); chunk != null; chunk = log.next()) {
                        if (chunk.readFailure() != null) {
                            throw chunk.readFailure();
                        }
                        for (CheckedRow row : chunk.rows()) {
                            events++;
                            // consumes each row's result, so the figure is of work that was done and used
                            if (row.chained() != null && !Arrays.equals(row.chained(), row.row().hash())) {
                                chainBreaks++;
                            }
                        }
                    }
                }
            } finally {
                conn.rollback();
            }
        }
        return new Result(events, System.nanoTime() - start, workers, chainBreaks);
    }
}
