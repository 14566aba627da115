package io.bitcraps.ledger.health;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.IndexDamage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code quick_check} does not compare indexes with their table, and idempotency and statements
 * read through indexes: the health check compares the indexes that matter with the table over
 * the recent tail, and names the one that disagrees (the writer is not halted: the log is intact).
 */
class IndexCheckIT {
    @TempDir
    Path dir;

    @Test
    void intactIndexesAgreeWithTheTable() throws Exception {
        Path db = dir.resolve("ledger.db");
        IndexDamage.writeLedger(db, "early");
        try (Ledger ledger = Ledger.open(IndexDamage.config(db).build())) {
            IndexDamage.write(ledger, "late");
            HealthCheck indexes = ledger.health().check("indexes");
            assertThat(indexes).isNotNull();
            assertThat(indexes.status()).as(indexes.detail()).isEqualTo(HealthStatus.UP);
            assertThat(indexes.detail()).contains("events_by_idem_key", "events_by_game", "events_by_player",
                    "events_touching_house", "events_touching_world", "events_games_opened", "events_keyed");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"events_by_idem_key", "events_by_game", "events_by_player", "events_touching_house",
            "events_touching_world", "events_games_opened", "events_keyed"})
    void anIndexThatLostItsRecentEntriesIsDownAndNamed(String index) throws Exception {
        Path db = dir.resolve("ledger.db");
        IndexDamage.writeLedger(db, "early");
        IndexDamage.damage(db, index);
        try (Connection conn = LedgerDatabase.openReadOnly(db)) {
            assertThat(DatabaseChecks.integrity(conn).status()).as("quick_check does not see it").isEqualTo(HealthStatus.UP);
        }

        try (Ledger ledger = Ledger.open(IndexDamage.config(db).build())) {
            HealthReport r = ledger.health();
            HealthCheck indexes = r.check("indexes");
            System.out.println(index + ": " + indexes);
            assertThat(indexes.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(indexes.detail()).contains("index " + index + " disagrees with the events table", "REINDEX " + index);
            assertThat(r.check("chain").status()).isEqualTo(HealthStatus.UP);
            assertThat(ledger.haltReason()).as("the log is intact: not halted").isNull();
            ok(ledger.submit(new Deposit("p-after", 1, "after-the-check")));
        }
    }
}
