package io.bitcraps.ledger.domain;

/** A backup, a verification or a restore that could not be done; the message says why and what to do. Nothing was left behind. */
public final class BackupFailure extends Exception {
    public BackupFailure(String message) {
        super(message);
    }

    public BackupFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
