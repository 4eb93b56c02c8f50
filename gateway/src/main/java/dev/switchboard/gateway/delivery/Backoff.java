package dev.switchboard.gateway.delivery;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: retry {@code n} waits {@code random(0, min(cap, base·2^(n-1)))}.
 * Full jitter matters here because an endpoint that comes back after an outage would otherwise
 * get every waiting conversation's retry at the same instant.
 */
final class Backoff {
    private Backoff() {}

    static long millis(int attempt, long baseMillis, long capMillis) {
        long exp = baseMillis << Math.min(Math.max(attempt - 1, 0), 30);
        long ceiling = Math.min(capMillis, exp <= 0 ? capMillis : exp);
        return ThreadLocalRandom.current().nextLong(Math.max(ceiling, 0) + 1);
    }
}
