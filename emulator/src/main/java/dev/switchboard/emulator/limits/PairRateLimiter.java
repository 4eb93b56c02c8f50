package dev.switchboard.emulator.limits;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Pair rate (one business number → one user): a token bucket per recipient, {@code burst}
 * tokens, one token regained every {@code refillNanos}. Meta describes it as "one message every
 * 6 seconds, with bursts of up to 45 borrowed from future quota", which is exactly a bucket.
 *
 * <p>Buckets that have refilled completely carry no information, so they are swept whenever
 * the map doubles; memory then tracks only recently-messaged users.
 *
 * <p>Not thread-safe: guarded by the owning number's lock.
 */
public final class PairRateLimiter {
    private final Map<String, long[]> buckets = new HashMap<>(); // [0]=tokens×refill-units, [1]=last nanos
    private int burst;
    private long refillNanos;
    private int sweepAt = 1024;

    public PairRateLimiter(int burst, long refillNanos) {
        configure(burst, refillNanos);
    }

    public void configure(int burst, long refillNanos) {
        if (burst < 1 || refillNanos < 1) {
            throw new IllegalArgumentException("burst and refill must be positive");
        }
        this.burst = burst;
        this.refillNanos = refillNanos;
    }

    /** Whether a message to {@code recipient} at {@code nowNanos} would be allowed. */
    public boolean hasToken(String recipient, long nowNanos) {
        long[] b = buckets.get(recipient);
        return b == null || level(b, nowNanos) >= refillNanos;
    }

    /** Spends one token; call only after {@link #hasToken} said yes. */
    public void take(String recipient, long nowNanos) {
        long[] b = buckets.get(recipient);
        if (b == null) {
            b = new long[] {burst * refillNanos, nowNanos};
            buckets.put(recipient, b);
            if (buckets.size() >= sweepAt) {
                sweep(nowNanos);
            }
        }
        b[0] = level(b, nowNanos) - refillNanos;
        b[1] = nowNanos;
    }

    public void clear() {
        buckets.clear();
    }

    /** Token level in nanoseconds of refill: {@code tokens = level / refillNanos}. */
    private long level(long[] b, long nowNanos) {
        long full = burst * refillNanos;
        long elapsed = nowNanos - b[1];
        return elapsed >= full - b[0] ? full : b[0] + elapsed;
    }

    private void sweep(long nowNanos) {
        long full = burst * refillNanos;
        for (Iterator<long[]> it = buckets.values().iterator(); it.hasNext(); ) {
            if (level(it.next(), nowNanos) >= full) {
                it.remove();
            }
        }
        sweepAt = Math.max(1024, buckets.size() * 2);
    }
}
