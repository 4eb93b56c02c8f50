package dev.switchboard.gateway.outbound;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter ({@code random(0, min(cap, base·2^attempt))}) plus a
 * retry budget. Full jitter spreads a crowd of failed sends evenly instead of re-synchronising
 * them; the budget caps retries at a share of first attempts (plus a small floor), so when Meta
 * has an outage the retry traffic cannot grow beyond that share — the messages wait instead.
 */
public final class RetryPolicy {
    private final long baseMillis;
    private final long capMillis;
    private final int maxAttempts;
    private final double ratio;
    private final double maxTokens;
    private double tokens;
    private long lastRefillMillis;

    public RetryPolicy(Duration base, Duration cap, int maxAttempts, double budgetRatio) {
        this.baseMillis = base.toMillis();
        this.capMillis = cap.toMillis();
        this.maxAttempts = maxAttempts;
        this.ratio = budgetRatio;
        this.maxTokens = 100;
        this.tokens = maxTokens;
    }

    /** Delay before retry number {@code attempt} (1-based). */
    public long backoffMillis(int attempt) {
        long exp = baseMillis << Math.min(Math.max(attempt - 1, 0), 30);
        long ceiling = Math.min(capMillis, exp < 0 ? capMillis : exp);
        return ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    public boolean exhausted(int attempts) {
        return attempts >= maxAttempts;
    }

    public long capMillis() {
        return capMillis;
    }

    /** A first attempt was made: it earns {@code ratio} of a retry. */
    public synchronized void onFirstAttempt() {
        tokens = Math.min(maxTokens, tokens + ratio);
    }

    /** Whether a retry may be spent now (one token; a floor of one per second refills). */
    public synchronized boolean tryRetry(long nowMillis) {
        if (lastRefillMillis == 0) {
            lastRefillMillis = nowMillis;
        }
        long seconds = (nowMillis - lastRefillMillis) / 1000;
        if (seconds > 0) {
            tokens = Math.min(maxTokens, tokens + seconds);
            lastRefillMillis += seconds * 1000;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
