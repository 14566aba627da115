package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.internal.FileModes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A batch larger than the delivery bound (a ledger migrated from before the {@code batches}
 * table has one record for its whole early history) comes in consecutive parts, each with the
 * batch's own fields; a start inside a batch delivers the rest of it. The bound is made tiny here
 * by running the subscriptions of a closed ledger's file directly.
 */
class DeliveryPartsIT {
    @TempDir
    Path dir;

    @Test
    void aBatchLargerThanTheBoundComesInConsecutivePartsWithTheBatchsFields() throws Exception {
        Path db = dir.resolve("ledger.db");
        long head;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            List<Command> eight = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                eight.add(new Deposit("alice", 1 + i, "atomic"));
            }
            ok(ledger.submitAtomically(eight)); // seq 1..8, one batch
            ok(ledger.submit(new Deposit("bob", 5, "single"))); // seq 9
            head = ledger.view().seq();
        }
        Subscriptions subscriptions = new Subscriptions(db, FileModes.OWNER_ONLY, head,
                new Subscriptions.Settings(4, 100, 3, Duration.ofSeconds(10)), Clock.systemUTC());
        try {
            Recorder all = new Recorder();
            Subscription s = subscriptions.subscribe("parts", From.beginning(), all);
            assertThat(s.awaitPosition(9, Duration.ofSeconds(30))).isTrue();
            assertThat(all.acknowledged()).extracting(b -> List.of(b.firstSeq(), b.lastSeq(), b.fromSeq(), b.toSeq()))
                    .containsExactly(List.of(1L, 8L, 1L, 3L), List.of(1L, 8L, 4L, 6L), List.of(1L, 8L, 7L, 8L),
                            List.of(9L, 9L, 9L, 9L));
            CommittedBatch first = all.acknowledged().get(0);
            CommittedBatch last = all.acknowledged().get(2);
            assertThat(first.whole()).isFalse();
            assertThat(first.endsBatch()).isFalse();
            assertThat(last.endsBatch()).isTrue();
            assertThat(first.headHash()).isEqualTo(last.headHash()).isEqualTo(last.events().get(1).chainHash());
            assertThat(first.committedTsMicros()).isEqualTo(last.committedTsMicros());
            s.close();

            Recorder fromFive = new Recorder();
            Subscription t = subscriptions.subscribe("from-five", From.seq(5), fromFive);
            assertThat(t.awaitPosition(9, Duration.ofSeconds(30))).isTrue();
            assertThat(fromFive.acknowledged()).extracting(b -> List.of(b.firstSeq(), b.lastSeq(), b.fromSeq(), b.toSeq()))
                    .containsExactly(List.of(1L, 8L, 5L, 7L), List.of(1L, 8L, 8L, 8L), List.of(9L, 9L, 9L, 9L));
        } finally {
            subscriptions.close();
        }
        // each kept its checkpoint, with the chain hash of its last event
        assertThat(io.bitcraps.ledger.store.SubscriptionCheckpoints.readAll(db))
                .extracting(c -> c.name() + "@" + c.seq()).containsExactly("from-five@9", "parts@9");
    }

    /**
     * Migration V0003 gave a ledger written before the {@code batches} table one record for its
     * whole history, 1..head: that is one batch, delivered in parts of the bound.
     */
    @Test
    void aHistoryMigratedFromBeforeTheBatchesTableIsOneBatch() throws Exception {
        Path db = dir.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            for (int i = 0; i < 7; i++) {
                ok(ledger.submit(new Deposit("alice", 1 + i, "old")));
            }
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.Statement st = c.createStatement()) {
            // what V0003 leaves: one record ending at the head, no HMAC
            st.executeUpdate("DELETE FROM batches WHERE last_seq < 7");
            st.executeUpdate("UPDATE batches SET first_seq = 1, hmac = NULL WHERE last_seq = 7");
        }
        Subscriptions subscriptions = new Subscriptions(db, FileModes.OWNER_ONLY, 7,
                new Subscriptions.Settings(4, 100, 3, Duration.ofSeconds(10)), Clock.systemUTC());
        try {
            Recorder recorder = new Recorder();
            Subscription s = subscriptions.subscribe("old", From.checkpoint(), recorder);
            assertThat(s.awaitPosition(7, Duration.ofSeconds(30))).isTrue();
            assertThat(recorder.acknowledged()).extracting(b -> List.of(b.firstSeq(), b.lastSeq(), b.fromSeq(), b.toSeq()))
                    .containsExactly(List.of(1L, 7L, 1L, 3L), List.of(1L, 7L, 4L, 6L), List.of(1L, 7L, 7L, 7L));
            assertThat(recorder.acknowledged()).allMatch(b -> b.hmac() == null);
            assertThat(recorder.seqs()).isEqualTo(StoredLog.oneTo(7));
        } finally {
            subscriptions.close();
        }
    }
}
