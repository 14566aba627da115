package io.bitcraps.ledger.health;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code quick_check} pass at a bounded cost: a health check with a budget far smaller than
 * the file's check stops within it (a generous 10x, the machine is shared) and the pass resumes at
 * the next check, table by table, until a full pass completes; once complete, nothing is checked
 * again until the interval is up.
 */
class IntegrityBudgetIT {
    private static final Duration BUDGET = Duration.ofMillis(5);

    @TempDir
    Path dir;
    Path db;

    @BeforeEach
    void aLedgerWhoseCheckTakesLongerThanTheBudget() {
        db = dir.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            List<CompletableFuture<Receipt>> pending = new ArrayList<>();
            for (int i = 0; i < 60_000; i++) {
                pending.add(ledger.submit(new Deposit("p" + (i % 500), 1 + i % 97, "cage-" + i)));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        }
    }

    private HealthMonitor monitor(Duration integrityInterval) {
        HealthMonitor.LedgerSnapshot quiet = new HealthMonitor.LedgerSnapshot(null, 0, 1024, 0, 60_000, 0, 0, 1, 0, 0, null);
        return new HealthMonitor(db, HealthThresholds.defaults().withMinFreeBytes(0), () -> LedgerDatabase.openReadOnly(db),
                () -> quiet, null, reason -> { throw new AssertionError("halted: " + reason); }, Clock.systemUTC(),
                Duration.ZERO, integrityInterval, BUDGET);
    }

    @Test
    void aCheckStopsWithinItsBudgetAndThePassResumesUntilItCompletes() throws Exception {
        System.out.printf("ledger of %,d bytes%n", Files.size(db));
        try (HealthMonitor monitor = monitor(Duration.ofHours(1))) {
            HealthReport first = monitor.check();
            List<IntegrityPass.Step> steps = monitor.integrityPass().lastSteps();
            System.out.println("run 1: " + first.check("integrity").detail());
            assertThat(steps).as("the first run checked something").isNotEmpty();
            assertThat(steps.get(steps.size() - 1).cutOff()).as("the ledger is big enough to outlast the budget").isTrue();
            assertThat(first.check("integrity").status()).isEqualTo(HealthStatus.UP);
            assertThat(first.check("integrity").detail()).contains("cut off", "no full pass completed yet");
            for (IntegrityPass.Step s : steps) {
                assertThat(s.heldNanos()).as("snapshot held by %s", s.table()).isLessThan(10 * BUDGET.toNanos());
            }
            assertThat(monitor.integrityPass().lastFullPass()).isNull();

            int runs = 1;
            HealthReport r = first;
            while (monitor.integrityPass().lastFullPass() == null) {
                runs++;
                assertThat(runs).as("the pass completes in a bounded number of runs").isLessThanOrEqualTo(40);
                r = monitor.check();
                System.out.println("run " + runs + ": " + r.check("integrity").detail());
                for (IntegrityPass.Step s : monitor.integrityPass().lastSteps()) {
                    assertThat(s.heldNanos()).as("snapshot held by %s in run %d", s.table(), runs)
                            .isLessThan(10 * s.budgetNanos());
                }
            }
            assertThat(runs).isGreaterThan(1);
            assertThat(r.check("integrity").status()).isEqualTo(HealthStatus.UP);
            assertThat(r.check("integrity").detail()).contains("full pass finished", "last full pass");

            // complete: nothing is due until the interval is up, and the detail says when the last pass ended
            HealthReport after = monitor.check();
            assertThat(monitor.integrityPass().lastSteps()).isEmpty();
            assertThat(after.check("integrity").detail()).contains("no table due", "last full pass");
            assertThat(after.status()).isEqualTo(HealthStatus.UP);
        }
    }

    @Test
    void aZeroIntervalChecksTheWholeFileAtEveryCheckAsBefore() {
        try (HealthMonitor monitor = monitor(Duration.ZERO)) {
            for (int i = 0; i < 2; i++) {
                HealthReport r = monitor.check();
                assertThat(r.check("integrity").detail()).isEqualTo("quick_check ok");
            }
        }
    }
}
