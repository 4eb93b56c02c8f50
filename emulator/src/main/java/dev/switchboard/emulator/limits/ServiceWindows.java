package dev.switchboard.emulator.limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Customer-service windows: a user's inbound message opens 24 hours (configurable) in which the
 * business number may send free-form messages to that user; outside it only templates (131047).
 * Keyed by (phone_number_id, user) because a window belongs to one conversation partner pair.
 */
public final class ServiceWindows {
    private final ConcurrentHashMap<String, Long> lastInboundMillis = new ConcurrentHashMap<>();
    private final long lengthMillis;

    public ServiceWindows(long lengthMillis) {
        this.lengthMillis = lengthMillis;
    }

    public void open(String phoneNumberId, String user, long nowMillis) {
        lastInboundMillis.merge(key(phoneNumberId, user), nowMillis, Math::max);
    }

    public boolean isOpen(String phoneNumberId, String user, long nowMillis) {
        Long last = lastInboundMillis.get(key(phoneNumberId, user));
        return last != null && nowMillis - last < lengthMillis;
    }

    public void clear() {
        lastInboundMillis.clear();
    }

    private static String key(String phoneNumberId, String user) {
        return phoneNumberId + '\u0000' + user;
    }
}
