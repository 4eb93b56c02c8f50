package dev.switchboard.emulator.stats;

import dev.switchboard.emulator.AcceptedMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Bounded ring of a number's accepted messages, oldest dropped first, so a long benchmark does
 * not turn the emulator into a memory leak while a test still sees every message it sent.
 */
public final class AcceptedLog {
    private final AcceptedMessage[] ring;
    private long written;

    public AcceptedLog(int capacity) {
        this.ring = new AcceptedMessage[Math.max(1, capacity)];
    }

    public synchronized void add(AcceptedMessage m) {
        ring[(int) (written % ring.length)] = m;
        written++;
    }

    /** All retained messages, in acceptance order. */
    public synchronized List<AcceptedMessage> all() {
        return last(Integer.MAX_VALUE);
    }

    /** The most recent {@code limit} retained messages, in acceptance order. */
    public synchronized List<AcceptedMessage> last(int limit) {
        int retained = (int) Math.min(written, ring.length);
        int n = Math.min(retained, Math.max(0, limit));
        List<AcceptedMessage> out = new ArrayList<>(n);
        for (long i = written - n; i < written; i++) {
            out.add(ring[(int) (i % ring.length)]);
        }
        return out;
    }

    public synchronized void clear() {
        java.util.Arrays.fill(ring, null);
        written = 0;
    }
}
