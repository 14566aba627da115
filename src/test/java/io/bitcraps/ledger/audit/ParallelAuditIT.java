package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit's report does not depend on how many workers hash and decode, nor on where the reader's
 * chunks end. Each kind of damage (edited payloads, edited and truncated hashes, deleted rows, bad
 * signatures, and all of them at once past {@link Auditor#PROBLEMS_KEPT}) is planted in a fresh copy of
 * one signed ledger, at random seqs and at chunk boundaries, and audited with 1 worker and with 4, with
 * small chunks of different sizes so that boundaries fall inside batches and next to the damage. The two
 * reports must be identical (every problem in order, the counts, the seqs), and each planted damage
 * must be named where it was planted, so that a problem lost by both runs fails too. The seed is
 * printed; rerun one with {@code -Dledger.parallel.seed=N}.
 */
class ParallelAuditIT {
    private static final long SEED = Long.getLong("ledger.parallel.seed", System.nanoTime());

    @TempDir
    static Path shared;
    static Path original;
    static Path keyFile;
    static long head;

    @TempDir
    Path dir;

    final SplittableRandom random = new SplittableRandom(SEED);
    /** The chunk size of the 1-worker run and of the 4-worker run: small, different, and rarely a divisor of a batch. */
    final int chunkOne = 1 + random.nextInt(13);
    final int chunkFour = chunkOne + 1 + random.nextInt(29);

    @BeforeAll
    static void writeASignedLedger() throws Exception {
        original = shared.resolve("floor.db");
        keyFile = shared.resolve("hmac.key");
        Fixtures.writeKey(keyFile, "0123456789abcdef0123456789abcdef");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(original).durability(Durability.NORMAL)
                .hmacKeyFile(keyFile).build())) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 16, 60, 11, "parallel", 1_000, 10_000_000),
                    CrapsFloor.Options.defaults().withGameLength(CrapsFloor.GameLength.ROUND)).run(n -> { });
            head = ledger.view().seq();
        }
        assertThat(head).isGreaterThan(2_000);
    }

    private String seed() {
        return "seed " + SEED + " (-Dledger.parallel.seed=" + SEED + "), chunks of " + chunkOne + " and " + chunkFour;
    }

    @Test
    void anUntouchedLedgerGivesTheSameReportWithOneWorkerAndWithFour() throws Exception {
        AuditReport one = sameWithOneWorkerAndWithFour(copy());
        assertThat(one.problems()).isEmpty();
        assertThat(one.events()).isEqualTo(head);
        assertThat(one.signedBatches()).isEqualTo(one.batches()).isPositive();
    }

    @Test
    void editedPayloadsAreReportedTheSameWithOneWorkerAndWithFour() throws Exception {
        Path db = copy();
        Set<Long> seqs = damageSeqs(3);
        for (long k : seqs) {
            flipPayloadByte(db, k);
        }
        AuditReport one = sameWithOneWorkerAndWithFour(db);
        assertThat(seqsOf(one, ProblemKind.CHAIN_BREAK)).as(seed()).containsAll(seqs);
    }

    @Test
    void editedHashesAreReportedTheSameWithOneWorkerAndWithFour() throws Exception {
        Path db = copy();
        Set<Long> seqs = damageSeqs(3);
        for (long k : seqs) {
            setHash(db, k, randomBytes(ChainHash.BYTES));
        }
        AuditReport one = sameWithOneWorkerAndWithFour(db);
        // the row does not match its new hash, and the next row does not follow from it
        Set<Long> expected = new TreeSet<>(seqs);
        seqs.forEach(k -> expected.add(k + 1));
        assertThat(seqsOf(one, ProblemKind.CHAIN_BREAK)).as(seed()).containsExactlyElementsOf(expected);
    }

    @Test
    void truncatedHashesAreReportedTheSameWithOneWorkerAndWithFour() throws Exception {
        Path db = copy();
        Set<Long> seqs = damageSeqs(3);
        for (long k : seqs) {
            setHash(db, k, randomBytes(5)); // only file damage gets past the CHECK; a test can switch it off
        }
        AuditReport one = sameWithOneWorkerAndWithFour(db);
        assertThat(seqsOf(one, ProblemKind.STORAGE_CORRUPT)).as(seed()).containsExactlyElementsOf(seqs);
        assertThat(one.problems()).filteredOn(p -> p.kind() == ProblemKind.STORAGE_CORRUPT).extracting(Problem::detail)
                .allMatch(d -> d.endsWith("has a hash of 5 bytes"));
        // the row after a damaged one has no hash to chain from: it is not called broken
        assertThat(seqsOf(one, ProblemKind.CHAIN_BREAK)).as(seed()).doesNotContainAnyElementsOf(
                seqs.stream().map(k -> k + 1).toList());
    }

    @Test
    void deletedRowsAreReportedTheSameWithOneWorkerAndWithFour() throws Exception {
        Path db = copy();
        Set<Long> seqs = damageSeqs(3);
        for (long k : seqs) {
            sql(db, "DELETE FROM events WHERE seq = " + k);
        }
        AuditReport one = sameWithOneWorkerAndWithFour(db);
        assertThat(seqsOf(one, ProblemKind.SEQ_GAP)).as(seed()).containsExactlyElementsOf(seqs);
        assertThat(one.events()).isEqualTo(head - seqs.size());
    }

    @Test
    void badSignaturesAreReportedTheSameWithOneWorkerAndWithFour() throws Exception {
        Path db = copy();
        Set<Long> batchEnds = new TreeSet<>();
        List<Long> signed = signedBatchEnds(db);
        while (batchEnds.size() < 3) {
            batchEnds.add(signed.get(1 + random.nextInt(signed.size() - 2)));
        }
        for (long end : batchEnds) {
            flipHmacByte(db, end);
        }
        AuditReport one = sameWithOneWorkerAndWithFour(db);
        assertThat(seqsOf(one, ProblemKind.HISTORY_REWRITTEN)).as(seed()).containsExactlyElementsOf(batchEnds);
        assertThat(one.signedBatches()).isEqualTo(one.batches() - batchEnds.size());
    }

    @Test
    void everyKindAtOnceBeyondTheKeptProblemsIsReportedTheSameWithOneWorkerAndWithFour() throws Exception {
        Path db = copy();
        // 600 edited hashes make about 1,200 chain breaks: past PROBLEMS_KEPT, so the cap and the count are compared too
        for (long k : damageSeqs(600)) {
            setHash(db, k, randomBytes(ChainHash.BYTES));
        }
        for (long k : damageSeqs(10)) {
            flipPayloadByte(db, k);
        }
        for (long k : damageSeqs(10)) {
            setHash(db, k, randomBytes(1 + random.nextInt(31)));
        }
        for (long k : damageSeqs(10)) {
            sql(db, "DELETE FROM events WHERE seq = " + k);
        }
        List<Long> signed = signedBatchEnds(db);
        for (int i = 0; i < 10; i++) {
            flipHmacByte(db, signed.get(random.nextInt(signed.size())));
        }
        AuditReport one = sameWithOneWorkerAndWithFour(db);
        assertThat(one.problemCount()).as(seed()).isGreaterThan(Auditor.PROBLEMS_KEPT);
        assertThat(one.problems()).hasSize(Auditor.PROBLEMS_KEPT);
    }

    /** The reader stops when the queue is full: a caller that does not take chunks holds a bounded number. */
    @Test
    void theReaderRunsAheadOfTheFoldByABoundedNumberOfChunks() throws Exception {
        int workers = 2;
        int chunkRows = 10;
        long bound = (long) CheckedLog.CHUNKS_IN_FLIGHT_PER_WORKER * workers + 1; // queued, plus one waiting to be
        try (Connection conn = LedgerDatabase.openReadOnly(original)) {
            conn.setAutoCommit(false);
            Object lock = new Object();
            byte[] genesis = new ChainHash().genesis(LedgerDatabase.ledgerId(conn));
            long rows = 0;
            long lastSeq = 0;
            try (CheckedLog log = CheckedLog.start(conn, lock, 1, Long.MAX_VALUE, genesis, workers, chunkRows,
                    new PayloadCodec())) {
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (log.chunksRead() < bound && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                Thread.sleep(300); // time enough to read far past the bound, if the bound did not hold
                assertThat(log.chunksRead()).isEqualTo(bound);
                for (CheckedLog.Chunk chunk = log.next(); chunk != null; chunk = log.next()) {
                    assertThat((Object) chunk.readFailure()).isNull();
                    for (CheckedRow row : chunk.rows()) {
                        assertThat(row.row().seq()).isEqualTo(lastSeq + 1);
                        assertThat(row.chained()).isEqualTo(row.row().hash());
                        lastSeq = row.row().seq();
                        rows++;
                    }
                }
            }
            assertThat(rows).isEqualTo(head);
            assertThat(EventReader.head(conn).seq()).isEqualTo(head); // the connection is ours again
            conn.rollback();
        }
    }

    @Test
    void closingBeforeTheEndStopsTheReader() throws Exception {
        try (Connection conn = LedgerDatabase.openReadOnly(original)) {
            conn.setAutoCommit(false);
            CheckedLog log = CheckedLog.start(conn, new Object(), 1, Long.MAX_VALUE, null, 2, 7, new PayloadCodec());
            assertThat(log.next().rows()).hasSize(7);
            log.close();
            long read = log.chunksRead();
            Thread.sleep(100);
            assertThat(log.chunksRead()).isEqualTo(read).isLessThan(head / 7);
            assertThat(EventReader.head(conn).seq()).isEqualTo(head);
            conn.rollback();
        }
    }

    // ---- audits

    /** Audits with 1 worker and with 4 (and with the defaults), asserts the reports are the same, returns one. */
    private AuditReport sameWithOneWorkerAndWithFour(Path db) throws Exception {
        System.out.println("ParallelAuditIT: " + seed());
        Auditor.Options options = new Auditor.Options(1, Long.MAX_VALUE, HeadSigner.readKey(keyFile), null);
        AuditReport one = new Auditor().audit(db, options.withWorkers(1).withChunkRows(chunkOne), n -> { });
        AuditReport four = new Auditor().audit(db, options.withWorkers(4).withChunkRows(chunkFour), n -> { });
        AuditReport defaults = new Auditor().audit(db, options, n -> { });
        for (AuditReport other : List.of(four, defaults)) {
            assertThat(other.problems()).as(seed()).containsExactlyElementsOf(one.problems());
            assertThat(other.problemCount()).as(seed()).isEqualTo(one.problemCount());
            assertThat(other).as(seed()).usingRecursiveComparison().ignoringFields("elapsedNanos").isEqualTo(one);
        }
        return one;
    }

    private static Set<Long> seqsOf(AuditReport r, ProblemKind kind) {
        return r.problems().stream().filter(p -> p.kind() == kind).map(Problem::seq)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    // ---- damage

    /**
     * {@code n} distinct seqs, at least 3 apart so that one damage does not hide the next; the first ones at
     * the first and last rows of chunks of both runs, the rest anywhere past the first row and before the last.
     */
    private Set<Long> damageSeqs(int n) {
        List<Long> candidates = new ArrayList<>();
        for (int chunk : new int[]{chunkOne, chunkFour}) {
            long boundary = chunk * (1L + random.nextInt((int) (head / chunk) - 2));
            candidates.add(boundary);     // last row of a chunk
            candidates.add(boundary + 1); // first row of the next
        }
        Set<Long> seqs = new TreeSet<>();
        for (int i = 0; seqs.size() < n; i++) {
            long k = i < candidates.size() ? candidates.get(i) : 2 + random.nextLong(head - 3);
            if (k >= 2 && k < head && seqs.stream().allMatch(s -> Math.abs(s - k) >= 3)) {
                seqs.add(k);
            }
        }
        return seqs;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    private void flipPayloadByte(Path db, long seq) throws SQLException {
        byte[] payload = blob(db, "SELECT payload FROM events WHERE seq = ?", seq);
        payload[random.nextInt(payload.length)] ^= (byte) (1 + random.nextInt(255));
        update(db, "UPDATE events SET payload = ? WHERE seq = ?", payload, seq);
    }

    private void flipHmacByte(Path db, long batchEnd) throws SQLException {
        byte[] hmac = blob(db, "SELECT hmac FROM batches WHERE last_seq = ?", batchEnd);
        hmac[random.nextInt(hmac.length)] ^= (byte) (1 + random.nextInt(255));
        update(db, "UPDATE batches SET hmac = ? WHERE last_seq = ?", hmac, batchEnd);
    }

    private static void setHash(Path db, long seq, byte[] hash) throws SQLException {
        update(db, "UPDATE events SET hash = ? WHERE seq = ?", hash, seq);
    }

    private Path copy() throws Exception {
        Path db = dir.resolve("copy.db");
        Files.copy(original, db); // the ledger is closed and checkpointed: the .db file is the whole ledger
        return db;
    }

    private static List<Long> signedBatchEnds(Path db) throws SQLException {
        List<Long> ends = new ArrayList<>();
        try (Connection c = connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT last_seq FROM batches WHERE hmac IS NOT NULL ORDER BY last_seq")) {
            while (rs.next()) {
                ends.add(rs.getLong(1));
            }
        }
        assertThat(ends).hasSizeGreaterThan(10);
        return ends;
    }

    private static Connection connect(Path db) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement st = c.createStatement()) {
            st.execute("PRAGMA ignore_check_constraints = ON");
        }
        return c;
    }

    private static void sql(Path db, String statement) throws SQLException {
        try (Connection c = connect(db); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate(statement)).isEqualTo(1);
        }
    }

    private static byte[] blob(Path db, String query, long key) throws SQLException {
        try (Connection c = connect(db); PreparedStatement ps = c.prepareStatement(query)) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getBytes(1);
            }
        }
    }

    private static void update(Path db, String statement, byte[] value, long key) throws SQLException {
        try (Connection c = connect(db); PreparedStatement ps = c.prepareStatement(statement)) {
            ps.setBytes(1, value);
            ps.setLong(2, key);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }
}
