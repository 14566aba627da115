package io.bitcraps.ledger.rules;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.audit.Problem;
import io.bitcraps.ledger.audit.ProblemKind;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.craps.FairDice;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Provably fair dice at commit (commit, reveal, HMAC-SHA256; {@code docs/fairness.md}): a fair game
 * plays and closes with its seed revealed and the audit re-derives every die; a wrong seed, or a die
 * other than the seed's, is refused at the close; a fair game's rolls must name a client seed and a
 * rising nonce; and a log edited afterwards is flagged by the audit's own check of the dice.
 */
class FairGameIT {
    /** The seed of {@code docs/fairness.md}'s worked example. */
    private static final String SEED = "7f3c1e9a0b2d4c6e8f1a3b5c7d9e0f21436587a9cbed0f1032547698badcfe10";
    private static final byte[] SEED_BYTES = HexFormat.of().parseHex(SEED);
    private static final String COMMITMENT = FairDice.commitment(SEED_BYTES);
    private static final String CLIENT = "player-lucky-7";
    private static final byte[] SECOND_SEED_BYTES = HexFormat.of().parseHex(
            "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0");

    @TempDir
    Path dir;

    private Ledger open(boolean tableRules) {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).tableRules(tableRules)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build());
    }

    private static Command.RecordRoll fairRoll(String game, long nonce) {
        Roll r = FairDice.dice(SEED_BYTES, CLIENT, nonce);
        return new Command.RecordRoll(game, r.die1(), r.die2(), true, CLIENT, nonce);
    }

    private static void fund(Ledger ledger) {
        ok(ledger.submit(new Command.FundHouse(100_000, "bank")));
        ok(ledger.submit(new Command.Deposit("ann", 10_000, "cage")));
    }

    @Test
    void aFairGamePlaysClosesWithItsSeedAndTheAuditReDerivesEveryDie() throws Exception {
        try (Ledger ledger = open(true)) {
            fund(ledger);
            ok(ledger.submit(new Command.OpenGame("g", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)));
            for (long nonce = 0; nonce < 6; nonce++) {
                ok(ledger.submit(new Command.PlaceBet("g", "f" + nonce, "ann", BetType.FIELD, null, 10)));
                ok(ledger.submit(fairRoll("g", nonce))); // the ledger settles the field bet by the rulebook
            }
            ok(ledger.submit(new Command.CloseGame("g", SEED)));
        }
        AuditReport audit = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.fairGamesVerified()).isEqualTo(1);
    }

    @Test
    void aWrongSeedOrAWrongDieIsRefusedAtTheCloseAndTheGameStaysOpen() {
        try (Ledger ledger = open(true)) {
            fund(ledger);
            ok(ledger.submit(new Command.OpenGame("g", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)));
            ok(ledger.submit(fairRoll("g", 0)));
            // the seed is secret while the game is open: a die other than the seed's is recorded as given ...
            Roll honest = FairDice.dice(SEED_BYTES, CLIENT, 1);
            int other = honest.die1() == 6 ? 1 : honest.die1() + 1;
            ok(ledger.submit(new Command.RecordRoll("g", other, honest.die2(), true, CLIENT, 1L)));
            // ... and found when the seed is revealed
            String wrongSeed = "00".repeat(32);
            LedgerException e = error(ledger.submit(new Command.CloseGame("g", wrongSeed)));
            assertThat(e.code()).isEqualTo("SEED_MISMATCH");
            assertThat(e.getMessage()).contains(COMMITMENT, FairDice.commitment(new byte[32]));
            e = error(ledger.submit(new Command.CloseGame("g", SEED)));
            assertThat(e.code()).isEqualTo("DICE_MISMATCH");
            assertThat(e.getMessage()).contains("roll 1", "nonce 1", "recorded " + other + "+" + honest.die2(),
                    "gives " + honest);
            e = error(ledger.submit(new Command.CloseGame("g")));
            assertThat(e.code()).as("a fair game's close reveals its seed").isEqualTo("INVALID_COMMAND");
            assertThat(ledger.view().game("g")).as("still open").isNotNull();
        }
    }

    @Test
    void aFairGamesRollsCountTheirNoncesFromZeroUnderOneClientSeedAndOtherGamesNameNone() {
        try (Ledger ledger = open(true)) {
            fund(ledger);
            ok(ledger.submit(new Command.OpenGame("g", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)));
            ok(ledger.submit(new Command.OpenGame("plain", "t2")));
            assertThat(error(ledger.submit(new Command.RecordRoll("g", 3, 4))).code()).isEqualTo("INVALID_COMMAND");
            LedgerException e = error(ledger.submit(fairRoll("g", 5)));
            assertThat(e.code()).isEqualTo("INVALID_COMMAND");
            assertThat(e.getMessage()).contains("nonce is 0", "got 5");
            ok(ledger.submit(fairRoll("g", 0)));
            assertThat(error(ledger.submit(fairRoll("g", 0))).code()).as("a nonce used again").isEqualTo("INVALID_COMMAND");
            assertThat(error(ledger.submit(fairRoll("g", 2))).code()).as("a nonce skipped").isEqualTo("INVALID_COMMAND");
            Roll r = FairDice.dice(SEED_BYTES, "another-seed", 1);
            e = error(ledger.submit(new Command.RecordRoll("g", r.die1(), r.die2(), true, "another-seed", 1L)));
            assertThat(e.code()).isEqualTo("INVALID_COMMAND");
            assertThat(e.getMessage()).contains("client seed is " + CLIENT);
            ok(ledger.submit(fairRoll("g", 1)));
            assertThat(error(ledger.submit(fairRoll("plain", 0))).code()).isEqualTo("INVALID_COMMAND");
            assertThat(error(ledger.submit(new Command.CloseGame("plain", SEED))).code()).isEqualTo("INVALID_COMMAND");
            ok(ledger.submit(new Command.CloseGame("plain")));
            ok(ledger.submit(new Command.CloseGame("g", SEED)));
        }
    }

    /** Written with the rules off, a nonce used twice commits; the audit names it and does not count the game as verified. */
    @Test
    void theAuditNamesANonceOutOfOrder() throws Exception {
        long repeated;
        try (Ledger ledger = open(false)) {
            fund(ledger);
            ok(ledger.submit(new Command.OpenGame("g", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)));
            ok(ledger.submit(fairRoll("g", 0)));
            repeated = ok(ledger.submit(fairRoll("g", 0))).seq();
            ok(ledger.submit(new Command.CloseGame("g", SEED)));
        }
        AuditReport audit = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).extracting(Problem::kind).containsExactly(ProblemKind.NONCE_NOT_IN_ORDER);
        assertThat(audit.problems().get(0).seq()).isEqualTo(repeated);
        assertThat(audit.fairGamesVerified()).isZero();
    }

    /**
     * A log the writer did not judge, or changed afterwards: the audit checks the dice itself. Written
     * with the rules off (a history imported from elsewhere) a wrong die commits and the close too,
     * and the audit names the roll; a roll's dice changed by SQL in an honest log are found the same
     * way, beside the broken chain.
     */
    /**
     * A commitment opens one game: the seed its close reveals would give away the dice of any other game under it.
     * Refused while the first game is open, after its close, after a reopen (from fair_commitments), and after the
     * table lost its rows and the marker that it was filled (a database from before it, filled again at open). A log
     * written with the rules off that reuses one is flagged by the audit.
     */
    @Test
    void aCommitmentOpensOneGameOnly() throws Exception {
        try (Ledger ledger = open(true)) {
            fund(ledger);
            ok(ledger.submit(new Command.OpenGame("g", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)));
            LedgerException whileOpen = error(ledger.submit(new Command.OpenGame("h", "t1", Command.OpenGame.STANDARD_RULES,
                    COMMITMENT)));
            assertThat(whileOpen.code()).isEqualTo("COMMITMENT_REUSED");
            assertThat(whileOpen.getMessage()).contains(COMMITMENT);
            ok(ledger.submit(fairRoll("g", 0)));
            ok(ledger.submit(new Command.CloseGame("g", SEED)));
            assertThat(error(ledger.submit(new Command.OpenGame("h", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)))
                    .code()).isEqualTo("COMMITMENT_REUSED");
            // in one atomic group: the second opening sees the first
            LedgerException inGroup = error(ledger.submitAtomically(List.of(
                    new Command.OpenGame("i", "t1", Command.OpenGame.STANDARD_RULES, FairDice.commitment(SECOND_SEED_BYTES)),
                    new Command.OpenGame("j", "t1", Command.OpenGame.STANDARD_RULES, FairDice.commitment(SECOND_SEED_BYTES)))));
            assertThat(inGroup.code()).isEqualTo("COMMITMENT_REUSED");
            assertThat(inGroup.getMessage()).contains("command 2 of 2");
        }
        try (Ledger ledger = open(true)) {
            assertThat(error(ledger.submit(new Command.OpenGame("h", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)))
                    .code()).isEqualTo("COMMITMENT_REUSED");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             java.sql.Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("DELETE FROM fair_commitments")).isEqualTo(1);
            assertThat(st.executeUpdate("DELETE FROM ledger_meta WHERE name = 'fair_commitments_filled'")).isEqualTo(1);
        }
        try (Ledger ledger = open(true)) {
            assertThat(ledger.openReport()).contains("commitments of 1 provably fair game");
            assertThat(error(ledger.submit(new Command.OpenGame("h", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)))
                    .code()).isEqualTo("COMMITMENT_REUSED");
        }
        try (Ledger ledger = open(false)) { // importing a history: recorded as given, judged by the audit
            ok(ledger.submit(new Command.OpenGame("h", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)));
        }
        AuditReport audit = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).extracting(Problem::kind).containsExactly(ProblemKind.COMMITMENT_REUSED);
    }

    @Test
    void theAuditFindsADieThatIsNotTheSeedsAndARollThatSqlChangedLater() throws Exception {
        long wrongRollSeq;
        try (Ledger ledger = open(false)) {
            fund(ledger);
            ok(ledger.submit(new Command.OpenGame("g", "t1", Command.OpenGame.STANDARD_RULES, COMMITMENT)));
            Roll honest = FairDice.dice(SEED_BYTES, CLIENT, 0);
            int other = honest.die2() == 6 ? 1 : honest.die2() + 1;
            wrongRollSeq = ok(ledger.submit(new Command.RecordRoll("g", honest.die1(), other, false, CLIENT, 0L))).seq();
            ok(ledger.submit(new Command.CloseGame("g", SEED)));
            // an honest fair game after it, committed to a seed of its own
            ok(ledger.submit(new Command.OpenGame("h", "t1", Command.OpenGame.STANDARD_RULES,
                    FairDice.commitment(SECOND_SEED_BYTES))));
            Roll second = FairDice.dice(SECOND_SEED_BYTES, CLIENT, 0);
            ok(ledger.submit(new Command.RecordRoll("h", second.die1(), second.die2(), true, CLIENT, 0L)));
            ok(ledger.submit(new Command.CloseGame("h", HexFormat.of().formatHex(SECOND_SEED_BYTES))));
        }
        AuditReport audit = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).extracting(Problem::kind).containsExactly(ProblemKind.DICE_MISMATCH);
        assertThat(audit.problems().get(0).seq()).isEqualTo(wrongRollSeq);
        assertThat(audit.fairGamesVerified()).isEqualTo(1);

        // now change game h's honest roll by SQL, payload re-encoded as the writer would
        long hRollSeq = audit.toSeq() - 1;
        PayloadCodec codec = new PayloadCodec();
        List<EventRow> rows = new ArrayList<>();
        try (Connection c = LedgerDatabase.openReadOnly(dir.resolve("ledger.db"))) {
            EventReader.forEach(c, hRollSeq, hRollSeq, rows::add);
        }
        LedgerEvent e = StoredEvents.decode(codec, rows.get(0));
        Command.RecordRoll r = (Command.RecordRoll) e.command();
        Command.RecordRoll changed = new Command.RecordRoll("h", r.die1() == 6 ? 1 : r.die1() + 1, r.die2(), false,
                r.clientSeed(), r.nonce());
        byte[] payload = codec.encode(new LedgerEvent(e.seq(), e.timestampMicros(), changed, e.postings(), e.key(),
                e.submissionSize()));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             PreparedStatement ps = c.prepareStatement("UPDATE events SET payload = ? WHERE seq = ?")) {
            ps.setBytes(1, payload);
            ps.setLong(2, hRollSeq);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        AuditReport edited = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), n -> { });
        assertThat(edited.intact()).isFalse();
        // the edited row no longer matches its hash: named at its seq with the byte SQL changed; the die differs in
        // one byte, so the audit recovers the hashed original, folds the books with it (game h verifies as it was
        // committed), and the writer's own wrong roll stays the other root cause
        assertThat(edited.problems()).extracting(Problem::seq, Problem::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple(wrongRollSeq, ProblemKind.DICE_MISMATCH),
                org.assertj.core.groups.Tuple.tuple(hRollSeq, ProblemKind.CHAIN_BREAK));
        assertThat(edited.problems().get(1).detail()).contains("does not match its hash").contains("where the hashed original held");
        assertThat(edited.rootCauses()).extracting(cause -> cause.seq()).containsExactly(wrongRollSeq, hRollSeq);
        assertThat(edited.fairGamesVerified()).isEqualTo(1);
    }
}
