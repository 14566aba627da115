package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.query.AccountRepository;
import io.bitcraps.ledger.query.ReaderPool;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.Head;
import io.bitcraps.ledger.store.LedgerDatabase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Prints every account's balance at one snapshot, {@code world} included. Reads the persisted read
 * model through a read-only connection: the database's own, or with the log-first commit the views
 * file's, as of its watermark (which beside a running writer may trail the head by a batch or two),
 * when the log holds the same chain hash there; otherwise it replays the log instead, and says so
 * on stderr.
 */
@Command(name = "balances", mixinStandardHelpOptions = true,
        description = "Print all balances at one snapshot (read-only; safe beside a running writer).")
final class BalancesCommand implements Callable<Integer> {
    @Option(names = "--db", required = true, description = "ledger database file")
    Path db;

    @Option(names = "--json", description = "print {\"seq\":S,\"accounts\":{…}}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        long seq;
        Map<String, Long> balances;
        // the views file's snapshot first: beside a running writer its watermark then lies in the log read next
        ViewsAt views = readViews();
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            conn.setAutoCommit(false);
            Head head = EventReader.head(conn);
            conn.rollback();
            if (head.readModelSeq() == head.seq()) {
                try (ReaderPool pool = new ReaderPool(db, 1, null)) {
                    ReaderPool.Snapshot<Map<String, Long>> snap = new AccountRepository(pool, null).allBalances();
                    seq = snap.seq();
                    balances = snap.value();
                }
            } else if (head.readModelSeq() < 0 && views != null && views.seq() <= head.seq()
                    && java.util.Arrays.equals(EventReader.hashAt(conn, views.seq()), views.hash())) {
                conn.rollback();
                seq = views.seq();
                balances = views.balances();
                if (seq < head.seq()) {
                    System.err.printf(java.util.Locale.ROOT, "balances as of seq %,d, the views file's watermark; the log's head"
                            + " is at seq %,d (%,d events later; a running writer's views catch up within moments, a stopped"
                            + " ledger's at its next open)%n", seq, head.seq(), head.seq() - seq);
                }
            } else {
                System.err.println(head.readModelSeq() < 0 ? "the read model (the views file beside the database, log-first)"
                        + " is missing or not on this log; replaying the log" : "read model at seq " + head.readModelSeq()
                        + " lags the log at seq " + head.seq() + "; replaying the log instead");
                // the replayed state holds non-zero balances only; list every account ever posted to, as the table does
                Map<String, Long> every = new TreeMap<>();
                LedgerState state = new Replayer(new PayloadCodec()).replay(conn, LedgerDatabase.ledgerId(conn),
                        (before, after, e) -> e.postings().forEach(p -> every.put(p.account().key(), after.balance(p.account()))));
                conn.rollback();
                seq = state.seq();
                balances = every;
            }
        }
        System.out.println(json ? toJson(seq, balances) : toTable(seq, balances));
        return LedgerCli.EXIT_OK;
    }

    /** The views file's balances and the seq and chain hash they are at. */
    private record ViewsAt(long seq, byte[] hash, Map<String, Long> balances) {}

    /**
     * Every balance from the views file beside the database, in one snapshot, with its watermark;
     * null when there is none this code can read, or it is empty or being built. The caller takes it
     * only where the log holds the same chain hash at that seq: then it is the answer at that seq.
     */
    private ViewsAt readViews() {
        Path file = LedgerDatabase.viewsFileOf(db);
        if (!java.nio.file.Files.isRegularFile(file)) {
            return null;
        }
        try (Connection c = LedgerDatabase.connect(LedgerDatabase.readOnlyConfig(5_000), file)) {
            c.setAutoCommit(false);
            try (java.sql.Statement st = c.createStatement()) {
                long seq;
                byte[] hash;
                try (java.sql.ResultSet rs = st.executeQuery("SELECT seq, hash, building FROM views_head WHERE id = 1")) {
                    if (!rs.next() || rs.getLong(1) < 1 || rs.getInt(3) != 0) {
                        return null;
                    }
                    seq = rs.getLong(1);
                    hash = rs.getBytes(2);
                }
                Map<String, Long> out = new TreeMap<>();
                try (java.sql.ResultSet rs = st.executeQuery("SELECT account, balance FROM balances")) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getLong(2));
                    }
                }
                return new ViewsAt(seq, hash, out);
            } finally {
                c.rollback();
            }
        } catch (java.sql.SQLException e) {
            return null; // unreadable, or of another format: the replay answers
        }
    }

    static String toJson(long seq, Map<String, Long> balances) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeNumberProperty("seq", seq);
            g.writeName("accounts");
            g.writeStartObject();
            for (Map.Entry<String, Long> e : balances.entrySet()) {
                g.writeNumberProperty(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        return w.toString();
    }

    private static String toTable(long seq, Map<String, Long> balances) {
        StringBuilder out = new StringBuilder();
        long sum = 0;
        for (Map.Entry<String, Long> e : balances.entrySet()) {
            out.append(String.format(Locale.ROOT, "%-40s %,22d%n", e.getKey(), e.getValue()));
            sum = Math.addExact(sum, e.getValue());
        }
        out.append(String.format(Locale.ROOT, "%-40s %,22d%n", "(sum, I1 wants 0)", sum));
        out.append(String.format(Locale.ROOT, "%,d accounts at seq %,d", balances.size(), seq));
        return out.toString();
    }
}
