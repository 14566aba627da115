package io.bitcraps.ledger.support;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A clock for the ledger that can hold the deciding thread: the writer reads the clock once per
 * submission it decides, so once {@link #arm()}ed, the next submission the writer takes stops it
 * there until {@link #release()}. Whatever is published meanwhile waits in the ring, and the
 * writer then decides all of it in one ring batch. Other threads read the clock freely.
 */
public final class WriterHold extends Clock {
    private volatile CountDownLatch held = new CountDownLatch(0);
    private volatile CountDownLatch release = new CountDownLatch(0);
    private volatile boolean armed;

    /** The next submission the writer decides will stop it. */
    public void arm() {
        held = new CountDownLatch(1);
        release = new CountDownLatch(1);
        armed = true;
    }

    /** Waits until the writer is held (it took a submission after {@link #arm()}). */
    public void awaitHeld() throws InterruptedException {
        if (!held.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the writer did not take a submission within 30 s");
        }
    }

    public void release() {
        armed = false;
        release.countDown();
    }

    @Override
    public Instant instant() {
        if (armed && Thread.currentThread().getName().equals("ledger-writer")) {
            armed = false;
            held.countDown();
            try {
                if (!release.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the writer was held for 60 s: a test forgot to release it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return Instant.now();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
