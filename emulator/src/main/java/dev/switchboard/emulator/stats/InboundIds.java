package dev.switchboard.emulator.stats;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wamids of messages a number received, with their senders, so that "mark as read" can
 * tell one of them from an unknown or outbound id as Meta does. Bounded: the oldest are
 * forgotten first (Meta itself refuses marks after 30 days).
 */
public final class InboundIds {
    private final Map<String, String> fromById;

    public InboundIds(int capacity) {
        int cap = Math.max(1, capacity);
        this.fromById = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > cap;
            }
        };
    }

    public synchronized void add(String wamid, String from) {
        fromById.put(wamid, from);
    }

    /** The sender of an inbound message, or {@code null} if the id is not one this number received. */
    public synchronized String from(String wamid) {
        return fromById.get(wamid);
    }

    public synchronized void clear() {
        fromById.clear();
    }
}
