package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.health.HealthStatus;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ledger's Micrometer meters agree with what actually happened: appends with the events
 * committed (an idempotent replay appends nothing), rejections per code with the refusals, batch
 * size and commit latency with one sample per commit (counted independently by a commit
 * listener), the ring backlog gauge, backup duration and failures, and HikariCP's pool meters.
 */
class MetricsIT {
    @TempDir
    Path dir;

    @Test
    void theMetersCountExactlyTheAppendsRejectionsCommitsAndBackupsThatHappened() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong commits = new AtomicLong();
        AtomicLong committedEvents = new AtomicLong();
        Path backups = dir.resolve("backups");
        LedgerConfig config = LedgerConfig.builder(dir.resolve("ledger.db")).meterRegistry(registry).backupDir(backups)
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO)
                .commitListener(n -> {
                    commits.incrementAndGet();
                    committedEvents.addAndGet(n.eventCount());
                }).build();
        long events = 0;
        try (Ledger ledger = Ledger.open(config)) {
            // accepted: one at a time, then concurrent windows (batches of varying size), then atomic groups
            events += ok(ledger.submit(new FundHouse(1_000_000, "bankroll"))).seqs().length;
            events += ok(ledger.submit(new OpenGame("g1", "t1"))).seqs().length;
            events += ok(ledger.submit(new Deposit("alice", 1_000, "c1"), "cash-1")).seqs().length;
            for (int w = 0; w < 5; w++) {
                List<CompletableFuture<Receipt>> window = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    window.add(ledger.submit(new Deposit("p" + (i % 6), 1 + i, "w" + w + "-" + i)));
                }
                for (CompletableFuture<Receipt> f : window) {
                    events += ok(f).seqs().length;
                }
            }
            for (int i = 0; i < 3; i++) {
                events += ok(ledger.submitAtomically(List.<Command>of(new PlaceBet("g1", "b" + i, "alice", BetType.FIELD, null, 10),
                        new RecordRoll("g1", 2, 3), new SettleBet("g1", "b" + i, Outcome.LOSE, 0)))).seqs().length;
            }
            // a retry with the same key and content: the original receipt, no append
            assertThat(ok(ledger.submit(new Deposit("alice", 1_000, "c1"), "cash-1")).seq()).isEqualTo(3);

            // refusals, by code
            Map<String, Integer> refusals = new TreeMap<>();
            for (int i = 0; i < 3; i++) {
                expectRefusal(ledger, new Withdraw("alice", 1_000_000, "too-much-" + i), null, "INSUFFICIENT_FUNDS", refusals);
            }
            for (int i = 0; i < 2; i++) {
                expectRefusal(ledger, new RecordRoll("no-such-game", 1, 1), null, "UNKNOWN_GAME", refusals);
            }
            expectRefusal(ledger, new Withdraw("nobody", 1, "x"), null, "UNKNOWN_ACCOUNT", refusals);
            expectRefusal(ledger, new Deposit("alice", 999, "c1"), "cash-1", "IDEMPOTENCY_CONFLICT", refusals);

            long seq = ledger.view().seq();
            System.out.printf("%d events in %d commits; refusals %s%n", events, commits.get(), refusals);
            assertThat(seq).isEqualTo(events);
            assertThat(committedEvents.get()).isEqualTo(events);

            assertThat(registry.get("ledger.appends").functionCounter().count()).isEqualTo(events);
            assertThat(registry.get("ledger.commits").functionCounter().count()).isEqualTo(commits.get());
            for (Meter m : registry.get("ledger.rejections").meters()) {
                String code = m.getId().getTag("code");
                double count = registry.get("ledger.rejections").tag("code", code).functionCounter().count();
                assertThat(count).as("ledger.rejections{code=%s}", code).isEqualTo((double) refusals.getOrDefault(code, 0));
            }
            assertThat(registry.get("ledger.rejections").meters().stream().map(m -> m.getId().getTag("code")))
                    .containsAll(refusals.keySet());

            DistributionSummary batchSize = registry.get("ledger.batch.size").summary();
            assertThat(batchSize.count()).as("one batch-size sample per commit").isEqualTo(commits.get());
            assertThat((long) batchSize.totalAmount()).as("batch sizes add up to the events").isEqualTo(events);
            assertThat(batchSize.max()).as("the concurrent windows made a batch of several events").isGreaterThan(1);
            Timer latency = registry.get("ledger.commit.latency").timer();
            assertThat(latency.count()).as("one latency sample per commit").isEqualTo(commits.get());
            assertThat(latency.totalTime(TimeUnit.NANOSECONDS)).isPositive();

            // the writer answers a batch's futures before it moves its ring sequence on: poll for the idle reading
            double backlog = registry.get("ledger.ring.backlog").gauge().value();
            for (int i = 0; i < 100 && backlog != 0; i++) {
                Thread.sleep(50);
                backlog = registry.get("ledger.ring.backlog").gauge().value();
            }
            assertThat(backlog).as("nothing waits at rest").isZero();

            // a backup is timed; a failed one is timed and counted
            Timer backupDuration = registry.get("ledger.backup.duration").timer();
            assertThat(backupDuration.count()).isZero();
            ledger.backup();
            assertThat(backupDuration.count()).isEqualTo(1);
            assertThat(backupDuration.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(registry.get("ledger.backup.failures").counter().count()).isZero();
            deleteTree(backups);
            Files.writeString(backups, "a file where the backup directory should be");
            assertThatThrownBy(ledger::backup).isInstanceOf(BackupFailure.class);
            assertThat(backupDuration.count()).isEqualTo(2);
            assertThat(registry.get("ledger.backup.failures").counter().count()).isEqualTo(1);
            assertThat(ledger.backupStatus().failures()).isEqualTo(1);
            assertThat(ledger.health().check("backup").status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(ledger.health().check("backup").detail()).contains("the last backup failed");

            // the reader pool, through HikariCP's own tracker (use it once so its meters have values)
            ledger.accounts().balance(io.bitcraps.ledger.domain.Account.player("alice"));
            List<String> hikari = registry.getMeters().stream().map(m -> m.getId().getName())
                    .filter(n -> n.startsWith("hikaricp")).distinct().sorted().toList();
            System.out.println("HikariCP meters: " + hikari);
            assertThat(hikari).contains("hikaricp.connections", "hikaricp.connections.active", "hikaricp.connections.idle",
                    "hikaricp.connections.pending");
            assertThat(registry.get("hikaricp.connections").tag("pool", "ledger-readers").gauge().value()).isPositive();
        }
    }

    private static void expectRefusal(Ledger ledger, Command c, String key, String code, Map<String, Integer> refusals) {
        assertThat(error(key == null ? ledger.submit(c) : ledger.submit(c, key)).code()).isEqualTo(code);
        refusals.merge(code, 1, Integer::sum);
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
