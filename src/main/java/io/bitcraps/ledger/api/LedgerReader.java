package io.bitcraps.ledger.api;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.domain.ProtectionStatus;
import io.bitcraps.ledger.feed.CommittedEvent;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Protections;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.protection.PlayerProtection;
import io.bitcraps.ledger.query.AccountRepository;
import io.bitcraps.ledger.query.BetRepository;
import io.bitcraps.ledger.query.ReaderPool;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.Head;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.SchemaMismatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Reads a ledger file without writing to it: the head, every balance, and the events in seq order. It works
 * beside a running writer (a WAL reader never blocks it; each call reads its own snapshot, so two calls beside a
 * running writer may see different heads) and on a stopped
 * ledger or a restored backup. What the operator's tools print comes from here, so an embedder's own tooling
 * reads the same answers.
 * <p>
 * One reader holds one read-only connection and is for one thread at a time.
 */
public final class LedgerReader implements AutoCloseable {
    private final Path db;
    private final Connection conn;
    private final PayloadCodec codec = new PayloadCodec();
    private ReaderPool modelPool; // opened on the first read-model query, closed with the reader

    private LedgerReader(Path db, Connection conn) {
        this.db = db;
        this.conn = conn;
    }

    /**
     * Opens {@code db} read-only.
     *
     * @throws DatabaseMissing when there is no file at {@code db}
     * @throws LedgerReadFailure when the file is not a ledger this code can read; every other method throws it too
     *         when SQLite fails underneath, or when a replay finds a log that does not verify
     */
    public static LedgerReader open(Path db) {
        Objects.requireNonNull(db, "db");
        if (!Files.isRegularFile(db)) {
            throw new DatabaseMissing("no ledger database at " + db);
        }
        try {
            Connection conn = LedgerDatabase.openReadOnly(db);
            conn.setAutoCommit(false); // every call is one read transaction: one snapshot
            return new LedgerReader(db, conn);
        } catch (SQLException | SchemaMismatch e) {
            throw new LedgerReadFailure("cannot read " + db + ": " + e.getMessage(), e);
        }
    }

    /** The last committed event's seq and chain hash (hex; empty for an empty ledger), and the ledger's id. */
    public record HeadAt(long seq, String hash, String ledgerId) {}

    public HeadAt head() {
        return inSnapshot(() -> {
            Head head = EventReader.head(conn);
            return new HeadAt(head.seq(), head.hash() == null ? "" : Hex.of(head.hash()), LedgerDatabase.ledgerId(conn));
        });
    }

    /** Where {@link Balances} came from. */
    public enum BalancesSource {
        /** The read model in the database, at the log's head. */
        READ_MODEL,
        /** The views file beside the database (the log-first commit), at its watermark, checked against the log's hash there. */
        VIEWS_FILE,
        /** A replay of the log, because no read model was at a seq the log vouches for. */
        REPLAY
    }

    /**
     * Every account ever posted to, with its balance ({@code world} included, so they sum to zero), at one seq.
     * {@code note} says why the answer is not the read model at the head (the views file trails it, or the log
     * was replayed); null when it is.
     */
    public record Balances(long seq, Map<String, Long> accounts, BalancesSource source, long logHeadSeq, String note) {
        public Balances {
            accounts = Collections.unmodifiableMap(new TreeMap<>(accounts));
        }
    }

    /**
     * Every balance at one snapshot. The read model answers when it is at the log's head; with the log-first
     * commit the read model is the views file, which answers at its watermark when the log holds the same chain
     * hash there (beside a running writer it trails the head by a batch or two); otherwise the log is replayed.
     */
    public Balances balances() {
        return balances(note -> { });
    }

    /**
     * {@link #balances()}, telling {@code notes} why the answer is not the read model at the head as soon as that is
     * known: before a replay of the log starts (which can take a while on a long log), not after it.
     */
    public Balances balances(Consumer<String> notes) {
        Objects.requireNonNull(notes, "notes");
        // the views file's snapshot first: beside a running writer its watermark then lies in the log read next
        ViewsAt views = readViews();
        return inSnapshot(() -> {
            Head head = EventReader.head(conn);
            if (head.readModelSeq() == head.seq()) {
                conn.rollback();
                try (ReaderPool pool = new ReaderPool(db, 1, null)) {
                    ReaderPool.Snapshot<Map<String, Long>> snap = new AccountRepository(pool, null).allBalances();
                    // the pool's snapshot may be later than the head read above (a running writer): still the read model at its head
                    return new Balances(snap.seq(), snap.value(), BalancesSource.READ_MODEL, Math.max(head.seq(), snap.seq()), null);
                }
            }
            if (head.readModelSeq() < 0 && views != null && views.seq() <= head.seq()
                    && Arrays.equals(EventReader.hashAt(conn, views.seq()), views.hash())) {
                String note = views.seq() == head.seq() ? null : String.format(Locale.ROOT, "balances as of seq %,d,"
                        + " the views file's watermark; the log's head is at seq %,d (%,d events later; a running writer's"
                        + " views catch up within moments, a stopped ledger's at its next open)", views.seq(), head.seq(),
                        head.seq() - views.seq());
                if (note != null) {
                    notes.accept(note);
                }
                return new Balances(views.seq(), views.balances(), BalancesSource.VIEWS_FILE, head.seq(), note);
            }
            String why = head.readModelSeq() < 0 ? "the read model (the views file beside the database, log-first)"
                    + " is missing or not on this log; replaying the log" : "read model at seq " + head.readModelSeq()
                    + " lags the log at seq " + head.seq() + "; replaying the log instead";
            notes.accept(why);
            // the replayed state holds non-zero balances only; list every account ever posted to, as the table does
            Map<String, Long> every = new TreeMap<>();
            LedgerState state = new Replayer(codec).replay(conn, LedgerDatabase.ledgerId(conn),
                    (before, after, e) -> e.postings().forEach(p -> every.put(p.account().key(), after.balance(p.account()))));
            return new Balances(state.seq(), every, BalancesSource.REPLAY, head.seq(), why);
        });
    }

    /** What a replay of the whole log gives: the seq and chain hash it ends at, and every non-zero balance. */
    public record Replayed(long seq, String headHash, Map<String, Long> balances) {
        public Replayed {
            balances = Collections.unmodifiableMap(new TreeMap<>(balances));
        }
    }

    /**
     * Replays the whole log from one snapshot with the ledger's own rules and checks every hash on the way: what the
     * events alone say the books are. A log that does not verify is a {@link LedgerReadFailure} naming the seq.
     */
    public Replayed replay() {
        return inSnapshot(() -> {
            LedgerState state = new Replayer(codec).replay(conn, LedgerDatabase.ledgerId(conn));
            return new Replayed(state.seq(), Hex.of(state.headHash()), state.balances());
        });
    }

    /**
     * Hands every event from {@code fromSeq} to {@code toSeq} (inclusive; {@code Long.MAX_VALUE} for the head) to
     * {@code sink} in seq order, decoded, with its chain hash and stored payload, all from one snapshot. Returns
     * how many there were. Memory stays flat however many events the range holds.
     */
    public long forEachEvent(long fromSeq, long toSeq, Consumer<CommittedEvent> sink) {
        if (fromSeq < 1 || toSeq < fromSeq) {
            throw new IllegalArgumentException("bad seq range " + fromSeq + ".." + toSeq);
        }
        Objects.requireNonNull(sink, "sink");
        return inSnapshot(() -> EventReader.forEach(conn, fromSeq, toSeq,
                row -> sink.accept(new CommittedEvent(StoredEvents.decode(codec, row), row.hash(), row.payload()))));
    }

    /**
     * The player's protection at {@code at} (not before the ledger's last event), folded from the log in one
     * snapshot: each limit with what was used of it and what is left, a raise waiting out its cooling period, and a
     * cool-off or self-exclusion in force. Empty for a player who never set a limit or excluded themselves.
     */
    public Optional<ProtectionStatus> protection(String player, Instant at) {
        Objects.requireNonNull(player, "player");
        Objects.requireNonNull(at, "at");
        return inSnapshot(() -> {
            Head head = EventReader.head(conn);
            if (head.seq() <= 0) {
                return Optional.empty();
            }
            List<EventRow> last = new ArrayList<>(1);
            EventReader.forEach(conn, head.seq(), head.seq(), last::add);
            long headMicros = last.isEmpty() ? 0 : last.get(0).timestampMicros();
            PlayerProtection p = Protections.ofPlayer(conn, codec, head.seq(), player);
            if (p == null) {
                return Optional.empty();
            }
            long micros = Math.max(headMicros, Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L),
                    at.getNano() / 1000));
            return Optional.of(p.statusOf(player, micros));
        });
    }

    /**
     * The player's bets, newest first, a page at a time, from the read model: the database's own, or with the
     * log-first commit the views file beside it (which a stopped ledger brings up to date at its next open).
     *
     * @throws LedgerReadFailure when the read model is the views file and it is missing
     */
    public Page<BetState> betsByPlayer(String player, PageRequest page) {
        try {
            return new BetRepository(modelPool(), null).byPlayer(player, page);
        } catch (SQLException e) {
            throw new LedgerReadFailure("reading " + db + ": " + e.getMessage(), e);
        }
    }

    private ReaderPool modelPool() throws SQLException {
        if (modelPool == null) {
            boolean logFirst = inSnapshot(() -> EventReader.head(conn).readModelSeq() < 0);
            if (logFirst) {
                Path views = LedgerDatabase.viewsFileOf(db);
                if (!Files.exists(views)) {
                    throw new LedgerReadFailure(db + " keeps its read model in " + views + " (the log-first commit),"
                            + " which is missing; opening the ledger rebuilds it", null);
                }
                modelPool = new ReaderPool(views, 1, null, ReaderPool.Source.VIEWS);
            } else {
                modelPool = new ReaderPool(db, 1, null, ReaderPool.Source.LEDGER);
            }
        }
        return modelPool;
    }

    @Override
    public void close() {
        if (modelPool != null) {
            modelPool.close();
        }
        try {
            conn.close();
        } catch (SQLException e) {
            throw new LedgerReadFailure("closing the reader of " + db + ": " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface Read<T> {
        T read() throws SQLException, Replayer.CorruptLog;
    }

    private <T> T inSnapshot(Read<T> read) {
        try {
            try {
                return read.read();
            } finally {
                conn.rollback(); // end the read transaction, so that this reader pins no WAL frames between calls
            }
        } catch (SQLException | SchemaMismatch e) {
            throw new LedgerReadFailure("reading " + db + ": " + e.getMessage(), e);
        } catch (Replayer.CorruptLog e) {
            throw new LedgerReadFailure("the log of " + db + " does not verify: " + e.getMessage()
                    + "; run tools/ledger audit, then recover from a backup", e);
        }
    }

    /** The views file's balances and the seq and chain hash they are at. */
    private record ViewsAt(long seq, byte[] hash, Map<String, Long> balances) {}

    /**
     * Every balance from the views file beside the database, in one snapshot, with its watermark; null when there
     * is none this code can read, or it is empty or being built. The caller takes it only where the log holds the
     * same chain hash at that seq: then it is the answer at that seq.
     */
    private ViewsAt readViews() {
        Path file = LedgerDatabase.viewsFileOf(db);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (Connection c = LedgerDatabase.connect(LedgerDatabase.readOnlyConfig(5_000), file)) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                long seq;
                byte[] hash;
                try (ResultSet rs = st.executeQuery("SELECT seq, hash, building FROM views_head WHERE id = 1")) {
                    if (!rs.next() || rs.getLong(1) < 1 || rs.getInt(3) != 0) {
                        return null;
                    }
                    seq = rs.getLong(1);
                    hash = rs.getBytes(2);
                }
                Map<String, Long> out = new TreeMap<>();
                try (ResultSet rs = st.executeQuery("SELECT account, balance FROM balances")) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getLong(2));
                    }
                }
                return new ViewsAt(seq, hash, out);
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            return null; // unreadable, or of another format: the replay answers
        }
    }
}
