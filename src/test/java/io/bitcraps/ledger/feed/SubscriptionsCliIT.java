package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.backup.Restore;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.store.SubscriptionCheckpoints;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tools/ledger subscriptions}: lists checkpoints against the log, and resets one only while the ledger is stopped. */
class SubscriptionsCliIT {
    @TempDir
    Path dir;

    @Test
    void listsACheckpointLeftPastARestoredLogAndResetsItOnlyWhileTheLedgerIsStopped() throws Exception {
        Path db = dir.resolve("ledger.db");
        LedgerConfig config = LedgerConfig.builder(db).backupDir(dir.resolve("backups")).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build();
        String backup;
        try (Ledger ledger = Ledger.open(config)) {
            for (int i = 0; i < 4; i++) {
                ok(ledger.submit(new Deposit("alice", 10, "a" + i)));
            }
            backup = ledger.backup().file().getFileName().toString();
            ok(ledger.submit(new Deposit("alice", 10, "b")));
            Subscription stats = ledger.subscribe("stats", From.beginning(), b -> { });
            Subscription relay = ledger.subscribe("relay", From.beginning(), b -> { });
            assertThat(stats.awaitPosition(5, Duration.ofSeconds(30))).isTrue();
            assertThat(relay.awaitPosition(5, Duration.ofSeconds(30))).isTrue();
            relay.close();
        }
        ChildJvm.Result inStep = ChildJvm.run(dir, "subscriptions", "--db", db.toString());
        assertThat(inStep.exitCode()).as(inStep.stderr()).isZero();
        assertThat(inStep.stdout().lines()).hasSize(2).allMatch(l -> l.contains("in the log (0 event(s) behind the head, seq 5)"));
        assertThat(inStep.stdout()).contains("relay  seq 5  (written ", "stats  seq 5  (written ");

        Restore.restore(dir.resolve("backups"), backup, db, true, null, Long.MAX_VALUE, Long.MAX_VALUE, null); // seq 4
        ChildJvm.Result listed = ChildJvm.run(dir, "subscriptions", "--db", db.toString());
        assertThat(listed.exitCode()).as(listed.stderr()).isZero();
        assertThat(listed.stdout().lines()).hasSize(2).allMatch(l -> l.contains("NOT IN THE LOG: the log ends at seq 4"));
        System.out.print("$ tools/ledger subscriptions --db ledger.db\n" + listed.stdout());

        ChildJvm.Result refused;
        try (Ledger ledger = Ledger.open(config)) {
            refused = ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--reset", "relay");
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.stderr()).contains("pid " + ProcessHandle.current().pid());
            assertThat(ledger.subscriptionCheckpoint("relay").seq()).isEqualTo(5);
        }
        ChildJvm.Result reset = ChildJvm.run(dir, "subscriptions", "--db", db.toString(), "--reset", "relay");
        assertThat(reset.exitCode()).as(reset.stderr()).isZero();
        assertThat(reset.stdout()).contains("checkpoint of relay at seq 5 forgotten");
        System.out.print("$ tools/ledger subscriptions --db ledger.db --reset relay\n" + reset.stdout() + refused.stderr());
        assertThat(SubscriptionCheckpoints.readAll(db)).extracting(c -> c.name()).containsExactly("stats");
    }
}
