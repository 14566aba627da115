package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.TestViews;
import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seven tamperings of the audit issue, each on a fresh copy of one ledger of more than 10,000
 * events (a simulated floor, run with an HMAC key), edited with plain SQL while no engine runs.
 * Each must be found and named precisely; the untouched copy must audit intact.
 */
class AuditTamperIT {
    @TempDir
    static Path shared;
    static Path original;
    static Path keyFile;
    static Digest digestBefore;
    static long head;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeALedgerOfTenThousandEvents() throws Exception {
        original = shared.resolve("floor.db");
        keyFile = shared.resolve("hmac.key");
        Fixtures.writeKey(keyFile, "0123456789abcdef0123456789abcdef");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(original).durability(Durability.NORMAL)
                .hmacKeyFile(keyFile).build())) {
            // games of one round: the tamperings need a ledger of this size, not long hands
            new CrapsFloor(ledger, new CrapsFloor.Settings(8, 32, 100, 7, "tamper", 1_000, 10_000_000),
                    CrapsFloor.Options.defaults().withGameLength(CrapsFloor.GameLength.ROUND)).run(n -> { });
            head = ledger.view().seq();
            digestBefore = Digest.of(ledger.ledgerId(), head, TestViews.state(ledger.view()).headHash(),
                    new HeadSigner(HeadSigner.readKey(keyFile), ledger.ledgerId()));
        }
        assertThat(head).isGreaterThanOrEqualTo(10_000);
    }

    private Path copy() throws Exception {
        Path db = dir.resolve("copy.db");
        Files.copy(original, db); // the ledger is closed and checkpointed: the .db file is the whole ledger
        return db;
    }

    private static AuditReport audit(Path db, boolean withKey, boolean withDigest) throws Exception {
        byte[] key = withKey ? HeadSigner.readKey(keyFile) : null;
        return new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, key, withDigest ? digestBefore : null), n -> { });
    }

    private static Set<Long> seqsOf(AuditReport r, ProblemKind kind) {
        return r.problems().stream().filter(p -> p.kind() == kind).map(Problem::seq).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every problem tied to an event (seq > 0), by seq. */
    private static Set<Long> eventSeqs(AuditReport r) {
        return r.problems().stream().map(Problem::seq).filter(s -> s > 0).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Connection sql(Path db) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    private static long seqOfType(Path db, int typeCode, int nth) throws SQLException {
        try (Connection c = sql(db); PreparedStatement ps = c.prepareStatement(
                "SELECT seq FROM events WHERE type = ? ORDER BY seq LIMIT 1 OFFSET ?")) {
            ps.setInt(1, typeCode);
            ps.setInt(2, nth);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void anUntouchedLedgerAuditsIntactWithAndWithoutKeyAndDigest() throws Exception {
        Path db = copy();
        AuditReport plain = audit(db, false, false);
        AuditReport strict = audit(db, true, true);
        assertThat(plain.problems()).isEmpty();
        assertThat(plain.intact()).isTrue();
        assertThat(strict.problems()).isEmpty();
        assertThat(strict.signedBatches()).isEqualTo(strict.batches()).isPositive();
        assertThat(strict.events()).isEqualTo(head);
    }

    @Test
    void oneChangedAmountColumnIsNamedAtExactlyItsSeq() throws Exception {
        Path db = copy();
        long k = seqOfType(db, 5, 500); // a BET_PLACED row
        try (Connection c = sql(db); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE events SET amount = amount + 1 WHERE seq = " + k)).isEqualTo(1);
        }
        AuditReport r = audit(db, false, false);
        assertThat(r.intact()).isFalse();
        assertThat(seqsOf(r, ProblemKind.COLUMN_MISMATCH)).containsExactly(k);
        assertThat(eventSeqs(r)).containsExactly(k);
    }

    @Test
    void oneChangedPayloadByteIsNamedAtExactlyItsSeq() throws Exception {
        Path db = copy();
        long k = seqOfType(db, 1, 20); // a DEPOSITED row: flip a letter of its reference
        try (Connection c = sql(db)) {
            byte[] payload;
            try (PreparedStatement ps = c.prepareStatement("SELECT payload FROM events WHERE seq = ?")) {
                ps.setLong(1, k);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    payload = rs.getBytes(1);
                }
            }
            int at = indexOf(payload, "cage-".getBytes(StandardCharsets.US_ASCII));
            assertThat(at).isPositive();
            payload[at] = 'C';
            try (PreparedStatement ps = c.prepareStatement("UPDATE events SET payload = ? WHERE seq = ?")) {
                ps.setBytes(1, payload);
                ps.setLong(2, k);
                ps.executeUpdate();
            }
        }
        AuditReport r = audit(db, false, false);
        assertThat(r.intact()).isFalse();
        assertThat(seqsOf(r, ProblemKind.CHAIN_BREAK)).containsExactly(k);
        assertThat(eventSeqs(r)).containsExactly(k);
    }

    @Test
    void aDeletedRowIsReportedAsTheGap() throws Exception {
        Path db = copy();
        long k = head / 2;
        try (Connection c = sql(db); Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM events WHERE seq = " + k);
        }
        AuditReport r = audit(db, false, false);
        assertThat(r.intact()).isFalse();
        assertThat(seqsOf(r, ProblemKind.SEQ_GAP)).containsExactly(k);
        assertThat(r.problems()).filteredOn(p -> p.kind() == ProblemKind.SEQ_GAP)
                .extracting(Problem::detail).containsExactly("seq " + k + " is missing");
        // the row after the gap cannot be checked against a hash that is gone; it is not called broken
        assertThat(seqsOf(r, ProblemKind.CHAIN_BREAK)).doesNotContain(k + 1);
    }

    @Test
    void aForgedRowIsNamed() throws Exception {
        Path db = copy();
        long forged = head + 1;
        try (Connection c = sql(db); Statement st = c.createStatement()) {
            // a copy of a real deposit, given the next seq and a plausible-looking hash
            st.executeUpdate("INSERT INTO events(seq, ts, type, game_id, player_id, bet_id, amount, idem_key, payload, hash)"
                    + " SELECT " + forged + ", ts + 1, type, game_id, player_id, bet_id, amount, NULL, payload, randomblob(32)"
                    + " FROM events WHERE type = 1 ORDER BY seq DESC LIMIT 1");
        }
        AuditReport r = audit(db, false, false);
        assertThat(r.intact()).isFalse();
        assertThat(seqsOf(r, ProblemKind.CHAIN_BREAK)).containsExactly(forged);
        assertThat(r.problems()).anySatisfy(p -> {
            assertThat(p.kind()).isEqualTo(ProblemKind.HEAD_MISMATCH);
            assertThat(p.detail()).contains("beyond the head");
        });
    }

    @Test
    void swappedPayloadsNameBothSeqs() throws Exception {
        Path db = copy();
        long j = seqOfType(db, 1, 10);
        long k = seqOfType(db, 1, 30);
        try (Connection c = sql(db)) {
            byte[] pj = payloadOf(c, j);
            byte[] pk = payloadOf(c, k);
            assertThat(pj).isNotEqualTo(pk);
            try (PreparedStatement ps = c.prepareStatement("UPDATE events SET payload = ? WHERE seq = ?")) {
                ps.setBytes(1, pk);
                ps.setLong(2, j);
                ps.executeUpdate();
                ps.setBytes(1, pj);
                ps.setLong(2, k);
                ps.executeUpdate();
            }
        }
        AuditReport r = audit(db, false, false);
        assertThat(r.intact()).isFalse();
        assertThat(seqsOf(r, ProblemKind.CHAIN_BREAK)).containsExactly(j, k);
    }

    @Test
    void aConsistentlyRewrittenChainIsCaughtByTheKeyAndByTheDigest() throws Exception {
        Path db = copy();
        long k = seqOfType(db, 1, 25);
        rewriteFrom(db, k);
        AuditReport withoutKey = audit(db, false, false);
        // without a key or a digest a consistent rewrite is indistinguishable: the reason both exist
        assertThat(seqsOf(withoutKey, ProblemKind.CHAIN_BREAK)).isEmpty();

        AuditReport withKey = audit(db, true, false);
        assertThat(withKey.intact()).isFalse();
        List<Problem> rewritten = withKey.problems().stream().filter(p -> p.kind() == ProblemKind.HISTORY_REWRITTEN).toList();
        assertThat(rewritten).isNotEmpty();
        Problem first = rewritten.get(0);
        assertThat(first.seq()).isGreaterThanOrEqualTo(k);
        assertThat(first.detail()).contains("at or before seq " + first.seq());
        assertThat(firstBatchEndAtOrAfter(db, k)).isEqualTo(first.seq());

        AuditReport withDigest = audit(db, false, true);
        assertThat(withDigest.intact()).isFalse();
        assertThat(withDigest.problems()).anySatisfy(p -> {
            assertThat(p.kind()).isEqualTo(ProblemKind.HISTORY_REWRITTEN);
            assertThat(p.seq()).isEqualTo(head);
            assertThat(p.detail()).contains("at or before seq " + head);
        });
    }

    @Test
    void aCutTailIsCaughtByTheDigest() throws Exception {
        Path db = copy();
        long newHead = head - 10;
        try (Connection c = sql(db); Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM events WHERE seq > " + newHead);
            // a careful forger also moves the head row and drops the batch records past it
            st.executeUpdate("DELETE FROM batches WHERE last_seq > " + newHead);
            st.executeUpdate("UPDATE ledger_head SET seq = " + newHead + ", read_model_seq = " + newHead
                    + ", hash = (SELECT hash FROM events WHERE seq = " + newHead + ")");
        }
        AuditReport r = audit(db, false, true);
        assertThat(r.intact()).isFalse();
        assertThat(r.problems()).anySatisfy(p -> {
            assertThat(p.kind()).isEqualTo(ProblemKind.TRUNCATED);
            assertThat(p.detail()).contains("vouches for seq " + head, "ends at seq " + newHead, "10 event(s) are gone");
        });
    }

    /** An attacker who knows the algorithm but not the key: edit row k, then recompute every hash after it. */
    private static void rewriteFrom(Path db, long k) throws Exception {
        ChainHash chain = new ChainHash();
        EventFrame frames = new EventFrame();
        try (Connection c = sql(db)) {
            c.setAutoCommit(false);
            byte[] previous;
            try (PreparedStatement ps = c.prepareStatement("SELECT hash FROM events WHERE seq = ?")) {
                ps.setLong(1, k - 1);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    previous = rs.getBytes(1);
                }
            }
            try (PreparedStatement read = c.prepareStatement("SELECT seq, ts, type, payload FROM events WHERE seq >= ? ORDER BY seq");
                 PreparedStatement write = c.prepareStatement("UPDATE events SET payload = ?, hash = ? WHERE seq = ?");
                 PreparedStatement batch = c.prepareStatement("UPDATE batches SET head_hash = ? WHERE last_seq = ?")) {
                read.setLong(1, k);
                try (ResultSet rs = read.executeQuery()) {
                    while (rs.next()) {
                        long seq = rs.getLong(1);
                        byte[] payload = rs.getBytes(4);
                        if (seq == k) {
                            int at = indexOf(payload, "cage-".getBytes(StandardCharsets.US_ASCII));
                            payload[at] = 'C';
                        }
                        byte[] hash = chain.next(previous, frames.encode(rs.getInt(3), seq, rs.getLong(2), payload));
                        write.setBytes(1, payload);
                        write.setBytes(2, hash);
                        write.setLong(3, seq);
                        write.executeUpdate();
                        batch.setBytes(1, hash);
                        batch.setLong(2, seq);
                        batch.executeUpdate();
                        previous = hash;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE ledger_head SET hash = ?")) {
                ps.setBytes(1, previous);
                ps.executeUpdate();
            }
            c.commit();
        }
    }

    private static byte[] payloadOf(Connection c, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT payload FROM events WHERE seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBytes(1);
            }
        }
    }

    private static long firstBatchEndAtOrAfter(Path db, long seq) throws SQLException {
        try (Connection c = LedgerDatabase.openReadOnly(db);
             PreparedStatement ps = c.prepareStatement("SELECT min(last_seq) FROM batches WHERE last_seq >= ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
