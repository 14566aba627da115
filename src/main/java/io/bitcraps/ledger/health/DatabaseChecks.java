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
import java.util.List;
import java.util.Locale;

/**
 * The checks that need only the database file and a read-only connection, shared by the running
 * ledger's monitor and {@code tools/ledger health} (which can run beside a writer). Each returns
 * a verdict with a reason; none throws for a bad database: a failure to read is itself a verdict.
 */
public final class DatabaseChecks {
    private DatabaseChecks() {}

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

    /** I1 on the persisted read model: all balances, world included, sum to zero. */
    public static HealthCheck conservation(Connection conn) {
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
