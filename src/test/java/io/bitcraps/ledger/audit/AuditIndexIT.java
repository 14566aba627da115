package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.support.IndexDamage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An index that disagrees with its table while every row is right (the hash chain holds) is
 * found by the audit's {@code integrity_check}, and named.
 */
class AuditIndexIT {
    @TempDir
    Path dir;

    @Test
    void anIndexMissingTheEntriesOfRecentRowsIsStorageCorruption() throws Exception {
        Path db = dir.resolve("ledger.db");
        IndexDamage.writeLedger(db, "early");
        assertThat(new Auditor().audit(db, Auditor.Options.everything(), n -> { }).intact()).isTrue();

        IndexDamage.damage(db, "events_keyed"); // an index both commit layouts keep

        AuditReport r = new Auditor().audit(db, Auditor.Options.everything(), n -> { });
        r.problems().forEach(System.out::println);
        assertThat(r.intact()).isFalse();
        assertThat(r.problems()).extracting(Problem::kind).containsOnly(ProblemKind.STORAGE_CORRUPT);
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.detail())
                .contains("integrity_check", "missing from index events_keyed"));
    }
}
