package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.JournalRecord;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.codec.PayloadException;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.codec.DecodedPayload;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.internal.Invariants;
import io.bitcraps.ledger.projection.DirtySet;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Projector;
import io.bitcraps.ledger.projection.ReadModel;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventLog;
import io.bitcraps.ledger.store.EventRow;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * Appends archived events to a database whose log ends earlier: self-healing at open (a database
 * that lost committed batches) and point-in-time restore (a backup brought forward to a seq or a
 * time). Every archived event must continue the database's chain exactly: its seq follows, its
 * hash is {@code SHA-256(previous ‖ frame)}; the first one that does not stops the replay with
 * {@link ArchiveConflict}, and nothing of that transaction is kept.
 * <p>
 * Events go in with their original batch boundaries and signatures, one transaction per archived
 * batch (log, read model and head move together). A bound that cuts a batch ends with a batch of
 * its own, signed when a signer is given.
 * <p>
 * The chain alone proves nothing against someone who can write to the archive directory: SHA-256
 * needs no key, so anyone can append batches that continue it. With a signer, therefore, before
 * anything of an archived batch is applied, its events must chain from the database's head to
 * the batch's last seq and the batch's HMAC must verify for (last seq, chain hash there); a
 * batch without an HMAC or with a wrong one stops the replay with {@link ArchiveConflict}. This
 * holds for a batch a bound cuts as well, since the replay signs the cut batch with the key.
 * Consequently, with a key, batches archived while the ledger ran without one are not applied.
 */
public final class ArchiveReplay {
    /** The archive does not continue this database's chain. */
    public static final class ArchiveConflict extends Exception {
        public ArchiveConflict(String message) {
            super(message);
        }
    }

    /**
     * What was applied: the new state and the seq range appended (empty when {@code applied == 0}),
     * and, when a bound fell inside an atomic submission, that submission's seq range (else null).
     */
    public record Result(LedgerState state, long applied, long firstSeq, long lastSeq, long[] heldBackSubmission) {}

    private ArchiveReplay() {}

    /**
     * Applies archived events after {@code state.seq()} while {@code seq <= untilSeq} and
     * {@code ts <= untilMicros}. The connection is a writer connection; the caller holds the writer lock.
     */
    public static Result replay(EventLog log, ReadModel readModel, PayloadCodec codec, LedgerState state, Path archiveDir,
                                long untilSeq, long untilMicros, HeadSigner signer)
            throws SQLException, IOException, ArchiveConflict {
        ChainHash chain = new ChainHash();
        long first = state.seq() + 1;
        long applied = 0;
        long[] heldBack = null;
        for (JournalArchive.Batch batch : JournalArchive.batchesAfter(archiveDir, state.seq())) {
            DirtySet dirty = new DirtySet();
            java.util.Set<String> openedInBatch = new java.util.HashSet<>();
            LedgerState s = state;
            long batchFirst = -1;
            boolean cut = false;
            List<JournalRecord.Event> events = batch.events();
            for (int i = 0; i < events.size(); i++) {
                JournalRecord.Event e = events.get(i);
                long seq = e.frame().seq();
                if (seq <= s.seq()) {
                    continue;
                }
                if (seq != s.seq() + 1) {
                    throw new ArchiveConflict("the archive jumps from seq " + s.seq() + " to " + seq);
                }
                LedgerEvent event = decode(codec, e);
                if (!wholeSubmissionWithin(events, i, event.submissionSize(), untilSeq, untilMicros)) {
                    // a bound inside an atomic group stops before the group: all of it or none
                    if (event.submissionSize() > 1 && seq <= untilSeq && e.frame().timestampMicros() <= untilMicros) {
                        heldBack = new long[]{seq, seq + event.submissionSize() - 1};
                    }
                    cut = true;
                    break;
                }
                byte[] hash = chain.next(s.headHashUnsafe(), e.frameBytes());
                if (!Arrays.equals(hash, e.hash())) {
                    throw new ArchiveConflict("archived seq " + seq + " in " + archiveDir + " does not continue the database's"
                            + " chain (database head " + Hex.of(s.headHashUnsafe()).substring(0, 16) + "…): the archive belongs to"
                            + " another history (another ledger's archive, or another timeline's); check --archive");
                }
                Command c = event.command();
                EventRow row = new EventRow(seq, event.timestampMicros(), e.frame().typeCode(), StoredEvents.gameOf(c),
                        StoredEvents.playerOf(s, c), StoredEvents.betOf(c), StoredEvents.amountOf(c), event.key(),
                        e.frame().payload(), hash);
                if (batchFirst < 0) {
                    if (signer != null) {
                        requireSigned(batch, i, s, chain, signer);
                    }
                    batchFirst = seq;
                    log.begin();
                }
                if (event.command() instanceof Command.OpenGame g && (!openedInBatch.add(g.gameId()) || log.gameEverOpened(g.gameId()))) {
                    // memory holds open games only, so the projector cannot see a reused game id; the log can
                    log.rollback();
                    throw new ArchiveConflict("archived seq " + seq + " opens game " + g.gameId() + " a second time");
                }
                LedgerState before = s;
                try {
                    s = Projector.apply(s, event, hash);
                } catch (Invariants.InvariantViolation | ArithmeticException ex) {
                    log.rollback();
                    throw new ArchiveConflict("archived seq " + seq + " breaks an invariant: " + ex.getMessage());
                }
                dirty.record(before, s, event);
                log.add(row);
                if (event.command() instanceof Command.OpenGame g && g.commitment() != null) {
                    log.knowCommitment(g.commitment(), g.gameId());
                }
            }
            if (batchFirst < 0) {
                if (cut) {
                    break;
                }
                continue;
            }
            boolean whole = !cut && s.seq() == batch.lastSeq();
            byte[] hmac = whole ? batch.hmac() : signer == null ? null : signer.sign(s.seq(), s.headHashUnsafe());
            long committedTs = whole ? batch.committedTs() : s.lastTimestampMicros();
            try {
                log.sendRows();
                if (readModel != null) { // null: log-first, the read model is the views file's
                    readModel.write(dirty, s);
                }
                log.recordBatch(batchFirst, s.seq(), committedTs, s.headHashUnsafe(), hmac);
                log.moveHead(s.seq(), s.headHashUnsafe(), s.lastTimestampMicros(), s.digest());
                log.commit();
            } catch (SQLException ex) {
                log.rollback();
                throw ex;
            }
            applied += s.seq() - state.seq();
            state = s;
            if (cut) {
                break;
            }
        }
        return new Result(state, applied, applied == 0 ? 0 : first, applied == 0 ? 0 : state.seq(), heldBack);
    }

    /**
     * Refuses an archived batch the key does not vouch for. {@code events[from..]} must continue
     * the chain from {@code before}'s head to the batch's last seq, and the batch's HMAC must
     * verify for that seq and the hash computed here (not the archived one), so that no event of
     * the batch can be altered under a signature copied from an honest batch.
     */
    private static void requireSigned(JournalArchive.Batch batch, int from, LedgerState before, ChainHash chain,
                                      HeadSigner signer) throws ArchiveConflict {
        String which = "archived batch seq " + batch.firstSeq() + ".." + batch.lastSeq();
        if (batch.hmac() == null) {
            throw new ArchiveConflict(which + " carries no HMAC, and with HMAC key " + signer.keyId()
                    + " only batches it signed are applied: the batch was archived without the key, or forged");
        }
        List<JournalRecord.Event> events = batch.events();
        byte[] hash = before.headHashUnsafe();
        long seq = before.seq();
        for (int k = from; k < events.size(); k++) {
            JournalRecord.Event e = events.get(k);
            if (e.frame().seq() != seq + 1) {
                throw new ArchiveConflict(which + " jumps from seq " + seq + " to " + e.frame().seq());
            }
            seq = e.frame().seq();
            hash = chain.next(hash, e.frameBytes());
            if (!Arrays.equals(hash, e.hash())) {
                throw new ArchiveConflict("archived seq " + seq + " does not continue the database's chain (database"
                        + " head " + Hex.of(before.headHashUnsafe()).substring(0, 16) + "…): the archive belongs to another history");
            }
        }
        if (seq != batch.lastSeq()) {
            throw new ArchiveConflict(which + " holds events up to seq " + seq + " only");
        }
        if (!signer.verify(seq, hash, batch.hmac())) {
            throw new ArchiveConflict("the HMAC of " + which + " does not verify with key " + signer.keyId()
                    + ": the batch was forged, or archived with another key");
        }
    }

    /**
     * True when the submission starting at {@code events[i]} ({@code size} events; an atomic group
     * is always committed in one batch) lies entirely within both bounds.
     */
    private static boolean wholeSubmissionWithin(List<JournalRecord.Event> events, int i, int size, long untilSeq,
                                                 long untilMicros) {
        int last = i + Math.max(1, size) - 1;
        if (last >= events.size()) {
            return false; // the archive lost the group's tail: replaying its head would split it
        }
        for (int k = i; k <= last; k++) {
            if (events.get(k).frame().seq() > untilSeq || events.get(k).frame().timestampMicros() > untilMicros) {
                return false;
            }
        }
        return true;
    }

    private static LedgerEvent decode(PayloadCodec codec, JournalRecord.Event e) throws ArchiveConflict {
        try {
            EventType type = EventType.ofCode(e.frame().typeCode());
            DecodedPayload p = codec.decode(type, e.frame().payload());
            return new LedgerEvent(e.frame().seq(), e.frame().timestampMicros(), p.command(), p.postings(), p.key(),
                    p.submissionSize());
        } catch (PayloadException | IllegalArgumentException ex) {
            throw new ArchiveConflict("archived seq " + e.frame().seq() + " does not decode: " + ex.getMessage());
        }
    }

    /** Appends to the archive the committed batches it lacks (after a crash between commit and archive). */
    public static long catchUp(JournalArchive archive, EventLog log, long headSeq) throws SQLException, IOException {
        long from = archive.lastSeq() + 1;
        if (from > headSeq) {
            return 0;
        }
        List<byte[]> hmacs = new java.util.ArrayList<>();
        List<long[]> batches = log.batchBounds(from, headSeq, hmacs);
        long appended = 0;
        for (int i = 0; i < batches.size(); i++) {
            long[] b = batches.get(i);
            List<EventRow> rows = log.range(Math.max(from, b[0]), b[1]);
            archive.append(rows, b[2], hmacs.get(i));
            appended += rows.size();
        }
        return appended;
    }
}
