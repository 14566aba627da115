package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.TestViews;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.store.StoredCheckpoint;
import io.bitcraps.ledger.store.SubscriptionCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Names, one running subscription per name, closing (a subscription, the ledger, from a handler), the sidecar's mode. */
class SubscriptionLifecycleIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private LedgerConfig.Builder config() {
        return LedgerConfig.builder(dir.resolve("ledger.db")).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
    }

    @Test
    void refusesNamesThatAreEmptyTooLongOrOutsideTheCharset() {
        try (Ledger ledger = Ledger.open(config().build())) {
            for (String bad : new String[]{null, "", "a".repeat(65), "has space", "-leading-dash", ".hidden", "views/x",
                    "caf\u00e9", "semi;colon"}) {
                assertThatThrownBy(() -> ledger.subscribe(bad, From.beginning(), new Recorder()))
                        .as(String.valueOf(bad))
                        .isInstanceOfSatisfying(SubscriptionException.InvalidName.class, e -> {
                            assertThat(e.code()).isEqualTo("INVALID_SUBSCRIPTION_NAME");
                            assertThat(e.name()).isEqualTo(bad);
                        });
            }
            assertThatThrownBy(() -> ledger.resetSubscription("no good")).isInstanceOf(SubscriptionException.InvalidName.class);
            // the longest and every allowed character
            Subscription s = ledger.subscribe("a".repeat(64), From.beginning(), new Recorder());
            s.close();
            ledger.subscribe("Views_2.statements-v1", From.beginning(), new Recorder()).close();
            // what is left running is the ledger's own views subscriber
            assertThat(ledger.subscriptions()).extracting(SubscriptionStatus::name).containsExactly("views");
        }
    }

    @Test
    void refusesASecondSubscriptionOfARunningNameAndFreesTheNameAtClose() throws Exception {
        try (Ledger ledger = Ledger.open(config().build())) {
            ok(ledger.submit(new Deposit("alice", 10, "x")));
            Subscription first = ledger.subscribe("feed", From.beginning(), new Recorder());
            assertThatThrownBy(() -> ledger.subscribe("feed", From.now(), new Recorder()))
                    .isInstanceOfSatisfying(SubscriptionException.NameInUse.class, e -> {
                        assertThat(e.code()).isEqualTo("SUBSCRIPTION_ACTIVE");
                        assertThat(e.name()).isEqualTo("feed");
                    });
            assertThatThrownBy(() -> ledger.resetSubscription("feed")).isInstanceOf(SubscriptionException.NameInUse.class);
            assertThat(first.awaitPosition(1, WAIT)).isTrue();
            first.close();
            first.close(); // idempotent
            assertThat(first.isClosed()).isTrue();
            Recorder again = new Recorder();
            Subscription second = ledger.subscribe("feed", From.checkpoint(), again);
            ok(ledger.submit(new Deposit("alice", 10, "y")));
            assertThat(second.awaitPosition(2, WAIT)).isTrue();
            assertThat(again.seqs()).as("resumed after the checkpoint the first one left").containsExactly(2L);
        }
    }

    @Test
    void ledgerCloseStopsEverySubscriptionWritesTheirCheckpointsAndRefusesNewOnes() throws Exception {
        Path db = dir.resolve("ledger.db");
        Ledger ledger = Ledger.open(config().build());
        for (int i = 0; i < 7; i++) {
            ok(ledger.submit(new Deposit("alice", 10, "e" + i)));
        }
        Subscription a = ledger.subscribe("a", From.beginning(), new Recorder());
        Subscription b = ledger.subscribe("b", From.seq(4), new Recorder());
        assertThat(a.awaitPosition(7, WAIT)).isTrue();
        assertThat(b.awaitPosition(7, WAIT)).isTrue();
        ledger.close();
        assertThat(a.isClosed()).isTrue();
        assertThat(b.isClosed()).isTrue();
        assertThat(Files.exists(SubscriptionCheckpoints.fileOf(db).resolveSibling("ledger.db.subscriptions-wal")))
                .as("the sidecar's WAL is emptied into it at close").isFalse();
        List<StoredCheckpoint> stored = SubscriptionCheckpoints.readAll(db);
        assertThat(stored).extracting(StoredCheckpoint::name, StoredCheckpoint::seq)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 7L), org.assertj.core.groups.Tuple.tuple("b", 7L));
        assertThatThrownBy(() -> ledger.subscribe("c", From.beginning(), new Recorder()))
                .isInstanceOfSatisfying(SubscriptionException.Closed.class,
                        e -> assertThat(e.code()).isEqualTo("SUBSCRIPTIONS_CLOSED"));
        assertThatThrownBy(() -> ledger.resetSubscription("a")).isInstanceOf(SubscriptionException.Closed.class);
    }

    /**
     * A handler stuck at close delays it by the close wait and a short grace only: it is
     * interrupted, its batch is not acknowledged, and the checkpoint keeps what it did acknowledge.
     */
    @Test
    void aHandlerStuckAtCloseIsInterruptedAfterTheCloseWaitAndItsBatchIsNotAcknowledged() throws Exception {
        Path db = dir.resolve("ledger.db");
        CountDownLatch stuck = new CountDownLatch(1);
        AtomicReference<Throwable> interrupted = new AtomicReference<>();
        Recorder recorder = new Recorder((batch, n) -> {
            if (batch.fromSeq() == 2) {
                stuck.countDown();
                try {
                    new CountDownLatch(1).await(); // never counted down
                } catch (InterruptedException e) {
                    interrupted.set(e);
                    throw e;
                }
            }
        });
        Ledger ledger = Ledger.open(config().closeTimeout(Duration.ofSeconds(1)).build());
        ok(ledger.submit(new Deposit("alice", 10, "one")));
        ok(ledger.submit(new Deposit("alice", 10, "two")));
        Subscription s = ledger.subscribe("stuck", From.beginning(), recorder);
        assertThat(stuck.await(30, TimeUnit.SECONDS)).isTrue();
        ledger.close();
        assertThat(interrupted.get()).isInstanceOf(InterruptedException.class);
        assertThat(s.isClosed()).isTrue();
        assertThat(s.position()).isEqualTo(1);
        assertThat(SubscriptionCheckpoints.readAll(db)).extracting(StoredCheckpoint::seq).containsExactly(1L);
    }

    @Test
    void aHandlerMayCloseItsOwnSubscriptionOrTheLedger() throws Exception {
        try (Ledger ledger = Ledger.open(config().build())) {
            ok(ledger.submit(new Deposit("alice", 10, "one")));
            ok(ledger.submit(new Deposit("alice", 10, "two")));
            AtomicReference<Subscription> self = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Recorder recorder = new Recorder((b, n) -> {
                started.await();
                self.get().close(); // returns at once; this batch is still acknowledged
            });
            self.set(ledger.subscribe("self", From.beginning(), recorder));
            started.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!self.get().isClosed() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(self.get().isClosed()).isTrue();
            assertThat(recorder.seqs()).containsExactly(1L);
            assertThat(ledger.subscriptionCheckpoint("self").seq()).isEqualTo(1);
        }
        Ledger ledger = Ledger.open(config().build());
        CountDownLatch closedInside = new CountDownLatch(1);
        ledger.subscribe("closer", From.beginning(), (b) -> {
            ledger.close();
            closedInside.countDown();
        });
        assertThat(closedInside.await(60, TimeUnit.SECONDS)).as("Ledger.close() returned inside the handler").isTrue();
        assertThat(ledger.haltReason()).isNull();
        assertThatThrownBy(() -> ledger.submit(new Deposit("alice", 1, "late")).join()).isNotNull();
    }

    @Test
    void theSidecarGetsTheLedgersFileModeAndOnlyWhenSomethingSubscribes() throws Exception {
        Path db = dir.resolve("ledger.db");
        Path sidecar = SubscriptionCheckpoints.fileOf(db);
        try (Ledger ledger = Ledger.open(config().fileMode("rw-r-----").build())) {
            ok(ledger.submit(new Deposit("alice", 10, "one")));
            assertThat(sidecar).doesNotExist();
            Subscription s = ledger.subscribe("feed", From.beginning(), new Recorder());
            assertThat(s.awaitPosition(1, WAIT)).isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sidecar))).isEqualTo("rw-r-----");
        }
        Files.delete(sidecar);
        try (Ledger ledger = Ledger.open(config().build())) {
            ledger.subscribe("feed", From.beginning(), new Recorder()).close();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sidecar))).isEqualTo("rw-------");
        }
    }

    @Test
    void theViewsEntryAnEarlierVersionLeftInTheCheckpointFileIsForgottenAndOthersStay() throws Exception {
        Path db = dir.resolve("ledger.db");
        byte[] hashAt1;
        try (Ledger ledger = Ledger.open(config().build())) {
            assertThat(ok(ledger.submit(new Deposit("alice", 10, "one"))).seq()).isEqualTo(1);
            hashAt1 = TestViews.state(ledger.view()).headHash();
            Subscription relay = ledger.subscribe("relay", From.beginning(), new Recorder());
            assertThat(relay.awaitPosition(1, WAIT)).isTrue();
        }
        // what the views subscriber wrote here before it kept its position in the views file alone
        try (SubscriptionCheckpoints file = SubscriptionCheckpoints.open(db, PosixFilePermissions.fromString("rw-------"), 5_000)) {
            file.write("views", 1, hashAt1, 1);
        }
        assertThat(SubscriptionCheckpoints.readAll(db)).extracting(StoredCheckpoint::name).containsExactlyInAnyOrder("relay", "views");
        try (Ledger ledger = Ledger.open(config().build())) {
            assertThat(ledger.awaitViews(1, WAIT)).isTrue();
        }
        assertThat(SubscriptionCheckpoints.readAll(db)).extracting(StoredCheckpoint::name).containsExactly("relay");
    }
}
