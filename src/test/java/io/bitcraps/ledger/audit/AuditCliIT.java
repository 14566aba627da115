package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tools/ledger audit} and {@code digest} in a real child JVM: exit codes, JSON, HTML, damaged files. */
class AuditCliIT {
    @TempDir
    static Path shared;
    static Path original;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeALedger() throws Exception {
        original = shared.resolve("floor.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(original).durability(Durability.NORMAL).build())) {
            // games of one round keep the copies the child JVMs audit small
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 16, 20, 3, "cli", 1_000, 1_000_000),
                    CrapsFloor.Options.defaults().withGameLength(CrapsFloor.GameLength.ROUND)).run(n -> { });
        }
    }

    private Path copy() throws Exception {
        Path db = dir.resolve("copy.db");
        Files.copy(original, db);
        return db;
    }

    @Test
    void anIntactLedgerExitsZeroWithTheJsonReportAndAnHtmlPageWithCharts() throws Exception {
        Path db = copy();
        Path html = dir.resolve("report.html");
        ChildJvm.Result r = ChildJvm.run(dir, "audit", db.toString(), "--json", "--html", html.toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonNode report = JsonMapper.shared().readTree(r.stdout());
        assertThat(io.bitcraps.ledger.support.OutputSchemas.errors("schemas/cli/audit.schema.json", report)).isEmpty();
        assertThat(report.get("intact").booleanValue()).isTrue();
        assertThat(report.get("events").longValue()).isEqualTo(report.get("headSeq").longValue()).isPositive();
        assertThat(report.get("headHash").stringValue()).hasSize(64);
        assertThat(report.get("problems").isArray()).isTrue();
        assertThat(report.get("payoutsVerified").booleanValue()).isTrue();
        assertThat(report.get("gamesVerified").longValue()).isEqualTo(countOf(db, EventType.GAME_OPENED)).isPositive();
        assertThat(report.get("settlementsVerified").longValue()).isEqualTo(countOf(db, EventType.BET_SETTLED)).isPositive();
        String page = Files.readString(html);
        assertThat(page).contains("INTACT", "settlements of", "judged by the craps rulebook", "House balance", "Chips in play", "Events per batch", "<svg", "<polyline")
                .doesNotContain("http://", "https://", "<script");
    }

    @Test
    void aWrongPayoutWrittenThroughTheApiExitsOneAndTheJsonNamesItsKindSeqAndBet() throws Exception {
        Path db = dir.resolve("payout.db");
        long wrong;
        long roll;
        // the writer's own judgement off (a history imported from elsewhere): the audit is the one to judge it
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).tableRules(false).build())) {
            ledger.submit(new Command.FundHouse(10_000, "bankroll")).join();
            ledger.submit(new Command.Deposit("alice", 100, "cage")).join();
            ledger.submit(new Command.OpenGame("g1", "t1")).join();
            ledger.submit(new Command.PlaceBet("g1", "b1", "alice", BetType.ACES, null, 5)).join();
            long[] seqs = ledger.submitAtomically(List.of(new Command.RecordRoll("g1", 1, 1),
                    new Command.SettleBet("g1", "b1", Outcome.WIN, 151))).join().seqs(); // aces pay 30:1: 150
            roll = seqs[0];
            wrong = seqs[1];
            ledger.submit(new Command.CloseGame("g1")).join();
        }
        ChildJvm.Result r = ChildJvm.run(dir, "audit", db.toString(), "--json");
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
        JsonNode report = JsonMapper.shared().readTree(r.stdout());
        assertThat(io.bitcraps.ledger.support.OutputSchemas.errors("schemas/cli/audit.schema.json", report)).isEmpty();
        assertThat(report.get("intact").booleanValue()).isFalse();
        assertThat(report.get("settlementsVerified").longValue()).isEqualTo(1);
        assertThat(report.get("problems")).singleElement().satisfies(p -> {
            assertThat(p.get("kind").stringValue()).isEqualTo("WRONG_PAYOUT");
            assertThat(p.get("seq").longValue()).isEqualTo(wrong);
            assertThat(p.get("detail").stringValue()).isEqualTo("bet b1 of game g1 (ACES, stake 5) won on roll 0 (1+1) at seq "
                    + roll + ": expected WIN 150, recorded WIN 151");
        });
        ChildJvm.Result text = ChildJvm.run(dir, "audit", db.toString());
        assertThat(text.stdout()).contains("payouts    1 settlements of 1 games judged by the craps rulebook",
                "problem    seq " + wrong + " WRONG_PAYOUT: bet b1", "NOT INTACT (1 problems)");
    }

    private static long countOf(Path db, EventType type) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM events WHERE type = " + type.code())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void theDatabaseIsNamedWithDbAsEverywhereAndThePositionalPathStillWorks() throws Exception {
        Path db = copy();
        ChildJvm.Result byOption = ChildJvm.run(dir, "audit", "--db", db.toString());
        ChildJvm.Result byPosition = ChildJvm.run(dir, "audit", db.toString());
        assertThat(byOption.exitCode()).as(byOption.stderr()).isZero();
        assertThat(byPosition.exitCode()).as(byPosition.stderr()).isZero();
        assertThat(byOption.stdout()).contains("INTACT", "audit of " + db);
        assertThat(byPosition.stdout()).contains("INTACT", "audit of " + db);
        ChildJvm.Result both = ChildJvm.run(dir, "audit", "--db", db.toString(), db.toString());
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.stderr()).contains("not both");
        ChildJvm.Result none = ChildJvm.run(dir, "audit");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.stderr()).contains("audit --db PATH");
    }

    @Test
    void aDigestKeptElsewhereCatchesACutTail() throws Exception {
        Path db = copy();
        Path digest = dir.resolve("digest.json");
        ChildJvm.Result made = ChildJvm.run(dir, "digest", "--db", db.toString(), "--out", digest.toString());
        assertThat(made.exitCode()).as(made.stderr()).isZero();
        assertThat(OutputSchemas.errors("schemas/cli/digest.schema.json", OutputSchemas.json().readTree(Files.readString(digest))))
                .isEmpty();
        assertThat(ChildJvm.run(dir, "audit", db.toString(), "--digest", digest.toString()).exitCode()).isZero();
        // signed, on stdout: the same document with the HMAC and the key's id
        Path key = io.bitcraps.ledger.support.Fixtures.writeKey(dir.resolve("digest.key"), "k".repeat(32));
        ChildJvm.Result signed = ChildJvm.run(dir, "digest", "--db", db.toString(), "--key", key.toString());
        assertThat(signed.exitCode()).as(signed.stderr()).isZero();
        JsonNode signedDigest = OutputSchemas.json().readTree(signed.stdout());
        assertThat(signedDigest.has("hmac")).isTrue();
        assertThat(OutputSchemas.errors("schemas/cli/digest.schema.json", signedDigest)).isEmpty();
        assertThat(OutputSchemas.errors("schemas/cli/digest.schema.json",
                ((tools.jackson.databind.node.ObjectNode) signedDigest.deepCopy()).without("keyId"))).isNotEmpty();

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM events WHERE seq > (SELECT max(seq) - 10 FROM events)");
        }
        ChildJvm.Result cut = ChildJvm.run(dir, "audit", db.toString(), "--digest", digest.toString());
        assertThat(cut.exitCode()).isEqualTo(1);
        assertThat(cut.stdout()).contains("TRUNCATED", "NOT INTACT");
    }

    @Test
    void randomBytesOverAPageGiveAClearVerdictNeverAStackTraceNeverIntact() throws Exception {
        long seed = Long.getLong("ledger.corrupt.seed", System.nanoTime());
        System.out.println("AuditCliIT corruption seed=" + seed);
        Random random = new Random(seed);
        for (int trial = 0; trial < 4; trial++) {
            Path db = dir.resolve("corrupt-" + trial + ".db");
            Files.copy(original, db);
            long pages = Files.size(db) / 4096;
            long page = trial == 0 ? 0 : 1 + random.nextInt((int) pages - 1); // trial 0 hits the header page
            byte[] junk = new byte[4096];
            random.nextBytes(junk);
            try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
                f.seek(page * 4096);
                f.write(junk);
            }
            ChildJvm.Result r = ChildJvm.run(dir, "audit", db.toString());
            String all = r.stdout() + r.stderr();
            assertThat(r.exitCode()).as("seed %d page %d: %s", seed, page, all).isIn(1, 2);
            assertThat(all).as("seed %d page %d", seed, page).doesNotContain("\tat ", "Exception in thread")
                    .doesNotContain("verdict    INTACT");
            assertThat(all.strip()).isNotEmpty();
        }
    }

    @Test
    void aDamagedRowIsOneRootCauseInTheJsonTheTextAndTheHtmlWithItsFollowOnsGroupedUnderIt() throws Exception {
        Path db = copy();
        long k;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT min(seq) FROM events WHERE type = " + EventType.BET_PLACED.code()
                     + " AND seq > (SELECT max(seq) / 2 FROM events)")) {
            rs.next();
            k = rs.getLong(1);
        }
        AuditRootCauseIT.moveBetToAGameNeverOpened(db, k, "cli-");
        Path html = dir.resolve("report.html");

        ChildJvm.Result r = ChildJvm.run(dir, "audit", db.toString(), "--json", "--html", html.toString());

        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
        JsonNode report = JsonMapper.shared().readTree(r.stdout());
        assertThat(io.bitcraps.ledger.support.OutputSchemas.errors("schemas/cli/audit.schema.json", report)).isEmpty();
        assertThat(report.get("rootCauseCount").longValue()).isEqualTo(1);
        JsonNode cause = report.get("rootCauses").get(0);
        assertThat(cause.get("seq").longValue()).isEqualTo(k);
        assertThat(cause.get("problems").get(0).get("kind").stringValue()).isEqualTo("CHAIN_BREAK");
        assertThat(cause.get("resynchronised").booleanValue()).isFalse();
        long followOns = cause.get("followOnCount").longValue();
        assertThat(followOns).isPositive().isEqualTo(report.get("followOnCount").longValue());
        // the full list stays: the root cause's own problems and every follow-on
        assertThat(report.get("problems").size()).isEqualTo(report.get("problemCount").intValue())
                .isEqualTo(cause.get("problems").size() + (int) followOns);
        assertThat(Files.readString(html)).contains("Root cause 1 at seq " + k, "Not resynchronised", "<details><summary>"
                + followOns + " follow-on problem(s)</summary>");

        ChildJvm.Result text = ChildJvm.run(dir, "audit", db.toString());
        assertThat(text.stdout()).contains("root cause 1 of 1, at seq " + k, "problem    seq " + k + " CHAIN_BREAK",
                "books      not resynchronised", "follow-on  " + followOns + " follow-on problem");
        assertThat(text.stdout().lines().filter(l -> l.startsWith("  problem ")).count())
                .isEqualTo(cause.get("problems").size());
        ChildJvm.Result all = ChildJvm.run(dir, "audit", db.toString(), "--all");
        assertThat(all.stdout().lines().filter(l -> l.startsWith("  problem ")).count())
                .isEqualTo(cause.get("problems").size() + report.get("problemCount").longValue());
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        assertThat(ChildJvm.run(dir, "audit", dir.resolve("missing.db").toString()).exitCode()).isEqualTo(2);
        assertThat(ChildJvm.run(dir, "audit").exitCode()).isEqualTo(2);
    }
}
