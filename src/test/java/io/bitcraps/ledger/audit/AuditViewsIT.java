package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit compares the views file beside a log-first ledger with its own replay at the file's
 * watermark (issue #12, item 7): an untouched pair is intact; an edited balance, bet or statement
 * line in the views file, a watermark past the log, or a watermark on another history are
 * findings; a file being built from empty is not compared, and says so.
 */
class AuditViewsIT {
    @TempDir
    static Path shared;
    static Path original;
    /** The views file as it was at {@link #earlyHead}, before more was written. */
    static Path earlyViews;
    static long earlyHead;
    static long head;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeALogFirstLedger() throws Exception {
        original = shared.resolve("floor.db");
        earlyViews = shared.resolve("early.views");
        LedgerConfig config = LedgerConfig.builder(original).durability(Durability.NORMAL).build();
        assertThat(config.logFirstCommit()).as("the default commit").isTrue();
        try (Ledger ledger = Ledger.open(config)) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 8, 30, 7, "early", 1_000, 10_000_000),
                    CrapsFloor.Options.defaults()).run(n -> { });
            earlyHead = ledger.view().seq();
            assertThat(ledger.awaitViews(earlyHead, Duration.ofSeconds(60))).isTrue();
        } // close: both files checkpointed
        Files.copy(LedgerDatabase.viewsFileOf(original), earlyViews);
        try (Ledger ledger = Ledger.open(config)) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 8, 30, 8, "late", 1_000, 10_000_000),
                    CrapsFloor.Options.defaults()).run(n -> { });
            head = ledger.view().seq();
            assertThat(ledger.awaitViews(head, Duration.ofSeconds(60))).isTrue();
        }
        assertThat(earlyHead).isGreaterThan(1_000);
        assertThat(head).isGreaterThan(earlyHead);
    }

    /** The ledger and its views file, copied while nothing runs. */
    private Path copy() throws Exception {
        Path db = dir.resolve("copy.db");
        Files.copy(original, db);
        Files.copy(LedgerDatabase.viewsFileOf(original), LedgerDatabase.viewsFileOf(db));
        return db;
    }

    private static AuditReport audit(Path db) throws Exception {
        return new Auditor().audit(db, Auditor.Options.everything(), n -> { });
    }

    private static void editViews(Path db, String... sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + LedgerDatabase.viewsFileOf(db));
             Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static List<String> details(AuditReport r) {
        return r.problems().stream().map(p -> p.kind() + " " + p.detail()).toList();
    }

    @Test
    void anUntouchedViewsFileIsComparedAtItsWatermarkAndIntact() throws Exception {
        AuditReport r = audit(copy());
        assertThat(r.intact()).as("%s", details(r)).isTrue();
        assertThat(r.views()).isEqualTo("compared with the replay at its watermark, seq " + head);
        assertThat(r.projectionsCompared()).as("the log-first database keeps no read model of its own").isFalse();
    }

    @Test
    void aViewsFileBehindTheLogIsComparedAtItsOwnWatermark() throws Exception {
        Path db = dir.resolve("copy.db");
        Files.copy(original, db);
        Files.copy(earlyViews, LedgerDatabase.viewsFileOf(db));
        AuditReport r = audit(db);
        assertThat(r.intact()).as("%s", details(r)).isTrue();
        assertThat(r.views()).isEqualTo("compared with the replay at its watermark, seq " + earlyHead);

        // the same early file with one balance edited: found, and named at the early watermark
        editViews(db, "UPDATE balances SET balance = balance - 3 WHERE account = 'house'");
        AuditReport edited = audit(db);
        assertThat(details(edited)).anySatisfy(d -> assertThat(d).startsWith("PROJECTION_MISMATCH views file at its"
                + " watermark seq " + earlyHead + ": balances: house is "));
    }

    @Test
    void anEditedBalanceInTheViewsFileIsFound() throws Exception {
        Path db = copy();
        editViews(db, "UPDATE balances SET balance = balance + 5 WHERE account = 'house'");
        AuditReport r = audit(db);
        assertThat(r.intact()).isFalse();
        assertThat(details(r)).anySatisfy(d -> assertThat(d).startsWith("PROJECTION_MISMATCH views file at its watermark seq "
                + head + ": balances: house is "));
    }

    @Test
    void anEditedBetInTheViewsFileIsFound() throws Exception {
        Path db = copy();
        editViews(db, "UPDATE bets SET amount = amount + 100 WHERE (game_id, bet_id) = (SELECT game_id, bet_id FROM bets LIMIT 1)");
        AuditReport r = audit(db);
        assertThat(r.intact()).isFalse();
        assertThat(details(r)).anySatisfy(d -> assertThat(d).contains("views file at its watermark").contains("bets: bet "));
    }

    @Test
    void aStatementLineEditedOrDeletedIsFound() throws Exception {
        Path db = copy();
        editViews(db, "UPDATE statements SET delta = delta + 1 WHERE (account_id, seq) = (SELECT account_id, seq FROM statements LIMIT 1)");
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        Path db2 = other.resolve("copy.db");
        Files.copy(original, db2);
        Files.copy(LedgerDatabase.viewsFileOf(original), LedgerDatabase.viewsFileOf(db2));
        editViews(db2, "DELETE FROM statements WHERE (account_id, seq) = (SELECT account_id, seq FROM statements"
                + " ORDER BY seq DESC LIMIT 1)");

        AuditReport edited = audit(db);
        assertThat(edited.intact()).isFalse();
        assertThat(details(edited)).anySatisfy(d -> assertThat(d).contains("statements: the lines of "));
        AuditReport deleted = audit(db2);
        assertThat(deleted.intact()).isFalse();
        assertThat(details(deleted)).anySatisfy(d -> assertThat(d).contains("statements: ").contains("lines"));
    }

    @Test
    void aWatermarkPastTheLogIsFound() throws Exception {
        Path db = copy();
        editViews(db, "UPDATE views_head SET seq = " + (head + 7));
        AuditReport r = audit(db);
        assertThat(r.intact()).isFalse();
        assertThat(details(r)).anySatisfy(d -> assertThat(d).contains("has applied the log up to seq " + (head + 7)
                + ", the log ends at seq " + head));
    }

    @Test
    void aWatermarkOnAnotherHistoryIsFound() throws Exception {
        Path db = copy();
        editViews(db, "UPDATE views_head SET hash = zeroblob(32)");
        AuditReport r = audit(db);
        assertThat(r.intact()).isFalse();
        assertThat(details(r)).anySatisfy(d -> assertThat(d).contains("it follows another history"));
    }

    @Test
    void aViewsFileBeingBuiltIsNotComparedAndSaysSo() throws Exception {
        Path db = copy();
        editViews(db, "UPDATE views_head SET building = 1", "UPDATE balances SET balance = balance + 5");
        AuditReport r = audit(db);
        assertThat(r.intact()).as("%s", details(r)).isTrue();
        assertThat(r.views()).startsWith("not compared: ").contains("is being built from the log");
    }

    @Test
    void aDatabaseWithoutViewsSaysNone() throws Exception {
        Path db = dir.resolve("solo.db");
        Files.copy(original, db);
        AuditReport r = audit(db);
        assertThat(r.intact()).as("%s", details(r)).isTrue();
        assertThat(r.views()).isEqualTo("none");
    }
}
