package dev.switchboard.gateway.outbound;

/**
 * Paces one phone number at its throughput ceiling — smoothly, adaptively, and never over.
 *
 * <p><b>Design.</b> Two mechanisms, each covering the other's blind spot:
 * <ol>
 *   <li>A <em>virtual-time spacer</em> (GCRA): slot {@code k+1} is at least {@code 1/rate}
 *       after slot {@code k}, with no credit accumulated while idle beyond a small burst. This
 *       spreads sends evenly so the receiver never sees a spike.</li>
 *   <li>A <em>sliding-window guard</em> that mirrors Meta's rule exactly: at most {@code limit}
 *       sends start within any 1,000 ms. It keeps the start times of the last {@code limit}
 *       sends in a ring; the next send may start only 1,000 ms after the oldest of them. When
 *       sends bunch up (a stalled commit releasing several at once) this is what keeps the
 *       count under the ceiling.</li>
 * </ol>
 * The margin for the jitter between our start and Meta's arrival is not the pacer's business:
 * {@link ReleaseWindow} holds each slot long enough to cover it and widens that hold on a 130429.
 * Only when it can widen no further does a 130429 reach the pacer, which then halves the rate
 * (AIMD; each second without one adds back a tenth of the target): Meta's real ceiling is lower
 * than the one we pace to. A throughput upgrade raises the ceiling.
 *
 * <p><b>Invariants.</b> Not thread-safe: one channel worker owns it. {@code limit} is
 * {@code floor(ceiling × utilisation)}, the configured target share of the ceiling.
 */
public final class NumberPacer {
    private static final long SECOND_NANOS = 1_000_000_000L;
    public static final int MAX_CEILING_MPS = 1_000;
    private final double utilisation;
    private int ceiling;
    private double rate;
    private double targetRate;
    private long nextSlotNanos;
    private long[] window;
    private int windowHead;
    private int windowCount;
    private long lastIncreaseNanos;
    private long throttles;
    private long lastCutNanos;

    public NumberPacer(int ceilingMps, double utilisation, long nowNanos) {
        this.utilisation = utilisation;
        this.nextSlotNanos = nowNanos;
        this.lastIncreaseNanos = nowNanos;
        setCeiling(ceilingMps);
        this.rate = targetRate;
    }

    /** A new ceiling (throughput upgrade, admin change, tier signal). */
    public void setCeiling(int ceilingMps) {
        // Meta's highest ceiling is 1,000; a stored value beyond it (an old unchecked admin call)
        // must not size the window ring (2^31 longs was an OutOfMemoryError at every start)
        this.ceiling = Math.max(1, Math.min(MAX_CEILING_MPS, ceilingMps));
        applyLimit();
    }

    private void applyLimit() {
        int limit = Math.max(1, (int) Math.floor(ceiling * utilisation));
        if (window != null && limit == window.length) {
            return;
        }
        this.targetRate = limit;
        this.rate = Math.min(Math.max(rate, 1), targetRate);
        if (rate <= 0) {
            rate = targetRate;
        }
        long[] w = new long[limit];
        // keep the most recent sends so a shrink cannot open a burst
        int keep = Math.min(windowCount, limit);
        for (int i = 0; i < keep; i++) {
            w[i] = window[(windowHead - keep + i + window.length) % window.length];
        }
        this.window = w;
        this.windowCount = keep;
        this.windowHead = keep % limit;
    }

    /**
     * Nanoseconds to wait before the next send may start; 0 means now. Does not consume the
     * slot: call {@link #commit} when the send really starts.
     */
    public long waitNanos(long now) {
        recover(now);
        long wait = Math.max(0, nextSlotNanos - now);
        if (windowCount == window.length) {
            long oldest = window[windowHead];
            wait = Math.max(wait, oldest + SECOND_NANOS - now);
        }
        return wait;
    }

    /** Records that a send starts now. */
    public void commit(long now) {
        long interval = (long) (SECOND_NANOS / rate);
        // no credit for idle time beyond one interval: smooth, not bursty
        nextSlotNanos = Math.max(nextSlotNanos, now - interval) + interval;
        window[windowHead] = now;
        windowHead = (windowHead + 1) % window.length;
        if (windowCount < window.length) {
            windowCount++;
        }
    }

    /**
     * Meta said 130429: multiplicative decrease — once per second at most, because one burst
     * that overshot returns several 130429s together and they are one congestion signal.
     */
    public void onThrottled(long now) {
        countThrottle();
        if (now - lastCutNanos < SECOND_NANOS && lastCutNanos != 0) {
            return;
        }
        lastCutNanos = now;
        rate = Math.max(1, rate / 2);
        lastIncreaseNanos = now;
        nextSlotNanos = Math.max(nextSlotNanos, now + (long) (SECOND_NANOS / rate));
    }

    private void recover(long now) {
        if (rate >= targetRate) {
            return;
        }
        long elapsed = now - lastIncreaseNanos;
        if (elapsed >= SECOND_NANOS) {
            long seconds = elapsed / SECOND_NANOS;
            rate = Math.min(targetRate, rate + seconds * Math.max(1, targetRate * 0.1));
            lastIncreaseNanos += seconds * SECOND_NANOS;
        }
    }

    /** A 130429 that the release window absorbed: counted, the rate is left alone. */
    public void countThrottle() {
        throttles++;
    }

    public double rate() {
        return rate;
    }

    public int ceiling() {
        return ceiling;
    }

    public int limit() {
        return window.length;
    }

    public long throttles() {
        return throttles;
    }
}
