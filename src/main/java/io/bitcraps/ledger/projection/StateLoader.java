package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.Head;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Brings the writer's state back at open. Normally it loads the persisted read model and checks
 * it against the log: the head row must name the last event, the last {@value #TAIL_EVENTS}
 * events must chain, the balances must sum to zero (I1) and every escrow must equal its game's
 * open stakes (I3), and the whole of it must hash to the {@link StateDigest} stored with the head.
 * A read model that fails any of these is damaged and is rebuilt from the log. When the read model lags the log (a database from before the read model
 * existed, or one whose projections were cleared for repair) it is rebuilt by replaying the whole
 * log, with the chain verified, in one transaction. A full verification of the log is the audit's
 * job; this is the cheap check that must pass before the ledger accepts writes.
 */
public final class StateLoader {
    static final int TAIL_EVENTS = 256;
    private static final int REBUILD_ROWS_PER_WRITE = 5_000;

    /**
     * How the state was obtained, for the open log line and for tests: {@code damage} says why a
     * read model that was current had to be rebuilt from the log (null when it was not).
     */
    public record Loaded(LedgerState state, boolean rebuilt, String damage) {}

    private StateLoader() {}

    public static Loaded load(Connection conn, PayloadCodec codec, String ledgerId)
            throws SQLException, Replayer.CorruptLog {
        Replayer replayer = new Replayer(codec);
        Head head = EventReader.head(conn);
        long lastSeq = EventReader.maxSeq(conn);
        if (head.seq() != lastSeq) {
            throw new Replayer.CorruptLog("ledger_head says seq " + head.seq() + ", the log ends at seq " + lastSeq, null);
        }
        if (lastSeq == 0) {
            return new Loaded(LedgerState.genesis(replayer.genesis(ledgerId)), false, null);
        }
        if (head.readModelSeq() != head.seq()) {
            return new Loaded(rebuild(conn, replayer, ledgerId, true), true, null);
        }
        EventRow last = verifyTail(conn, replayer, ledgerId, head);
        String damage;
        try {
            LedgerState state = ReadModel.load(conn, head.seq(), head.hash(), last.timestampMicros());
            damage = damageIn(state, EventReader.storedDigest(conn));
            if (damage == null) {
                // rows hold no tables and no protections
                return new Loaded(Protections.rebuild(conn, codec, Tables.rebuild(conn, codec, state)), false, null);
            }
        } catch (RuntimeException unreadable) { // a damaged row: an unknown enum name, an overflowing sum
            damage = "a read-model row cannot be read: " + unreadable;
        }
        // the log is the truth and the projections only a cache of it: replay it (verifying the
        // whole chain to the head) rather than serve, or refuse to serve, damaged balances
        return new Loaded(rebuild(conn, replayer, ledgerId, true), true, damage);
    }

    /**
     * The log-first open: the read model is not kept in this database (it is the views file's),
     * so the state comes from the newest snapshot the writer stored ({@link StateSnapshot}) and
     * the log after it, with the chain checked; the result must hash to the digest stored with the
     * head. A database whose read model is current (the previous run kept it in its commit) loads
     * from it as before. A missing or damaged snapshot costs a replay from the first event.
     */
    public static Loaded loadLogFirst(Connection conn, PayloadCodec codec, String ledgerId)
            throws SQLException, Replayer.CorruptLog {
        Head head = EventReader.head(conn);
        if (head.readModelSeq() == head.seq()) {
            return load(conn, codec, ledgerId);
        }
        Replayer replayer = new Replayer(codec);
        long lastSeq = EventReader.maxSeq(conn);
        if (head.seq() != lastSeq) {
            throw new Replayer.CorruptLog("ledger_head says seq " + head.seq() + ", the log ends at seq " + lastSeq, null);
        }
        LedgerState genesis = LedgerState.genesis(replayer.genesis(ledgerId));
        if (lastSeq == 0) {
            return new Loaded(genesis, false, null);
        }
        verifyTail(conn, replayer, ledgerId, head);
        // a head of the read-model layout whose read model lags the log (a migration marked it so:
        // its digest is of a state the code no longer computes) vouches for nothing: replay, as load does
        Long stored = head.readModelSeq() >= 0 ? null : EventReader.storedDigest(conn);
        String damage = null;
        EventReader.Snapshot snapshot = EventReader.latestSnapshot(conn, head.seq());
        if (snapshot != null) {
            try {
                // the position comes from the log itself, the row at the snapshot's seq: its chain
                // hash and timestamp; the snapshot's bytes only give the balances and games
                List<EventRow> at = new ArrayList<>(1);
                EventReader.forEach(conn, snapshot.seq(), snapshot.seq(), at::add);
                if (at.isEmpty()) {
                    throw new StateSnapshot.Damaged("the snapshot at seq " + snapshot.seq() + " names an event the log lacks", null);
                }
                LedgerState from = StateSnapshot.decode(snapshot.state(), snapshot.seq(), at.get(0).hash(),
                        at.get(0).timestampMicros(), snapshot.digest());
                LedgerState state = replayer.replayFrom(conn, from, (b, a, e) -> { }, true);
                if (stored == null || stored == state.digest()) {
                    // a snapshot of the format before tables: fold them from the log
                    LedgerState withTables = Tables.missing(state) ? Tables.rebuild(conn, codec, state) : state;
                    // a snapshot of the format before protections: fold them from the log
                    return new Loaded(StateSnapshot.holdsProtections(snapshot.state()) ? withTables
                            : Protections.rebuild(conn, codec, withTables), false, null);
                }
                damage = "the snapshot at seq " + snapshot.seq() + " and the log after it hash to "
                        + Long.toHexString(state.digest()) + ", the head row recorded " + Long.toHexString(stored);
            } catch (StateSnapshot.Damaged d) {
                damage = d.getMessage();
            } catch (Replayer.CorruptLog c) {
                // the log after it does not fold onto this snapshot: the snapshot is wrong (the full
                // replay below judges the log on its own)
                damage = "the log does not fold onto the snapshot at seq " + snapshot.seq() + ": " + c.getMessage();
            }
        }
        LedgerState state = replayer.replayFrom(conn, genesis, (b, a, e) -> { }, true);
        if (stored != null && stored != state.digest()) {
            // the whole chain verified and folded: the replay is the truth, the stored digest is what is damaged
            // (the next commit writes the right one)
            String digestDamage = "the head row recorded state digest " + Long.toHexString(stored)
                    + ", the log replays to " + Long.toHexString(state.digest());
            damage = damage == null ? digestDamage : damage + "; " + digestDamage;
        }
        return new Loaded(state, true, damage);
    }

    /**
     * For a database that lost its newest events (its head row names a seq the log no longer
     * holds) when the journal archive still has them: forget the batch records past the log's end
     * and rebuild the read model and the head from the log that remains, so the archive can bring
     * it forward again. Returns the seq the log now ends at.
     */
    public static long cutToLog(Connection conn, PayloadCodec codec, String ledgerId) throws SQLException, Replayer.CorruptLog {
        long lastSeq = EventReader.maxSeq(conn);
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM batches WHERE last_seq > ?")) {
            ps.setLong(1, lastSeq);
            ps.executeUpdate();
        }
        if (lastSeq == 0) {
            try (Statement st = conn.createStatement()) {
                st.executeUpdate("DELETE FROM ledger_head");
                ReadModel.clear(conn);
            }
            return 0;
        }
        rebuild(conn, new Replayer(codec), ledgerId, false);
        return lastSeq;
    }

    /** True when the head row names a seq past the end of the log: the database lost its newest events. */
    public static boolean logBehindHead(Connection conn) throws SQLException {
        return EventReader.head(conn).seq() > EventReader.maxSeq(conn);
    }

    /** Replays the whole log and writes the read model and the head from scratch, in one immediate transaction. */
    public static LedgerState rebuild(Connection conn, Replayer replayer, String ledgerId, boolean headMustMatch)
            throws SQLException, Replayer.CorruptLog {
        try (Statement st = conn.createStatement(); ReadModel model = new ReadModel(conn)) {
            st.execute("BEGIN IMMEDIATE");
            try {
                ReadModel.clear(conn);
                DirtySet dirty = new DirtySet();
                int[] pending = {0};
                LedgerState state = replayer.replay(conn, ledgerId, (before, after, e) -> {
                    dirty.record(before, after, e);
                    if (++pending[0] == REBUILD_ROWS_PER_WRITE) {
                        model.write(dirty, after);
                        dirty.clear();
                        pending[0] = 0;
                    }
                }, headMustMatch);
                model.write(dirty, state);
                try (PreparedStatement ps = conn.prepareStatement(
                        "UPDATE ledger_head SET seq = ?, hash = ?, read_model_seq = ?, updated_ts = ?, state_digest = ?"
                                + " WHERE id = 1")) {
                    ps.setLong(1, state.seq());
                    ps.setBytes(2, state.headHashUnsafe());
                    ps.setLong(3, state.seq());
                    ps.setLong(4, state.lastTimestampMicros());
                    ps.setLong(5, state.digest());
                    ps.executeUpdate();
                }
                st.execute("COMMIT");
                return state;
            } catch (SQLException | Replayer.CorruptLog | RuntimeException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }

    private static EventRow verifyTail(Connection conn, Replayer replayer, String ledgerId, Head head)
            throws SQLException, Replayer.CorruptLog {
        long from = Math.max(1, head.seq() - TAIL_EVENTS);
        List<EventRow> rows = new ArrayList<>();
        EventReader.forEach(conn, from - 1 < 1 ? 1 : from - 1, head.seq(), rows::add);
        byte[] previous = from == 1 ? replayer.genesis(ledgerId) : rows.get(0).hash();
        long expected = from;
        for (EventRow row : rows) {
            if (row.seq() < from) {
                continue;
            }
            if (row.seq() != expected) {
                throw new Replayer.CorruptLog("seq " + expected + " is missing (next row is seq " + row.seq() + ")", null);
            }
            if (!Arrays.equals(replayer.chainHashOf(previous, row), row.hash())) {
                throw new Replayer.CorruptLog("seq " + row.seq() + " breaks the hash chain", null);
            }
            previous = row.hash();
            expected++;
        }
        EventRow last = rows.get(rows.size() - 1);
        if (!Arrays.equals(last.hash(), head.hash())) {
            throw new Replayer.CorruptLog("ledger_head hash " + Hex.of(head.hash()) + " is not the hash of seq "
                    + head.seq() + " (" + Hex.of(last.hash()) + ")", null);
        }
        return last;
    }

    /** What is wrong with a loaded read model, or null: its digest, then I1, I2 and I3. */
    static String damageIn(LedgerState s, Long storedDigest) {
        if (storedDigest != null && storedDigest != s.digest()) {
            return "the read model hashes to " + Long.toHexString(s.digest()) + ", the head row recorded "
                    + Long.toHexString(storedDigest);
        }
        if (s.balanceSum() != 0) {
            return "the read model's balances sum to " + s.balanceSum() + ", not 0 (I1)";
        }
        for (var entry : s.balances().entrySet()) {
            if (entry.getValue() < 0 && !"world".equals(entry.getKey())) {
                return "the read model holds " + entry.getKey() + " at " + entry.getValue() + " (I2)";
            }
        }
        for (GameState g : s.games().values()) {
            long stakes = 0;
            int open = 0;
            for (BetState b : g.bets().values()) {
                if (b.isOpen()) {
                    stakes += b.amount();
                    open++;
                }
            }
            long escrow = s.balance(Account.escrow(g.gameId()));
            if (escrow != stakes || open != g.openBetCount()) {
                return "game " + g.gameId() + ": escrow " + escrow + " but open stakes " + stakes + " in " + open
                        + " bets, game row says " + g.openBetCount() + " (I3)";
            }
        }
        return null;
    }
}
