package io.bitcraps.ledger.feed;

import java.time.Instant;

/**
 * A subscription at one moment, for health and operators.
 *
 * @param position          the last seq its handler acknowledged (0: none yet)
 * @param headSeq           the last seq the ledger committed
 * @param live              true when it takes batches from the writer's notices, false while it
 *                          reads from the log (catching up, or after it fell behind)
 * @param failedAttempts    consecutive failed attempts at the current batch (handler threw, or
 *                          the log could not be read); 0 when the last attempt succeeded
 * @param failingSince      when the first of those attempts failed, or null
 * @param lastError         what the last failed attempt threw, or null
 * @param checkpointSeq     the seq last written to the checkpoint file (0: none by this subscription yet)
 * @param checkpointProblem why the last checkpoint write failed, or null (a lost write only re-delivers)
 * @param fallbacks         how often the live queue overflowed and the subscription went back to the log
 * @param stoppedBy         the error that stopped its thread (a {@link VirtualMachineError}), or null while it runs;
 *                          a stopped subscription stays listed until it is closed
 */
public record SubscriptionStatus(String name, long position, long headSeq, boolean live, int failedAttempts,
                                 Instant failingSince, String lastError, long checkpointSeq, String checkpointProblem,
                                 long fallbacks, String stoppedBy) {
    /** Events committed and not yet acknowledged by the handler. */
    public long lag() {
        return Math.max(0, headSeq - position);
    }

    public boolean failing() {
        return failedAttempts > 0;
    }
}
