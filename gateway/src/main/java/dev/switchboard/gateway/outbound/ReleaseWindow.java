package dev.switchboard.gateway.outbound;

import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The last gate before a request leaves for Meta, and the reason Switchboard can pace a number
 * right up to its ceiling, at any upstream latency, without tripping it.
 *
 * <p><b>The problem.</b> Meta counts <em>arrivals</em> in any sliding second (inbound messages
 * included); we control only departures. A request's arrival {@code a} lies somewhere between
 * its departure {@code d} and its response {@code r}; the outbound delay {@code δ = a − d} is
 * never observed.
 *
 * <p><b>The rule.</b> A request holds one of {@code limit} slots from its departure until
 * {@code min(r, d + J) + 1 s}, where {@code J} bounds the <em>variation</em> of the outbound
 * delay. Argument: suppose more than {@code limit} requests arrived within some second
 * {@code [t, t+1)}, and let {@code x} be the latest departure among them; at {@code x} every one
 * of them had departed, so it is enough that each still held its slot at {@code x}:
 * <ul>
 *   <li>released by its response: {@code r_i + 1 ≥ a_i + 1 ≥ t + 1 > a_x ≥ x} — physics, no
 *       assumption;</li>
 *   <li>released at {@code d_i + J + 1}: {@code d_i = a_i − δ_i ≥ t − δ_i} and
 *       {@code x = a_x − δ_x < t + 1 − δ_x}, so {@code d_i + J + 1 > x} whenever
 *       {@code δ_i − δ_x ≤ J}.</li>
 * </ul>
 * So Meta never counts more than {@code limit} as long as outbound delays vary by at most
 * {@code J}, whatever their size. The cost is {@code min(RTT, J)} per slot per second: at real
 * Meta latency (150–400 ms) that is {@code J} instead of the whole round trip, which cost a
 * quarter of the ceiling. A request still unanswered a second after
 * {@code d + J} keeps its slot until it is answered, so {@code limit} also bounds concurrency.
 *
 * <p><b>Near and far.</b> The second case needs the jitter assumption; the first needs none. When
 * Meta is near (some answer in the last five seconds came within 50 ms: a nearby region, the
 * emulator), a long round trip means a congested machine, exactly when outbound delays vary the
 * most, and the ack clock costs at most the round trip: slots are then released a second after
 * the answer, whatever J says. Only when even the fastest answers take 50 ms or more, so that
 * the round trip is mostly distance and Meta's own work after the arrival, does {@code d + J}
 * apply. Measured on the 2-core box at loopback, {@code d + J} alone drew 28–46 × 130429 per
 * 20,000 sends while 3,000 accepts a second saturated the CPU; the ack clock draws none.
 *
 * <p><b>Finding J.</b> The delay cannot be observed, so Meta's answers are the feedback: a 130429
 * means arrivals bunched more than {@code J} allowed, and {@code J} doubles (at most once a
 * second, one burst returns several); every 30 s without one it shrinks by a fifth back towards
 * its configured floor. Worst case with adversarial jitter: {@code ReleaseWindowTest}.
 *
 * <p><b>Inbound traffic</b> takes its share. Meta counts a user's message when it arrives, and we
 * see it a webhook later, so a slot held on sight comes too late (measured: 127 × 130429 with
 * users writing at 30% of the ceiling). The window keeps the recent inbound rate instead and
 * leaves that many slots free, with a Poisson margin.
 *
 * <p><b>One waiter at a time.</b> A slot frees at a time known in advance, so nobody can be
 * notified then; a waiter sleeps until the earliest release. If every blocked send thread did
 * that they would all wake together and all but one go back to sleep (measured as CPU per
 * message doubling at real latency). Waiters queue on a fair lock and only its holder sleeps on
 * the window, so a slot costs one wake-up.
 *
 * <p>Thread-safe: the send threads of one channel share it. The methods taking {@code now} are
 * the rule itself, on any clock; {@link #acquire()} and {@link #complete(long)} put it on
 * {@link System#nanoTime()}.
 */
final class ReleaseWindow {
    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final long MAX_JITTER_NANOS = SECOND_NANOS;
    private static final long NARROW_AFTER_NANOS = 30 * SECOND_NANOS;
    private int limit;
    private int inFlight;
    /** When each released-but-held slot frees; not in departure order, hence a heap. */
    private final PriorityQueue<Long> frees = new PriorityQueue<>();
    private final long jitterFloorNanos;
    private long jitterNanos;
    private long lastJitterChangeNanos;
    /** The shortest round trip within the last few seconds: how far away Meta is. */
    private long fastestRoundTripNanos = Long.MAX_VALUE;
    private long fastestAtNanos;
    private static final long MEMORY_NANOS = 5 * SECOND_NANOS;
    private static final long INBOUND_TAU_NANOS = 5 * SECOND_NANOS;
    private double inboundRate;
    private long inboundAtNanos;
    /** Below this fastest round trip the ack clock costs under 5% and needs no assumption at all. */
    private static final long FAR_NANOS = 50_000_000L;
    /** Held by the one thread waiting for a slot; the others park on it in arrival order. */
    private final ReentrantLock turn = new ReentrantLock(true);

    ReleaseWindow(int limit, long jitterFloorNanos, long nowNanos) {
        this.limit = Math.max(1, limit);
        this.jitterFloorNanos = Math.max(0, Math.min(MAX_JITTER_NANOS, jitterFloorNanos));
        this.jitterNanos = this.jitterFloorNanos;
        this.lastJitterChangeNanos = nowNanos;
    }

    synchronized int limit() {
        return limit;
    }

    synchronized void resize(int newLimit) {
        limit = Math.max(1, newLimit);
        notifyAll();
    }

    synchronized long jitterNanos() {
        return jitterNanos;
    }

    /**
     * Blocks until a slot is free, then takes it; callers are served in arrival order. Returns
     * the departure instant to hand back to {@link #complete(long)}.
     */
    long acquire() throws InterruptedException {
        turn.lockInterruptibly();
        try {
            return takeSlot();
        } finally {
            turn.unlock();
        }
    }

    private synchronized long takeSlot() throws InterruptedException {
        while (true) {
            long now = System.nanoTime();
            long wait = tryTake(now);
            if (wait == 0) {
                return now;
            }
            wait(Math.max(1, wait / 1_000_000), 0);
        }
    }

    /** Takes a slot at {@code now} and returns 0, or returns how long to wait before asking again. */
    synchronized long tryTake(long now) {
        narrow(now);
        while (!frees.isEmpty() && frees.peek() - now <= 0) {
            frees.poll();
        }
        if (inFlight + frees.size() + inboundReserve(now) < limit) {
            inFlight++;
            return 0;
        }
        // only in-flight requests hold slots: a response (notifyAll) is the next event
        return frees.isEmpty() ? SECOND_NANOS : Math.max(1, frees.peek() - now);
    }

    /** The answer (or failure) of the request that departed at {@code departedNanos} is in. */
    void complete(long departedNanos) {
        complete(departedNanos, System.nanoTime());
    }

    /** @param departedNanos when the HTTP client began to write the request (never before it took its slot) */
    synchronized void complete(long departedNanos, long now) {
        inFlight--;
        long roundTrip = now - departedNanos;
        if (roundTrip <= fastestRoundTripNanos || now - fastestAtNanos > MEMORY_NANOS) {
            fastestRoundTripNanos = roundTrip;
            fastestAtNanos = now;
        }
        long freeAt = now + SECOND_NANOS; // the ack clock
        if (fastestRoundTripNanos >= FAR_NANOS) {
            freeAt = Math.min(now, departedNanos + jitterNanos) + SECOND_NANOS;
        }
        if (freeAt - now <= 0) {
            notifyAll(); // answered more than a second after d + J: the slot frees now
            return;
        }
        if (frees.isEmpty() || freeAt - frees.peek() < 0) {
            notifyAll(); // the waiter sleeps until the earliest release, and this one is earlier
        }
        frees.add(freeAt);
    }

    /**
     * Inbound messages Meta counted on this number. They reach us a webhook later than Meta
     * counted them, so holding a slot when one is seen would be too late; instead their recent
     * rate is kept (exponentially weighted over {@link #INBOUND_TAU_NANOS}) and that many slots,
     * plus two standard deviations of a Poisson count, are left free in every second.
     */
    synchronized void inbound(int messages, long now) {
        inboundRate = decayedInboundRate(now) + messages * 1e9 / INBOUND_TAU_NANOS;
        inboundAtNanos = now;
    }

    private double decayedInboundRate(long now) {
        return inboundRate == 0 ? 0 : inboundRate * Math.exp(-(now - inboundAtNanos) / (double) INBOUND_TAU_NANOS);
    }

    /** Slots kept free for inbound messages this second. */
    private int inboundReserve(long now) {
        double rate = decayedInboundRate(now);
        return rate < 0.05 ? 0 : Math.min(limit - 1, (int) Math.ceil(rate + 2 * Math.sqrt(rate)));
    }

    /**
     * Meta said 130429: arrivals bunched more than J allowed, so J doubles (once a second at
     * most). Returns false when J is already at its maximum: then the window cannot be the
     * cause, and the caller should slow the rate instead.
     */
    synchronized boolean onThrottled(long now) {
        if (jitterNanos >= MAX_JITTER_NANOS) {
            return false;
        }
        if (now - lastJitterChangeNanos >= SECOND_NANOS || jitterNanos == jitterFloorNanos) {
            jitterNanos = Math.min(MAX_JITTER_NANOS, Math.max(2 * jitterNanos, jitterNanos + 10_000_000L));
            lastJitterChangeNanos = now;
        }
        return true;
    }

    private void narrow(long now) {
        if (jitterNanos > jitterFloorNanos && now - lastJitterChangeNanos >= NARROW_AFTER_NANOS) {
            jitterNanos = Math.max(jitterFloorNanos, jitterNanos * 4 / 5);
            lastJitterChangeNanos = now;
        }
    }

    synchronized int inFlight() {
        return inFlight;
    }
}
