package io.bitcraps.ledger.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code tools/ledger}: the command-line face of the ledger. Exit codes: 0 fine, 1 the ledger is
 * not intact, 2 a usage or I/O error. Machine-readable output goes to stdout, progress and
 * diagnostics to stderr.
 */
@Command(name = "ledger", mixinStandardHelpOptions = true, version = "bitcraps-ledger 0.1.0",
        description = "BitCraps Ledger: an embedded, event-sourced, hash-chained ledger for casino game engines.",
        subcommands = {SimulateCommand.class, IngestCommand.class, ExportCommand.class, AuditCommand.class,
                DigestCommand.class, BackupCommand.class, RestoreCommand.class, VerifyBackupCommand.class,
                RecoverCommand.class, HealthCommand.class, BenchCommand.class, BalancesCommand.class,
                HistoryCommand.class, SubscriptionsCommand.class, FollowCommand.class, PublishCommand.class,
                ReplicateCommand.class, PromoteCommand.class, ScaleOutCommand.class, MigrateCommand.class,
                CommandLine.HelpCommand.class})
public final class LedgerCli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_NOT_INTACT = 1;
    public static final int EXIT_ERROR = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new LedgerCli());
        // with --json, a failure is JSON on stdout too, so that a program reading stdout always gets JSON
        boolean json = java.util.Arrays.asList(args).contains("--json");
        cli.setExitCodeExceptionMapper(t -> EXIT_ERROR);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("ledger " + cmd.getCommandName() + ": " + describe(ex));
            err.flush();
            if (json) {
                printJsonError(cmd.getOut(), errorCode(ex), describe(ex));
            }
            return EXIT_ERROR;
        });
        cli.setParameterExceptionHandler((ex, params) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(ex.getMessage());
            ex.getCommandLine().usage(err);
            if (json) {
                printJsonError(ex.getCommandLine().getOut(), "USAGE", ex.getMessage());
            }
            return EXIT_ERROR;
        });
        return cli.execute(args);
    }

    /**
     * The code of a failure in {@code {"error":{"code","message"}}}: a ledger error's own code (STORAGE_FAILURE,
     * LEDGER_HALTED, ...), INVALID_ARGUMENT for a value the command refused, IO_ERROR for a file or database that could
     * not be read or written, INTERNAL otherwise.
     */
    static String errorCode(Throwable t) {
        if (t instanceof io.bitcraps.ledger.domain.LedgerException e) {
            return e.code();
        }
        if (t instanceof IllegalArgumentException) {
            return "INVALID_ARGUMENT";
        }
        if (t instanceof java.io.IOException || t instanceof java.io.UncheckedIOException || t instanceof java.sql.SQLException
                || t instanceof io.bitcraps.ledger.api.LedgerReadFailure || t instanceof io.bitcraps.ledger.api.DatabaseMissing) {
            return "IO_ERROR";
        }
        return "INTERNAL";
    }

    static void printJsonError(PrintWriter out, String code, String message) {
        java.util.Map<String, Object> error = new java.util.LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message == null ? "" : message);
        out.println(tools.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(java.util.Map.of("error", error)));
        out.flush();
    }

    /** One line a person can act on, instead of a stack trace. */
    static String describe(Throwable t) {
        String msg = t.getMessage();
        return (msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg);
    }
}
