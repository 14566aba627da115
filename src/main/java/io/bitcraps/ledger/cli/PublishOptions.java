package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.LedgerConfig;
import picocli.CommandLine.Option;

/**
 * The in-process Kafka relay options of the commands that write a ledger (a picocli mixin:
 * {@code @Mixin PublishOptions publish}); see {@code LedgerConfig.Builder.publishTo}.
 */
final class PublishOptions {
    @Option(names = "--publish-bootstrap", description = "publish every committed batch to Kafka from this process"
            + " (HOST:PORT[,...]; with --publish-topic); see tools/ledger publish")
    String bootstrap;

    @Option(names = "--publish-topic", description = "the Kafka topic for --publish-bootstrap")
    String topic;

    void applyTo(LedgerConfig.Builder builder) {
        if ((bootstrap == null) != (topic == null)) {
            throw new IllegalArgumentException("--publish-bootstrap and --publish-topic go together");
        }
        if (topic != null) {
            builder.publishTo(bootstrap, topic);
        }
    }
}
