package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.health.DatabaseChecks;
import io.bitcraps.ledger.health.HealthCheck;
import io.bitcraps.ledger.health.HealthReport;
import io.bitcraps.ledger.health.HealthThresholds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tools/ledger health}: the checks that can be made from outside the writing process,
 * read-only and beside it. Exit 0 UP, 3 DEGRADED (the ledger serves; something needs attention),
 * 1 DOWN (2 stays a usage or I/O error, as for every command). The writer's own figures (ring, pool)
 * come from {@code Ledger.health()} in that process.
 */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Check a ledger database: integrity, chain tail, I1, disk, WAL, last commit, backups.")
final class HealthCommand implements Callable<Integer> {
    @Mixin
    LedgerFileOption ledgerFile;

    @Option(names = "--backups", description = "backup directory (default: backups/ beside the database)")
    Path backups;

    @Option(names = "--max-backup-age", defaultValue = "PT26H", description = "DEGRADED past this (ISO-8601, default PT26H)")
    Duration maxBackupAge;

    @Option(names = "--min-free-mb", defaultValue = "1024", description = "DEGRADED below this much free disk (default 1024)")
    long minFreeMb;

    @Option(names = "--tail", defaultValue = "1000", description = "events of the chain tail to re-hash (default 1000)")
    int tail;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        HealthThresholds t = HealthThresholds.defaults().withMinFreeBytes(minFreeMb << 20).withMaxBackupAge(maxBackupAge);
        Path dir = backups != null ? backups : ledgerFile.path.toAbsolutePath().getParent().resolve("backups");
        HealthReport report = DatabaseChecks.ofFile(ledgerFile.path, t, dir, tail, Clock.systemUTC());
        System.out.println(json ? toJson(report) : toText(report));
        return switch (report.status()) {
            case UP -> LedgerCli.EXIT_OK;
            case DEGRADED -> EXIT_DEGRADED;
            case DOWN -> LedgerCli.EXIT_NOT_INTACT;
        };
    }

    /** DEGRADED: told apart from DOWN (1) and from a usage or I/O error (2). */
    static final int EXIT_DEGRADED = 3;

    static String toText(HealthReport r) {
        StringBuilder s = new StringBuilder("health " + r.status() + " at " + r.at() + "\n");
        for (HealthCheck c : r.checks()) {
            s.append(String.format(Locale.ROOT, "  %-9s %-13s %s%n", c.status(), c.name(), c.detail()));
        }
        return s.toString().stripTrailing();
    }

    static String toJson(HealthReport r) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeStringProperty("status", r.status().name());
            g.writeStringProperty("at", r.at().toString());
            g.writeName("checks");
            g.writeStartArray();
            for (HealthCheck c : r.checks()) {
                g.writeStartObject();
                g.writeStringProperty("name", c.name());
                g.writeStringProperty("status", c.status().name());
                g.writeStringProperty("detail", c.detail());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return w.toString();
    }
}
