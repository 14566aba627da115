package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.backup.Restore;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.store.StoredCheckpoint;
import io.bitcraps.ledger.store.SubscriptionCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A ledger restored to an earlier point keeps its sidecar of checkpoints, whose subscribers have
 * seen events the restored log lacks: subscribing from such a checkpoint is refused with the seq
 * and both hashes, never re-based; a reset (or an explicit start) is the way on.
 */
class CheckpointNotInLogIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private LedgerConfig config() {
        return LedgerConfig.builder(dir.resolve("ledger.db")).backupDir(dir.resolve("backups"))
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build();
    }

    @Test
    void aCheckpointPastTheRestoredLogOrOnAnotherHistoryIsRefusedUntilReset() throws Exception {
        Path db = dir.resolve("ledger.db");
        String backupName;
        byte[] hashAt20;
        try (Ledger ledger = Ledger.open(config())) {
            deposits(ledger, "first", 10);
            backupName = ledger.backup().file().getFileName().toString(); // at seq 10
            deposits(ledger, "second", 10);
            Recorder recorder = new Recorder();
            Subscription s = ledger.subscribe("relay", From.checkpoint(), recorder);
            assertThat(s.awaitPosition(20, WAIT)).isTrue();
            hashAt20 = recorder.acknowledged().get(19).events().get(0).chainHash();
        }
        List<StoredCheckpoint> stored = SubscriptionCheckpoints.readAll(db);
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).seq()).isEqualTo(20);
        assertThat(stored.get(0).hash()).isEqualTo(hashAt20);

        Restore.restore(dir.resolve("backups"), backupName, db, true, null, Long.MAX_VALUE, Long.MAX_VALUE, null);

        try (Ledger ledger = Ledger.open(config())) {
            assertThat(ledger.view().seq()).isEqualTo(10);
            // the checkpoint is past the restored log's head
            assertThatThrownBy(() -> ledger.subscribe("relay", From.checkpoint(), new Recorder()))
                    .isInstanceOfSatisfying(SubscriptionException.CheckpointNotInLog.class, e -> {
                        assertThat(e.code()).isEqualTo("CHECKPOINT_NOT_IN_LOG");
                        assertThat(e.seq()).isEqualTo(20);
                        assertThat(e.logHeadSeq()).isEqualTo(10);
                        assertThat(e.logHash()).isNull();
                        assertThat(e.checkpointHash()).isEqualTo(hashAt20);
                        assertThat(e.getMessage()).contains("\"relay\"", "seq 20", Hex.of(hashAt20), "ends at seq 10",
                                "resetSubscription");
                    });
            assertThat(ledger.subscriptions()).extracting(SubscriptionStatus::name).as("nothing started but the ledger's own views")
                    .containsExactly("views");

            // the restored history grows past seq 20 again, with other events: same seq, another hash
            deposits(ledger, "after-restore", 15);
            assertThatThrownBy(() -> ledger.subscribe("relay", From.checkpoint(), new Recorder()))
                    .isInstanceOfSatisfying(SubscriptionException.CheckpointNotInLog.class, e -> {
                        assertThat(e.seq()).isEqualTo(20);
                        assertThat(e.logHeadSeq()).isEqualTo(25);
                        assertThat(e.logHash()).isNotNull().isNotEqualTo(hashAt20);
                        assertThat(e.getMessage()).contains(Hex.of(hashAt20), Hex.of(e.logHash()));
                    });

            Checkpoint old = ledger.resetSubscription("relay");
            assertThat(old.seq()).isEqualTo(20);
            assertThat(ledger.subscriptionCheckpoint("relay")).isNull();
            Recorder recorder = new Recorder();
            Subscription s = ledger.subscribe("relay", From.checkpoint(), recorder);
            assertThat(s.awaitPosition(25, WAIT)).isTrue();
            assertThat(recorder.seqs()).isEqualTo(StoredLog.oneTo(25));
        }
    }

    @Test
    void anExplicitStartPastTheHeadIsRefused() throws Exception {
        try (Ledger ledger = Ledger.open(config())) {
            deposits(ledger, "x", 3);
            assertThatThrownBy(() -> ledger.subscribe("own", From.after(7), new Recorder()))
                    .isInstanceOfSatisfying(SubscriptionException.StartAheadOfLog.class, e -> {
                        assertThat(e.firstSeq()).isEqualTo(8);
                        assertThat(e.logHeadSeq()).isEqualTo(3);
                        assertThat(e.getMessage()).contains("seq 8", "ends at seq 3");
                    });
            // one past the head is the next event to come: allowed
            Recorder recorder = new Recorder();
            Subscription s = ledger.subscribe("own", From.after(3), recorder);
            deposits(ledger, "y", 1);
            assertThat(s.awaitPosition(4, WAIT)).isTrue();
            assertThat(recorder.seqs()).containsExactly(4L);
        }
    }

    private static void deposits(Ledger ledger, String reference, int n) {
        for (int i = 0; i < n; i++) {
            ok(ledger.submit(new Deposit("p" + i, 10 + i, reference)));
        }
    }
}
