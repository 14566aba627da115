package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.feed.CommittedEvent;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The read-only reader the CLI prints from, on real files: the head, every balance from whichever source
 * vouches for it (the read model, the views file, a replay of the log), the events in order with their chain
 * hashes, and typed failures for a missing file or one that is no ledger.
 */
class LedgerReaderIT {
    @TempDir
    Path dir;

    private Map<String, Long> fill(Ledger ledger) {
        ok(ledger.submit(new FundHouse(10_000, "bankroll")));
        ok(ledger.submit(new Deposit("alice", 1_000, "cage-1")));
        ok(ledger.submit(new Deposit("bob", 500, "cage-2")));
        ok(ledger.submit(new OpenGame("g1", "t1")));
        ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 100)));
        ok(ledger.submitAtomically(List.of(new RecordRoll("g1", 3, 4), new SettleBet("g1", "b1", Outcome.WIN, 100))));
        ok(ledger.submit(new Withdraw("bob", 500, "cage-3"))); // bob back at zero: the replay must still list him
        return ledger.view().balances();
    }

    @Test
    void theViewsFileAnswersALogFirstLedgerAndAReplayAnswersWhenItIsGone() throws Exception {
        Path db = dir.resolve("ledger.db");
        Map<String, Long> live;
        String head;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).build())) {
            live = fill(ledger);
            ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(10));
            head = ledger.view().headHash();
        }
        try (LedgerReader reader = LedgerReader.open(db)) {
            LedgerReader.HeadAt at = reader.head();
            assertThat(at.seq()).isEqualTo(8);
            assertThat(at.hash()).isEqualTo(head);
            LedgerReader.Balances b = reader.balances();
            assertThat(b.source()).isEqualTo(LedgerReader.BalancesSource.VIEWS_FILE);
            assertThat(b.seq()).isEqualTo(8);
            assertThat(b.note()).as("the views file is at the head").isNull();
            assertThat(withoutZeros(b.accounts())).isEqualTo(live);
            assertThat(b.accounts()).containsEntry(Account.player("bob").key(), 0L);
        }
        Files.delete(LedgerDatabase.viewsFileOf(db));
        try (LedgerReader reader = LedgerReader.open(db)) {
            LedgerReader.Balances b = reader.balances();
            assertThat(b.source()).isEqualTo(LedgerReader.BalancesSource.REPLAY);
            assertThat(b.note()).contains("replaying the log");
            assertThat(b.seq()).isEqualTo(8);
            assertThat(withoutZeros(b.accounts())).isEqualTo(live);
            assertThat(b.accounts()).containsEntry(Account.player("bob").key(), 0L);
            assertThat(b.accounts().values().stream().mapToLong(Long::longValue).sum()).as("I1").isZero();
            LedgerReader.Replayed replayed = reader.replay();
            assertThat(replayed.seq()).isEqualTo(8);
            assertThat(replayed.headHash()).isEqualTo(head);
            assertThat(replayed.balances()).as("the non-zero balances, as the writer held them").isEqualTo(live);
        }
    }

    @Test
    void theReadModelAnswersWhenTheWriterKeepsItInTheDatabase() {
        Path db = dir.resolve("ledger.db");
        Map<String, Long> live;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).logFirstCommit(false).build())) {
            live = fill(ledger);
        }
        try (LedgerReader reader = LedgerReader.open(db)) {
            LedgerReader.Balances b = reader.balances();
            assertThat(b.source()).isEqualTo(LedgerReader.BalancesSource.READ_MODEL);
            assertThat(b.seq()).isEqualTo(8);
            assertThat(b.note()).isNull();
            assertThat(withoutZeros(b.accounts())).isEqualTo(live);
        }
    }

    @Test
    void eventsComeInSeqOrderWithTheirChainHashesAndRenderAsExportLines() {
        Path db = dir.resolve("ledger.db");
        String head;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).build())) {
            fill(ledger);
            head = ledger.view().headHash();
        }
        try (LedgerReader reader = LedgerReader.open(db)) {
            List<CommittedEvent> events = new ArrayList<>();
            assertThat(reader.forEachEvent(1, Long.MAX_VALUE, events::add)).isEqualTo(8);
            assertThat(events).extracting(CommittedEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            assertThat(io.bitcraps.ledger.internal.Hex.of(events.get(7).chainHash())).isEqualTo(head);
            assertThat(events.get(5).event().submissionSize()).as("the roll and its settlement went in together").isEqualTo(2);

            List<CommittedEvent> middle = new ArrayList<>();
            assertThat(reader.forEachEvent(3, 4, middle::add)).isEqualTo(2);
            assertThat(middle).extracting(CommittedEvent::seq).containsExactly(3L, 4L);

            assertThat(EventLines.json(events.get(1))).startsWith("{\"seq\":2,").contains("\"type\":\"DEPOSITED\"")
                    .contains("\"player\":\"alice\"").endsWith("\"hash\":\"" + io.bitcraps.ledger.internal.Hex.of(events.get(1).chainHash()) + "\"}");
            assertThat(EventLines.csv(events.get(1)).split(",", -1)).hasSize(EventLines.Column.values().length);
            assertThatThrownBy(() -> reader.forEachEvent(0, 5, e -> { })).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0..5");
        }
    }

    @Test
    void aPlayersProtectionAndBetsComeFromTheLogAndTheReadModelOfEitherCommit() {
        for (boolean logFirst : new boolean[] {true, false}) {
            Path db = dir.resolve("ledger-" + logFirst + ".db");
            try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).logFirstCommit(logFirst).build())) {
                fill(ledger);
                ok(ledger.submit(new io.bitcraps.ledger.domain.Command.SetLimits("alice", 5_000L, null, null, null, 200L)));
                ok(ledger.submit(new PlaceBet("g1", "b2", "alice", BetType.PASS_LINE, null, 50)));
                ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            try (LedgerReader reader = LedgerReader.open(db)) {
                io.bitcraps.ledger.domain.ProtectionStatus alice = reader.protection("alice", java.time.Instant.now()).orElseThrow();
                assertThat(alice.limit(io.bitcraps.ledger.domain.PlayerLimit.STAKE_MAX).value()).isEqualTo(200L);
                assertThat(alice.limit(io.bitcraps.ledger.domain.PlayerLimit.DEPOSIT_24H).value()).isEqualTo(5_000L);
                assertThat(reader.protection("bob", java.time.Instant.now())).as("bob set no limit").isEmpty();

                var page = reader.betsByPlayer("alice", io.bitcraps.ledger.domain.PageRequest.first(1));
                assertThat(page.items()).extracting(io.bitcraps.ledger.domain.BetState::betId).as("newest first").containsExactly("b2");
                var rest = reader.betsByPlayer("alice", new io.bitcraps.ledger.domain.PageRequest(10, page.next().beforeSeq()));
                assertThat(rest.items()).extracting(io.bitcraps.ledger.domain.BetState::betId).containsExactly("b1");
                assertThat(rest.items().get(0).winnings()).isEqualTo(100);
            }
        }
    }

    @Test
    void aMissingFileAndAFileThatIsNoLedgerAreNamed() throws Exception {
        assertThatThrownBy(() -> LedgerReader.open(dir.resolve("nothing.db"))).isInstanceOf(DatabaseMissing.class)
                .hasMessageContaining("nothing.db");
        Path notALedger = dir.resolve("notes.db");
        Files.writeString(notALedger, "not a database");
        assertThatThrownBy(() -> LedgerReader.open(notALedger)).isInstanceOf(LedgerReadFailure.class)
                .hasMessageContaining("notes.db");
        assertThat(Files.readString(notALedger)).as("nothing written").isEqualTo("not a database");
        Path otherSqlite = dir.resolve("other.db");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + otherSqlite);
             java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TABLE notes (body TEXT)");
        }
        assertThatThrownBy(() -> LedgerReader.open(otherSqlite)).as("an SQLite file of something else")
                .isInstanceOf(LedgerReadFailure.class).hasMessageContaining("other.db").hasMessageContaining("not a ledger");
    }

    private static Map<String, Long> withoutZeros(Map<String, Long> balances) {
        Map<String, Long> out = new java.util.TreeMap<>(balances);
        out.values().removeIf(v -> v == 0);
        return out;
    }
}
