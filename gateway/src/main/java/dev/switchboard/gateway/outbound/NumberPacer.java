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
 * Both adapt to Meta's feedback. A 130429 halves the rate (AIMD; each second without one adds
 * back a tenth of the target) and also shrinks the window's limit by 5% of the ceiling (never
 * below half), which then grows back by 1% of the ceiling per 30 s without a 130429. The rate
 * cut clears the congestion; the limit cut finds the margin this deployment really needs,
 * because Meta counts <em>arrivals</em> and the jitter between our start and Meta's arrival
 * (network, GC, a busy CPU) differs per deployment. A throughput upgrade raises the ceiling.
 *
 * <p><b>Invariants.</b> Not thread-safe: one channel worker owns it. {@code limit} is
 * {@code floor(ceiling × factor)} with {@code factor ≤ utilisation}, the configured target
 * share of the ceiling.
 */
public final class NumberPacer {
    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final long LIMIT_RECOVERY_NANOS = 30 * SECOND_NANOS;
    private final double utilisation;
    private double factor;
    private long lastLimitStepNanos;
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
        this.factor = utilisation;
        this.lastLimitStepNanos = nowNanos;
        this.nextSlotNanos = nowNanos;
        this.lastIncreaseNanos = nowNanos;
        setCeiling(ceilingMps);
        this.rate = targetRate;
    }

    /** A new ceiling (throughput upgrade, admin change, tier signal). */
    public void setCeiling(int ceilingMps) {
        this.ceiling = Math.max(1, ceilingMps);
        applyLimit();
    }

    private void applyLimit() {
        int limit = Math.max(1, (int) Math.floor(ceiling * factor));
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
        throttles++;
        if (now - lastCutNanos < SECOND_NANOS && lastCutNanos != 0) {
            return;
        }
        lastCutNanos = now;
        rate = Math.max(1, rate / 2);
        factor = Math.max(0.5, factor - 0.05);
        lastLimitStepNanos = now;
        applyLimit();
        lastIncreaseNanos = now;
        nextSlotNanos = Math.max(nextSlotNanos, now + (long) (SECOND_NANOS / rate));
    }

    private void recover(long now) {
        if (factor < utilisation && now - lastLimitStepNanos >= LIMIT_RECOVERY_NANOS) {
            factor = Math.min(utilisation, factor + 0.01);
            lastLimitStepNanos = now;
            applyLimit();
        }
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
