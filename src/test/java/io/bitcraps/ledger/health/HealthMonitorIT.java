package io.bitcraps.ledger.health;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The monitor on its own, over a real ledger file, with the connection supplier as the seam:
 * a read that fails (a real SQLException, from a connection closed under the check) is retried
 * and never halts the ledger; only evidence of damage does. {@code close} waits for a check in
 * progress, so that nothing reads the database after it returns.
 */
class HealthMonitorIT {
    @TempDir
    Path dir;
    Path db;
    final List<String> halts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void aSmallLedger() {
        db = dir.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            for (int i = 0; i < 20; i++) {
                ok(ledger.submit(new Deposit("p" + (i % 3), 10 + i, "cage-" + i)));
            }
        }
    }

    private HealthMonitor monitor(HealthMonitor.Connections connections, Duration interval) {
        HealthMonitor.LedgerSnapshot quiet = new HealthMonitor.LedgerSnapshot(null, 0, 1024, 0, 20, 0, 0, 1, 0, 0, null);
        return new HealthMonitor(db, HealthThresholds.defaults().withMinFreeBytes(0), connections, () -> quiet, null,
                halts::add, Clock.systemUTC(), interval);
    }

    /**
     * A real read-only connection that closes itself when the chain check starts reading (its
     * first prepared statement; quick_check before it uses a plain statement): the driver then
     * throws its own "connection closed" SQLException, as a pool connection that died would.
     */
    private Connection dyingAtTheChainRead() throws java.sql.SQLException {
        Connection real = LedgerDatabase.openReadOnly(db);
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("prepareStatement")) {
                        real.close();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static String describe(HealthReport r) {
        StringBuilder s = new StringBuilder(r.status().toString());
        r.checks().forEach(c -> s.append(String.format(Locale.ROOT, "%n  %-9s %-13s %s", c.status(), c.name(), c.detail())));
        return s.toString();
    }

    @Test
    void aTransientReadErrorInTheChainCheckIsRetriedAndDoesNotHalt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (HealthMonitor monitor = monitor(() -> calls.incrementAndGet() == 1 ? dyingAtTheChainRead()
                : LedgerDatabase.openReadOnly(db), Duration.ZERO)) {
            HealthReport r = monitor.check();
            System.out.println(describe(r));
            assertThat(halts).as("halt calls").isEmpty();
            assertThat(calls.get()).as("connections asked for").isEqualTo(2);
            assertThat(r.check("chain").status()).isEqualTo(HealthStatus.UP);
            assertThat(r.check("chain").detail()).contains("chain to the head at seq 20");
            assertThat(r.status()).isEqualTo(HealthStatus.UP);
        }
    }

    @Test
    void aReadErrorThatPersistsIsReportedWithItsReasonButDoesNotHalt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (HealthMonitor monitor = monitor(() -> {
            calls.incrementAndGet();
            return dyingAtTheChainRead();
        }, Duration.ZERO)) {
            HealthReport r = monitor.check();
            System.out.println(describe(r));
            assertThat(halts).as("halt calls").isEmpty();
            assertThat(calls.get()).as("bounded retries").isEqualTo(3);
            assertThat(r.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(r.check("chain").status()).isEqualTo(HealthStatus.DOWN);
            assertThat(r.check("chain").detail()).contains("cannot read the log tail", "3 attempts", "closed",
                    "not halted");
        }
    }

    @Test
    void closeWaitsForACheckInProgressAndNothingReadsTheDatabaseAfterwards() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong lastDatabaseUse = new AtomicLong();
        HealthMonitor.Connections slow = () -> {
            entered.countDown();
            // like a read stuck in SQLite: interrupts do not end it
            boolean released = false;
            while (!released) {
                try {
                    released = release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    // keep waiting, as native code would
                }
            }
            Connection real = LedgerDatabase.openReadOnly(db);
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Connection.class},
                    (proxy, method, args) -> {
                        lastDatabaseUse.set(System.nanoTime());
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        };
        HealthMonitor monitor = monitor(slow, Duration.ofMillis(20));
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("a periodic check started").isTrue();

        AtomicLong closedAt = new AtomicLong();
        Thread closer = new Thread(() -> {
            monitor.close();
            closedAt.set(System.nanoTime());
        });
        closer.start();
        Thread.sleep(300);
        assertThat(closedAt.get()).as("close returned while a check was still running").isZero();

        release.countDown();
        closer.join(15_000);
        assertThat(closedAt.get()).as("close returned once the check ended").isNotZero();
        Thread.sleep(200); // time for a check that close failed to wait for to show itself
        assertThat(lastDatabaseUse.get()).as("the check read the database").isNotZero();
        assertThat(lastDatabaseUse.get()).as("no database use after close returned").isLessThan(closedAt.get());
        assertThat(monitor.check().checks()).extracting(HealthCheck::name).doesNotContain("chain", "integrity");
    }
}
