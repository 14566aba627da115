package io.bitcraps.ledger.crash;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI-sized crash campaign: 25 SIGKILLs of a writing child JVM, spread over the four situations
 * of {@link CrashCampaign}. Replay a failure with {@code -Dledger.crash.seed=<seed>}; run longer
 * with {@code -Dledger.crash.cycles=N} (the soak profile runs 200).
 */
class CrashCampaignIT {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedCommandSurvivesTwentyFiveKillsAndEveryRetryLandsOnce() throws Exception {
        long seed = Long.getLong("ledger.crash.seed", System.nanoTime());
        int cycles = Integer.getInteger("ledger.crash.cycles", 25);
        System.out.println("CrashCampaignIT seed=" + seed + " cycles=" + cycles + " (replay: -Dledger.crash.seed=" + seed + ")");
        CrashCampaign.Result r = new CrashCampaign(dir, seed, 8).run(cycles);
        System.out.println("CrashCampaignIT: " + r);
        Reliability.line("SIGKILL of a writing child JVM (load, backup, forced checkpoints, within 1 s of start)", r.cycles(),
                "every printed receipt in the log under its key and seq; no seq gap; finished backups verify; reopen;"
                        + " " + r.resubmitted() + " unacknowledged commands resubmitted, each key exactly once; "
                        + r.audits() + " full audits with the key",
                "0 acknowledged events lost (" + r.acknowledged() + " receipts checked), seed " + r.seed());
        assertThat(r.cycles()).isEqualTo(cycles);
        assertThat(r.acknowledged()).isPositive();
        assertThat(r.perScenario()).hasSize(4);
        assertThat(r.audits()).isGreaterThanOrEqualTo(cycles / 8);
    }

    /**
     * The same campaign with the log-first commit (issue #12): no read model in the durable
     * transaction; after each kill the writer opens from its newest state snapshot and the log
     * after it. Fewer cycles: the scenarios are the same.
     */
    @Test
    void withTheLogFirstCommitEveryAcknowledgedCommandSurvivesTheKills() throws Exception {
        long seed = Long.getLong("ledger.crash.seed", System.nanoTime());
        int cycles = Integer.getInteger("ledger.crash.logFirstCycles", 12);
        System.out.println("CrashCampaignIT log-first seed=" + seed + " cycles=" + cycles + " (replay: -Dledger.crash.seed="
                + seed + ")");
        CrashCampaign.Result r = new CrashCampaign(dir, seed, 6).logFirst().run(cycles);
        System.out.println("CrashCampaignIT log-first: " + r);
        Reliability.line("SIGKILL of a writing child JVM, log-first commit (state from the newest snapshot and the log"
                        + " after it)", r.cycles(),
                "every printed receipt in the log under its key and seq; no seq gap; reopen log-first; " + r.resubmitted()
                        + " unacknowledged commands resubmitted, each key exactly once; " + r.audits()
                        + " full audits with the key",
                "0 acknowledged events lost (" + r.acknowledged() + " receipts checked), seed " + r.seed());
        assertThat(r.cycles()).isEqualTo(cycles);
        assertThat(r.acknowledged()).isPositive();
        assertThat(r.audits()).isGreaterThanOrEqualTo(cycles / 6);
    }
}
