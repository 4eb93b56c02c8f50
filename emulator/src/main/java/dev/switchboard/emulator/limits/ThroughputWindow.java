package dev.switchboard.emulator.limits;

/**
 * Strict sliding-second throughput ceiling for one phone number.
 *
 * <p>Why a log of timestamps rather than a token bucket or fixed one-second buckets: Meta's
 * ceiling is "messages per second", and a gateway that paces itself at exactly that rate must
 * be told precisely when it overshoots. A fixed bucket lets 2N through across a bucket edge and
 * a token bucket forgives bursts; both would hide pacing bugs the emulator exists to reveal.
 * Keeping the accept instants of the last second is exact and cheap: at most {@code ceiling}
 * (≤ 1,000) longs, in a ring that never allocates after warm-up.
 *
 * <p>The rule: a send is admitted iff fewer than {@code ceiling} sends were admitted in the
 * half-open interval (now − 1000 ms, now]. Rejected attempts are not recorded, so a client that
 * hammers a full window does not push its own recovery further out.
 *
 * <p>Not thread-safe: the owning number's lock guards it, because the admission decision must be
 * atomic together with the pair-rate decision.
 */
public final class ThroughputWindow {
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private long[] ring = new long[16];
    private int head;   // index of the oldest entry
    private int size;
    private int ceiling;
    private int maxSeen;

    public ThroughputWindow(int ceiling) {
        setCeiling(ceiling);
    }

    public void setCeiling(int ceiling) {
        if (ceiling < 1) {
            throw new IllegalArgumentException("ceiling must be >= 1");
        }
        this.ceiling = ceiling;
    }

    public int ceiling() {
        return ceiling;
    }

    /** Whether one more send at {@code nowNanos} stays within the ceiling. */
    public boolean hasRoom(long nowNanos) {
        evict(nowNanos);
        return size < ceiling;
    }

    /** Records an admitted send; returns how many sends the last second now holds. */
    public int record(long nowNanos) {
        evict(nowNanos);
        if (size == ring.length) {
            grow();
        }
        ring[(head + size) % ring.length] = nowNanos;
        size++;
        if (size > maxSeen) {
            maxSeen = size;
        }
        return size;
    }

    /** Highest number of admitted sends ever held by one sliding second. */
    public int maxSeen() {
        return maxSeen;
    }

    public void clear() {
        head = 0;
        size = 0;
        maxSeen = 0;
    }

    private void evict(long nowNanos) {
        while (size > 0 && nowNanos - ring[head] >= WINDOW_NANOS) {
            head = (head + 1) % ring.length;
            size--;
        }
    }

    private void grow() {
        long[] bigger = new long[ring.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = ring[(head + i) % ring.length];
        }
        ring = bigger;
        head = 0;
    }
}
