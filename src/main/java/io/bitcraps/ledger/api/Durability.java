package io.bitcraps.ledger.api;

/**
 * How hard a commit is pushed to the disk before the ledger acknowledges it. Both modes use the
 * write-ahead log, so both survive the process being killed.
 */
public enum Durability {
    /**
     * The write-ahead log is fsynced at every commit. An acknowledged command survives a process
     * crash, an OS crash and a power loss. The default.
     */
    FULL(io.bitcraps.ledger.store.Durability.FULL),
    /**
     * The write-ahead log is fsynced only at checkpoints. An acknowledged command survives a
     * process crash; an OS crash or power loss may lose the last commits (never corrupting the
     * database). Faster: commits wait for no disk flush.
     */
    NORMAL(io.bitcraps.ledger.store.Durability.NORMAL);

    // The store's own mode (with its SQLite pragma) stays inside the library: callers see this enum only.
    private final io.bitcraps.ledger.store.Durability storeMode;

    Durability(io.bitcraps.ledger.store.Durability storeMode) {
        this.storeMode = storeMode;
    }

    io.bitcraps.ledger.store.Durability storeMode() {
        return storeMode;
    }
}
