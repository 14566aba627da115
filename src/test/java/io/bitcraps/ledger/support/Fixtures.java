package io.bitcraps.ledger.support;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Receipt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** Small helpers shared by the tests: open ledgers in temp dirs, wait for futures, unwrap errors. */
public final class Fixtures {
    private Fixtures() {}

    public static Ledger open(Path dir) {
        return Ledger.open(LedgerConfig.builder(dir.resolve("ledger.db")).build());
    }

    /**
     * Writes an HMAC key file readable by its owner only (mode 0600): {@code HeadSigner.readKey}
     * refuses a key that group or others may read.
     */
    public static Path writeKey(Path file, String key) throws IOException {
        Files.write(file, key.getBytes(StandardCharsets.US_ASCII));
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        return file;
    }

    public static Receipt ok(CompletableFuture<Receipt> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("expected a receipt, got " + e, e);
        }
    }

    /** Waits for the future to fail and returns the ledger error it failed with. */
    public static LedgerException error(CompletableFuture<?> f) {
        try {
            Object value = f.get(30, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof LedgerException le) {
                return le;
            }
            throw new AssertionError("expected a LedgerException, got " + e.getCause(), e.getCause());
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("future did not complete", e);
        } catch (CompletionException e) {
            throw new AssertionError(e);
        }
    }
}
