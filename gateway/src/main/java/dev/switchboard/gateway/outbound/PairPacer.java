package dev.switchboard.gateway.outbound;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Keeps one number's messages to one user under Meta's pair rate (about one per 6 s, bursts of
 * ~45). A token bucket per recipient, sized a little under Meta's burst; after a 131056 the
 * recipient is additionally blocked for 4^n seconds. Buckets of idle recipients are evicted —
 * a full bucket and a missing one mean the same thing. Owned by one channel worker.
 */
public final class PairPacer {
    private static final class Bucket {
        double tokens;
        long updatedNanos;
        long blockedUntilNanos;
        int strikes;
    }

    private final int burst;
    private final long intervalNanos;
    private final Cache<String, Bucket> buckets;

    public PairPacer(int burst, Duration interval) {
        this.burst = burst;
        this.intervalNanos = interval.toNanos();
        this.buckets = Caffeine.newBuilder()
                .expireAfterAccess(Duration.ofNanos(intervalNanos * burst + Duration.ofMinutes(5).toNanos()))
                .maximumSize(1_000_000)
                .build();
    }

    /** Whether a message to {@code recipient} may go now; consumes a token if so. */
    public boolean tryAcquire(String recipient, long now) {
        Bucket b = buckets.getIfPresent(recipient);
        if (b == null) {
            b = new Bucket();
            b.tokens = burst;
            b.updatedNanos = now;
            buckets.put(recipient, b);
        }
        if (now < b.blockedUntilNanos) {
            return false;
        }
        b.tokens = Math.min(burst, b.tokens + (double) (now - b.updatedNanos) / intervalNanos);
        b.updatedNanos = now;
        if (b.tokens < 1) {
            return false;
        }
        b.tokens -= 1;
        return true;
    }

    /** Meta said 131056 for this recipient: block it for 4^n seconds. */
    public long onPairLimited(String recipient, long now) {
        Bucket b = buckets.get(recipient, r -> new Bucket());
        b.strikes = Math.min(b.strikes + 1, 6);
        b.tokens = 0;
        b.updatedNanos = now;
        long block = Duration.ofSeconds((long) Math.pow(4, b.strikes)).toNanos();
        b.blockedUntilNanos = now + block;
        return block;
    }

    public void onDelivered(String recipient) {
        Bucket b = buckets.getIfPresent(recipient);
        if (b != null) {
            b.strikes = 0;
        }
    }
}
