package dev.switchboard.gateway.outbound;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The messaging-limit budget of one business portfolio: how many unique users its numbers may
 * reach in a moving 24 h. Meta returns no error when it is exceeded, so the sender must budget
 * it itself. Recipients already reached inside the window are free; a new one is allowed only
 * while the count is under the tier's limit. Shared by the portfolio's channel workers, hence
 * synchronised (calls are short and per send, not per byte).
 *
 * <p>The LOW lane <em>reserves</em> a recipient when it takes the message ({@link #tryReserve}),
 * not when Meta answers: with many sends in flight a check-then-record-later budget lets every
 * in-flight send pass the same last free place and overshoots the tier. A reservation whose send
 * then fails is kept — the budget errs towards sending less, never towards an overrun (a send
 * that timed out may well have been counted by Meta).
 *
 * <p>The limit counts every template sent outside a service window, authentication included,
 * so the LOW lane may fill only {@code 1 − reserve} of it: the rest stays for HIGH and NORMAL,
 * and a campaign cannot spend the OTPs' budget. The other lanes are never held by the budget
 * (an OTP beyond the limit is better tried than dropped); they {@link #record} what they reach.
 */
public final class TierBudget {
    private static final long DAY_MILLIS = 24L * 3600 * 1000;
    private record Reach(String recipient, long at) {}

    private long limit;
    private final double reserve;
    private final Map<String, Long> reachedAt = new HashMap<>();
    private final ArrayDeque<Reach> order = new ArrayDeque<>();

    public TierBudget(long limit) {
        this(limit, 0);
    }

    /** {@code reserve}: the share of the limit the LOW lane may not use (0..0.9). */
    public TierBudget(long limit, double reserve) {
        this.limit = limit;
        this.reserve = Math.max(0, Math.min(0.9, reserve));
    }

    /** How many unique recipients the LOW lane may reach: the limit less the reserve. */
    private long lowLimit() {
        return (long) Math.floor(limit * (1 - reserve));
    }

    public synchronized void setLimit(long limit) {
        this.limit = limit;
    }

    /** Whether a LOW-lane send to {@code recipient} fits the budget now. */
    public synchronized boolean allows(String recipient, long nowMillis) {
        if (limit < 0) {
            return true;
        }
        evict(nowMillis);
        return reachedAt.containsKey(recipient) || reachedAt.size() < lowLimit();
    }

    /** For the LOW lane: checks and records a new recipient in one step; true when the send fits the budget. */
    public synchronized boolean tryReserve(String recipient, long nowMillis) {
        if (limit < 0) {
            return true;
        }
        evict(nowMillis);
        if (reachedAt.containsKey(recipient)) {
            return true;
        }
        if (reachedAt.size() >= lowLimit()) {
            return false;
        }
        reachedAt.put(recipient, nowMillis);
        order.addLast(new Reach(recipient, nowMillis));
        return true;
    }

    /** Records a send (any lane: OTPs and utility messages use the same budget). */
    public synchronized void record(String recipient, long nowMillis) {
        if (limit < 0) {
            return;
        }
        evict(nowMillis);
        if (reachedAt.putIfAbsent(recipient, nowMillis) == null) {
            order.addLast(new Reach(recipient, nowMillis));
        }
    }

    public synchronized int used(long nowMillis) {
        evict(nowMillis);
        return reachedAt.size();
    }

    public synchronized long limit() {
        return limit;
    }

    /**
     * The budget as a campaign's pacing sees it: {@code lowLimit} recipients a day for the LOW
     * lane, {@code lowFree} of them still free now, and when the oldest reach leaves the window
     * ({@code nextFreeAt}, epoch ms; 0 when nothing is counted). {@code limit} −1: unlimited.
     */
    public record Room(long limit, long lowLimit, long used, long lowFree, long nextFreeAt) {
        public boolean unlimited() {
            return limit < 0;
        }
    }

    public synchronized Room room(long nowMillis) {
        evict(nowMillis);
        if (limit < 0) {
            return new Room(-1, -1, reachedAt.size(), Long.MAX_VALUE, 0);
        }
        long low = lowLimit();
        return new Room(limit, low, reachedAt.size(), Math.max(0, low - reachedAt.size()),
                order.isEmpty() ? 0 : order.peekFirst().at() + DAY_MILLIS);
    }

    private void evict(long now) {
        while (!order.isEmpty() && order.peekFirst().at() <= now - DAY_MILLIS) {
            Reach r = order.pollFirst();
            reachedAt.remove(r.recipient(), r.at());
        }
    }
}
