package io.bitcraps.ledger.api;

/**
 * The in-process Kafka relay's progress ({@link LedgerConfig.Builder#publishTo}): its state, the last seq that
 * {@code read_committed} readers of the topic see ({@code publishedSeq}, -1 until it knows), the ledger's head,
 * how far behind it is in events and in milliseconds, the transactions it committed and the retries it made, and
 * the last error it met (null when none).
 */
public record RelayStatus(State state, long publishedSeq, long headSeq, long lagEvents, long lagMillis, long transactions,
                          long retries, String lastError) {
    /**
     * STARTING until it has found its position in the topic; PUBLISHING; RETRYING after a broker error (it
     * reconnects with backoff); FENCED when another relay took over its transactional id; REFUSED when the topic
     * is behind or on another history than the file; STOPPED after close.
     */
    public enum State { STARTING, PUBLISHING, RETRYING, FENCED, REFUSED, STOPPED }

    static RelayStatus of(io.bitcraps.ledger.cdc.KafkaRelay.Status s) {
        return new RelayStatus(State.valueOf(s.state().name()), s.publishedSeq(), s.headSeq(), s.lagEvents(), s.lagMillis(),
                s.transactions(), s.retries(), s.lastError());
    }
}
