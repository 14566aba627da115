package io.bitcraps.ledger.crash;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.TestViews;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.audit.Digest;
import io.bitcraps.ledger.backup.Recovery;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;

import io.bitcraps.ledger.support.Fixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Corruption trials: one random byte flipped in a random page of a copy of a closed ledger's
 * database file, or of the WAL a killed writer left behind. For every trial whose flip changed
 * ledger data (the logical content of the log and the read model differs from the original, or
 * the file no longer reads), the audit (with the key and a digest of the original head) must say
 * "not intact"; and a ledger opened on the copy must either refuse to open or serve exactly the
 * original balances: damaged data is never served as good. Every few trials, {@code recover}
 * must bring the copy back to the original head from the backup and the journal archive.
 * <p>
 * Views trials: one byte flipped in a copy of the closed ledger's views file (the SQL read side of
 * the log-first layout), beside an intact copy of its database. A ledger opened on them must end
 * up serving exactly the original views (every table, statement and secondary index): a flip that
 * changed them is found at open and the file rebuilt from the log, never served.
 */
final class CorruptionCampaign {
    /** The figures of a run. */
    record Result(long seed, int trials, int walTrials, int changed, int detected, int harmless, int openRefused,
                  int servedOriginalBalances, int recoveries, int viewsTrials, int viewsChanged, int viewsRebuilt) {}

    private final Path dir;
    private final long seed;
    private final Random random;
    private final Path key;
    private Path baseDb;
    private Path baseWalDir;
    private Digest digest;
    private String baseContent;
    private Map<String, Long> baseBalances;
    private Digest walDigest;
    private String walContent;
    private String baseViewsContent;

    CorruptionCampaign(Path dir, long seed) throws IOException {
        this.dir = dir;
        this.seed = seed;
        this.random = new Random(seed);
        this.key = dir.resolve("hmac.key");
        Fixtures.writeKey(key, "corruption-campaign-key-0123456789");
    }

    /**
     * Runs {@code trials} flips of the closed database and {@code walTrials} of the WAL. Most flips
     * land where they change nothing the ledger means (free space, slack inside pages), so the
     * closed-database trials go on past {@code trials} until {@code minChanged} of them changed
     * the ledger (at most ten times as many): a campaign that judged no damaged file proves nothing.
     */
    Result run(int trials, int walTrials, int recoverEvery, int minChanged, int viewsTrials) throws Exception {
        prepareClosedLedger();
        prepareLedgerWithWal();
        int changed = 0;
        int detected = 0;
        int harmless = 0;
        int refused = 0;
        int servedOriginal = 0;
        int recoveries = 0;
        int closedTrials = 0;
        int closedChanged = 0;
        for (int t = 0; ; t++) {
            boolean wal = closedTrials >= trials && (closedChanged >= minChanged || closedTrials >= 10 * trials);
            if (wal && t - closedTrials >= walTrials) {
                break;
            }
            Path trialDir = Files.createDirectories(dir.resolve("trial-" + t));
            Path db = trialDir.resolve("ledger.db");
            Path source = wal ? baseWalDir.resolve("ledger.db") : baseDb;
            Files.copy(source, db);
            if (wal) {
                Files.copy(baseWalDir.resolve("ledger.db-wal"), trialDir.resolve("ledger.db-wal"));
            }
            Path target = wal ? trialDir.resolve("ledger.db-wal") : db;
            String where = "seed " + seed + " trial " + t + (wal ? " (WAL)" : "");
            String flipped = flipOneByte(target);
            String content = contentOf(db);
            boolean differs = !content.equals(wal ? walContent : baseContent);
            AuditReport audit = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, HeadSigner.readKey(key),
                    wal ? walDigest : digest), n -> { });
            if (!wal) {
                closedTrials++;
                closedChanged += differs ? 1 : 0;
            }
            if (differs) {
                changed++;
                if (audit.intact()) {
                    throw new AssertionError(where + ": " + flipped + " changed the ledger but the audit says intact;"
                            + " content " + content + ", originally " + (wal ? walContent : baseContent));
                }
                detected++;
            } else {
                harmless++;
            }
            if (!wal) {
                switch (openAndCompare(db, where)) {
                    case 0 -> refused++;
                    default -> servedOriginal++;
                }
                if (t % recoverEvery == 0 && differs) {
                    recover(trialDir, db, where);
                    recoveries++;
                }
            }
            deleteTree(trialDir);
        }
        int[] views = viewsTrials(viewsTrials);
        return new Result(seed, closedTrials, walTrials, changed, detected, harmless, refused, servedOriginal, recoveries,
                viewsTrials, views[0], views[1]);
    }

    /** {views flips that changed what the file holds, opens that rebuilt the file}. */
    private int[] viewsTrials(int trials) throws Exception {
        int changed = 0;
        int rebuilt = 0;
        Path baseViews = LedgerDatabase.viewsFileOf(baseDb);
        for (int t = 0; t < trials; t++) {
            Path trialDir = Files.createDirectories(dir.resolve("views-trial-" + t));
            Path db = trialDir.resolve("ledger.db");
            Path views = LedgerDatabase.viewsFileOf(db);
            Files.copy(baseDb, db);
            Files.copy(baseViews, views);
            String where = "seed " + seed + " views trial " + t;
            String flipped = flipOneByte(views);
            boolean differs = !viewsContentOf(views).equals(baseViewsContent);
            changed += differs ? 1 : 0;
            try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                    .healthInterval(Duration.ZERO).readerPoolSize(1).build())) {
                if (ledger.openReport().contains("views file")) {
                    rebuilt++;
                }
                if (!ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(120))) {
                    throw new AssertionError(where + ": the views did not reach the head");
                }
            }
            String served = viewsContentOf(views);
            if (!served.equals(baseViewsContent)) {
                throw new AssertionError(where + ": " + flipped + (differs ? " changed the views file and it was served;"
                        : " changed nothing, yet the views differ after the open;") + " content " + served
                        + ", originally " + baseViewsContent);
            }
            deleteTree(trialDir);
        }
        return new int[]{changed, rebuilt};
    }

    /** A digest of everything the views file serves: every table, and each secondary index read on its own. */
    static String viewsContentOf(Path views) {
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:file:" + views + "?mode=ro");
             Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            StringBuilder out = new StringBuilder();
            for (String q : new String[]{
                    "SELECT seq, hex(hash), ledger_id, rows_digest, building FROM views_head",
                    "SELECT account, balance, updated_seq FROM balances ORDER BY account",
                    "SELECT * FROM games ORDER BY game_id", "SELECT * FROM bets ORDER BY game_id, bet_id",
                    "SELECT * FROM player_stats ORDER BY player",
                    "SELECT id, key FROM accounts NOT INDEXED ORDER BY id",
                    "SELECT * FROM statements ORDER BY account_id, seq",
                    "SELECT player, placed_seq, game_id, bet_id FROM bets INDEXED BY bets_by_player ORDER BY player, placed_seq, game_id, bet_id",
                    "SELECT game_id, placed_seq, bet_id FROM bets INDEXED BY bets_by_game ORDER BY game_id, placed_seq, bet_id",
                    "SELECT table_id, opened_seq, game_id FROM games INDEXED BY games_by_table ORDER BY table_id, opened_seq, game_id",
                    "SELECT game_id FROM games INDEXED BY games_open WHERE open = 1 ORDER BY game_id",
                    "SELECT key, id FROM accounts INDEXED BY sqlite_autoindex_accounts_1 ORDER BY key"}) {
                byte[] digest = digestOf(st, q);
                out.append(HexFormat.of().formatHex(digest, 0, 6)).append(' ');
            }
            return out.toString().strip();
        } catch (Exception e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** A floor with a backup and a journal archive, closed cleanly: the .db file is the whole ledger. */
    private void prepareClosedLedger() throws Exception {
        Path base = Files.createDirectories(dir.resolve("base"));
        baseDb = base.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(config(baseDb, base).build())) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 16, 12, seed, "c", 1_000, 1_000_000)).run(n -> { });
            ledger.backup();
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 16, 4, seed + 1, "d", 1_000, 1_000_000)).run(n -> { });
            digest = Digest.of(ledger.ledgerId(), ledger.view().seq(), TestViews.state(ledger.view()).headHash(), null);
            baseBalances = new TreeMap<>(ledger.view().balances()); // the non-zero balances, whatever the layout
            if (!ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(120))) {
                throw new AssertionError("seed " + seed + ": the views did not reach the head");
            }
        }
        baseContent = contentOf(baseDb);
        baseViewsContent = viewsContentOf(LedgerDatabase.viewsFileOf(baseDb));
        if (baseViewsContent.startsWith("unreadable")) {
            throw new AssertionError("seed " + seed + ": the closed ledger's views file: " + baseViewsContent);
        }
    }

    /** A writer killed mid-stream leaves committed transactions in the WAL: flips there test what SQLite does not check. */
    private void prepareLedgerWithWal() throws Exception {
        baseWalDir = Files.createDirectories(dir.resolve("base-wal"));
        Path db = baseWalDir.resolve("ledger.db");
        StringBuilder lines = new StringBuilder();
        for (int n = 0; n < 600; n++) {
            lines.append(CrashCampaign.lineFor(0, n)).append('\n');
        }
        // stdin stays open, so the child cannot reach the end of its input and close (closing
        // checkpoints and empties the WAL); it is killed while waiting for more
        Process child = ChildJvm.ledger(baseWalDir, "ingest", "--db", db.toString())
                .redirectOutput(baseWalDir.resolve("out").toFile()).redirectErrorStream(true).start();
        java.io.OutputStream stdin = child.getOutputStream();
        stdin.write(lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        stdin.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline && Files.readAllLines(baseWalDir.resolve("out")).size() < 600) {
            Thread.sleep(20);
        }
        child.destroyForcibly();
        child.waitFor(30, TimeUnit.SECONDS);
        if (!Files.exists(baseWalDir.resolve("ledger.db-wal")) || Files.size(baseWalDir.resolve("ledger.db-wal")) == 0) {
            throw new AssertionError("seed " + seed + ": the killed writer left no WAL to corrupt");
        }
        // read the WAL-holding copy without changing it: work on a scratch copy of both files
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        Files.copy(db, scratch.resolve("ledger.db"));
        Files.copy(baseWalDir.resolve("ledger.db-wal"), scratch.resolve("ledger.db-wal"));
        walContent = contentOf(scratch.resolve("ledger.db"));
        try (Connection c = LedgerDatabase.openReadOnly(scratch.resolve("ledger.db"))) {
            var head = io.bitcraps.ledger.store.EventReader.head(c);
            walDigest = Digest.of(LedgerDatabase.ledgerId(c), head.seq(), head.hash(), null);
        }
        deleteTree(scratch);
    }

    private LedgerConfig.Builder config(Path db, Path base) {
        return LedgerConfig.builder(db).archiveDir(base.resolve("archive")).backupDir(base.resolve("backups"))
                .hmacKeyFile(key).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
    }

    private String flipOneByte(Path file) throws IOException {
        long size = Files.size(file);
        long pages = Math.max(1, size / 4096);
        long page = random.nextInt((int) pages);
        long offset = Math.min(size - 1, page * 4096 + random.nextInt(4096));
        int bit = random.nextInt(8);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ (1 << bit));
        }
        return "bit " + bit + " of byte " + offset + " (page " + page + ") of " + file.getFileName();
    }

    /** SHA-256 over every value of every row the query returns, in its order. */
    private static byte[] digestOf(Statement st, String query) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (ResultSet rs = st.executeQuery(query)) {
            int cols = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= cols; i++) {
                    md.update(String.valueOf(rs.getObject(i)).getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                }
            }
        }
        return md.digest();
    }

    /** A digest of everything the ledger means: the log and every read-model table; "unreadable" if it cannot be read. */
    static String contentOf(Path db) {
        try (Connection c = LedgerDatabase.openReadOnly(db); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            StringBuilder out = new StringBuilder();
            for (String q : new String[]{
                    "SELECT seq, ts, type, game_id, player_id, bet_id, amount, idem_key, hex(payload), hex(hash) FROM events ORDER BY seq",
                    "SELECT account, balance FROM balances ORDER BY account",
                    "SELECT * FROM games ORDER BY game_id", "SELECT * FROM bets ORDER BY game_id, bet_id",
                    "SELECT * FROM player_stats ORDER BY player",
                    "SELECT last_seq, first_seq, hex(head_hash), hex(hmac) FROM batches ORDER BY last_seq",
                    "SELECT seq, hex(hash), read_model_seq FROM ledger_head"}) {
                byte[] digest = digestOf(st, q);
                out.append(q, q.indexOf(" FROM ") + 6, q.indexOf(' ', q.indexOf(" FROM ") + 6)).append('=')
                        .append(HexFormat.of().formatHex(digest, 0, 8)).append(' ');
            }
            return out.toString().strip();
        } catch (Exception e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** 0 when the ledger refused to open the damaged copy, 1 when it opened and served the original balances. */
    private int openAndCompare(Path db, String where) {
        Ledger ledger;
        try {
            ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO)
                    .readerPoolSize(1).build());
        } catch (RuntimeException refused) {
            return 0;
        }
        try (ledger) {
            Map<String, Long> served = new TreeMap<>(ledger.view().balances());
            if (!served.equals(baseBalances)) {
                throw new AssertionError(where + ": the damaged copy opened and serves other balances than the original");
            }
            // a damaged copy may open (the damage is deep in the log, which the audit finds); its balances are right
            return 1;
        }
    }

    private void recover(Path trialDir, Path db, String where) throws Exception {
        Path base = baseDb.getParent();
        Recovery.Report r = Recovery.recover(db, base.resolve("backups"), base.resolve("archive"), HeadSigner.readKey(key),
                Clock.systemUTC());
        if (r.recoveredSeq() != digest.seq()) {
            throw new AssertionError(where + ": recover reached seq " + r.recoveredSeq() + ", the original head is "
                    + digest.seq());
        }
        AuditReport audit = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, HeadSigner.readKey(key), digest),
                n -> { });
        if (!audit.intact()) {
            throw new AssertionError(where + ": the recovered database does not audit intact: " + audit.problems());
        }
        Files.copy(db, trialDir.resolve("recovered.db"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }
}
