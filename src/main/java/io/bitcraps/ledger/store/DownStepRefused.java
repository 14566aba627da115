package io.bitcraps.ledger.store;

/**
 * A down migration step would lose what the events cannot give back (the events themselves, batch
 * records, a restored timeline); refused before anything was written. Carries the step and the
 * lowest version the database can go down to as it is.
 */
public final class DownStepRefused extends RuntimeException {
    private final int fromVersion;
    private final int toVersion;
    private final int lowestReachableVersion;
    private final String reason;

    public DownStepRefused(int fromVersion, String downScript, String reason, int lowestReachableVersion) {
        super("down step " + fromVersion + " -> " + (fromVersion - 1) + " (" + downScript + ") refused: " + reason
                + "; this database can go down to version " + lowestReachableVersion + " at the lowest; nothing was written",
                null, false, false);
        this.fromVersion = fromVersion;
        this.toVersion = fromVersion - 1;
        this.lowestReachableVersion = lowestReachableVersion;
        this.reason = reason;
    }

    public int fromVersion() {
        return fromVersion;
    }

    public int toVersion() {
        return toVersion;
    }

    public int lowestReachableVersion() {
        return lowestReachableVersion;
    }

    /** Why, without the step: what would be lost. */
    public String reason() {
        return reason;
    }

    /** Stable code for machines, as in {@code {"error":{"code":...}}}. */
    public String code() {
        return "DOWN_STEP_REFUSED";
    }
}
