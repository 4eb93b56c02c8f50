package dev.switchboard.gateway.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock a test moves: it runs with the wall clock from a chosen instant (so timeouts, retries
 * and everything else that expects time to pass still work), jumps when told ({@link #advance},
 * {@link #set}), and can be {@link #freeze() frozen} so that what depends on elapsed time (a
 * rate cap's bucket) is decided by the test alone. Give it to a node with
 * {@code Switchboard.start(config, clock)}.
 */
public final class TestClock extends Clock {
    private volatile long offset;
    private volatile long frozenAt = -1;

    private TestClock(long startMillis) {
        this.offset = startMillis - System.currentTimeMillis();
    }

    /** A clock that reads {@code start} now and runs on from there. */
    public static TestClock at(Instant start) {
        return new TestClock(start.toEpochMilli());
    }

    /** Stops the clock where it is: it moves only when the test moves it. */
    public synchronized TestClock freeze() {
        frozenAt = millis();
        return this;
    }

    public synchronized void advance(Duration d) {
        if (frozenAt >= 0) {
            frozenAt += d.toMillis();
        } else {
            offset += d.toMillis();
        }
    }

    public synchronized void set(Instant t) {
        if (frozenAt >= 0) {
            frozenAt = t.toEpochMilli();
        } else {
            offset = t.toEpochMilli() - System.currentTimeMillis();
        }
    }

    @Override
    public long millis() {
        long f = frozenAt;
        return f >= 0 ? f : System.currentTimeMillis() + offset;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a test clock is UTC");
    }
}
