package dev.switchboard.emulator.core;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long the send endpoint waits before answering: a fixed part plus a uniform jitter, as
 * Meta's own response times (150–400 ms from most regions) are. A gateway that looks efficient
 * against a loopback emulator answering in microseconds may spin, poll or hold resources while
 * requests are in flight; only a slow answer shows that.
 *
 * <p>The delay runs after admission, so the message is already counted in the number's sliding
 * second and logged with its arrival time: latency moves the answer, never the arrival. The
 * handler runs on a virtual thread, so sleeping there holds no server thread and other requests
 * proceed. Changeable at run time ({@code POST /_emulator/latency}).
 */
public final class ResponseDelay {
    /** The current setting, in milliseconds. */
    public record Setting(long fixedMillis, long jitterMillis) {
        public Setting {
            if (fixedMillis < 0 || jitterMillis < 0) {
                throw new IllegalArgumentException("latency must be >= 0 ms: fixed " + fixedMillis + ", jitter " + jitterMillis);
            }
        }
    }

    private volatile Setting setting;

    public ResponseDelay(Duration fixed, Duration jitter) {
        set(fixed.toMillis(), jitter.toMillis());
    }

    public Setting setting() {
        return setting;
    }

    public void set(long fixedMillis, long jitterMillis) {
        this.setting = new Setting(fixedMillis, jitterMillis);
    }

    /** Sleeps for fixed + uniform(0..jitter) ms; returns at once when both are zero. */
    public void pause() {
        Setting s = setting;
        long ms = s.fixedMillis() + (s.jitterMillis() > 0 ? ThreadLocalRandom.current().nextLong(s.jitterMillis() + 1) : 0);
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
