package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.codec.PayloadException;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.internal.Invariants;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.Head;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * Rebuilds the state from the log: every row is re-framed, its chain hash recomputed from the
 * previous one and compared, its payload decoded strictly, and the event folded in. A log that
 * does not verify is refused with {@link CorruptLog} (naming the first bad seq) rather than served.
 */
public final class Replayer {
    /** The log does not verify; the message names the first seq that fails and why. */
    public static final class CorruptLog extends Exception {
        public CorruptLog(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Told of every event with the states right before and right after it. */
    @FunctionalInterface
    public interface EventSink {
        void accept(LedgerState before, LedgerState after, LedgerEvent event) throws SQLException;
    }

    private final PayloadCodec codec;
    private final ChainHash chain = new ChainHash();
    private final EventFrame frames = new EventFrame();

    public Replayer(PayloadCodec codec) {
        this.codec = codec;
    }

    public LedgerState replay(Connection conn, String ledgerId) throws SQLException, CorruptLog {
        return replay(conn, ledgerId, (before, after, e) -> { });
    }

    public LedgerState replay(Connection conn, String ledgerId, EventSink sink) throws SQLException, CorruptLog {
        return replay(conn, ledgerId, sink, true);
    }

    /**
     * Replays the log; with {@code headMustMatch} the head row must name its last event. A repair
     * that is about to rewrite the head (the log lost its tail) passes false.
     */
    public LedgerState replay(Connection conn, String ledgerId, EventSink sink, boolean headMustMatch)
            throws SQLException, CorruptLog {
        return replayFrom(conn, LedgerState.genesis(chain.genesis(ledgerId)), sink, headMustMatch);
    }

    /**
     * Folds the log after {@code start} (the state at {@code start.seq()}, its head hash the
     * stored hash of that row) into it, checking the sequence and the chain as it goes.
     */
    public LedgerState replayFrom(Connection conn, LedgerState start, EventSink sink, boolean headMustMatch)
            throws SQLException, CorruptLog {
        LedgerState[] state = {start};
        try {
            EventReader.forEach(conn, start.seq() + 1, Long.MAX_VALUE, row -> {
                LedgerState before = state[0];
                Step step = step(before, row);
                state[0] = step.after;
                try {
                    sink.accept(before, step.after, step.event);
                } catch (SQLException ex) {
                    throw new SinkFailure(ex);
                }
            });
        } catch (StepFailure f) {
            throw new CorruptLog(f.getMessage(), f.getCause());
        } catch (SinkFailure f) {
            throw f.cause;
        }
        Head head = EventReader.head(conn);
        LedgerState s = state[0];
        if (headMustMatch && (head.seq() != s.seq() || (s.seq() > 0 && !Arrays.equals(head.hash(), s.headHashUnsafe())))) {
            throw new CorruptLog("ledger_head says seq " + head.seq() + " hash " + (head.hash() == null ? "none"
                    : Hex.of(head.hash())) + ", the log ends at seq " + s.seq() + " hash " + Hex.of(s.headHashUnsafe()), null);
        }
        return s;
    }

    private record Step(LedgerState after, LedgerEvent event) {}

    /** Checks the row's place in the sequence and the chain, decodes it and folds it in. */
    private Step step(LedgerState s, EventRow row) {
        long expected = s.seq() + 1;
        if (row.seq() != expected) {
            throw new StepFailure("seq " + expected + " is missing (next row is seq " + row.seq() + ")", null);
        }
        try {
            byte[] hash = chainHashOf(s.headHashUnsafe(), row);
            if (!Arrays.equals(hash, row.hash())) {
                throw new StepFailure("seq " + row.seq() + " breaks the hash chain", null);
            }
            LedgerEvent e = StoredEvents.decode(codec, row);
            return new Step(Projector.apply(s, e, hash), e);
        } catch (PayloadException | IllegalArgumentException | Invariants.InvariantViolation | ArithmeticException e) {
            throw new StepFailure("seq " + row.seq() + ": " + e.getMessage(), e);
        }
    }

    /** The chain hash a row must carry, given the hash of the row before it. */
    public byte[] chainHashOf(byte[] previousHash, EventRow row) {
        byte[] frame = frames.encode(row.typeCode(), row.seq(), row.timestampMicros(), row.payload());
        return chain.next(previousHash, frame);
    }

    public byte[] genesis(String ledgerId) {
        return chain.genesis(ledgerId);
    }

    private static final class StepFailure extends RuntimeException {
        StepFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final class SinkFailure extends RuntimeException {
        final SQLException cause;

        SinkFailure(SQLException cause) {
            super(cause);
            this.cause = cause;
        }
    }
}
