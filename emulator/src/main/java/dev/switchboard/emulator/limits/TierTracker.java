package dev.switchboard.emulator.limits;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Messaging-limit tier bookkeeping for one business portfolio: the set of unique users reached
 * by business-initiated messages (sent outside an open service window) in a moving 24 hours.
 *
 * <p>Meta documents no error for exceeding the tier, so the emulator never rejects; it counts
 * every send to a <em>new</em> unique user beyond the limit as an overrun, which is what a
 * gateway that budgets its tier must keep at zero. An insertion-ordered map with re-insertion on
 * every contact keeps the oldest contact at the head, so expiry is a walk from the head.
 */
public final class TierTracker {
    private static final long DAY_MILLIS = 24L * 3600 * 1000;

    private final LinkedHashMap<String, Long> lastContact = new LinkedHashMap<>();
    private volatile int limit;
    private volatile String tierName;
    private long overruns;

    public TierTracker(String tierName, int limit) {
        this.tierName = tierName;
        this.limit = limit;
    }

    public synchronized void setTier(String tierName, int limit) {
        this.tierName = tierName;
        this.limit = limit;
    }

    /** Records a business-initiated send; returns true when it was a tier overrun. */
    public synchronized boolean record(String recipient, long nowMillis) {
        expire(nowMillis);
        boolean isNew = lastContact.remove(recipient) == null;
        boolean overrun = isNew && lastContact.size() >= limit;
        lastContact.put(recipient, nowMillis);
        if (overrun) {
            overruns++;
        }
        return overrun;
    }

    public synchronized int uniqueRecipients24h(long nowMillis) {
        expire(nowMillis);
        return lastContact.size();
    }

    public int limit() {
        return limit;
    }

    public String tierName() {
        return tierName;
    }

    public synchronized long overruns() {
        return overruns;
    }

    public synchronized void clear() {
        lastContact.clear();
        overruns = 0;
    }

    private void expire(long nowMillis) {
        for (Iterator<Map.Entry<String, Long>> it = lastContact.entrySet().iterator(); it.hasNext(); ) {
            if (nowMillis - it.next().getValue() < DAY_MILLIS) {
                return;
            }
            it.remove();
        }
    }
}
