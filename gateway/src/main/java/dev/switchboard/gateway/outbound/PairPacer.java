package dev.switchboard.gateway.outbound;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;

/**
 * Keeps one number's messages to one user under Meta's pair rate (about one per 6 s, bursts of
 * ~45). A token bucket per recipient, sized a little under Meta's burst; after a 131056 the
 * recipient is additionally blocked for 4^n seconds. Buckets of idle recipients are evicted —
 * a full bucket and a missing one mean the same thing. Owned by one channel worker.
 *
 * <p><b>Why each bucket expires on its own clock.</b> A campaign messages hundreds of thousands of
 * recipients once each. Kept for the worst case (an emptied bucket, nine minutes), every one of
 * them stayed in memory for nine minutes: at 1,800 sends a second, a million buckets (seen in a
 * heap snapshot of the campaign benchmark). A bucket is kept only until it would be full again —
 * about one interval after a single send — or its 131056 block ends; a recipient with strikes is
 * kept a while longer so repeated 131056s still escalate.
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
                .expireAfter(Expiry.<String, Bucket>accessing((recipient, b) -> Duration.ofNanos(keepNanos(b))))
                .maximumSize(1_000_000)
                .build();
    }

    private static final long STRIKE_MEMORY_NANOS = Duration.ofMinutes(10).toNanos();
    private static final long GRACE_NANOS = Duration.ofSeconds(1).toNanos();

    /**
     * How long after its last use a bucket still matters: until it has refilled (counted from its
     * last update, with one more token taken, so a read just before a take is covered) or its block
     * ends. Relative to the bucket's own timestamps, never to another clock.
     */
    private long keepNanos(Bucket b) {
        long refill = (long) Math.ceil((burst - b.tokens + 1) * intervalNanos);
        long blocked = Math.max(0, b.blockedUntilNanos - b.updatedNanos);
        return Math.max(refill, blocked) + (b.strikes > 0 ? STRIKE_MEMORY_NANOS : GRACE_NANOS);
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
        buckets.put(recipient, b); // its expiry follows the block and the strike
        return block;
    }

    public void onDelivered(String recipient) {
        Bucket b = buckets.getIfPresent(recipient);
        if (b != null) {
            b.strikes = 0;
        }
    }
}
