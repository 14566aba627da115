package io.bitcraps.ledger.api;

import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

import static io.bitcraps.ledger.support.Fixtures.error;
import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #12, item 6: the log-first commit recognises the idempotency keys of a retention window
 * (the newest keysMax keys, none older than the window before the newest), held by the writer
 * and rebuilt from the log's tail at open; it writes no index over the keys. Within the window a
 * resubmission gets its first receipt and other content a conflict, before and after a reopen;
 * a key that left the window is a new submission, as documented.
 */
class IdempotencyWindowIT {
    @TempDir
    Path dir;

    /** The ledger's clock, moved by the test: the window is in ledger time. */
    static final class MovableClock extends Clock {
        final AtomicLong offsetMillis = new AtomicLong();

        @Override
        public Instant instant() {
            return Instant.now().plusMillis(offsetMillis.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    final MovableClock clock = new MovableClock();

    /**
     * Not pipelined: the writer takes each batch's outcome, and so adds its keys to the window,
     * before it decides the next submission, so the window's edge is exact for the test. With the
     * pipeline a key stays recognised until the batch that pushes it out is taken: longer, never shorter.
     */
    private Ledger open() {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).logFirstCommit(true).pipelinedCommit(false).clock(clock)
                .idempotencyWindow(Duration.ofHours(1), 5).backupInterval(Duration.ZERO).build());
    }

    @Test
    void keysWithinTheWindowAreRecognisedAcrossAReopenAndOlderOnesAreNew() throws Exception {
        Receipt first;
        try (Ledger ledger = open()) {
            first = ok(ledger.submit(new Deposit("alice", 10, "c"), "k1"));
            assertThat(ok(ledger.submit(new Deposit("alice", 10, "c"), "k1"))).isEqualTo(first);
            assertThat(error(ledger.submit(new Deposit("alice", 11, "c"), "k1"))).isInstanceOf(Rejected.IdempotencyConflict.class);
        }
        try (Ledger ledger = open()) { // the window is rebuilt from the log's tail
            assertThat(ok(ledger.submit(new Deposit("alice", 10, "c"), "k1"))).as("after reopening").isEqualTo(first);
            // four more keys: k1 is still among the newest five
            for (int i = 2; i <= 5; i++) {
                ok(ledger.submit(new Deposit("alice", 1, "c"), "k" + i));
            }
            assertThat(ok(ledger.submit(new Deposit("alice", 10, "c"), "k1"))).isEqualTo(first);
            // a sixth pushes k1 out by count: a submission under it is new
            Receipt k6 = ok(ledger.submit(new Deposit("alice", 1, "c"), "k6"));
            Receipt again = ok(ledger.submit(new Deposit("alice", 10, "c"), "k1"));
            assertThat(again.firstSeq()).as("k1 left the window: a new submission").isGreaterThan(first.firstSeq());
            assertThat(ok(ledger.submit(new Deposit("alice", 1, "c"), "k6"))).as("k6 is still in the window").isEqualTo(k6);
        }
        try (Ledger ledger = open()) {
            Receipt k6 = ok(ledger.submit(new Deposit("alice", 1, "c"), "k6"));
            ok(ledger.submit(new Deposit("alice", 1, "c"), "t1"));
            clock.offsetMillis.addAndGet(Duration.ofHours(2).toMillis());
            ok(ledger.submit(new Deposit("alice", 1, "c"), "t2")); // two hours on: everything before it left the window
            Receipt t1Again = ok(ledger.submit(new Deposit("alice", 1, "c"), "t1"));
            assertThat(t1Again.firstSeq()).as("t1 is older than the window: new").isGreaterThan(k6.firstSeq());
        }
        try (Ledger ledger = open()) { // rebuilt: the time window holds t2 and the new t1 only
            long seq = ledger.view().seq();
            assertThat(ok(ledger.submit(new Deposit("alice", 1, "c"), "t2")).lastSeq()).as("t2 recognised").isLessThanOrEqualTo(seq);
            assertThat(ok(ledger.submit(new Deposit("alice", 1, "c"), "k6")).firstSeq()).as("k6 forgotten").isGreaterThan(seq);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'events_by_idem_key'")) {
            assertThat(rs.getLong(1)).as("no index over the keys in the log-first commit").isZero();
        }
        AuditReport audit = new Auditor().audit(dir.resolve("ledger.db"), Auditor.Options.everything(), p -> { });
        assertThat(audit.problems()).isEmpty();
    }

    @Test
    void theCommitWithTheReadModelBuildsTheKeyIndexAgainAndSaysWhenKeysWereUsedTwice() throws Exception {
        Receipt reused;
        try (Ledger ledger = open()) {
            for (int i = 1; i <= 6; i++) {
                ok(ledger.submit(new Deposit("bob", 1, "c"), "k" + i));
            }
            reused = ok(ledger.submit(new Deposit("bob", 2, "c"), "k1")); // k1 left the window: used a second time
        }
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).backupInterval(Duration.ZERO)
                .logFirstCommit(false).build())) {
            assertThat(ledger.openReport()).contains("events_by_idem_key (not unique: 1 keys were used again");
            // logFirstCommit(false) recognises every key again, through the index: k2 is a replay
            long seq = ledger.view().seq();
            assertThat(ok(ledger.submit(new Deposit("bob", 1, "c"), "k2")).lastSeq()).isLessThanOrEqualTo(seq);
            // a key used twice answers for its newest use
            assertThat(ok(ledger.submit(new Deposit("bob", 2, "c"), "k1"))).isEqualTo(reused);
        }
    }
}
