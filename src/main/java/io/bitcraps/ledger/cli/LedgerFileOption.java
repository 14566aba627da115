package io.bitcraps.ledger.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The ledger file every command that reads or writes an existing ledger takes, named alike everywhere (a picocli
 * mixin: {@code @Mixin LedgerFileOption ledgerFile}). Commands whose file means something else (the standby of
 * {@code promote}, the replica of {@code replicate}, the damaged file of {@code recover}) or that create one by
 * default ({@code simulate}, {@code ingest}) declare their own {@code --db} with their own words.
 */
final class LedgerFileOption {
    @Option(names = "--db", required = true, description = "ledger database file")
    Path path;
}
