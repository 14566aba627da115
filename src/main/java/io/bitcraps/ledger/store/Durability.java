package io.bitcraps.ledger.store;

/**
 * How hard a commit is pushed to the disk before the ledger acknowledges it. Both modes use the
 * write-ahead log, so both survive the process being killed.
 */
public enum Durability {
    /**
     * {@code synchronous=FULL}: the WAL is fsynced at every commit. An acknowledged command
     * survives a process crash, an OS crash and a power loss. The default.
     */
    FULL(2),
    /**
     * {@code synchronous=NORMAL}: the WAL is fsynced only at checkpoints. An acknowledged command
     * survives a process crash; an OS crash or power loss may lose the last commits (never
     * corrupting the database). Faster: commits wait for no disk flush.
     */
    NORMAL(1);

    private final int synchronousPragma;

    Durability(int synchronousPragma) {
        this.synchronousPragma = synchronousPragma;
    }

    /** The value {@code PRAGMA synchronous} reads back as. */
    public int synchronousPragma() {
        return synchronousPragma;
    }
}
