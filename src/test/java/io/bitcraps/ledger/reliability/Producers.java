package io.bitcraps.ledger.reliability;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Receipt;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Game-engine threads for the fault tests: each submits deposits under fresh idempotency keys,
 * one at a time, and records what became of every submission: the acknowledged ones (receipt,
 * key, command), the failed ones (the error, and when the submission was made), and anything
 * that is neither a receipt nor a ledger error.
 */
final class Producers {
    /** An acknowledged submission: the ledger promised that this command is durable at {@code receipt}. */
    record Ack(String key, Command command, Receipt receipt) {}

    /** A failed submission; {@code submittedNanos} tells failures before a repair from failures after it. */
    record Failure(String key, Command command, Throwable error, long submittedNanos) {}

    private final Ledger ledger;
    private final String name;
    private final String referencePad;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;
    final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    private final AtomicLong submitted = new AtomicLong();

    private Producers(Ledger ledger, String name, int referenceChars) {
        this.ledger = ledger;
        this.name = name;
        this.referencePad = "r".repeat(Math.max(0, referenceChars - 8));
    }

    /** Starts {@code count} producer threads; references are about {@code referenceChars} long (fills pages faster). */
    static Producers start(Ledger ledger, String name, int count, int referenceChars) {
        Producers p = new Producers(ledger, name, referenceChars);
        for (int t = 0; t < count; t++) {
            int id = t;
            Thread thread = new Thread(() -> p.loop(id), name + "-producer-" + t);
            thread.setDaemon(true);
            p.threads.add(thread);
            thread.start();
        }
        return p;
    }

    private void loop(int id) {
        String player = name + "-p" + id;
        for (long n = 0; !stop; n++) {
            String key = name + "-" + id + "-" + n;
            String reference = n + "-" + referencePad;
            Deposit d = new Deposit(player, 1 + n % 100, reference.length() > 64 ? reference.substring(0, 64) : reference);
            submitted.incrementAndGet();
            long at = System.nanoTime();
            try {
                Receipt r = ledger.submit(d, key).get(60, TimeUnit.SECONDS);
                acks.add(new Ack(key, d, r));
            } catch (ExecutionException e) {
                failures.add(new Failure(key, d, e.getCause(), at));
            } catch (TimeoutException e) {
                unexpected.add(new AssertionError("no answer within 60 s for " + key));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                unexpected.add(e);
            }
        }
    }

    long ackCount() {
        return acks.size();
    }

    long failureCount() {
        return failures.size();
    }

    long submittedCount() {
        return submitted.get();
    }

    /** Stops the threads after their current submission and waits for them. */
    void stop() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(90_000);
            assertThat(t.isAlive()).as("%s stopped", t.getName()).isFalse();
        }
    }

    /**
     * Resubmits every failed submission under its original key, now that the fault is gone: each
     * must commit (a failed batch wrote nothing, so a retry is safe). Returns how many were resubmitted.
     */
    int resubmitFailures() throws Exception {
        int n = 0;
        for (Failure f : failures) {
            Receipt r = ledger.submit(f.command(), f.key()).get(60, TimeUnit.SECONDS);
            acks.add(new Ack(f.key(), f.command(), r));
            n++;
        }
        return n;
    }

    /**
     * The promise kept: every acknowledged submission is in the file at its receipt's seq, with its
     * command and key, every key appears once, and nothing else is there besides {@code others}
     * events written outside these producers. Returns how many acknowledged events were missing (0).
     */
    static long assertAllAcknowledgedInFile(Collection<Ack> acks, Map<Long, LedgerEvent> file, long others) {
        long lost = 0;
        for (Ack a : acks) {
            LedgerEvent e = file.get(a.receipt().seq());
            if (e == null || !e.command().equals(a.command()) || !a.key().equals(e.key())) {
                lost++;
            }
        }
        assertThat(lost).as("acknowledged events missing from the file or different there").isZero();
        assertThat(acks.stream().map(Ack::key).distinct().count()).as("every key acknowledged once").isEqualTo(acks.size());
        assertThat(file).as("the file holds the acknowledged events and nothing else").hasSize((int) (acks.size() + others));
        return lost;
    }
}
