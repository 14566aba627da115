package io.bitcraps.ledger.rules;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.TestViews;
import io.bitcraps.ledger.craps.GameTable;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.projection.GameState;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rulebook's table of each open game survives a reopen however the state comes back: from the
 * writer's snapshot (which carries the tables), from a replay of the whole log, or from the
 * read-model rows of the layout that keeps them in the commit (which carry none: the tables are
 * folded from the log from the oldest open game's opening). After the reopen the tables equal
 * those before it, and the writer judges by them: a come bet keeps the point its come-out roll
 * gave it, a settlement owed is still owed, and a roll the ledger settles pays by the rulebook.
 */
class TablesAfterReopenIT {
    @TempDir
    Path dir;

    /** SNAPSHOT_BEFORE_TABLES: the newest snapshot rewritten in format 1, which holds no tables. */
    enum Source { SNAPSHOT, SNAPSHOT_BEFORE_TABLES, REPLAY, READ_MODEL_ROWS }

    private static final byte[] FAIR_SEED = new byte[32];

    static {
        for (int i = 0; i < FAIR_SEED.length; i++) {
            FAIR_SEED[i] = (byte) (i * 7 + 1);
        }
    }

    private static final String FAIR_COMMITMENT = io.bitcraps.ledger.craps.FairDice.commitment(FAIR_SEED);

    private Ledger open(Source source, boolean tableRules) {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).logFirstCommit(source != Source.READ_MODEL_ROWS)
                .tableRules(tableRules).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build());
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void theTablesComeBackAsTheyWereAndTheWriterJudgesByThem(Source source) throws Exception {
        Map<String, GameTable> before = new TreeMap<>();
        // written with the rules off, so that a settlement can be left owed past its roll (the rules
        // refuse that); every other command of it the rules would take as well
        try (Ledger ledger = open(source, false)) {
            ok(ledger.submit(new Command.FundHouse(100_000, "bank")));
            ok(ledger.submit(new Command.Deposit("ann", 1_000, "cage")));
            ok(ledger.submit(new Command.OpenGame("old", "t1")));
            // a game opened long ago, still open: its table is folded from its first event on
            ok(ledger.submit(new Command.PlaceBet("old", "p1", "ann", BetType.PASS_LINE, null, 10)));
            ok(ledger.submit(new Command.RecordRoll("old", 2, 2))); // point 4
            for (int i = 0; i < 50; i++) {
                ok(ledger.submit(new Command.Deposit("filler", 1, "f" + i)));
            }
            ok(ledger.submit(new Command.OpenGame("g", "t2")));
            ok(ledger.submit(new Command.PlaceBet("g", "pass", "ann", BetType.PASS_LINE, null, 10)));
            ok(ledger.submit(new Command.RecordRoll("g", 3, 3))); // point 6
            ok(ledger.submit(new Command.PlaceBet("g", "come", "ann", BetType.COME, null, 10)));
            ok(ledger.submit(new Command.PlaceBet("g", "odds", "ann", BetType.PASS_ODDS, null, 50)));
            ok(ledger.submit(new Command.PlaceBet("g", "field", "ann", BetType.FIELD, null, 10)));
            // a 5: the come bet moves to 5, the field loses; its settlement is left owed across the reopen
            ok(ledger.submit(new Command.RecordRoll("g", 1, 4)));
            // a provably fair game part-way: its commitment and rolls must come back too
            ok(ledger.submit(new Command.OpenGame("fair", "t3", Command.OpenGame.STANDARD_RULES, FAIR_COMMITMENT)));
            for (long nonce = 0; nonce < 3; nonce++) {
                io.bitcraps.ledger.craps.Roll r = io.bitcraps.ledger.craps.FairDice.dice(FAIR_SEED, "c", nonce);
                ok(ledger.submit(new Command.RecordRoll("fair", r.die1(), r.die2(), false, "c", nonce)));
            }
            for (GameState g : TestViews.state(ledger.view()).games().values()) {
                before.put(g.gameId(), g.table());
            }
        }
        assertThat(before.get("g").dueSettlements()).extracting(s -> s.betId()).containsExactly("field");
        assertThat(before.get("g").openBet("come").point()).isEqualTo(5);
        if (source == Source.SNAPSHOT_BEFORE_TABLES) {
            rewriteTheNewestSnapshotInFormatOne();
        }
        if (source == Source.REPLAY) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
                 Statement st = c.createStatement()) {
                assertThat(st.executeUpdate("DELETE FROM state_snapshots")).isPositive();
            }
        }
        try (Ledger ledger = open(source, true)) {
            // the load path this case is about, and no other
            switch (source) {
                case SNAPSHOT, SNAPSHOT_BEFORE_TABLES, READ_MODEL_ROWS ->
                        assertThat(ledger.openReport()).doesNotContain("replaying", "unusable");
                case REPLAY -> assertThat(ledger.openReport()).contains("no state snapshot", "replaying");
            }
            Map<String, GameTable> after = new TreeMap<>();
            for (GameState g : TestViews.state(ledger.view()).games().values()) {
                after.put(g.gameId(), g.table());
            }
            assertThat(after).as("the tables after the reopen (%s)", source).isEqualTo(before);
            // still owed: the next roll waits for it; and it is owed as the rulebook says
            assertThat(error(ledger.submit(new Command.RecordRoll("g", 5, 5))).code()).isEqualTo("UNSETTLED_BETS");
            assertThat(error(ledger.submit(new Command.SettleBet("g", "field", Outcome.WIN, 10))).code())
                    .isEqualTo("WRONG_PAYOUT");
            ok(ledger.submit(new Command.SettleBet("g", "field", Outcome.LOSE, 0)));
            // odds behind the come bet on its 5, within 4x of its 10 chips
            assertThat(error(ledger.submit(new Command.PlaceBet("g", "codds", "ann", BetType.COME_ODDS, 5, 41))).code())
                    .isEqualTo("BET_NOT_ALLOWED");
            ok(ledger.submit(new Command.PlaceBet("g", "codds", "ann", BetType.COME_ODDS, 5, 40)));
            // a 6: the pass line and its odds win (even money, and 6:5 on 50); come and its odds ride on
            Receipt r = ok(ledger.submit(Command.RecordRoll.settledByTheRules("g", 2, 4)));
            assertThat(r.lastSeq() - r.firstSeq()).as("the roll and two settlements").isEqualTo(2);
            assertThat(TestViews.state(ledger.view()).game("g").bet("pass").winnings()).isEqualTo(10);
            assertThat(TestViews.state(ledger.view()).game("g").bet("odds").winnings()).isEqualTo(60);
            assertThat(TestViews.state(ledger.view()).game("g").bet("come").isOpen()).isTrue();
            // the old game: its pass line still rides on the 4
            Receipt old = ok(ledger.submit(Command.RecordRoll.settledByTheRules("old", 1, 3)));
            assertThat(old.lastSeq() - old.firstSeq()).isEqualTo(1);
            assertThat(TestViews.state(ledger.view()).game("old").bet("p1").outcome()).isEqualTo(Outcome.WIN);
            // the fair game goes on from its third roll and closes with its seed, every die checked
            io.bitcraps.ledger.craps.Roll next = io.bitcraps.ledger.craps.FairDice.dice(FAIR_SEED, "c", 3);
            ok(ledger.submit(new Command.RecordRoll("fair", next.die1(), next.die2(), false, "c", 3L)));
            ok(ledger.submit(new Command.CloseGame("fair", java.util.HexFormat.of().formatHex(FAIR_SEED))));
            List<String> stillOpen = ledger.view().openBets("g").stream().map(b -> b.betId()).toList();
            assertThat(stillOpen).containsExactlyInAnyOrder("come", "codds");
        }
    }

    /**
     * Format 1 of {@code StateSnapshot}, written here as the code before the tables wrote it: the
     * version byte, the balances, the games with their bets, nothing after them.
     */
    private void rewriteTheNewestSnapshotInFormatOne() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"))) {
            long seq;
            long lastTs;
            long digest;
            byte[] bytes;
            try (Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(
                    "SELECT seq, last_ts, digest, state FROM state_snapshots ORDER BY seq DESC LIMIT 1")) {
                assertThat(rs.next()).as("a snapshot at close").isTrue();
                seq = rs.getLong(1);
                lastTs = rs.getLong(2);
                digest = rs.getLong(3);
                bytes = rs.getBytes(4);
            }
            assertThat(bytes[0]).as("written in format 4").isEqualTo((byte) 4);
            io.bitcraps.ledger.projection.LedgerState state = io.bitcraps.ledger.projection.StateSnapshot.decode(bytes, seq,
                    new byte[32], lastTs, digest);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (java.io.DataOutputStream d = new java.io.DataOutputStream(out)) {
                d.writeByte(1);
                Map<String, Long> balances = new TreeMap<>(state.balances());
                d.writeInt(balances.size());
                for (var e : balances.entrySet()) {
                    d.writeUTF(e.getKey());
                    d.writeLong(e.getValue());
                }
                Map<String, GameState> games = new TreeMap<>(state.games());
                d.writeInt(games.size());
                for (GameState g : games.values()) {
                    d.writeUTF(g.gameId());
                    d.writeUTF(g.tableId());
                    d.writeLong(g.openedSeq());
                    d.writeInt(g.rolls());
                    d.writeByte(g.lastDie1());
                    d.writeByte(g.lastDie2());
                    d.writeByte(g.point());
                    d.writeInt(g.openBetCount());
                    Map<String, io.bitcraps.ledger.domain.BetState> bets = new TreeMap<>(g.bets());
                    d.writeInt(bets.size());
                    for (var b : bets.values()) {
                        d.writeUTF(b.betId());
                        d.writeUTF(b.player());
                        d.writeUTF(b.betType().name());
                        d.writeInt(b.point() == null ? -1 : b.point());
                        d.writeLong(b.amount());
                        d.writeLong(b.placedSeq());
                        d.writeLong(b.settledSeq());
                        d.writeUTF(b.outcome() == null ? "" : b.outcome().name());
                        d.writeLong(b.winnings());
                    }
                }
            }
            try (var ps = c.prepareStatement("UPDATE state_snapshots SET state = ? WHERE seq = ?")) {
                ps.setBytes(1, out.toByteArray());
                ps.setLong(2, seq);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
    }
}
