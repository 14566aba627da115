package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.api.Durability;
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
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15: one damaged row must read as one root cause, not as the broken invariants that folding it caused
 * downstream, and a second, independent damage further on must still be named at its own seq. One floor of a few
 * thousand events (whole hands, so games are long and a damaged bet has consequences) is written once; each test
 * damages a copy of its file with plain SQL while no engine runs.
 */
class AuditRootCauseIT {
    private static final long SEED = Long.getLong("ledger.rootcause.seed", System.nanoTime());

    @TempDir
    static Path shared;
    static Path original;
    static long head;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeAFloor() throws Exception {
        original = shared.resolve("floor.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(original).durability(Durability.NORMAL).build())) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 16, 25, 7, "roots", 1_000, 10_000_000),
                    CrapsFloor.Options.defaults()).run(n -> { });
            head = ledger.view().seq();
        }
        assertThat(head).isGreaterThan(4_000);
    }

    @Test
    void anIntactFloorHasNoRootCause() throws Exception {
        AuditReport r = audit(copy());
        assertThat(r.intact()).isTrue();
        assertThat(r.rootCauses()).isEmpty();
        assertThat(r.rootCauseCount()).isZero();
        assertThat(r.followOnProblemCount()).isZero();
    }

    @Test
    void oneFlippedPayloadByteIsOneRootCauseAtItsSeqAndTheBooksFoldTheOriginal() throws Exception {
        Path db = copy();
        long k = seqOfType(db, EventType.BET_PLACED, head / 2);
        // the game id's first letter: the payload still decodes, as a bet in a game never opened
        byte[] payload = payloadOf(db, k);
        payload[indexOf(payload, "roots-".getBytes(StandardCharsets.US_ASCII))] ^= 0x01;
        setPayload(db, k, payload);

        AuditReport r = audit(db);

        assertThat(r.intact()).isFalse();
        // before issue #15 the bet's game, escrow and players broke downstream: here the hash pins the original
        assertThat(r.problems()).extracting(Problem::seq).containsOnly(k);
        assertThat(r.rootCauses()).singleElement().satisfies(c -> {
            assertThat(c.seq()).isEqualTo(k);
            assertThat(c.problems()).extracting(Problem::kind).containsExactly(ProblemKind.CHAIN_BREAK);
            assertThat(c.problems().get(0).detail()).contains("of its payload holds 0x");
            assertThat(c.resynchronised()).isTrue();
            assertThat(c.resync()).startsWith("resynchronised:");
            assertThat(c.followOnCount()).isZero();
        });
    }

    @Test
    void anyOneByteChangeOfAnyRowIsOneResynchronisedRootCause() throws Exception {
        System.out.println("AuditRootCauseIT seed=" + SEED + " (-Dledger.rootcause.seed=" + SEED + ")");
        SplittableRandom random = new SplittableRandom(SEED);
        for (int trial = 0; trial < 3; trial++) {
            Path db = dir.resolve("random-" + trial + ".db");
            Files.copy(original, db);
            long k = 2 + random.nextLong(head - 2);
            byte[] payload = payloadOf(db, k);
            int at = random.nextInt(payload.length);
            payload[at] ^= (byte) (1 + random.nextInt(255));
            setPayload(db, k, payload);

            AuditReport r = audit(db);

            String where = "seed " + SEED + ", trial " + trial + ": byte " + at + " of seq " + k;
            assertThat(r.rootCauses()).as(where).singleElement().satisfies(c -> {
                assertThat(c.seq()).isEqualTo(k);
                assertThat(c.resynchronised()).isTrue();
                assertThat(c.followOnCount()).isZero();
            });
            assertThat(r.problems()).as(where).extracting(Problem::seq).containsOnly(k);
        }
    }

    @Test
    void anEditNoOneByteChangeExplainsIsOneRootCauseWithItsFollowOnsGroupedUnderIt() throws Exception {
        Path db = copy();
        long k = seqOfType(db, EventType.BET_PLACED, head / 2);
        moveBetToAGameNeverOpened(db, k);

        AuditReport r = audit(db);

        assertThat(r.rootCauseCount()).isEqualTo(1);
        RootCause c = r.rootCauses().get(0);
        assertThat(c.seq()).isEqualTo(k);
        assertThat(c.problems()).extracting(Problem::seq).containsOnly(k);
        assertThat(c.problems()).extracting(Problem::kind).contains(ProblemKind.CHAIN_BREAK);
        assertThat(c.resynchronised()).isFalse();
        assertThat(c.resync()).startsWith("not resynchronised:");
        // the escrow of the bet's real game no longer matches its open bets, and so on downstream
        assertThat(c.followOnCount()).isPositive().isEqualTo(r.followOnProblemCount());
        assertThat(c.followOns()).extracting(Problem::kind).contains(ProblemKind.INVARIANT_BROKEN);
        assertThat(c.followOns()).extracting(Problem::seq).allMatch(s -> s == 0 || s >= k);
        // the full list is still there: the root cause's problems and every follow-on
        assertThat(r.problemCount()).isEqualTo(c.problems().size() + c.followOnCount());
        assertThat(r.problems()).hasSize((int) r.problemCount()).containsAll(c.followOns());
    }

    @Test
    void twoEditsFarApartAreTwoRootCausesEachAtItsOwnSeq() throws Exception {
        Path db = copy();
        long first = seqOfType(db, EventType.BET_PLACED, head / 5);
        long second = seqOfType(db, EventType.BET_PLACED, head * 3 / 4);
        moveBetToAGameNeverOpened(db, first);
        moveBetToAGameNeverOpened(db, second);

        AuditReport r = audit(db);

        assertThat(r.rootCauses()).extracting(RootCause::seq).containsExactly(first, second);
        for (RootCause c : r.rootCauses()) {
            assertThat(c.problems()).extracting(Problem::seq).containsOnly(c.seq());
            assertThat(c.problems()).extracting(Problem::kind).contains(ProblemKind.CHAIN_BREAK);
            assertThat(c.resynchronised()).isFalse();
            assertThat(c.followOnCount()).as("follow-ons of seq %d", c.seq()).isPositive();
            assertThat(c.followOns()).extracting(Problem::seq).allMatch(s -> s == 0 || s >= c.seq());
        }
        // what the second edit broke in its own game is grouped under it, not under the first
        assertThat(r.rootCauses().get(1).followOns()).anySatisfy(p -> assertThat(p.seq()).isGreaterThan(second));
    }

    @Test
    void twoFlippedBytesFarApartAreTwoResynchronisedRootCauses() throws Exception {
        Path db = copy();
        long first = seqOfType(db, EventType.BET_SETTLED, head / 5);
        long second = seqOfType(db, EventType.BET_SETTLED, head * 4 / 5);
        for (long k : List.of(first, second)) {
            byte[] payload = payloadOf(db, k);
            payload[indexOf(payload, "roots-".getBytes(StandardCharsets.US_ASCII))] ^= 0x01;
            setPayload(db, k, payload);
        }

        AuditReport r = audit(db);

        assertThat(r.rootCauses()).extracting(RootCause::seq).containsExactly(first, second);
        assertThat(r.rootCauses()).allSatisfy(c -> {
            assertThat(c.resynchronised()).isTrue();
            assertThat(c.followOnCount()).isZero();
        });
        assertThat(r.problems()).extracting(Problem::seq).containsOnly(first, second);
    }

    @Test
    void anAlteredStoredHashIsOneResynchronisedRootCauseAndTheNextRowsBrokenLinkIsItsFollowOn() throws Exception {
        Path db = copy();
        long k = seqOfType(db, EventType.BET_PLACED, head / 3);
        byte[] hash = new byte[32];
        new SplittableRandom(SEED).nextBytes(hash);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement ps = c.prepareStatement("UPDATE events SET hash = ? WHERE seq = ?")) {
            ps.setBytes(1, hash);
            ps.setLong(2, k);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }

        AuditReport r = audit(db);

        // both stored links are broken, and both are still reported
        assertThat(r.problems()).filteredOn(p -> p.kind() == ProblemKind.CHAIN_BREAK).extracting(Problem::seq)
                .containsExactly(k, k + 1);
        assertThat(r.rootCauses()).singleElement().satisfies(c -> {
            assertThat(c.seq()).isEqualTo(k);
            assertThat(c.resynchronised()).isTrue();
            assertThat(c.resync()).contains("only its stored hash was altered");
            assertThat(c.followOns()).anySatisfy(p -> {
                assertThat(p.seq()).isEqualTo(k + 1);
                assertThat(p.detail()).contains("the content of row seq " + k, "that row's stored hash was altered");
            });
        });
    }

    static void moveBetToAGameNeverOpened(Path db, long seq) throws SQLException {
        moveBetToAGameNeverOpened(db, seq, "roots-");
    }

    /**
     * Renames the bet's game (whose id starts with {@code gamePrefix}) in its payload: two letters, so that no one-byte
     * change explains it, as a forger would.
     */
    static void moveBetToAGameNeverOpened(Path db, long seq, String gamePrefix) throws SQLException {
        byte[] payload = payloadOf(db, seq);
        int at = indexOf(payload, gamePrefix.getBytes(StandardCharsets.US_ASCII));
        assertThat(at).as("the game id in the payload of seq %d", seq).isNotNegative();
        payload[at] = 'X';
        payload[at + 1] = 'Y';
        setPayload(db, seq, payload);
    }

    private Path copy() throws Exception {
        Path db = dir.resolve("copy.db");
        Files.copy(original, db); // the ledger is closed and checkpointed: the .db file is the whole ledger
        return db;
    }

    private static AuditReport audit(Path db) throws SQLException {
        return new Auditor().audit(db, Auditor.Options.everything(), n -> { });
    }

    /** The seq of the first row of {@code type} at or after {@code from}. */
    private static long seqOfType(Path db, EventType type, long from) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); PreparedStatement ps = c.prepareStatement(
                "SELECT min(seq) FROM events WHERE type = ? AND seq >= ?")) {
            ps.setInt(1, type.code());
            ps.setLong(2, from);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                long seq = rs.getLong(1);
                assertThat(seq).isPositive();
                return seq;
            }
        }
    }

    static byte[] payloadOf(Path db, long seq) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement ps = c.prepareStatement("SELECT payload FROM events WHERE seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getBytes(1);
            }
        }
    }

    static void setPayload(Path db, long seq, byte[] payload) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement ps = c.prepareStatement("UPDATE events SET payload = ? WHERE seq = ?")) {
            ps.setBytes(1, payload);
            ps.setLong(2, seq);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
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
