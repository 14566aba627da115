package io.bitcraps.ledger.cli;

import picocli.CommandLine.Option;

/**
 * Where a change feed lives and how often a long-running feed command reports, shared by {@code publish} and
 * {@code replicate} (a picocli mixin: {@code @Mixin KafkaTopicOptions kafka}). The in-process relay of
 * {@code simulate} and {@code ingest} has its own names ({@link PublishOptions}), as it is optional there.
 */
final class KafkaTopicOptions {
    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, HOST:PORT[,...]")
    String bootstrap;

    @Option(names = "--topic", required = true, description = "the topic")
    String topic;

    @Option(names = "--status-seconds", defaultValue = "5", description = "print progress this often (default: ${DEFAULT-VALUE})")
    long statusSeconds;
}
