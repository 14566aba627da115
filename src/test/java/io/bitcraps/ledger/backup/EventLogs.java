package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Test helpers of the backup tests: comparing two event logs row by row, reading single facts of a database. */
final class EventLogs {
    private static final int CHUNK = 5_000;

    private EventLogs() {}

    /**
     * Asserts that events 1..n of {@code copy} equal events 1..n of {@code live}, every column
     * byte for byte, and that {@code copy} holds nothing past n. Streams both logs in chunks so a
     * large ledger is never held in memory whole.
     */
    static void assertSameEvents(Path live, Path copy, long n) throws SQLException {
        try (Connection a = LedgerDatabase.openReadOnly(live); Connection b = LedgerDatabase.openReadOnly(copy)) {
            assertThat(EventReader.maxSeq(b)).as("%s holds exactly events 1..%d", copy.getFileName(), n).isEqualTo(n);
            for (long from = 1; from <= n; from += CHUNK) {
                long to = Math.min(n, from + CHUNK - 1);
                List<EventRow> x = new ArrayList<>(CHUNK);
                List<EventRow> y = new ArrayList<>(CHUNK);
                EventReader.forEach(a, from, to, x::add);
                EventReader.forEach(b, from, to, y::add);
                assertThat(x).as("live rows %d..%d", from, to).hasSize((int) (to - from + 1));
                assertThat(y).as("%s rows %d..%d", copy.getFileName(), from, to).hasSize(x.size());
                for (int i = 0; i < x.size(); i++) {
                    if (!sameRow(x.get(i), y.get(i))) {
                        fail("seq " + x.get(i).seq() + " differs: live " + describe(x.get(i)) + ", " + copy.getFileName() + " "
                                + describe(y.get(i)));
                    }
                }
            }
        }
    }

    static boolean sameRow(EventRow x, EventRow y) {
        return x.seq() == y.seq() && x.timestampMicros() == y.timestampMicros() && x.typeCode() == y.typeCode()
                && Objects.equals(x.gameId(), y.gameId()) && Objects.equals(x.playerId(), y.playerId())
                && Objects.equals(x.betId(), y.betId()) && Objects.equals(x.amount(), y.amount())
                && Objects.equals(x.key(), y.key()) && Arrays.equals(x.payload(), y.payload())
                && Arrays.equals(x.hash(), y.hash());
    }

    static String describe(EventRow r) {
        return "{seq " + r.seq() + ", ts " + r.timestampMicros() + ", type " + r.typeCode() + ", payload "
                + Hex.of(r.payload()) + ", hash " + Hex.of(r.hash()) + "}";
    }

    /** The stored hash of one event, as lower-case hex. */
    static String hashAt(Path db, long seq) throws SQLException {
        try (Connection c = LedgerDatabase.openReadOnly(db);
             PreparedStatement ps = c.prepareStatement("SELECT hash FROM events WHERE seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("seq %d exists in %s", seq, db.getFileName()).isTrue();
                return Hex.of(rs.getBytes(1));
            }
        }
    }

    /** True when the {@code batches} table of {@code db} has a batch ending at {@code seq}. */
    static boolean isBatchBoundary(Path db, long seq) throws SQLException {
        try (Connection c = LedgerDatabase.openReadOnly(db);
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM batches WHERE last_seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 1;
            }
        }
    }

    /** The batches of {@code db} as [first_seq, last_seq] pairs, in order. */
    static List<long[]> batches(Path db) throws SQLException {
        List<long[]> out = new ArrayList<>();
        try (Connection c = LedgerDatabase.openReadOnly(db);
             PreparedStatement ps = c.prepareStatement("SELECT first_seq, last_seq FROM batches ORDER BY last_seq");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new long[]{rs.getLong(1), rs.getLong(2)});
            }
        }
        return out;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
            return Hex.of(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every file in {@code dir} (not recursive) whose name starts with {@code prefix}. */
    static List<Path> filesStartingWith(Path dir, String prefix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }
}
