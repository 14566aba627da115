package io.bitcraps.ledger.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The writer's EventLog and the chunked EventReader against a real SQLite file. */
class EventLogIT {
    @TempDir
    Path dir;

    private EventLog log;

    @BeforeEach
    void open() throws Exception {
        log = new EventLog(LedgerDatabase.openWriter(StoreOptions.defaults(dir.resolve("ledger.db"), Durability.NORMAL)));
    }

    @AfterEach
    void close() throws Exception {
        log.close();
    }

    @Test
    void aBatchReadsBackByteForByteWhenEachRowOwnsItsArrays() throws Exception {
        List<EventRow> written = new ArrayList<>();
        for (int seq = 1; seq <= 5; seq++) {
            written.add(new EventRow(seq, 1_000L * seq, seq, seq % 2 == 0 ? "g" + seq : null, "p" + seq,
                    seq == 3 ? "b3" : null, seq == 4 ? null : 10L * seq, seq == 2 ? "key-2" : null,
                    payload(seq, 20 + seq), hash(seq)));
        }
        // what the rows must read back as, in arrays the log never saw
        List<EventRow> expected = written.stream().map(EventLogIT::deepCopy).toList();

        log.begin();
        for (EventRow r : written) {
            log.add(r);
        }
        log.finish(5, 5, hash(5), 5_000, null, 0);
        log.commit();

        List<EventRow> read = new ArrayList<>();
        assertThat(EventReader.forEach(log.connection(), 1, Long.MAX_VALUE, read::add)).isEqualTo(5);
        assertSameRows(read, expected);
        assertSameRows(log.range(2, 4), expected.subList(1, 4));
        Head head = EventReader.head(log.connection());
        assertThat(head.seq()).isEqualTo(5);
        assertThat(head.hash()).isEqualTo(hash(5));
        assertThat(log.seqOfKey("key-2")).isEqualTo(2);
        assertThat(log.seqOfKey("no-such-key")).isZero();
    }

    /**
     * The sqlite-jdbc trap of DEPENDENCIES.md: a batch keeps a reference to every bound byte[] until
     * executeBatch. This proves the byte-for-byte check above can fail: one reused array, three rows,
     * and the driver writes the last row's bytes three times — in raw JDBC and through EventLog alike.
     */
    @Test
    void theByteForByteCheckCatchesOneArrayReusedAcrossTheRowsOfABatch() throws Exception {
        // raw JDBC on a scratch file
        try (Connection raw = DriverManager.getConnection(LedgerDatabase.url(dir.resolve("scratch.db")));
             Statement st = raw.createStatement()) {
            st.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
            raw.setAutoCommit(false);
            byte[] reused = new byte[4];
            try (PreparedStatement ps = raw.prepareStatement("INSERT INTO t(id, b) VALUES (?, ?)")) {
                for (int id = 1; id <= 3; id++) {
                    Arrays.fill(reused, (byte) id);
                    ps.setInt(1, id);
                    ps.setBytes(2, reused);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            raw.commit();
            List<byte[]> blobs = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT b FROM t ORDER BY id")) {
                while (rs.next()) {
                    blobs.add(rs.getBytes(1));
                }
            }
            assertThat(blobs).hasSize(3).allSatisfy(b -> assertThat(b).containsExactly(3, 3, 3, 3));
        }

        // the same mistake made by a caller of EventLog; the comparison used above flags it
        List<EventRow> expected = new ArrayList<>();
        byte[] sharedPayload = new byte[8];
        byte[] sharedHash = new byte[32];
        log.begin();
        for (int seq = 1; seq <= 3; seq++) {
            Arrays.fill(sharedPayload, (byte) seq);
            Arrays.fill(sharedHash, (byte) (100 + seq));
            EventRow r = new EventRow(seq, seq, 1, null, null, null, null, null, sharedPayload, sharedHash);
            expected.add(deepCopy(r));
            log.add(r);
        }
        log.finish(3, 3, hash(3), 3, null, 0);
        log.commit();
        List<EventRow> read = new ArrayList<>();
        EventReader.forEach(log.connection(), 1, 3, read::add);
        assertThat(read).extracting(EventRow::payload).allSatisfy(p -> assertThat(p).isEqualTo(sharedPayload));
        assertThatThrownBy(() -> assertSameRows(read, expected)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("seq 1");
    }

    @Test
    void aRolledBackBatchLeavesNothingAndTheNextBatchStartsClean() throws Exception {
        log.begin();
        for (int seq = 1; seq <= 3; seq++) {
            log.add(row(seq));
        }
        log.finish(3, 3, hash(3), 3, null, 0);
        log.rollback();
        assertThat(log.maxSeq()).isZero();
        assertThat(EventReader.head(log.connection())).satisfies(h -> {
            assertThat(h.seq()).isZero();
            assertThat(h.hash()).isNull();
        });

        // rows bound but never sent must not leak into the next batch either
        log.begin();
        log.add(row(1));
        log.add(row(2));
        log.rollback();
        log.begin();
        log.add(row(1));
        log.finish(1, 1, hash(1), 1, null, 0);
        log.commit();
        List<EventRow> read = new ArrayList<>();
        assertThat(EventReader.forEach(log.connection(), 1, Long.MAX_VALUE, read::add)).isEqualTo(1);
        assertSameRows(read, List.of(row(1)));
        assertThat(EventReader.head(log.connection()).seq()).isEqualTo(1);
    }

    @Test
    void forEachStreamsInSeqOrderInChunksAcrossMoreThanOneChunkAndRespectsItsBounds() throws Exception {
        int total = 2 * EventReader.CHUNK_ROWS + 5_000;
        log.begin();
        for (int seq = 1; seq <= total; seq++) {
            log.add(new EventRow(seq, seq, 1, null, null, null, null, null, payload(seq, 4), hash(seq)));
        }
        log.finish(total, total, hash(total), total, null, 0);
        log.commit();

        AtomicInteger queries = new AtomicInteger();
        Connection counting = countingQueries(log.connection(), queries);
        List<Long> seqs = new ArrayList<>(total);
        long count = EventReader.forEach(counting, 1, Long.MAX_VALUE, r -> {
            assertThat(r.payload()).isEqualTo(payload(r.seq(), 4));
            seqs.add(r.seq());
        });
        assertThat(count).isEqualTo(total);
        assertThat(seqs).hasSize(total).isSorted().doesNotHaveDuplicates();
        assertThat(seqs.get(0)).isEqualTo(1);
        assertThat(seqs.get(total - 1)).isEqualTo(total);
        assertThat(queries.get()).as("one query per chunk of %d rows", EventReader.CHUNK_ROWS).isEqualTo(3);

        // bounds across a chunk boundary, inclusive at both ends
        List<Long> bounded = new ArrayList<>();
        queries.set(0);
        long from = EventReader.CHUNK_ROWS - 5;
        long to = 2L * EventReader.CHUNK_ROWS + 5;
        assertThat(EventReader.forEach(counting, from, to, r -> bounded.add(r.seq()))).isEqualTo(to - from + 1);
        assertThat(bounded).first().isEqualTo(from);
        assertThat(bounded).last().isEqualTo(to);
        assertThat(bounded).isSorted().hasSize((int) (to - from + 1));
        assertThat(queries.get()).isEqualTo(2);

        // a bound on a chunk boundary: no lost or repeated row, and no extra query past the bound
        queries.set(0);
        List<Long> exact = new ArrayList<>();
        assertThat(EventReader.forEach(counting, 1, 2L * EventReader.CHUNK_ROWS, r -> exact.add(r.seq())))
                .isEqualTo(2L * EventReader.CHUNK_ROWS);
        assertThat(exact).isSorted().doesNotHaveDuplicates().last().isEqualTo(2L * EventReader.CHUNK_ROWS);
        assertThat(queries.get()).isEqualTo(2);

        assertThat(EventReader.forEach(counting, 7, 7, r -> assertThat(r.seq()).isEqualTo(7))).isEqualTo(1);
        assertThat(EventReader.forEach(counting, 10, 9, r -> { throw new AssertionError(r); })).isZero();
        assertThat(EventReader.forEach(counting, total + 1, Long.MAX_VALUE, r -> { throw new AssertionError(r); }))
                .isZero();
        assertThat(EventReader.forEach(counting, 0, 3, r -> { })).isEqualTo(3);
    }

    @Test
    void setMaxDatabaseBytesReturnsTheCapInEffectAndABatchPastItFailsAsFullAndRollsBack() throws Exception {
        assertThat(log.setMaxDatabaseBytes(1L << 20)).isEqualTo(1L << 20);
        // not a whole number of pages: rounded down to pages
        assertThat(log.setMaxDatabaseBytes((1L << 20) + 100)).isEqualTo(1L << 20);
        // below the floor of 16 pages: the floor
        assertThat(log.setMaxDatabaseBytes(1)).isGreaterThanOrEqualTo(16L * StoreOptions.PAGE_BYTES);

        // SQLite never sets the cap below the pages in use: the return value says what it did instead
        long pagesInUse = Long.parseLong(LedgerDatabase.readPragma(log.connection(), "page_count"));
        long cap = log.setMaxDatabaseBytes(pagesInUse * StoreOptions.PAGE_BYTES);
        assertThat(cap).isEqualTo(Math.max(16, pagesInUse) * StoreOptions.PAGE_BYTES);

        log.begin();
        for (int seq = 1; seq <= 40; seq++) {
            log.add(new EventRow(seq, seq, 1, null, null, null, null, null, payload(seq, 8_192), hash(seq)));
        }
        SQLException full = catchSql(() -> log.finish(40, 40, hash(40), 40, null, 0));
        assertThat(SqliteFailure.classify(full)).isEqualTo(SqliteFailure.FULL);
        log.rollback();
        assertThat(log.maxSeq()).isZero();

        assertThat(log.setMaxDatabaseBytes(16L << 20)).isEqualTo(16L << 20);
        log.begin();
        for (int seq = 1; seq <= 40; seq++) {
            log.add(new EventRow(seq, seq, 1, null, null, null, null, null, payload(seq, 8_192), hash(seq)));
        }
        log.finish(40, 40, hash(40), 40, null, 0);
        log.commit();
        assertThat(log.maxSeq()).isEqualTo(40);
    }

    private interface SqlAction {
        void run() throws SQLException;
    }

    private static SQLException catchSql(SqlAction action) {
        try {
            action.run();
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("expected an SQLException");
    }

    /** Wraps a connection so that every executeQuery of a statement it prepares is counted. */
    private static Connection countingQueries(Connection conn, AtomicInteger queries) {
        return (Connection) Proxy.newProxyInstance(EventLogIT.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    Object result = invoke(conn, method, args);
                    if (method.getName().equals("prepareStatement") && result instanceof PreparedStatement ps) {
                        return Proxy.newProxyInstance(EventLogIT.class.getClassLoader(),
                                new Class<?>[] {PreparedStatement.class}, (p, m, a) -> {
                                    if (m.getName().equals("executeQuery")) {
                                        queries.incrementAndGet();
                                    }
                                    return invoke(ps, m, a);
                                });
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Fails naming the first row whose fields or bytes differ. */
    private static void assertSameRows(List<? extends EventRow> actual, List<EventRow> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            EventRow a = actual.get(i);
            EventRow e = expected.get(i);
            String row = "seq " + e.seq();
            assertThat(a.seq()).as(row).isEqualTo(e.seq());
            assertThat(a.timestampMicros()).as(row + " ts").isEqualTo(e.timestampMicros());
            assertThat(a.typeCode()).as(row + " type").isEqualTo(e.typeCode());
            assertThat(a.gameId()).as(row + " game").isEqualTo(e.gameId());
            assertThat(a.playerId()).as(row + " player").isEqualTo(e.playerId());
            assertThat(a.betId()).as(row + " bet").isEqualTo(e.betId());
            assertThat(a.amount()).as(row + " amount").isEqualTo(e.amount());
            assertThat(a.key()).as(row + " key").isEqualTo(e.key());
            assertThat(a.payload()).as(row + " payload").isEqualTo(e.payload());
            assertThat(a.hash()).as(row + " hash").isEqualTo(e.hash());
        }
    }

    private static EventRow deepCopy(EventRow r) {
        return new EventRow(r.seq(), r.timestampMicros(), r.typeCode(), r.gameId(), r.playerId(), r.betId(), r.amount(),
                r.key(), r.payload().clone(), r.hash().clone());
    }

    private static EventRow row(long seq) {
        return new EventRow(seq, seq, 1, null, "p" + seq, null, seq, null, payload(seq, 3), hash(seq));
    }

    private static byte[] payload(long seq, int length) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (seq * 31 + i);
        }
        return p;
    }

    private static byte[] hash(long seq) {
        byte[] h = new byte[32];
        for (int i = 0; i < h.length; i++) {
            h[i] = (byte) (seq >>> (8 * (i % 8)) ^ i);
        }
        return h;
    }
}
