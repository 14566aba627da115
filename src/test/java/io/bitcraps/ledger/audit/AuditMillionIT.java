package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.api.Durability;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No false alarm at scale: a ledger of a million events (whole craps rounds submitted as atomic
 * groups, so it builds in seconds, every settlement the rulebook's) audits intact, payouts verified, and the
 * audit's speed is printed for
 * docs/audit.md. Tagged soak: it runs with {@code mvn -B verify -Psoak} or
 * {@code mvn -B test -Dtest=AuditMillionIT -Dtest.excludedGroups=}.
 */
@Tag("soak")
class AuditMillionIT {
    private static final long EVENTS = Long.getLong("ledger.audit.events", 1_000_000);

    @TempDir
    Path dir;

    @Test
    void aMillionUntouchedEventsAuditIntact() throws Exception {
        Path db = dir.resolve("million.db");
        long start = System.nanoTime();
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).build())) {
            ledger.submit(new Command.FundHouse(1_000_000_000_000L, "bankroll")).join();
            List<Command> deposits = new ArrayList<>();
            for (int p = 0; p < 200; p++) {
                deposits.add(new Command.Deposit("p" + p, 100_000_000, "cage"));
            }
            ledger.submitAtomically(deposits).join();
            SplittableRandom dice = new SplittableRandom(1);
            List<CompletableFuture<Receipt>> window = new ArrayList<>();
            for (int game = 0; ledger.view().seq() + 104 * (window.size() + 1) <= EVENTS; game++) {
                window.add(ledger.submitAtomically(round("g" + game, dice)));
                if (window.size() == 64) {
                    window.forEach(CompletableFuture::join);
                    window.clear();
                }
            }
            window.forEach(CompletableFuture::join);
        }
        long built = System.nanoTime() - start;
        AuditReport r = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        System.out.printf(Locale.ROOT, "AuditMillionIT: built %,d events in %.1f s; audit %s in %.1f s = %,.0f events/s%n",
                r.events(), built / 1e9, r.intact() ? "INTACT" : "NOT INTACT", r.elapsedNanos() / 1e9, r.eventsPerSecond());
        assertThat(r.problems()).isEmpty();
        assertThat(r.intact()).isTrue();
        assertThat(r.events()).isGreaterThan(EVENTS - 104);
        assertThat(r.payoutsVerified()).isTrue();
        assertThat(r.settlementsVerified()).isEqualTo(50 * r.gamesVerified()).isPositive();
    }

    /** One game: open, 50 bets, a decision roll, 50 settlements, close: 104 events in one atomic group. */
    private static List<Command> round(String game, SplittableRandom dice) {
        List<Command> cs = new ArrayList<>(104);
        cs.add(new Command.OpenGame(game, "t" + (game.hashCode() & 7)));
        for (int b = 0; b < 50; b++) {
            cs.add(new Command.PlaceBet(game, "b" + b, "p" + ((game.hashCode() + b) & 127), BetType.FIELD, null, 10 + b));
        }
        int d1 = 1 + dice.nextInt(6);
        int d2 = 1 + dice.nextInt(6);
        cs.add(new Command.RecordRoll(game, d1, d2));
        int total = d1 + d2;
        boolean win = total == 3 || total == 4 || total == 9 || total == 10 || total == 11 || total == 2 || total == 12;
        for (int b = 0; b < 50; b++) {
            long stake = 10 + b;
            // the standard table's field, as the audit's rulebook pays it: 2 pays 2:1, 12 pays 3:1, the rest even money
            long winnings = total == 12 ? 3 * stake : total == 2 ? 2 * stake : stake;
            cs.add(win ? new Command.SettleBet(game, "b" + b, Outcome.WIN, winnings)
                    : new Command.SettleBet(game, "b" + b, Outcome.LOSE, 0));
        }
        cs.add(new Command.CloseGame(game));
        return cs;
    }
}
