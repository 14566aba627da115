package io.bitcraps.ledger.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One signer is shared by the writer thread (a signature per batch) and the backup scheduler (a
 * signature per manifest); every signature must be the one a signer of its own would compute.
 * The key file must be private to its owner, as ssh requires of a private key.
 */
class HeadSignerTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int THREADS = 8;
    private static final int PAIRS_PER_THREAD = 256;
    private static final int ROUNDS = 200;

    @TempDir
    Path dir;

    @Test
    void oneSignerSharedByManyThreadsSignsEachHeadAsASignerOfItsOwnWould() throws Exception {
        long seed = Long.getLong("ledger.signer.seed", System.nanoTime());
        System.out.println("HeadSignerTest seed=" + seed + " (replay: -Dledger.signer.seed=" + seed + ")");
        Random random = new Random(seed);
        HeadSigner reference = new HeadSigner(KEY, "ledger-under-test");
        long[][] seqs = new long[THREADS][PAIRS_PER_THREAD];
        byte[][][] hashes = new byte[THREADS][PAIRS_PER_THREAD][ChainHash.BYTES];
        byte[][][] expected = new byte[THREADS][PAIRS_PER_THREAD][];
        for (int t = 0; t < THREADS; t++) {
            for (int i = 0; i < PAIRS_PER_THREAD; i++) {
                seqs[t][i] = random.nextLong(1, Long.MAX_VALUE);
                random.nextBytes(hashes[t][i]);
                expected[t][i] = reference.sign(seqs[t][i], hashes[t][i]);
            }
        }

        HeadSigner shared = new HeadSigner(KEY, "ledger-under-test");
        AtomicLong wrong = new AtomicLong();
        AtomicLong thrown = new AtomicLong();
        AtomicReference<String> firstWrong = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                running.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < ROUNDS; round++) {
                        for (int i = 0; i < PAIRS_PER_THREAD; i++) {
                            try {
                                byte[] got = shared.sign(seqs[thread][i], hashes[thread][i]);
                                if (!Arrays.equals(got, expected[thread][i])) {
                                    wrong.incrementAndGet();
                                    firstWrong.compareAndSet(null, "thread " + thread + " seq " + seqs[thread][i]);
                                }
                                if (!shared.verify(seqs[thread][i], hashes[thread][i], expected[thread][i])) {
                                    wrong.incrementAndGet();
                                    firstWrong.compareAndSet(null, "verify, thread " + thread + " seq " + seqs[thread][i]);
                                }
                            } catch (RuntimeException e) {
                                thrown.incrementAndGet();
                                firstWrong.compareAndSet(null, "thread " + thread + ": " + e);
                            }
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : running) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long calls = 2L * THREADS * ROUNDS * PAIRS_PER_THREAD;
        assertThat(wrong.get() + thrown.get())
                .as("of %d concurrent sign/verify calls, %d gave a wrong answer and %d threw (first: %s; seed %d)",
                        calls, wrong.get(), thrown.get(), firstWrong.get(), seed)
                .isZero();
    }

    @Test
    void aKeyFileGroupOrOthersMayReadIsRefusedNamingItsModeAndTheFix() throws Exception {
        assumeTrue(posix(), "the file system has no POSIX permissions");
        for (String mode : List.of("rw-r--r--", "rw-r-----")) {
            Path key = keyFile("key-" + mode, mode);
            String octal = mode.equals("rw-r--r--") ? "0644" : "0640";
            assertThatThrownBy(() -> HeadSigner.readKey(key))
                    .as(mode)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(key.toString())
                    .hasMessageContaining(octal)
                    .hasMessageContaining("chmod 600 " + key);
        }
    }

    @Test
    void aKeyFileOnlyItsOwnerMayReadIsAccepted() throws Exception {
        assumeTrue(posix(), "the file system has no POSIX permissions");
        for (String mode : List.of("rw-------", "r--------")) {
            Path key = keyFile("key-" + mode, mode);
            assertThat(HeadSigner.readKey(key)).as(mode).isEqualTo(KEY);
        }
    }

    @Test
    void aTooShortKeyIsStillRefusedWithTheSizeAndAPrivateWayToMakeOne() throws Exception {
        Path key = dir.resolve("short.key");
        Files.write(key, new byte[8]);
        if (posix()) {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        }
        assertThatThrownBy(() -> HeadSigner.readKey(key))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(key + " holds 8 bytes")
                .hasMessageContaining("umask 077");
    }

    private Path keyFile(String name, String mode) throws IOException {
        Path key = dir.resolve(name);
        Files.write(key, KEY);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(mode));
        return key;
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
