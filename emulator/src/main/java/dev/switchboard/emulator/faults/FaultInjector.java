package dev.switchboard.emulator.faults;

import dev.switchboard.emulator.FaultConfig;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Draws, per send, which fault (if any) to inject. One seeded draw decides among all kinds so
 * that the probabilities add up as configured and a seed reproduces the same sequence.
 *
 * <p>Hung requests park their (virtual) thread on a latch instead of sleeping, so that closing
 * or resetting the emulator releases them at once rather than keeping the server alive.
 */
public final class FaultInjector {
    public enum Fault { NONE, SERVER_ERROR, UNAVAILABLE, HANG, STORM }

    private final AtomicReference<FaultConfig> config;
    private final Random random;
    private volatile CountDownLatch release = new CountDownLatch(1);

    public FaultInjector(FaultConfig initial, long seed) {
        this.config = new AtomicReference<>(initial);
        this.random = new Random(seed);
    }

    public FaultConfig config() {
        return config.get();
    }

    public void set(FaultConfig faults) {
        config.set(faults);
    }

    public Fault draw() {
        FaultConfig c = config.get();
        if (c.isNone()) {
            return Fault.NONE;
        }
        double x = random.nextDouble();
        if ((x -= c.serverErrorProbability()) < 0) {
            return Fault.SERVER_ERROR;
        }
        if ((x -= c.unavailableProbability()) < 0) {
            return Fault.UNAVAILABLE;
        }
        if ((x -= c.hangProbability()) < 0) {
            return Fault.HANG;
        }
        if ((x -= c.stormProbability()) < 0) {
            return Fault.STORM;
        }
        return Fault.NONE;
    }

    /** Holds the calling thread for {@code d}, or until {@link #releaseAll()}. */
    public void hang(Duration d) {
        try {
            release.await(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void releaseAll() {
        CountDownLatch old = release;
        release = new CountDownLatch(1);
        old.countDown();
    }
}
