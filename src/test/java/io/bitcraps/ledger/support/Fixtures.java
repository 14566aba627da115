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

    /**
     * The receipt of an acknowledged submission, once the SQL reads hold it: read-your-writes for the
     * repositories, which with the log-first commit read the views file, a few milliseconds behind the
     * receipts (with {@code logFirstCommit(false)} the read model moved in the commit already).
     */
    public static Receipt seen(Ledger ledger, CompletableFuture<Receipt> submitted) {
        Receipt r = ok(submitted);
        awaitViews(ledger, r.lastSeq());
        return r;
    }

    /** Waits until the SQL reads hold {@code seq}; fails the test after 60 s. */
    public static void awaitViews(Ledger ledger, long seq) {
        try {
            if (!ledger.awaitViews(seq, java.time.Duration.ofSeconds(60))) {
                throw new AssertionError("the views did not reach seq " + seq + " within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
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
