package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.BackupResult;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.audit.AuditReport;
import io.bitcraps.ledger.audit.Auditor;
import io.bitcraps.ledger.audit.Problem;
import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.api.Durability;
import io.bitcraps.ledger.support.Fixtures;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer signs every batch and the backup service signs every manifest with the one signer
 * the ledger was opened with, from two threads. Backups taken back to back while producers keep
 * the writer committing small batches must leave every batch HMAC and every manifest HMAC as a
 * signer of its own computes it: the audit with the key finds no rewritten history.
 * <p>
 * A regression guard, not a proof: a manifest is signed in about a microsecond once per backup,
 * so the two threads meet only now and then. Against the shared {@code Mac} it failed in 1 of 3
 * runs; {@code HeadSignerTest} is the test that fails every time.
 * <p>
 * The amounts are random; the seed is printed. Replay with {@code -Dledger.signedload.seed=<seed>}.
 */
class SignedBackupsUnderLoadIT {
    private static final String KEY = "signed-backups-under-load-key-0123456789";
    private static final int PRODUCERS = 4;
    private static final long RUN_MILLIS = Long.getLong("ledger.signedload.millis", 5_000);
    private static final long ROUND_EVENTS = 3_000;

    @TempDir
    Path dir;

    @Test
    void backupsSignedWhileTheWriterSignsBatchesLeaveEveryHmacValid() throws Exception {
        long seed = Long.getLong("ledger.signedload.seed", System.nanoTime());
        System.out.println("SignedBackupsUnderLoadIT seed=" + seed + " (replay: -Dledger.signedload.seed=" + seed + ")");
        Path keyFile = Fixtures.writeKey(dir.resolve("hmac.key"), KEY);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
        int backups = 0;
        // a backup verifies the whole chain, so it slows as the log grows: fresh small ledgers
        // give many more backups, hence many more chances for the two threads to sign at once
        for (int round = 0; System.nanoTime() < until; round++) {
            backups += round(dir.resolve("round-" + round), keyFile, seed + round, until);
        }
        System.out.println("SignedBackupsUnderLoadIT: " + backups + " signed backups in all");
    }

    /** One ledger written until it passes {@link #ROUND_EVENTS} events or time is up; returns the backups taken. */
    private int round(Path dir, Path keyFile, long seed, long until) throws Exception {
        Path db = dir.resolve("live.db");
        ConcurrentLinkedQueue<String> badManifests = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        int backupsTaken = 0;
        long head;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).durability(Durability.NORMAL).hmacKeyFile(keyFile)
                .backupDir(dir.resolve("backups")).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build())) {
            HeadSigner reference = new HeadSigner(HeadSigner.readKey(keyFile), ledger.ledgerId());
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < PRODUCERS; t++) {
                Random random = new Random(seed * 31 + t);
                String player = "p" + t;
                Thread th = new Thread(() -> {
                    // one submission in flight per producer: many small batches, each one signed
                    for (int i = 0; !stop.get(); i++) {
                        try {
                            ledger.submit(new Deposit(player, 1 + random.nextInt(1_000), "d" + i)).get(30, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            unexpected.add(e);
                            return;
                        }
                    }
                }, "producer-" + t);
                producers.add(th);
                th.start();
            }
            try {
                while (System.nanoTime() < until && ledger.view().seq() < ROUND_EVENTS && unexpected.isEmpty()) {
                    BackupResult r = ledger.backup();
                    backupsTaken++;
                    Manifest m = Manifest.parse(Files.readString(r.manifestFile(), StandardCharsets.UTF_8));
                    String expected = Hex.of(reference.sign(m.seq(), Hex.parse(m.headHash())));
                    if (!expected.equals(m.hmac())) {
                        badManifests.add(r.file().getFileName() + " (seq " + m.seq() + ")");
                    }
                    // only the signatures matter here: keep the disk small
                    Files.delete(r.file());
                    Files.delete(r.manifestFile());
                }
            } finally {
                stop.set(true);
                for (Thread th : producers) {
                    th.join(60_000);
                }
            }
            Receipt last = ok(ledger.submit(new Deposit("p0", 1, "last")));
            head = last.seq();
        }
        System.out.println("SignedBackupsUnderLoadIT: " + dir.getFileName() + ": " + backupsTaken
                + " backups while the writer reached seq " + head);
        assertThat(unexpected).isEmpty();
        AuditReport audit = new Auditor().audit(db, new Auditor.Options(1, Long.MAX_VALUE, HeadSigner.readKey(keyFile), null),
                n -> { });
        List<String> problems = audit.problems().stream().map(Problem::toString).limit(5).toList();
        assertThat(badManifests).as("%s: manifests whose HMAC is not the key's signature of their head (seed %d)",
                dir.getFileName(), seed).isEmpty();
        assertThat(problems).as("%s: audit with the key (seed %d)", dir.getFileName(), seed).isEmpty();
        assertThat(audit.intact()).isTrue();
        return backupsTaken;
    }
}
