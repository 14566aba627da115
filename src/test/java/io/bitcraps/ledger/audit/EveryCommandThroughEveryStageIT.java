package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.craps.FairDice;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.Exclusion;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.projection.Replayer;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command type, accepted by a real ledger, through every stage: the rules at commit, the
 * payload codec and the chain, the writer's query columns and the audit's own (which must agree),
 * the audit's books, payouts, protections and fair dice (intact), a replay of the log equal to the
 * live state, and both export formats (a line per event, the type's own fields in it, each JSON line valid
 * against schemas/cli/export-line.schema.json), and {@code history --json}. The log must
 * hold every {@link EventType}: a command added to the ledger fails here until this test sends one.
 */
class EveryCommandThroughEveryStageIT {
    @TempDir
    Path dir;

    @Test
    void eachCommandTypeIsDecidedStoredColumnedAuditedReplayedAndExported() throws Exception {
        Path db = dir.resolve("every.db");
        byte[] seed = new byte[FairDice.SEED_BYTES];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = (byte) (i * 7 + 1);
        }
        Roll fair = FairDice.dice(seed, "client-1", 0);
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new Command.FundHouse(1_000_000, "bank")));
            ok(ledger.submit(new Command.Deposit("alice", 1_000, "cash-1")));
            ok(ledger.submit(new Command.Withdraw("alice", 100, "cash-out-1")));
            ok(ledger.submit(new Command.OpenGame("g1", "t1", Command.OpenGame.STANDARD_RULES, null)));
            ok(ledger.submit(new Command.PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 10)));
            // a come-out 7: the pass line wins, settled with the roll in one atomic group
            ok(ledger.submitAtomically(List.of(new Command.RecordRoll("g1", 3, 4, false, null, null),
                    new Command.SettleBet("g1", "b1", Outcome.WIN, 10))));
            ok(ledger.submit(new Command.CloseGame("g1", null)));
            ok(ledger.submit(new Command.OpenGame("g2", "t1", Command.OpenGame.STANDARD_RULES, FairDice.commitment(seed))));
            ok(ledger.submit(new Command.RecordRoll("g2", fair.die1(), fair.die2(), false, "client-1", 0L)));
            ok(ledger.submit(new Command.CloseGame("g2", Hex.of(seed))));
            ok(ledger.submit(new Command.SetLimits("alice", 5_000L, null, null, 1_000L, 500L)));
            ok(ledger.submit(new Command.SelfExclude("bob", Exclusion.COOL_OFF, 24)));
            ok(ledger.submit(new Command.StartEpoch(1, "every command type once")));
        }

        List<EventRow> rows = new ArrayList<>();
        List<LedgerEvent> events = new ArrayList<>();
        PayloadCodec codec = new PayloadCodec();
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            EventReader.forEach(c, 1, Long.MAX_VALUE, rows::add);
            Set<EventType> seen = EnumSet.noneOf(EventType.class);
            for (EventRow row : rows) {
                LedgerEvent e = StoredEvents.decode(codec, row);
                events.add(e);
                seen.add(e.type());
                // the writer's query columns and the audit's, written apart on purpose, agree on every type
                assertThat(row.gameId()).as("game column of %s", e.type()).isEqualTo(Columns.gameOf(e.command()));
                assertThat(row.betId()).as("bet column of %s", e.type()).isEqualTo(Columns.betOf(e.command()));
                assertThat(row.amount()).as("amount column of %s", e.type()).isEqualTo(Columns.amountOf(e.command()));
                if (e.type() != EventType.BET_SETTLED) { // a settlement's player is the bettor, from the game
                    assertThat(row.playerId()).as("player column of %s", e.type()).isEqualTo(Columns.playerOf(e.command()));
                }
                // the payload decodes to the command that was sent, and encodes back to the stored bytes
                assertThat(codec.encode(e)).as("payload of %s", e.type()).isEqualTo(row.payload());
            }
            assertThat(seen).as("every event type is in the log").isEqualTo(EnumSet.allOf(EventType.class));
            assertThat(new Replayer(codec).replay(c, LedgerDatabase.ledgerId(c)).seq()).isEqualTo(rows.size());
        }

        AuditReport audit = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        assertThat(audit.problems()).isEmpty();
        assertThat(audit.intact()).isTrue();
        assertThat(audit.fairGamesVerified()).isEqualTo(1);

        ChildJvm.Result json = ChildJvm.run(dir, "export", "--db", db.toString());
        ChildJvm.Result csv = ChildJvm.run(dir, "export", "--db", db.toString(), "--format", "csv");
        assertThat(json.exitCode()).as(json.stderr()).isZero();
        assertThat(csv.exitCode()).as(csv.stderr()).isZero();
        List<String> jsonLines = json.stdout().lines().toList();
        List<String> csvLines = csv.stdout().lines().toList();
        assertThat(jsonLines).hasSize(events.size());
        assertThat(csvLines).hasSize(events.size() + 1);
        for (int i = 0; i < events.size(); i++) {
            LedgerEvent e = events.get(i);
            String own = switch (e.type()) {
                case DEPOSITED -> "cash-1";
                case WITHDRAWN -> "cash-out-1";
                case HOUSE_FUNDED -> "bank";
                case GAME_OPENED, DICE_ROLLED, GAME_CLOSED -> StoredEvents.gameOf(e.command());
                case BET_PLACED -> "PASS_LINE";
                case BET_SETTLED -> "WIN";
                case LIMITS_SET -> "stake_max=500";
                case PLAYER_EXCLUDED -> "cool_off=24h";
                case EPOCH_STARTED -> "every command type once";
            };
            assertThat(csvLines.get(i + 1)).as("CSV line of %s", e.type()).contains("," + e.type().name() + ",", own);
            assertThat(jsonLines.get(i)).as("JSON line of %s", e.type()).contains("\"type\":\"" + e.type().name() + "\"");
            assertThat(OutputSchemas.errors("schemas/cli/export-line.schema.json", OutputSchemas.json().readTree(jsonLines.get(i))))
                    .as("export line of %s against its schema: %s", e.type(), jsonLines.get(i)).isEmpty();
        }

        // history --json of the player with limits and a settled bet: the protection line, then the bet
        ChildJvm.Result history = ChildJvm.run(dir, "history", "--db", db.toString(), "--player", "alice", "--json");
        assertThat(history.exitCode()).as(history.stderr()).isZero();
        List<String> historyLines = history.stdout().lines().toList();
        assertThat(historyLines).hasSize(2);
        assertThat(historyLines.get(0)).startsWith("{\"protection\":");
        assertThat(historyLines.get(1)).contains("\"status\":\"WIN\"", "\"winnings\":10");
        for (String line : historyLines) {
            assertThat(OutputSchemas.errors("schemas/cli/history.schema.json", OutputSchemas.json().readTree(line)))
                    .as("history line against its schema: %s", line).isEmpty();
        }
        tools.jackson.databind.node.ObjectNode settled = (tools.jackson.databind.node.ObjectNode) OutputSchemas.json()
                .readTree(historyLines.get(1));
        assertThat(OutputSchemas.errors("schemas/cli/history.schema.json", settled.deepCopy().without("settled_seq")))
                .as("a settled bet without its settlement's seq").isNotEmpty();
    }
}
