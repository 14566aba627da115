package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.LedgerReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.StringWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Prints every account's balance at one snapshot, {@code world} included, as {@link LedgerReader#balances()}
 * finds them (the read model, the views file at its watermark, or a replay), and on stderr why the answer is
 * not the read model at the head when it is not.
 */
@Command(name = "balances", mixinStandardHelpOptions = true,
        description = "Print all balances at one snapshot (read-only; safe beside a running writer).")
final class BalancesCommand implements Callable<Integer> {
    @Mixin
    LedgerFileOption ledgerFile;

    @Option(names = "--json", description = "print {\"seq\":S,\"accounts\":{…}}")
    boolean json;

    @Override
    public Integer call() {
        LedgerReader.Balances b;
        try (LedgerReader reader = LedgerReader.open(ledgerFile.path)) {
            b = reader.balances(System.err::println); // a note says why, before a long replay starts
        }
        System.out.println(json ? toJson(b.seq(), b.accounts()) : toTable(b.seq(), b.accounts()));
        return LedgerCli.EXIT_OK;
    }

    static String toJson(long seq, Map<String, Long> balances) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeNumberProperty("seq", seq);
            g.writeName("accounts");
            g.writeStartObject();
            for (Map.Entry<String, Long> e : balances.entrySet()) {
                g.writeNumberProperty(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        return w.toString();
    }

    private static String toTable(long seq, Map<String, Long> balances) {
        StringBuilder out = new StringBuilder();
        long sum = 0;
        for (Map.Entry<String, Long> e : balances.entrySet()) {
            out.append(String.format(Locale.ROOT, "%-40s %,22d%n", e.getKey(), e.getValue()));
            sum = Math.addExact(sum, e.getValue());
        }
        out.append(String.format(Locale.ROOT, "%-40s %,22d%n", "(sum, I1 wants 0)", sum));
        out.append(String.format(Locale.ROOT, "%,d accounts at seq %,d", balances.size(), seq));
        return out.toString();
    }
}
