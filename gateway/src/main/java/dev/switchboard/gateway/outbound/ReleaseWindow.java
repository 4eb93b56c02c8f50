package dev.switchboard.gateway.outbound;

import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The last gate before a request leaves for Meta, and the reason Switchboard can pace a number
 * right up to its ceiling without tripping it.
 *
 * <p><b>The problem.</b> Meta counts <em>arrivals</em> in any sliding second; we control only
 * departures. Between the two sit the commit of the SENDING claim, the HTTP client, the network
 * and, on a busy machine, the scheduler: measured on the 2-core CI box, release→arrival delays
 * reach hundreds of milliseconds under load, so any "N departures per second" rule lets
 * clumped arrivals exceed N. A fixed margin would have to be huge and would still fail.
 *
 * <p><b>The rule (ack-clocked window).</b> A request holds one of {@code limit} slots from the
 * moment it is released until one second after its response arrived (or it timed out). Its
 * arrival at Meta lies between its release and its response, so at any instant every request
 * that arrived within the last second still holds a slot: Meta can never count more than
 * {@code limit} — whatever the jitter. The price is one round-trip per slot per second (under
 * 1% at local latencies), and when latency grows the window slows down by itself, like TCP's
 * self-clocking.
 *
 * <p><b>One waiter at a time.</b> A completion frees its slot only a second later, so nobody
 * can be notified at that moment; a waiter must sleep until the oldest completion ages out. If
 * every blocked send thread did that, each would wake at the same instant, one would win and
 * the rest would go back to sleep for a millisecond or so: hundreds of wake-ups per message at
 * real Meta latency, when hundreds of sends wait here (measured as CPU per message doubling
 * with 150–400 ms upstream latency). Waiters therefore queue on a fair lock and only its holder
 * sleeps on the window, so a slot costs one wake-up.
 *
 * <p>Thread-safe: the send threads of one channel share it.
 */
final class ReleaseWindow {
    private static final long SECOND_NANOS = 1_000_000_000L;
    private int limit;
    private int inFlight;
    private final ArrayDeque<Long> completions = new ArrayDeque<>();
    /** Held by the one thread waiting for a slot; the others park on it in arrival order. */
    private final ReentrantLock turn = new ReentrantLock(true);

    ReleaseWindow(int limit) {
        this.limit = Math.max(1, limit);
    }

    synchronized int limit() {
        return limit;
    }

    synchronized void resize(int newLimit) {
        limit = Math.max(1, newLimit);
        notifyAll();
    }

    /** Blocks until a slot is free, then takes it; callers are served in arrival order. */
    void acquire() throws InterruptedException {
        turn.lockInterruptibly();
        try {
            takeSlot();
        } finally {
            turn.unlock();
        }
    }

    private synchronized void takeSlot() throws InterruptedException {
        while (true) {
            long now = System.nanoTime();
            while (!completions.isEmpty() && now - completions.peekFirst() >= SECOND_NANOS) {
                completions.pollFirst();
            }
            if (inFlight + completions.size() < limit) {
                inFlight++;
                return;
            }
            long waitNanos = completions.isEmpty() ? SECOND_NANOS : completions.peekFirst() + SECOND_NANOS - now;
            wait(Math.max(1, waitNanos / 1_000_000), 0);
        }
    }

    /** The request's answer (or failure) is in: its slot frees one second from now. */
    synchronized void complete() {
        inFlight--;
        completions.addLast(System.nanoTime());
    }

    synchronized int inFlight() {
        return inFlight;
    }
}
