package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.messages.Lane;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One channel's queued messages in memory — its three lanes, the retry shelf and the set-aside
 * shelf — and the changes other threads make to them: a cancel, a template approved again, a
 * campaign resumed, a diagnostic look.
 *
 * <p><b>Why apart from the worker.</b> The {@link ChannelWorker} decides what leaves next; these
 * are the few operations that reach into its memory from outside (the API, the webhook path, a
 * campaign). Each takes the worker's lock, changes the queues and wakes the worker, so the
 * worker's own loop stays the only place that judges messages. The fields are shared with the
 * worker, which reads and changes them under the same lock.
 */
final class QueueMemory {
    final LaneQueue[] lanes = new LaneQueue[Lane.values().length];
    final RetryShelf retries = new RetryShelf();
    final AsideShelf aside = new AsideShelf();
    private final ReentrantLock lock;
    private final Condition wake;

    QueueMemory(int capacity, ReentrantLock lock, Condition wake) {
        for (Lane l : Lane.values()) {
            lanes[l.ordinal()] = new LaneQueue(l, capacity);
        }
        this.lock = lock;
        this.wake = wake;
    }

    /** Changes the queues under the lock and wakes the worker to look again. */
    void changeAndWake(Runnable change) {
        lock.lock();
        try {
            change.run();
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the worker: something a hold depended on changed. */
    void signal() {
        changeAndWake(() -> { });
    }

    /** Meta made a template sendable again: its messages waiting on the retry shelf go back now. */
    void releaseTemplate(String templateName) {
        changeAndWake(() -> retries.releaseTemplate(templateName, lanes));
    }

    /**
     * A message cancelled while queued leaves memory at once: left there, a thousand cancels
     * filled the window and held a channel for minutes while each one failed its claim.
     */
    void forget(String id) {
        changeAndWake(() -> {
            LaneQueue.removeFromAll(lanes, id);
            retries.remove(id);
            aside.remove(id);
        });
    }

    /** The group's set-aside messages go back to the front of their lanes. */
    void releaseAside(String group) {
        changeAndWake(() -> aside.release(group, lanes));
    }

    boolean holds(String id) {
        lock.lock();
        try {
            return LaneQueue.anyHolds(lanes, id) || aside.holds(id);
        } finally {
            lock.unlock();
        }
    }

    /** Depth per lane as held in memory, and whether the lane has more in the database. */
    Map<Lane, int[]> depth() {
        lock.lock();
        try {
            return LaneQueue.depths(lanes);
        } finally {
            lock.unlock();
        }
    }
}
