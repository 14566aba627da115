package io.bitcraps.ledger.health;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.feed.From;
import io.bitcraps.ledger.feed.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health changes are pushed ({@code LedgerConfig.Builder.healthListener}): the listener hears the
 * first report, each report whose status or a check's status changed, and nothing while nothing
 * changes. A subscriber that starts failing turns its check DEGRADED, and UP again when it recovers.
 */
class HealthListenerIT {
    @TempDir
    Path dir;

    @Test
    void theListenerHearsEachChangeAndOnlyChanges() throws Exception {
        List<HealthReport> heard = new CopyOnWriteArrayList<>();
        AtomicBoolean failing = new AtomicBoolean(true);
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(dir.resolve("h.db")).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).healthThresholds(HealthThresholds.defaults().withMinFreeBytes(0))
                .healthListener(heard::add).build())) {
            ok(ledger.submit(new Command.Deposit("alice", 100, "cash-1")));
            ledger.health();
            assertThat(heard).hasSize(1);
            assertThat(heard.get(0).status()).isEqualTo(HealthStatus.UP);
            ledger.health();
            assertThat(heard).as("nothing changed: nothing heard").hasSize(1);

            try (Subscription sub = ledger.subscribe("flaky", From.beginning(), batch -> {
                if (failing.get()) {
                    throw new IllegalStateException("downstream is away");
                }
            })) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!sub.status().failing() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                HealthReport degraded = ledger.health();
                assertThat(degraded.check("subscription flaky").status()).isEqualTo(HealthStatus.DEGRADED);
                assertThat(heard).hasSize(2);
                assertThat(heard.get(1).status()).isEqualTo(HealthStatus.DEGRADED);
                assertThat(heard.get(1).check("subscription flaky").detail()).contains("downstream is away");

                failing.set(false);
                assertThat(sub.awaitPosition(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
                HealthReport recovered = ledger.health();
                assertThat(recovered.check("subscription flaky").status()).isEqualTo(HealthStatus.UP);
                assertThat(heard).hasSize(3);
                assertThat(heard.get(2).status()).isEqualTo(HealthStatus.UP);
            }
        }
    }
}
