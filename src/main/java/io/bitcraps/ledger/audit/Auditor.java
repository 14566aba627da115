package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.DecodedPayload;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.internal.Invariants;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.Head;
import io.bitcraps.ledger.store.LedgerDatabase;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Replays a ledger's log and proves, or disproves, that the books are intact. Read-only: it opens
 * the file read-only and reads everything inside one transaction, i.e. one WAL snapshot, so it
 * runs beside a live writer and reports the seq of the snapshot it judged.
 * <p>
 * Per row, in seq order: the seq follows the previous one; the row's hash follows from the
 * previous row's <em>stored</em> hash and the row's own frame (so an edit to row k flags row k,
 * not everything after it); the payload decodes strictly; the query columns agree with the
 * payload; the audit's own {@link Books} (independent of the live projection code) replays it and
 * checks the postings the command implies and every invariant; {@link Payouts} re-plays every game's dice
 * through the craps rulebook and judges every placement and settlement. At every batch record: the batch
 * is contiguous, names the row's hash, and, with a key, carries a valid signature. At the end:
 * the head row, the read model's head, a saved digest, and every projection table against the
 * books rebuilt from zero.
 * <p>
 * Root causes: every finding is also sorted by {@link RootCauses}, so that one damaged row reads as one root cause
 * with its follow-on problems under it. A row that does not match its hash is searched for a one-byte change
 * ({@link OneByteRepair}); when one gives the stored hash, the books fold that original and nothing downstream
 * follows from the damage. When the next row shows that only the row's stored hash changed, the same holds. Otherwise
 * the books fold the row as it reads, and the report says that they were not resynchronised past it.
 * <p>
 * Threads: framing, hashing and decoding need only the row and its predecessor's stored hash, so
 * {@link CheckedLog} does them on {@link Options#workers} threads, fed by one reader thread from the
 * same snapshot; everything that depends on the rows before (seq order, the chain's verdict, the books,
 * the rulebook, batch records, the report) is folded on the calling thread, in seq order, so the report
 * is the same whatever the number of workers or the chunk size. An {@code Auditor} holds no state: one
 * instance may audit several files at once.
 */
public final class Auditor {
    private static final long READ_MODEL_ELSEWHERE = io.bitcraps.ledger.store.EventLog.READ_MODEL_ELSEWHERE;

    public static final int PROBLEMS_KEPT = 1_000;
    private static final int SERIES_POINTS = 1_000;

    /**
     * What to check, and how. {@code key} and {@code digest} may be null; {@code toSeq} Long.MAX_VALUE means
     * "to the head". {@code workers} threads hash and decode (all cores unless told), the reader hands
     * them {@code chunkRows} rows at a time; neither changes the report, only how fast it comes and how much
     * memory it holds (about {@code chunkRows × (2 × workers + 2)} rows).
     */
    public record Options(long fromSeq, long toSeq, byte[] key, Digest digest, int workers, int chunkRows) {
        public static final int WORKERS_MAX = 256;
        public static final int CHUNK_ROWS_MAX = 65_536;
        /** Large enough that a chunk's hand-over costs under 1 % of its checking, small enough to stay in cache. */
        public static final int CHUNK_ROWS_DEFAULT = 1_024;

        public Options {
            if (fromSeq < 1 || toSeq < fromSeq) {
                throw new IllegalArgumentException("bad seq range " + fromSeq + ".." + toSeq);
            }
            if (workers < 1 || workers > WORKERS_MAX) {
                throw new IllegalArgumentException("workers must be in 1.." + WORKERS_MAX + ", got " + workers);
            }
            if (chunkRows < 1 || chunkRows > CHUNK_ROWS_MAX) {
                throw new IllegalArgumentException("chunkRows must be in 1.." + CHUNK_ROWS_MAX + ", got " + chunkRows);
            }
        }

        /** All cores, default chunks. */
        public Options(long fromSeq, long toSeq, byte[] key, Digest digest) {
            this(fromSeq, toSeq, key, digest, allCores(), CHUNK_ROWS_DEFAULT);
        }

        public static Options everything() {
            return new Options(1, Long.MAX_VALUE, null, null);
        }

        public Options withWorkers(int n) {
            return new Options(fromSeq, toSeq, key, digest, n, chunkRows);
        }

        public Options withChunkRows(int n) {
            return new Options(fromSeq, toSeq, key, digest, workers, n);
        }

        /** The cores this JVM may use, at most {@link #WORKERS_MAX}. */
        public static int allCores() {
            return Math.min(WORKERS_MAX, Runtime.getRuntime().availableProcessors());
        }
    }

    private final PayloadCodec codec = new PayloadCodec(); // thread-safe

    /**
     * Audits the database. Data problems, including a damaged file, are findings in the report;
     * only a missing file or an I/O failure outside SQLite's control is thrown.
     */
    public AuditReport audit(Path db, Options options, LongConsumer progress) throws SQLException {
        long start = System.nanoTime();
        // the views file's snapshot first: its watermark can then never be past the log's head
        boolean fullRange = options.fromSeq() == 1 && options.toSeq() == Long.MAX_VALUE;
        try (ViewsCheck views = ViewsCheck.open(db, fullRange); Connection conn = LedgerDatabase.openReadOnly(db)) {
            conn.setAutoCommit(false);
            try {
                return new Run(db, conn, views, options, progress, start).execute();
            } finally {
                conn.rollback();
            }
        } catch (SQLException e) {
            if (!java.nio.file.Files.isRegularFile(db)) {
                throw e;
            }
            return damaged(db, e, start);
        } catch (io.bitcraps.ledger.store.SchemaMismatch e) {
            return damaged(db, e, start);
        }
    }

    private static AuditReport damaged(Path db, Exception e, long start) {
        Problem p = new Problem(0, ProblemKind.STORAGE_CORRUPT, "cannot read " + db + " as a ledger: " + e.getMessage());
        RootCause cause = new RootCause(0, List.of(p), false, "nothing could be read, so nothing was checked", 0, List.of());
        return new AuditReport(db.toString(), null, false, 0, 0, 0, 0, "", 0, 0, 0, 0, 0, false, "not compared", false, 0, 0, 0, 0, 0,
                System.nanoTime() - start, List.of(p), 1, List.of(cause), 1, 0, AuditReport.Series.EMPTY);
    }

    /** One audit's mutable state; confined to the calling thread (the reader and the workers see none of it). */
    private final class Run {
        private final Path db;
        private final Connection conn;
        private final ViewsCheck views;
        private final Options options;
        private final LongConsumer progress;
        private final long start;
        private final List<Problem> problems = new ArrayList<>();
        private long problemCount;
        private final Books books = new Books();
        private final Payouts payouts = new Payouts();
        private final Protections protections = new Protections();
        private final RootCauses causes = new RootCauses();
        private final OneByteRepair repair = new OneByteRepair();
        /** Re-checks a recovered original on the fold's thread; made at the first recovery. */
        private RowCheck recheck;
        /** Of the row being folded: did the books fold what the writer wrote, and how the audit went on past it. */
        private boolean rowTrusted;
        private String rowResync;
        /**
         * The hash the previous row's content gives, when that row did not match its stored hash and no one-byte change
         * explained it; else null. If this row chains from it, the previous row's stored hash was what changed.
         */
        private byte[] previousContentHash;
        /** Held by whoever uses {@link #conn} while the reader thread may be reading it. */
        private final Object connectionLock = new Object();
        private final boolean fullRange;
        private HeadSigner signer;
        private String ledgerId;
        private Head head;
        private BatchCursor batches;
        private long expectedSeq;
        private byte[] previousStoredHash;
        private long lastSeq;
        private byte[] lastHash;
        private long events;
        private long batchCount;
        private long signedBatches;
        private long lastBatchEnd;
        private boolean anySigned;
        private final SeriesBuilder series = new SeriesBuilder();
        /** The log could not be read to its end: comparing projections with half a replay would only add noise. */
        private boolean unreadable;

        Run(Path db, Connection conn, ViewsCheck views, Options options, LongConsumer progress, long start) {
            this.db = db;
            this.conn = conn;
            this.views = views;
            this.options = options;
            this.progress = progress;
            this.start = start;
            this.fullRange = options.fromSeq() == 1 && options.toSeq() == Long.MAX_VALUE;
        }

        AuditReport execute() throws SQLException {
            head = EventReader.head(conn); // first read: fixes the snapshot
            ledgerId = LedgerDatabase.ledgerId(conn);
            if (options.key() != null) {
                signer = new HeadSigner(options.key(), ledgerId);
            }
            checkDigestOwner();
            views.checkOwner(ledgerId);
            if (fullRange && views.watermark() == 0) {
                views.compare(books, null, 0, this::reportAbout);
            }
            expectedSeq = options.fromSeq();
            previousStoredHash = options.fromSeq() == 1 ? new ChainHash().genesis(ledgerId)
                    : storedHashAt(options.fromSeq() - 1);
            batches = new BatchCursor(conn, connectionLock, options.fromSeq());
            lastBatchEnd = options.fromSeq() - 1;
            replay();
            finish();
            List<Problem> kept = List.copyOf(problems);
            return new AuditReport(db.toString(), ledgerId, problemCount == 0, events, options.fromSeq(),
                    lastSeq, head.seq(), head.hash() == null ? "" : Hex.of(head.hash()), head.seq(), batchCount,
                    signedBatches, books.balances.size(), books.total, fullRange && !unreadable && readModelInDatabase(),
                    viewsStatus(), fullRange && !unreadable,
                    payouts.settlementsVerified, payouts.gamesVerified, payouts.fairGamesVerified,
                    protections.protectedPlayers(), protections.depositsChecked + protections.betsChecked,
                    System.nanoTime() - start, kept,
                    problemCount, causes.causes(), causes.count(), causes.followOnCount(), series.build());
        }

        private boolean readModelInDatabase() {
            return head.readModelSeq() != READ_MODEL_ELSEWHERE;
        }

        private String viewsStatus() {
            if (views.compared() || views.watermark() < 0) {
                return views.status();
            }
            return "not compared (a partial range, or a log that could not be read to its watermark, seq " + views.watermark() + ")";
        }

        /** A finding about the row being folded, or (outside the fold) about the file or the books as a whole. */
        private void report(Problem p) {
            keep(p);
            switch (p.kind()) {
                case SEQ_GAP, CHAIN_BREAK, UNDECODABLE, COLUMN_MISMATCH, STORAGE_CORRUPT -> causes.evidence(p, true);
                case HEAD_MISMATCH, BATCH_MISMATCH, HISTORY_REWRITTEN, TRUNCATED, DIGEST_INVALID -> causes.evidence(p, false);
                default -> causes.derived(p, null);
            }
        }

        /** A finding about one game or player ("game:g", "player:p"), or {@link RootCauses#WHOLE_BOOKS}. */
        private void reportAbout(String subject, Problem p) {
            if (p.kind() == ProblemKind.STORAGE_CORRUPT) {
                keep(p);
                causes.evidence(p, false);
                return;
            }
            keep(p);
            causes.derived(p, subject);
        }

        private void keep(Problem p) {
            problemCount++;
            if (problems.size() < PROBLEMS_KEPT) {
                problems.add(p);
            }
        }

        /**
         * Folds the log in seq order while the reader and the workers run ahead of it by a bounded number of
         * chunks. The log is closed (the reader has let go of the connection) before {@link #finish} reads more.
         */
        private void replay() {
            try (CheckedLog log = CheckedLog.start(conn, connectionLock, options.fromSeq(), options.toSeq(),
                    previousStoredHash, options.workers(), options.chunkRows(), codec)) {
                for (CheckedLog.Chunk chunk = log.next(); chunk != null; chunk = log.next()) {
                    for (CheckedRow row : chunk.rows()) {
                        // outside rowGuarded on purpose: a broken pipeline is our bug, not a finding about the file
                        // (tested before calling Invariants.check, whose arguments would box a seq for every row)
                        if (previousStoredHash != null && row.predecessor() != previousStoredHash) {
                            Invariants.check(false, "row seq %d was hashed onto another predecessor than the one the fold"
                                    + " holds", row.row().seq());
                        }
                        rowGuarded(row);
                    }
                    if (chunk.readFailure() != null) {
                        report(new Problem(expectedSeq, ProblemKind.STORAGE_CORRUPT, "reading the log stopped near seq "
                                + expectedSeq + ": " + chunk.readFailure().getMessage()));
                        unreadable = true;
                    }
                }
            }
        }

        /** Damage can produce rows no check foresaw; the verdict must still come, naming the row. */
        private void rowGuarded(CheckedRow checked) {
            EventRow row = checked.row();
            causes.startRow(row.seq(), row.gameId(), row.playerId());
            rowTrusted = true;
            rowResync = "the event matches its hash: the books fold it as the writer wrote it; only what is named here is"
                    + " wrong";
            try {
                row(checked);
            } catch (RuntimeException e) {
                skipDamaged(row, "cannot be checked: " + e);
            }
            causes.endRow(rowTrusted, rowResync);
        }

        /** Reports a row the checks cannot read and moves past it; the next row's chain link cannot be checked. */
        private void skipDamaged(EventRow row, String what) {
            report(new Problem(row.seq(), ProblemKind.STORAGE_CORRUPT, "row seq " + row.seq() + " " + what));
            untrusted("the row cannot be read, so the books go on without it; later problems in the games and of the"
                    + " players its columns name are grouped under it");
            previousStoredHash = null;
            lastSeq = row.seq();
            expectedSeq = row.seq() + 1;
        }

        private void row(CheckedRow checked) {
            EventRow row = checked.row();
            events++;
            if (row.seq() != expectedSeq) {
                report(new Problem(expectedSeq, ProblemKind.SEQ_GAP, row.seq() == expectedSeq + 1 ? "seq " + expectedSeq
                        + " is missing" : "seqs " + expectedSeq + ".." + (row.seq() - 1) + " are missing"));
                causes.rowLeavesEverythingUnknown("not resynchronised: what the missing events did is not known, so every"
                        + " later problem that follows from the books is grouped under the gap (a later damaged row is"
                        + " still named at its own seq)");
                previousStoredHash = null; // the hash the next row chains from is gone: it cannot be checked
            }
            boolean chainChecked = previousStoredHash != null;
            if (CheckedRow.damaged(row)) {
                // a finding, not a crash
                skipDamaged(row, "has " + (row.payload() == null ? "no payload"
                        : "a hash of " + (row.hash() == null ? 0 : row.hash().length) + " bytes"));
                return;
            }
            if (checked.hashFailure() != null) {
                throw checked.hashFailure(); // where the single-threaded audit met it: rowGuarded names the row
            }
            byte[] contentHashOfPrevious = previousContentHash;
            previousContentHash = null;
            if (previousStoredHash != null && !Arrays.equals(checked.chained(), row.hash())) {
                if (contentHashOfPrevious != null && repair.chainsFrom(contentHashOfPrevious, row)) {
                    previousStoredHashAltered(row);
                } else {
                    checked = chainBroken(checked);
                    row = checked.row();
                }
            } else if (!chainChecked) {
                untrusted("not resynchronised: its hash cannot be checked (the row before it is missing or unreadable),"
                        + " so what it held is not known; later problems in the games and of the players it names are"
                        + " grouped under it");
            }
            previousStoredHash = row.hash();
            decodeAndApply(checked);
            if (fullRange && row.seq() == views.watermark()) {
                views.compare(books, row.hash(), books.statementLines, this::reportAbout);
            }
            checkBatch(row);
            checkDigest(row);
            lastSeq = row.seq();
            lastHash = row.hash();
            expectedSeq = row.seq() + 1;
            series.sample(row.seq(), books);
            if ((events & 0x3FFF) == 0) {
                progress.accept(events);
            }
        }

        /**
         * The row does not match its hash. If one changed byte explains it, the hash pins the original, and the books
         * fold that (resynchronised: nothing after the row follows from the damage); otherwise the original is not
         * known and the books fold the row as it reads now.
         */
        private CheckedRow chainBroken(CheckedRow checked) {
            EventRow row = checked.row();
            boolean searched = repair.budgetLeft();
            OneByteRepair.Found found = repair.search(row, previousStoredHash);
            report(new Problem(row.seq(), ProblemKind.CHAIN_BREAK, "row seq " + row.seq() + " does not match its hash "
                    + shortHex(row.hash()) + (row.seq() > head.seq() ? "; it lies beyond the head at seq " + head.seq() : "")
                    + (found == null ? "" : "; " + found.describe())));
            if (found == null) {
                previousContentHash = checked.chained();
                untrusted("not resynchronised: " + (searched ? "no one-byte change of the row gives its hash"
                        : "the audit searched the first " + OneByteRepair.ROWS_SEARCHED_MAX + " damaged rows only")
                        + ", so its original is not known; the books fold it as it reads now, and later problems in the"
                        + " games and of the players it names are grouped under it");
                return checked;
            }
            if (recheck == null) {
                recheck = new RowCheck(codec);
            }
            rowResync = "resynchronised: the one-byte change named above explains the stored hash, which the next rows"
                    + " chain from, so the books fold the original and nothing after it follows from the damage";
            return recheck.check(found.original(), checked.predecessor());
        }

        /**
         * The row does not match its predecessor's stored hash but does chain from the hash the predecessor's content
         * gives: the predecessor's stored hash was altered, its content (which the books folded) and this row are as
         * written. Still a CHAIN_BREAK here (the stored link is broken), grouped under the predecessor's root cause.
         */
        private void previousStoredHashAltered(EventRow row) {
            Problem p = new Problem(row.seq(), ProblemKind.CHAIN_BREAK, "row seq " + row.seq() + " does not match its hash "
                    + shortHex(row.hash()) + "; it chains from the hash the content of row seq " + (row.seq() - 1)
                    + " gives, so that row's stored hash was altered, not this row");
            keep(p);
            causes.previousRowStoredHashAltered(p, "resynchronised: its content is intact (row seq " + row.seq()
                    + " chains from the hash its content gives) and only its stored hash was altered, so the books"
                    + " folded it as written and nothing after it follows from the damage");
        }

        private void untrusted(String how) {
            rowTrusted = false;
            rowResync = how;
        }

        private void decodeAndApply(CheckedRow checked) {
            EventRow row = checked.row();
            if (checked.decodeFailure() != null) {
                throw checked.decodeFailure();
            }
            if (checked.undecodable() != null) {
                report(new Problem(row.seq(), ProblemKind.UNDECODABLE, checked.undecodable().getMessage()));
                if (rowTrusted) {
                    untrusted("not resynchronised: the payload matches its hash but does not decode, so the books go on"
                            + " without it; later problems in the games and of the players its columns name are grouped"
                            + " under it");
                }
                return;
            }
            DecodedPayload p = checked.payload();
            Command command = p.command();
            causes.names(Columns.gameOf(command), command instanceof Command.SettleBet s && fullRange
                    ? books.bettor(s.gameId(), s.betId()) : Columns.playerOf(command));
            causes.entitiesKnown();
            checkColumns(row, p);
            if (fullRange) {
                Command c = p.command();
                protections.apply(row.seq(), row.timestampMicros(), c, p.postings(),
                        c instanceof Command.SettleBet s ? books.bettor(s.gameId(), s.betId()) : null, this::report);
                books.apply(row.seq(), row.timestampMicros(), p.command(), p.postings(), this::report);
                payouts.apply(row.seq(), p.command(), this::report);
            } else {
                long sum = 0;
                for (Posting posting : p.postings()) {
                    sum += posting.delta();
                }
                if (sum != 0) {
                    report(new Problem(row.seq(), ProblemKind.UNBALANCED_POSTINGS, "postings sum to " + sum));
                }
            }
        }

        private void checkColumns(EventRow row, DecodedPayload p) {
            Command c = p.command();
            String player = c instanceof Command.SettleBet s ? (fullRange ? books.bettor(s.gameId(), s.betId()) : row.playerId())
                    : Columns.playerOf(c);
            mismatch(row, "game_id", row.gameId(), Columns.gameOf(c));
            if (c instanceof Command.SettleBet && fullRange && !Objects.equals(row.playerId(), player)) {
                // the bettor comes from the books, not from the payload: a damaged row before this one can change it
                Problem derived = new Problem(row.seq(), ProblemKind.COLUMN_MISMATCH, "column player_id holds "
                        + row.playerId() + ", the payload says " + player);
                keep(derived);
                causes.derived(derived, null);
            } else {
                mismatch(row, "player_id", row.playerId(), player);
            }
            mismatch(row, "bet_id", row.betId(), Columns.betOf(c));
            mismatch(row, "amount", row.amount(), Columns.amountOf(c));
            mismatch(row, "idem_key", row.key(), p.key());
        }

        private void mismatch(EventRow row, String column, Object stored, Object payload) {
            if (!Objects.equals(stored, payload)) {
                report(new Problem(row.seq(), ProblemKind.COLUMN_MISMATCH, "column " + column + " holds " + stored
                        + ", the payload says " + payload));
            }
        }

        private void checkBatch(EventRow row) {
            BatchCursor.Batch b;
            try {
                b = batches.upTo(row.seq(), this::report);
            } catch (SQLException e) {
                report(new Problem(row.seq(), ProblemKind.STORAGE_CORRUPT, "reading batch records failed: " + e.getMessage()));
                return;
            }
            if (b == null) {
                return;
            }
            batchCount++;
            series.batch(b.lastSeq(), b.lastSeq() - b.firstSeq() + 1);
            if (b.firstSeq() != lastBatchEnd + 1) {
                report(new Problem(b.lastSeq(), ProblemKind.BATCH_MISMATCH, "batch " + b.firstSeq() + ".." + b.lastSeq()
                        + " does not follow the previous batch ending at seq " + lastBatchEnd));
            }
            lastBatchEnd = b.lastSeq();
            if (!Arrays.equals(b.headHash(), row.hash())) {
                report(new Problem(b.lastSeq(), ProblemKind.BATCH_MISMATCH, "the batch record ending at seq " + b.lastSeq()
                        + " names head " + shortHex(b.headHash()) + ", the row holds " + shortHex(row.hash())));
            }
            if (b.hmac() != null) {
                anySigned = true;
            }
            if (signer == null) {
                return;
            }
            if (b.hmac() == null) {
                if (anySigned) {
                    report(new Problem(b.lastSeq(), ProblemKind.HISTORY_REWRITTEN, "the head at seq " + b.lastSeq()
                            + " is unsigned after signed heads: signatures were stripped; history may be rewritten at or before seq "
                            + b.lastSeq()));
                }
                return;
            }
            if (signer.verify(b.lastSeq(), b.headHash(), b.hmac())) {
                signedBatches++;
            } else {
                report(new Problem(b.lastSeq(), ProblemKind.HISTORY_REWRITTEN, "the signed head at seq " + b.lastSeq()
                        + " does not verify with key " + signer.keyId() + ": history was rewritten at or before seq "
                        + b.lastSeq()));
            }
        }

        private void checkDigestOwner() {
            Digest d = options.digest();
            if (d == null) {
                return;
            }
            if (!d.ledgerId().equals(ledgerId)) {
                report(new Problem(0, ProblemKind.DIGEST_INVALID, "the digest is of ledger " + d.ledgerId() + ", this is "
                        + ledgerId));
            }
            if (d.hmac() != null && signer != null
                    && !signer.verify(d.seq(), Hex.parse(d.headHash()), Hex.parse(d.hmac()))) {
                report(new Problem(0, ProblemKind.DIGEST_INVALID, "the digest's own HMAC does not verify with key "
                        + signer.keyId()));
            }
        }

        private void checkDigest(EventRow row) {
            Digest d = options.digest();
            if (d != null && row.seq() == d.seq() && !Hex.of(row.hash()).equals(d.headHash())) {
                report(new Problem(d.seq(), ProblemKind.HISTORY_REWRITTEN, "the digest of " + d.time() + " saw head "
                        + shortHex(Hex.parse(d.headHash())) + " at seq " + d.seq() + ", the log now holds "
                        + shortHex(row.hash()) + ": history was rewritten at or before seq " + d.seq()));
            }
        }

        private void finish() throws SQLException {
            checkStructure();
            Digest d = options.digest();
            if (d != null && d.seq() > lastSeq && options.toSeq() >= d.seq()) {
                report(new Problem(lastSeq + 1, ProblemKind.TRUNCATED, "the digest of " + d.time() + " vouches for seq "
                        + d.seq() + ", the log ends at seq " + lastSeq + ": " + (d.seq() - lastSeq) + " event(s) are gone"));
            }
            if (options.toSeq() != Long.MAX_VALUE || unreadable) {
                // a partial range, or a log that could not be read to its end: batches past it, the head
                // and the projections describe the whole log, and comparing them would only add noise
                return;
            }
            try {
                batches.rest(lastSeq, this::report);
            } catch (SQLException e) {
                report(new Problem(lastSeq, ProblemKind.STORAGE_CORRUPT, "reading batch records failed: " + e.getMessage()));
            }
            checkHead();
            if (fullRange && !unreadable) {
                views.finish(lastSeq, this::report);
            }
            if (fullRange) {
                // only a log read to its end: a bet decided near a cut-off read is not known to be unsettled
                payouts.finishByGame(lastSeq, this::reportAbout);
            }
            if (signer != null && lastBatchEnd != 0 && !anySigned) {
                report(new Problem(lastBatchEnd, ProblemKind.HISTORY_REWRITTEN, "no head of this ledger is signed, so the key"
                        + " proves nothing; was it run with --key / hmacKeyFile?"));
            }
            if (fullRange && !unreadable && head.readModelSeq() != READ_MODEL_ELSEWHERE) {
                // a log-first database keeps no read model: its views file is checked on its own
                try {
                    new ProjectionCheck(conn, books, this::reportAbout).run();
                } catch (SQLException e) {
                    report(new Problem(0, ProblemKind.STORAGE_CORRUPT, "reading the read model failed: " + e.getMessage()));
                }
            }
        }

        /**
         * SQLite's own check of the file, in the same snapshot. The replay reads the tables but not
         * every index, and a damaged index makes repositories misreport history (a player's bets, an
         * account's events) while every table row is still right. {@code integrity_check} rather
         * than {@code quick_check}: only the full check compares each index entry with its row.
         */
        private void checkStructure() {
            List<String> findings = new ArrayList<>();
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA integrity_check(5)")) {
                while (rs.next()) {
                    findings.add(rs.getString(1));
                }
            } catch (SQLException e) {
                findings.add(e.getMessage());
            }
            if (!findings.equals(List.of("ok"))) {
                report(new Problem(0, ProblemKind.STORAGE_CORRUPT, "SQLite integrity_check: " + String.join("; ", findings)));
            }
        }

        private void checkHead() {
            if (head.seq() != lastSeq || (lastSeq > 0 && !Arrays.equals(head.hash(), lastHash))) {
                String why = lastSeq > head.seq() ? "; rows seq " + (head.seq() + 1) + ".." + lastSeq
                        + " lie beyond the head (forged or appended behind the ledger's back)" : "";
                report(new Problem(head.seq(), ProblemKind.HEAD_MISMATCH, "ledger_head says seq " + head.seq() + " hash "
                        + (head.hash() == null ? "none" : shortHex(head.hash())) + ", the log ends at seq " + lastSeq
                        + (lastHash == null ? "" : " hash " + shortHex(lastHash)) + why));
            }
            if (head.readModelSeq() != head.seq() && head.readModelSeq() != READ_MODEL_ELSEWHERE) {
                report(new Problem(head.seq(), ProblemKind.HEAD_MISMATCH, "the read model is at seq " + head.readModelSeq()
                        + ", the head at seq " + head.seq()));
            }
            if (lastBatchEnd != head.seq() && head.seq() > 0) {
                report(new Problem(head.seq(), ProblemKind.BATCH_MISMATCH, "the last batch record ends at seq " + lastBatchEnd
                        + ", the head is at seq " + head.seq()));
            }
        }

        private byte[] storedHashAt(long seq) throws SQLException {
            try (PreparedStatement ps = conn.prepareStatement("SELECT hash FROM events WHERE seq = ?")) {
                ps.setLong(1, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        }
    }

    static String shortHex(byte[] hash) {
        return hash == null ? "none" : Hex.of(hash).substring(0, Math.min(16, hash.length * 2)) + "…";
    }

    /** Samples the house balance and chips in play at up to {@value #SERIES_POINTS} points, and batch sizes. */
    private static final class SeriesBuilder {
        private final List<long[]> points = new ArrayList<>();
        private final List<long[]> batchPoints = new ArrayList<>();
        private long every = 1;
        private long batchEvery = 1;
        private long batchAccumulated;
        private long batchesInBucket;

        void sample(long seq, Books books) {
            if (seq % every != 0) {
                return;
            }
            points.add(new long[]{seq, books.balance("house"), books.openStakesTotal});
            if (points.size() >= SERIES_POINTS * 2) {
                thin(points);
                every *= 2;
            }
        }

        void batch(long lastSeq, long size) {
            batchAccumulated += size;
            if (++batchesInBucket < batchEvery) {
                return;
            }
            batchPoints.add(new long[]{lastSeq, batchAccumulated / batchesInBucket});
            batchAccumulated = 0;
            batchesInBucket = 0;
            if (batchPoints.size() >= SERIES_POINTS * 2) {
                thin(batchPoints);
                batchEvery *= 2;
            }
        }

        private static void thin(List<long[]> list) {
            List<long[]> kept = new ArrayList<>(list.size() / 2 + 1);
            for (int i = 0; i < list.size(); i += 2) {
                kept.add(list.get(i));
            }
            list.clear();
            list.addAll(kept);
        }

        AuditReport.Series build() {
            long[] seqs = new long[points.size()];
            long[] house = new long[points.size()];
            long[] inPlay = new long[points.size()];
            for (int i = 0; i < points.size(); i++) {
                seqs[i] = points.get(i)[0];
                house[i] = points.get(i)[1];
                inPlay[i] = points.get(i)[2];
            }
            long[] ends = new long[batchPoints.size()];
            long[] sizes = new long[batchPoints.size()];
            for (int i = 0; i < batchPoints.size(); i++) {
                ends[i] = batchPoints.get(i)[0];
                sizes[i] = batchPoints.get(i)[1];
            }
            return new AuditReport.Series(seqs, house, inPlay, ends, sizes);
        }
    }
}
