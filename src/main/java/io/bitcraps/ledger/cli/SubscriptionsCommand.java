package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.feed.StoppedLedgerCheckpoints;
import io.bitcraps.ledger.feed.StoppedLedgerCheckpoints.Checked;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.bitcraps.ledger.feed.Checkpoint;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tools/ledger subscriptions}: the checkpoints in {@code <db>.subscriptions}, each checked
 * against the log (a restore or recover can leave one past the log's head or on another
 * history), and {@code --reset NAME} to forget one while the ledger is stopped.
 */
@Command(name = "subscriptions", mixinStandardHelpOptions = true,
        description = "List the subscription checkpoints of a ledger and check them against its log; --reset forgets one.")
final class SubscriptionsCommand implements Callable<Integer> {
    @Mixin
    LedgerFileOption ledgerFile;

    @Option(names = "--reset", paramLabel = "NAME", description = "forget this subscription's checkpoint (the ledger must"
            + " be stopped): From.checkpoint() then starts at seq 1")
    String reset;

    @Option(names = "--json", description = "print the result as JSON (schemas/cli/subscriptions.schema.json)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (reset != null) {
            return reset();
        }
        List<Checked> all = StoppedLedgerCheckpoints.check(ledgerFile.path);
        if (json) {
            new JsonReport().put("db", ledgerFile.path.toString())
                    .put("subscriptions", all.stream().map(SubscriptionsCommand::json).toList()).print();
            return LedgerCli.EXIT_OK;
        }
        if (all.isEmpty()) {
            System.out.println("no subscription checkpoints beside " + ledgerFile.path);
            return LedgerCli.EXIT_OK;
        }
        for (Checked c : all) {
            System.out.println(c.checkpoint().name() + "  seq " + c.checkpoint().seq() + "  (written "
                    + c.checkpoint().updatedAt() + ")  " + verdict(c));
        }
        return LedgerCli.EXIT_OK;
    }

    private static Map<String, Object> json(Checked c) {
        Map<String, Object> m = checkpoint(c.checkpoint());
        m.put("verdict", c.verdict().name());
        m.put("in_log", c.verdict() == StoppedLedgerCheckpoints.Verdict.IN_THE_LOG);
        m.put("log_head", c.logHead());
        m.put("log_hash", c.logHash());
        m.put("behind", c.verdict() == StoppedLedgerCheckpoints.Verdict.IN_THE_LOG ? c.logHead() - c.checkpoint().seq() : null);
        return m;
    }

    private static Map<String, Object> checkpoint(Checkpoint c) {
        return c == null ? null : JsonReport.object("name", c.name(), "seq", c.seq(),
                "hash", java.util.HexFormat.of().formatHex(c.chainHash()),
                "written_at", c.updatedAt().toString());
    }

    private static String verdict(Checked c) {
        return switch (c.verdict()) {
            case NOT_IN_THE_LOG -> "NOT IN THE LOG: the log ends at seq " + c.logHead() + " (restored or recovered to an"
                    + " earlier point?); subscribing from it is refused until --reset";
            case ANOTHER_HISTORY -> "ANOTHER HISTORY: its chain hash " + c.hash() + " is not the log's " + c.logHash()
                    + "; subscribing from it is refused until --reset";
            case IN_THE_LOG -> "in the log (" + (c.logHead() - c.checkpoint().seq()) + " event(s) behind the head, seq "
                    + c.logHead() + ")";
        };
    }

    private int reset() throws Exception {
        // the running ledger owns the checkpoint file: the reset takes its lock, which proves it is stopped
        StoppedLedgerCheckpoints.Reset r = StoppedLedgerCheckpoints.reset(ledgerFile.path, reset);
        if (json) {
            if (r.outcome() == StoppedLedgerCheckpoints.ResetOutcome.NO_CHECKPOINT_FILE) {
                System.err.println("ledger subscriptions: no checkpoint file beside " + ledgerFile.path + "; nothing to reset");
            }
            new JsonReport().put("db", ledgerFile.path.toString()).put("reset", reset).put("outcome", r.outcome().name())
                    .put("checkpoint", checkpoint(r.forgotten())).print();
            return LedgerCli.EXIT_OK;
        }
        switch (r.outcome()) {
            case NO_CHECKPOINT_FILE -> System.err.println("ledger subscriptions: no checkpoint file beside " + ledgerFile.path
                    + "; nothing to reset");
            case NOT_STORED -> System.out.println("no checkpoint stored for " + reset);
            case FORGOTTEN -> System.out.println("checkpoint of " + reset + " at seq " + r.forgotten().seq()
                    + " forgotten; From.checkpoint() starts at seq 1");
        }
        return LedgerCli.EXIT_OK;
    }
}
