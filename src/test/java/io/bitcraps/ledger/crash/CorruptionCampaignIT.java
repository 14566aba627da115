package io.bitcraps.ledger.crash;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI-sized corruption trials of {@link CorruptionCampaign}: 20 flips in database files, 6
 * in WALs and 12 in views files (the soak profile runs 400, 100 and 200). Replay with
 * {@code -Dledger.corrupt.seed=<seed>}; run more with
 * {@code -Dledger.corrupt.trials=N -Dledger.corrupt.walTrials=M -Dledger.corrupt.viewsTrials=V}.
 */
class CorruptionCampaignIT {
    @TempDir
    Path dir;

    @Test
    void everyFlipThatChangesLedgerDataIsCaughtAndNeverServedAsGood() throws Exception {
        long seed = Long.getLong("ledger.corrupt.seed", System.nanoTime());
        int trials = Integer.getInteger("ledger.corrupt.trials", 20);
        int walTrials = Integer.getInteger("ledger.corrupt.walTrials", 6);
        int viewsTrials = Integer.getInteger("ledger.corrupt.viewsTrials", 12);
        System.out.println("CorruptionCampaignIT seed=" + seed + " (replay: -Dledger.corrupt.seed=" + seed + ")");
        CorruptionCampaign.Result r = new CorruptionCampaign(dir, seed).run(trials, walTrials, 10, 3, viewsTrials);
        System.out.println("CorruptionCampaignIT: " + r);
        Reliability.line("one flipped bit in a random page of a closed database (" + r.trials() + ") or of a killed"
                        + " writer's WAL (" + r.walTrials() + ")", r.trials() + r.walTrials(),
                "audit with key and digest says not intact whenever the log or read model changed; an opened copy serves"
                        + " the original balances or refuses to open; " + r.recoveries() + " recoveries to the original head",
                r.changed() + " changed, " + r.detected() + " caught, 0 false intact; " + r.harmless() + " flips had no effect;"
                        + " seed " + r.seed());
        Reliability.line("one flipped bit in a random page of a closed ledger's views file (" + r.viewsTrials() + ")",
                r.viewsTrials(), "the open serves exactly the original views (tables, statements, every secondary index):"
                        + " a changed file is rebuilt from the log, never served",
                r.viewsChanged() + " changed the views, " + r.viewsRebuilt() + " rebuilt at open, 0 served damaged; seed "
                        + r.seed());
        assertThat(r.detected()).isEqualTo(r.changed());
        assertThat(r.changed() + r.harmless()).isEqualTo(r.trials() + r.walTrials());
        assertThat(r.changed()).as("the campaign judged at least 3 files whose ledger data a flip changed").isGreaterThanOrEqualTo(3);
    }
}
