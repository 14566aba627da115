package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tools/ledger export --format csv} on a ledger whose free text a spreadsheet would run: the
 * reference and the player id come out as text (a leading apostrophe, quoted), numbers as numbers,
 * one line per event under the header.
 */
class ExportCsvCliIT {
    @TempDir
    Path dir;

    @Test
    void freeTextThatLooksLikeAFormulaIsExportedAsText() throws Exception {
        Path db = dir.resolve("l.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new Command.Deposit("-2-3", 1_000, "=HYPERLINK(\"http://evil.example\",\"win\")")));
            ok(ledger.submit(new Command.Withdraw("-2-3", 400, "@SUM(1+1)")));
            ok(ledger.submit(new Command.Deposit("alice", 50, "cash, desk 2")));
        }
        ChildJvm.Result r = ChildJvm.run(dir, "export", "--db", db.toString(), "--format", "csv");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo(io.bitcraps.ledger.api.EventLines.CSV_HEADER);
        assertThat(lines.get(1)).contains(",DEPOSITED,\"'-2-3\",1000,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"win\"\")\",");
        assertThat(lines.get(2)).contains(",WITHDRAWN,\"'-2-3\",400,\"'@SUM(1+1)\",");
        assertThat(lines.get(3)).contains(",DEPOSITED,alice,50,\"cash, desk 2\",");
    }
}
