package io.bitcraps.ledger.feed;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.internal.FileModes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Catching up, a subscription reads the next part of the log on a thread of its own while its
 * handler works: every seq still comes once and in order, also when the handler fails while a read
 * ahead is waiting, and the read-ahead thread ends with the subscription. The delivery bound is
 * made tiny (3 events) so that a short log takes many reads.
 */
class ReadAheadIT {
    private static final int EVENTS = 60;

    @TempDir
    Path dir;

    private Path logOfSingleEventBatches() throws Exception {
        Path db = dir.resolve("ledger.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).build())) {
            for (int i = 0; i < EVENTS; i++) {
                ok(ledger.submit(new Deposit("alice", 1 + i, "d" + i)));
            }
            assertThat(ledger.view().seq()).isEqualTo(EVENTS);
        }
        return db;
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void everySeqComesOnceInOrderWhileTheNextReadRunsAheadEvenWhenTheHandlerFails() throws Exception {
        Path db = logOfSingleEventBatches();
        Subscriptions subscriptions = new Subscriptions(db, FileModes.OWNER_ONLY, EVENTS,
                new Subscriptions.Settings(4, 100, 3, Duration.ofSeconds(10)), Clock.systemUTC());
        Set<String> handlerSawThreads = ConcurrentHashMap.newKeySet();
        AtomicInteger failuresLeft = new AtomicInteger(2);
        Recorder recorder = new Recorder((batch, call) -> {
            if (threadAlive("ledger-subscription-ahead-read")) {
                handlerSawThreads.add("ledger-subscription-ahead-read");
            }
            if (batch.fromSeq() == 31 && failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("injected failure at seq 31 (call " + call + ")");
            }
        });
        Subscription s;
        try {
            s = subscriptions.subscribe("ahead", From.beginning(), recorder);
            assertThat(s.awaitPosition(EVENTS, Duration.ofSeconds(60))).isTrue();
            assertThat(handlerSawThreads).as("a read ran ahead on its own thread").isNotEmpty();
            assertThat(recorder.callCount()).as("calls, the failed ones included").isEqualTo(EVENTS + 2);
        } finally {
            subscriptions.close();
        }
        assertThat(s.isClosed()).isTrue();
        assertThat(recorder.seqs()).as("every seq once, in order")
                .containsExactlyElementsOf(LongStream.rangeClosed(1, EVENTS).boxed().toList());
        assertThat(threadAlive("ledger-subscription-ahead-read")).as("the read-ahead thread ended with it").isFalse();
        assertThat(List.copyOf(recorder.acknowledged())).allSatisfy(b -> assertThat(b.events()).hasSize(1));
    }
}
