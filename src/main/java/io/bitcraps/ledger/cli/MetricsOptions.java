package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import picocli.CommandLine.Option;

/**
 * The Prometheus endpoint options of the commands that keep a ledger open for a while (a picocli
 * mixin: {@code @Mixin MetricsOptions metrics}).
 */
final class MetricsOptions {
    @Option(names = "--metrics-port", description = "serve the ledger's meters for Prometheus at"
            + " http://HOST:PORT/metrics while the command runs (0: any free port; printed on stderr)")
    Integer port;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1",
            description = "the address the metrics endpoint binds (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface)")
    String host;

    void applyTo(LedgerConfig.Builder builder) {
        if (port != null) {
            builder.prometheusEndpoint(host, port);
        }
    }

    /** Says where the endpoint listens, on stderr (stdout stays the command's output). */
    void announce(String command, Ledger ledger) {
        ledger.metricsAddress().ifPresent(a -> System.err.println(command + ": metrics at http://" + host + ":" + a.getPort()
                + "/metrics"));
    }
}
