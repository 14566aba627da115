package io.bitcraps.ledger.health;

import io.bitcraps.ledger.audit.ChainCheck;
import io.bitcraps.ledger.backup.Retention;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * The checks that need only the database file and a read-only connection, shared by the running
 * ledger's monitor and {@code tools/ledger health} (which can run beside a writer). Each returns
 * a verdict with a reason; none throws for a bad database: a failure to read is itself a verdict.
 */
public final class DatabaseChecks {
    private DatabaseChecks() {}

    /**
     * Every check of a ledger file from outside the process that writes it ({@code tools/ledger health}): the
     * database's integrity, the chain's tail ({@code tail} events re-hashed), the indexes, conservation, the last
     * commit's age, free disk, the WAL's size, and the newest backup in {@code backupDir}. Read-only; safe beside a
     * running writer.
     */
    public static HealthReport ofFile(Path db, HealthThresholds thresholds, Path backupDir, int tail, Clock clock)
            throws SQLException {
        List<HealthCheck> checks = new ArrayList<>();
        try (Connection conn = io.bitcraps.ledger.store.LedgerDatabase.openReadOnly(db)) {
            conn.setAutoCommit(false);
            checks.add(integrity(conn));
            checks.add(chainTail(conn, tail));
            checks.add(indexes(conn, tail));
            checks.add(conservation(conn));
            checks.add(lastCommit(conn, clock));
            conn.rollback();
        }
        checks.add(disk(db, thresholds.minFreeBytes()));
        checks.add(wal(db, thresholds.maxWalBytes()));
        checks.add(backups(backupDir, thresholds.maxBackupAge(), clock));
        return HealthReport.of(clock.instant(), checks);
    }

    /** SQLite's own page-level check. It misses flipped data bytes; the chain check catches those. */
    public static HealthCheck integrity(Connection conn) {
        try {
            return quickCheck(conn);
        } catch (SQLException e) {
            return HealthCheck.down("integrity", "quick_check failed: " + e.getMessage());
        }
    }

    /** {@code quick_check}'s verdict; a failure to read is thrown, for the caller to retry or report. */
    static HealthCheck quickCheck(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
            String r = rs.next() ? rs.getString(1) : "no answer";
            return "ok".equals(r) ? HealthCheck.up("integrity", "quick_check ok")
                    : HealthCheck.down("integrity", "quick_check reports " + r + "; stop writing, audit, recover from a backup");
        }
    }

    /** Re-hashes the newest events against the head row. A break means the file was changed under the ledger. */
    public static HealthCheck chainTail(Connection conn, int events) {
        try {
            return chainVerdict(ChainCheck.lastRows(conn, events));
        } catch (SQLException | RuntimeException e) {
            return HealthCheck.down("chain", "cannot read the log tail: " + e.getMessage());
        }
    }

    /** The verdict on a chain check that read its rows: DOWN only on evidence (a break, a head that does not match). */
    static HealthCheck chainVerdict(ChainCheck.Result r) {
        return r.ok() ? HealthCheck.up("chain", "last " + r.rowsChecked() + " events chain to the head at seq " + r.seq())
                : HealthCheck.down("chain", r.problem() + "; the file was changed behind the ledger (a running ledger halts its writes);"
                + " run tools/ledger audit, then tools/ledger recover");
    }

    /**
     * The indexes that answers depend on: idempotency (a resubmitted key must find its first
     * commit) and statements (a player's, a game's, the house's and the world's events).
     * {@code quick_check} does not compare an index with its table, and a full
     * {@code integrity_check} reads the whole file (the audit runs it). This compares each index
     * with the table over the newest {@code tailEvents} events only, so it costs the same on any
     * size of file: the table side is read by rowid range ({@code NOT INDEXED}), the index side
     * ({@code INDEXED BY}) by one probe per key seen in the tail, or by seq range for the indexes
     * on seq. It sees entries the index lost or holds wrongly for recent events, not damage to
     * older entries (the audit's job).
     */
    public static HealthCheck indexes(Connection conn, int tailEvents) {
        try {
            return indexCheck(conn, tailEvents);
        } catch (SQLException | RuntimeException e) {
            return HealthCheck.down("indexes", "cannot compare the indexes with the table: " + e.getMessage());
        }
    }

    /** An index of {@code events}: on one key column (then seq), or, with a null column, a partial index on seq. */
    private record EventIndex(String name, String column) {}

    private static final List<EventIndex> EVENT_INDEXES = List.of(
            new EventIndex("events_by_idem_key", "idem_key"),
            new EventIndex("events_by_game", "game_id"),
            new EventIndex("events_by_player", "player_id"),
            new EventIndex("events_touching_house", null),
            new EventIndex("events_touching_world", null),
            new EventIndex("events_games_opened", "game_id"),
            new EventIndex("events_keyed", null));

    /** Like {@link #indexes}, but a failure to read is thrown, for the caller to retry or report. */
    static HealthCheck indexCheck(Connection conn, int tailEvents) throws SQLException {
        long last;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT coalesce(max(seq), 0) FROM events")) {
            last = rs.next() ? rs.getLong(1) : 0;
        }
        long from = Math.max(1, last - tailEvents + 1);
        List<String> checked = new ArrayList<>();
        for (EventIndex index : EVENT_INDEXES) {
            String where = partialCondition(conn, index.name());
            if (where == null) {
                continue; // not in this schema version
            }
            String problem = index.column() == null ? compareSeqIndex(conn, index.name(), where, from)
                    : compareKeyIndex(conn, index, where, from);
            if (problem != null) {
                return HealthCheck.down("indexes", "index " + index.name() + " disagrees with the events table: " + problem
                        + "; idempotency or statements read through it: stop the ledger, run REINDEX " + index.name()
                        + " on the database, then tools/ledger audit");
            }
            checked.add(index.name());
        }
        return HealthCheck.up("indexes", String.join(", ", checked) + " agree with the events table from seq " + from);
    }

    /** The WHERE of a partial index as written in its CREATE INDEX, or "1" for a full index; null when there is no such index. */
    private static String partialCondition(Connection conn, String index) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?")) {
            ps.setString(1, index);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String sql = rs.getString(1);
                int at = sql.toUpperCase(Locale.ROOT).lastIndexOf(" WHERE ");
                return at < 0 ? "1" : sql.substring(at + " WHERE ".length()).strip();
            }
        }
    }

    /** A partial index on seq: the seqs of the tail through the index and through the table must be the same. */
    private static String compareSeqIndex(Connection conn, String index, String where, long from) throws SQLException {
        List<Long> table = seqs(conn, "SELECT seq FROM events NOT INDEXED WHERE (" + where + ") AND seq >= ? ORDER BY seq", from);
        List<Long> viaIndex = seqs(conn, "SELECT seq FROM events INDEXED BY " + index + " WHERE (" + where
                + ") AND seq >= ? ORDER BY seq", from);
        return table.equals(viaIndex) ? null : "from seq " + from + ", " + difference(table, viaIndex);
    }

    /** An index on a key column: each key of the tail, looked up through the index, finds exactly the tail's rows. */
    private static String compareKeyIndex(Connection conn, EventIndex index, String where, long from) throws SQLException {
        Map<String, List<Long>> byKey = new LinkedHashMap<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT seq, " + index.column() + " FROM events NOT INDEXED WHERE seq >= ?"
                + " AND " + index.column() + " IS NOT NULL AND (" + where + ") ORDER BY seq")) {
            ps.setLong(1, from);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byKey.computeIfAbsent(rs.getString(2), k -> new ArrayList<>()).add(rs.getLong(1));
                }
            }
        }
        String probe = "SELECT seq FROM events INDEXED BY " + index.name() + " WHERE " + index.column() + " = ? AND ("
                + where + ") AND seq >= ? ORDER BY seq";
        try (PreparedStatement ps = conn.prepareStatement(probe)) {
            for (var e : byKey.entrySet()) {
                ps.setString(1, e.getKey());
                ps.setLong(2, from);
                List<Long> viaIndex = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        viaIndex.add(rs.getLong(1));
                    }
                }
                if (!viaIndex.equals(e.getValue())) {
                    return "for " + index.column() + " " + e.getKey() + ", " + difference(e.getValue(), viaIndex);
                }
            }
        }
        return null;
    }

    private static List<Long> seqs(Connection conn, String sql, long from) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setLong(1, from);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    /** What the index lacks and what it holds beyond the table, a few seqs of each. */
    private static String difference(List<Long> table, List<Long> viaIndex) {
        List<Long> missing = new ArrayList<>(table);
        missing.removeAll(viaIndex);
        List<Long> extra = new ArrayList<>(viaIndex);
        extra.removeAll(table);
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add(seqs(missing) + " in the table, not found through the index");
        }
        if (!extra.isEmpty()) {
            parts.add(seqs(extra) + " found through the index, not in the table");
        }
        return parts.isEmpty() ? "the same rows in another order" : String.join("; ", parts);
    }

    private static String seqs(List<Long> seqs) {
        String shown = seqs.subList(0, Math.min(5, seqs.size())).toString().replace("[", "").replace("]", "");
        return (seqs.size() == 1 ? "seq " : "seqs ") + shown + (seqs.size() > 5 ? " and " + (seqs.size() - 5) + " more" : "");
    }

    /** I1 on the persisted read model: all balances, world included, sum to zero. */
    public static HealthCheck conservation(Connection conn) {
        try (Statement st = conn.createStatement(); ResultSet head = st.executeQuery("SELECT read_model_seq FROM ledger_head")) {
            if (head.next() && head.getLong(1) < 0) {
                return HealthCheck.up("conservation", "this database keeps no read model (the log-first commit); the writer"
                        + " checks I1 at every event, and the views file beside it carries its own digest");
            }
        } catch (SQLException e) {
            return HealthCheck.down("conservation", "cannot read the head: " + e.getMessage());
        }
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), coalesce(sum(balance), 0) FROM balances")) {
            rs.next();
            long sum = rs.getLong(2);
            return sum == 0 ? HealthCheck.up("conservation", rs.getLong(1) + " balances sum to 0 (I1)")
                    : HealthCheck.down("conservation", "balances sum to " + sum + ", not 0 (I1 broken); audit now");
        } catch (SQLException e) {
            return HealthCheck.down("conservation", "cannot sum the balances: " + e.getMessage());
        }
    }

    public static HealthCheck disk(Path db, long minFreeBytes) {
        try {
            long free = Files.getFileStore(db.toAbsolutePath().getParent()).getUsableSpace();
            String text = String.format(Locale.ROOT, "%,d MiB free (threshold %,d MiB)", free >> 20, minFreeBytes >> 20);
            return free < minFreeBytes ? HealthCheck.degraded("disk", text + "; make room before commits start failing")
                    : HealthCheck.up("disk", text);
        } catch (IOException e) {
            return HealthCheck.degraded("disk", "cannot read free space: " + e.getMessage());
        }
    }

    public static HealthCheck wal(Path db, long maxWalBytes) {
        Path wal = db.resolveSibling(db.getFileName() + "-wal");
        try {
            long size = Files.exists(wal) ? Files.size(wal) : 0;
            String text = String.format(Locale.ROOT, "WAL %,d KiB (threshold %,d MiB)", size >> 10, maxWalBytes >> 20);
            return size > maxWalBytes ? HealthCheck.degraded("wal", text + "; a long reader (backup, audit) is holding"
                    + " checkpoints back, or checkpoints fail") : HealthCheck.up("wal", text);
        } catch (IOException e) {
            return HealthCheck.degraded("wal", "cannot read the WAL size: " + e.getMessage());
        }
    }

    /** Age of the newest batch record. Information only: an idle floor commits nothing. */
    public static HealthCheck lastCommit(Connection conn, Clock clock) {
        try (PreparedStatement ps = conn.prepareStatement("SELECT max(committed_ts), max(last_seq) FROM batches");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            long micros = rs.getLong(1);
            if (rs.wasNull()) {
                return HealthCheck.up("last commit", "no commit yet");
            }
            Duration age = Duration.between(Instant.EPOCH.plusNanos(micros * 1000), clock.instant());
            return HealthCheck.up("last commit", "seq " + rs.getLong(2) + ", " + human(age) + " ago");
        } catch (SQLException e) {
            return HealthCheck.degraded("last commit", "cannot read batch records: " + e.getMessage());
        }
    }

    /** The newest backup in {@code dir}: DEGRADED past {@code maxAge}, or when there is none. */
    public static HealthCheck backups(Path dir, Duration maxAge, Clock clock) {
        try {
            List<Retention.Backup> all = Retention.list(dir);
            if (all.isEmpty()) {
                return maxAge == null ? HealthCheck.up("backup", "no backup in " + dir + " (none expected)")
                        : HealthCheck.degraded("backup", "no backup in " + dir + "; take one: tools/ledger backup");
            }
            Retention.Backup newest = all.get(0);
            Duration age = Duration.between(newest.takenAt(), clock.instant());
            String text = "newest " + newest.file().getFileName() + ", " + human(age) + " old";
            if (maxAge != null && age.compareTo(maxAge) > 0) {
                return HealthCheck.degraded("backup", text + ", older than " + human(maxAge) + "; check the backup schedule");
            }
            return HealthCheck.up("backup", text);
        } catch (IOException e) {
            return HealthCheck.degraded("backup", "cannot list " + dir + ": " + e.getMessage());
        }
    }

    static String human(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        if (s < 172_800) {
            return s / 3600 + " h";
        }
        return s / 86_400 + " days";
    }
}
