package io.bitcraps.ledger.crash;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CI-sized system-call fault campaign (issue #11): {@link SyscallFaultCampaign} with 6 cycles,
 * two of each ending. Needs Debian's fiu-utils ({@code .ci/run} installs it as root); without it
 * the test is skipped, says why, and prints a RELIABILITY row saying it was skipped. Replay with
 * {@code -Dledger.fiu.seed=<seed>}; run longer with {@code -Dledger.fiu.cycles=N} (tools/reliability's
 * long run passes 60).
 */
class SyscallFaultIT {
    private static final String SCENARIO = "System-call faults inside COMMIT (fiu-run -x on a child JVM running ingest:"
            + " pwrite and fsync fail for random windows switched by fiu-ctrl; SIGKILL while faulty, SIGKILL after, clean exit)";

    @TempDir
    Path dir;

    @Test
    void everyCycleEndsInDurableAcknowledgedBatchesOrRetryableFailuresNeverALostAcknowledgement() throws Exception {
        String unavailable = Fiu.unavailableBecause();
        if (unavailable != null) {
            System.out.println("SyscallFaultIT skipped: " + unavailable);
            Reliability.line(SCENARIO, 0, "SKIPPED: " + unavailable, "not run");
        }
        assumeTrue(unavailable == null, () -> "SyscallFaultIT skipped: " + unavailable);

        long seed = Long.getLong("ledger.fiu.seed", System.nanoTime());
        int cycles = Integer.getInteger("ledger.fiu.cycles", 6);
        System.out.println("SyscallFaultIT seed=" + seed + " cycles=" + cycles + " (replay: -Dledger.fiu.seed=" + seed + ")");
        SyscallFaultCampaign.Result r = new SyscallFaultCampaign(dir, seed, 3).run(cycles);
        System.out.println("SyscallFaultIT: " + r);
        System.out.printf("SyscallFaultIT: %d cycles %s, %d fault windows, %d failed commits (distinct batches), %d failed"
                        + " background checkpoints, %d receipts checked, failures by code %s, by SQLite code %s, %d failed then"
                        + " found durable, %d failed and written once on retry, %d unanswered resubmitted, %d COMMIT errors"
                        + " the writer found durable itself, halts: %s, %d audits, %d events, seed %d%n",
                r.cycles(), r.endings(), r.faultWindows(), r.failedBatches(), r.failedCheckpoints(), r.acknowledged(),
                r.failuresByCode(), r.failuresBySqliteCode(), r.failedThenDurable(), r.failedThenWrittenNow(),
                r.unansweredResubmitted(), r.durableDespiteCommitError(), r.haltReasons().isEmpty() ? "none" : r.haltReasons(),
                r.audits(), r.events(), r.seed());
        // a documented finding (docs/reliability.md), not a failure: the retry under the key still lands exactly once
        r.durableFailureEvidence().forEach(e -> System.out.println("SyscallFaultIT failed-then-durable: " + e));
        Reliability.line(SCENARIO, r.cycles(),
                "every printed receipt in the log under its key and seq after every cycle; no seq gap; failed keys looked up,"
                        + " then every fed-but-unacknowledged key resubmitted after a reopen without faults: a key already in the"
                        + " log gets its original seq back, each key exactly once; " + r.audits() + " full audits with the key",
                "0 acknowledged events lost (" + r.acknowledged() + " receipts checked); " + r.faultWindows() + " fault windows, "
                        + r.failedBatches() + " failed commits, failures by code " + r.failuresByCode() + " (SQLite "
                        + r.failuresBySqliteCode() + "); " + r.failedThenDurable() + " failed then found durable after the kill, "
                        + r.failedThenWrittenNow() + " written once on retry; writer halts: "
                        + (r.haltReasons().isEmpty() ? "none" : r.haltReasons().size() + " (" + String.join("; ", r.haltReasons()) + ")")
                        + "; seed " + r.seed());
        assertThat(r.cycles()).isEqualTo(cycles);
        assertThat(r.acknowledged()).isPositive();
        assertThat(r.failuresByCode()).as("the faults failed commits (each cycle waits until one did)").isNotEmpty();
        assertThat(r.endings()).hasSize(Math.min(cycles, SyscallFaultCampaign.Ending.values().length));
        assertThat(r.audits()).isPositive();
    }
}
