package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.audit.ChainCheck;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.store.Migrations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import java.util.UUID;

/**
 * Online backups. A backup is {@code VACUUM INTO} from a read-only connection: one read
 * transaction, so it is a snapshot at a commit (= batch) boundary, taken while the writer keeps
 * committing (WAL readers never block it). Never a file copy: a copy of a live WAL database misses
 * the commits still in the WAL and can be torn.
 * <p>
 * The copy is written to a hidden temp file (mode 0600) in the backup directory, verified (opened,
 * {@code quick_check}, the whole hash chain recomputed up to the head it claims), hashed, forced to
 * disk and renamed into place atomically as {@code ledger-<UTC yyyyMMdd-HHmmss>-seq<N>.db}, with its
 * manifest beside it. Any failure deletes the temp files: a failed backup leaves nothing behind.
 */
public final class Backups {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    static final String PREFIX = "ledger-";
    /** Temp files are named {@code .partial-<pid>-<uuid>.*} so that a later backup can tell an orphan from work in progress. */
    private static final String PARTIAL = ".partial-";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    /** A finished backup: where it is and what its manifest says. */
    public record Result(Path file, Path manifestFile, Manifest manifest, long durationNanos) {}

    private static final Logger LOG = LoggerFactory.getLogger(Backups.class);

    private Backups() {}

    /**
     * Takes one verified backup of {@code db} into {@code dir}. {@code signer} (null without a key)
     * must be bound to this ledger's id; it signs the backup's head in the manifest.
     */
    public static Result take(Path db, Path dir, HeadSigner signer, Clock clock) throws BackupFailure {
        return take(db, dir, signer, clock, true);
    }

    /**
     * {@link #take(Path, Path, HeadSigner, Clock, boolean)} for a tool beside the ledger: signs with {@code key}
     * (null: unsigned) under the ledger id the file records.
     */
    public static Result takeSignedWith(Path db, Path dir, byte[] key, Clock clock, boolean withViews)
            throws BackupFailure, java.sql.SQLException {
        HeadSigner signer = null;
        if (key != null) {
            // an unreadable file is an I/O error of the tool's input, as it was before a backup began
            try (java.sql.Connection conn = LedgerDatabase.openReadOnly(db)) {
                signer = new HeadSigner(key, LedgerDatabase.ledgerId(conn));
            }
        }
        return take(db, dir, signer, clock, withViews);
    }

    /**
     * As {@link #take(Path, Path, HeadSigner, Clock)}; with {@code withViews} the backup also carries
     * the views file beside {@code db} (the log-first commit's read model), when there is one that
     * is complete and on this log, as {@code <backup>.views} with its watermark and SHA-256 in the
     * manifest: a restore then serves it at once instead of rebuilding it from the log.
     */
    public static Result take(Path db, Path dir, HeadSigner signer, Clock clock, boolean withViews) throws BackupFailure {
        long start = System.nanoTime();
        Path temp = null;
        Path tempManifest = null;
        ViewsCopy views = null;
        try {
            createPrivateDirectory(dir);
            removeOrphanedPartials(dir);
            // the views first: they only ever follow the committed log, so their watermark is then in the database's copy
            views = withViews ? snapshotViews(db, dir) : null;
            temp = dir.resolve(PARTIAL + ProcessHandle.current().pid() + "-" + UUID.randomUUID() + ".db");
            createPrivateFile(temp);
            snapshotInto(db, temp);
            Verified v = verifyDatabase(temp, null);
            force(temp);
            if (views != null && !views.onLogOf(temp, v.chain.seq())) {
                deleteQuietly(views.file);
                views = null;
            }
            Instant now = clock.instant();
            Path target = freeName(dir, PREFIX + STAMP.format(now) + "-seq" + v.chain.seq());
            String hmac = signer == null ? null : Hex.of(signer.sign(v.chain.seq(), v.chain.headHash()));
            Manifest manifest = new Manifest(target.getFileName().toString(), v.ledgerId, v.chain.seq(), v.chain.headHex(),
                    hmac, signer == null ? null : signer.keyId(), sha256(temp), Files.size(temp), v.schemaVersion,
                    now.toString(), db.toAbsolutePath().normalize().toString(),
                    views == null ? Manifest.NO_VIEWS : views.seq, views == null ? null : sha256(views.file), v.books);
            tempManifest = dir.resolve(PARTIAL + ProcessHandle.current().pid() + "-" + UUID.randomUUID() + ".json");
            createPrivateFile(tempManifest);
            Files.writeString(tempManifest, manifest.toJson() + "\n", StandardCharsets.UTF_8);
            force(tempManifest);
            Path manifestFile = dir.resolve(Manifest.fileNameFor(target.getFileName().toString()));
            move(temp, target);
            temp = null;
            if (views != null) {
                move(views.file, dir.resolve(Manifest.viewsFileNameFor(target.getFileName().toString())));
                views = null;
            }
            // the manifest last: a backup without it is unfinished, and removed as such
            move(tempManifest, manifestFile);
            tempManifest = null;
            JournalArchive.fsyncDirectory(dir);
            return new Result(target, manifestFile, manifest, System.nanoTime() - start);
        } catch (IOException | SQLException e) {
            throw new BackupFailure("backup of " + db + " into " + dir + " failed: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                deleteQuietly(temp);
                // VACUUM INTO that fails part way (a full disk) can leave its own journal behind
                for (String side : new String[]{"-journal", "-wal", "-shm"}) {
                    deleteQuietly(temp.resolveSibling(temp.getFileName() + side));
                }
            }
            deleteQuietly(tempManifest);
            if (views != null) {
                deleteQuietly(views.file);
            }
        }
    }

    /** A copy of the views file, in the backup directory under a partial name, and its watermark. */
    private record ViewsCopy(Path file, long seq, byte[] hash) {
        /** Whether the database copy holds this watermark's seq with the same chain hash. */
        boolean onLogOf(Path dbCopy, long dbSeq) throws SQLException {
            if (seq > dbSeq) {
                return false;
            }
            try (Connection conn = LedgerDatabase.openReadOnly(dbCopy)) {
                return seq == 0 || java.util.Arrays.equals(io.bitcraps.ledger.store.EventReader.hashAt(conn, seq), hash);
            }
        }
    }

    /**
     * {@code VACUUM INTO} of the views file beside {@code db}, verified ({@code quick_check}, a head
     * that is not being built); null when there is none, or none usable: the backup then goes
     * without it, since the views can always be rebuilt from the log.
     */
    private static ViewsCopy snapshotViews(Path db, Path dir) throws IOException {
        Path file = LedgerDatabase.viewsFileOf(db);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Path copy = dir.resolve(PARTIAL + ProcessHandle.current().pid() + "-" + UUID.randomUUID() + ".views");
        createPrivateFile(copy);
        try {
            try (Connection conn = LedgerDatabase.readOnlyConfig(10_000).createConnection(LedgerDatabase.url(file));
                 Statement st = conn.createStatement()) {
                st.execute("VACUUM INTO '" + copy.toAbsolutePath().toString().replace("'", "''") + "'");
            }
            try (Connection conn = LedgerDatabase.readOnlyConfig(10_000).createConnection(LedgerDatabase.url(copy));
                 Statement st = conn.createStatement()) {
                try (ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
                    if (!rs.next() || !"ok".equals(rs.getString(1))) {
                        throw new SQLException("quick_check failed");
                    }
                }
                try (ResultSet rs = st.executeQuery("SELECT seq, hash, building FROM views_head WHERE id = 1")) {
                    if (!rs.next() || rs.getInt(3) != 0) {
                        throw new SQLException("its head is missing or it is being built");
                    }
                    ViewsCopy c = new ViewsCopy(copy, rs.getLong(1), rs.getBytes(2));
                    force(copy);
                    return c;
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("the backup of {} goes without its views file ({}); a restore rebuilds the views from the log",
                    db, e.getMessage());
            deleteQuietly(copy);
            for (String side : new String[]{"-journal", "-wal", "-shm"}) {
                deleteQuietly(copy.resolveSibling(copy.getFileName() + side));
            }
            return null;
        }
    }

    private static void snapshotInto(Path db, Path temp) throws SQLException, BackupFailure {
        if (!Files.isRegularFile(db)) {
            throw new BackupFailure("no ledger database at " + db);
        }
        SQLiteConfig cfg = LedgerDatabase.readOnlyConfig(10_000);
        try (Connection conn = cfg.createConnection(LedgerDatabase.url(db)); Statement st = conn.createStatement()) {
            // VACUUM INTO runs in its own read transaction: the copy is one committed state
            st.execute("VACUUM INTO '" + temp.toAbsolutePath().toString().replace("'", "''") + "'");
        }
    }

    /** What verifying a backup file established. */
    record Verified(ChainCheck.Result chain, String ledgerId, int schemaVersion, BackupBooks books) {}

    /**
     * Opens a backup file read-only and checks it: {@code quick_check}, the schema, the whole chain
     * up to the head row. With {@code expected} it must also match that manifest's seq and hash.
     */
    static Verified verifyDatabase(Path file, Manifest expected) throws BackupFailure {
        try (Connection conn = LedgerDatabase.openReadOnly(file)) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
                String result = rs.next() ? rs.getString(1) : "no answer";
                if (!"ok".equals(result)) {
                    throw new BackupFailure(file.getFileName() + " fails quick_check: " + result);
                }
            }
            ChainCheck.Result chain = ChainCheck.all(conn);
            if (!chain.ok()) {
                throw new BackupFailure(file.getFileName() + " does not verify: " + chain.problem());
            }
            String ledgerId = LedgerDatabase.ledgerId(conn);
            int version = Migrations.verify(conn);
            // by meaning too: the books its log folds to must balance (and, below, be those its manifest recorded)
            BackupBooks books = BackupBooks.of(conn, file.getFileName().toString());
            conn.rollback();
            if (expected != null) {
                if (expected.seq() != chain.seq() || !expected.headHash().equals(chain.headHex())) {
                    throw new BackupFailure(file.getFileName() + " holds seq " + chain.seq() + " head " + chain.headHex()
                            + ", its manifest says seq " + expected.seq() + " head " + expected.headHash());
                }
                if (!expected.ledgerId().equals(ledgerId)) {
                    throw new BackupFailure(file.getFileName() + " is of ledger " + ledgerId + ", its manifest says "
                            + expected.ledgerId());
                }
                if (expected.books() != null && !expected.books().equals(books)) {
                    throw new BackupFailure(file.getFileName() + " folds to books " + books + ", its manifest recorded "
                            + expected.books() + " when it was taken");
                }
            }
            return new Verified(chain, ledgerId, version, books);
        } catch (SQLException | RuntimeException e) {
            throw new BackupFailure(file.getFileName() + " cannot be read as a ledger: " + e.getMessage(), e);
        }
    }

    /**
     * Checks a backup without restoring it: the manifest exists and parses, the file's SHA-256 and
     * size match it, the database verifies and matches its seq and head, and with a key the HMAC
     * verifies. Returns the manifest.
     */
    public static Manifest verify(Path backup, byte[] key) throws BackupFailure {
        Path manifestFile = backup.resolveSibling(Manifest.fileNameFor(backup.getFileName().toString()));
        if (!Files.isRegularFile(backup)) {
            throw new BackupFailure("no backup file " + backup);
        }
        if (!Files.isRegularFile(manifestFile)) {
            throw new BackupFailure("backup " + backup.getFileName() + " has no manifest (" + manifestFile.getFileName()
                    + "); an unverifiable backup is not restored");
        }
        if (Files.isSymbolicLink(manifestFile)) {
            throw new BackupFailure("refusing " + manifestFile.getFileName() + ": it is a symbolic link");
        }
        Manifest m;
        try {
            m = Manifest.parse(Files.readString(manifestFile, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new BackupFailure("the manifest of " + backup.getFileName() + " does not parse: " + e.getMessage(), e);
        }
        try {
            if (!m.file().equals(backup.getFileName().toString())) {
                throw new BackupFailure("the manifest describes " + m.file() + ", not " + backup.getFileName());
            }
            String actual = sha256(backup);
            if (!actual.equals(m.sha256())) {
                throw new BackupFailure("backup " + backup.getFileName() + " was changed after it was taken: its SHA-256 is "
                        + actual + ", the manifest says " + m.sha256());
            }
        } catch (IOException e) {
            throw new BackupFailure("cannot read " + backup + ": " + e.getMessage(), e);
        }
        verifyDatabase(backup, m);
        if (m.hasViews()) {
            // the views are derived from the log: a backup whose views file was not copied along is
            // still a whole backup (the restore rebuilds them); one whose views file changed is not
            Path views = backup.resolveSibling(Manifest.viewsFileNameFor(backup.getFileName().toString()));
            try {
                if (!Files.isRegularFile(views)) {
                    LOG.warn("backup {} has no views file {} beside it; a restore builds the views from the log",
                            backup.getFileName(), views.getFileName());
                } else if (!sha256(views).equals(m.viewsSha256())) {
                    throw new BackupFailure("the views file of backup " + backup.getFileName() + " was changed after it was"
                            + " taken: its SHA-256 is " + sha256(views) + ", the manifest says " + m.viewsSha256());
                }
            } catch (IOException e) {
                throw new BackupFailure("cannot read " + views + ": " + e.getMessage(), e);
            }
        }
        if (key != null) {
            if (m.hmac() == null) {
                throw new BackupFailure("backup " + backup.getFileName() + " carries no HMAC, so the key cannot vouch for it");
            }
            HeadSigner signer = new HeadSigner(key, m.ledgerId());
            if (!signer.verify(m.seq(), Hex.parse(m.headHash()), Hex.parse(m.hmac()))) {
                throw new BackupFailure("the HMAC of backup " + backup.getFileName() + " does not verify with key "
                        + signer.keyId() + ": the backup or its manifest was forged");
            }
        }
        return m;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
        }
        return Hex.of(md.digest());
    }

    /**
     * Deletes temp files left by a backup whose process died (killed mid-backup): their pid no
     * longer runs. A running backup's files are left alone.
     */
    static void removeOrphanedPartials(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (!name.startsWith(PARTIAL)) {
                    continue;
                }
                String rest = name.substring(PARTIAL.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? "" : rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    pid = -1; // an older name without a pid: its writer is long gone
                }
                if (pid < 0 || ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static Path freeName(Path dir, String stem) {
        Path candidate = dir.resolve(stem + ".db");
        for (int i = 2; Files.exists(candidate); i++) {
            candidate = dir.resolve(stem + "-" + i + ".db");
        }
        return candidate;
    }

    static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            // Files.createDirectories would throw FileAlreadyExistsException, whose message is the bare path
            throw new java.nio.file.FileSystemException(dir.toString(), null, "exists and is not a directory");
        }
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
            }
        }
    }

    static void createPrivateFile(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
    }

    static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // best effort: the caller is already reporting the failure that brought us here
            }
        }
    }
}
