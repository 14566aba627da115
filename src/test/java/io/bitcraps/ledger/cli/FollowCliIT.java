package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.support.ChildJvm;
import io.bitcraps.ledger.support.OutputSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tools/ledger follow} in a child JVM beside a writer in this one: it prints what the log
 * holds, then each batch as it commits, in the export's format line for line, and exits once
 * {@code --until-seq} is printed; SIGTERM ends it cleanly.
 */
class FollowCliIT {
    @TempDir
    Path dir;

    @Test
    void followPrintsTheLogThenEachBatchAsItCommitsExactlyAsExportDoes() throws Exception {
        Path db = dir.resolve("ledger.db");
        LedgerConfig config = LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build();
        try (Ledger ledger = Ledger.open(config)) {
            ok(ledger.submit(new Command.FundHouse(1_000, "bank")));
            ok(ledger.submit(new Command.Deposit("ann", 100, "cage")));
            Path out = dir.resolve("follow.out");
            Process child = ChildJvm.ledger(dir, "follow", "--db", db.toString(), "--until-seq", "12")
                    .redirectOutput(out.toFile()).redirectError(dir.resolve("follow.err").toFile()).start();
            // the two events already there, then ten more in batches while it follows
            Thread.sleep(1_000);
            for (int i = 0; i < 5; i++) {
                ok(ledger.submitAtomically(List.of(new Command.Deposit("p" + i, 10, "a"), new Command.Deposit("p" + i, 5, "b"))));
                Thread.sleep(100);
            }
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("follow exits at --until-seq").isTrue();
            assertThat(child.exitValue()).as(Files.readString(dir.resolve("follow.err"))).isZero();
            ChildJvm.Result export = ChildJvm.run(dir, "export", "--db", db.toString());
            assertThat(Files.readString(out)).isEqualTo(export.stdout());
            assertThat(Files.readString(out).lines()).hasSize(12);
            // the export's format, so the export's schema: atomic groups of two, the group size on their first line
            for (String line : Files.readString(out).lines().toList()) {
                assertThat(OutputSchemas.errors("schemas/cli/export-line.schema.json", OutputSchemas.json().readTree(line)))
                        .as("follow line against the export line schema: %s", line).isEmpty();
            }

            // SIGTERM: it stops cleanly, everything it printed is whole lines
            Path more = dir.resolve("follow2.out");
            Process again = ChildJvm.ledger(dir, "follow", "--db", db.toString(), "--from", "3")
                    .redirectOutput(more.toFile()).redirectError(dir.resolve("follow2.err").toFile()).start();
            // once it has printed what the log holds (its shutdown hook is in place by then), SIGTERM
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Files.readString(more).lines().count() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            again.destroy();
            assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(dir.resolve("follow2.err"))).contains("followed 10 events");
            assertThat(Files.readString(more).lines()).hasSize(10).allMatch(l -> l.startsWith("{\"seq\":") && l.endsWith("}"));
        }
    }
}
