package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.messages.QueuedMessage;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;

/**
 * The in-memory window onto one (channel, lane) queue whose truth is the {@code messages} table.
 *
 * <p>Memory holds at most {@code capacity} messages. While the lane is not {@code spilled},
 * every QUEUED message of the lane is either here or being sent; once an accept finds the
 * window full the lane becomes spilled and new messages stay only in the database until a page
 * load catches up. {@code loadedUpTo} is the highest sequence ever placed in memory; because
 * sequences are assigned in commit order, anything at or below it was already seen, which makes
 * a racing accept and page load safe without holding a lock across the database read.
 *
 * <p>Not thread-safe: the owning {@link ChannelWorker} guards it with its lock.
 */
final class LaneQueue {
    final Lane lane;
    private final int capacity;
    private final ArrayDeque<QueuedMessage> memory;
    private boolean spilled = true; // unknown at start: the database may hold a backlog
    private long loadedUpTo;
    private long skippedWhileLoading;
    private boolean loading;

    LaneQueue(Lane lane, int capacity) {
        this.lane = lane;
        this.capacity = capacity;
        this.memory = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    /** A newly committed message; returns whether memory took it (else the database has it). */
    boolean offer(QueuedMessage m) {
        if (m.seq() <= loadedUpTo) {
            return false; // already paged in
        }
        if (spilled || memory.size() >= capacity) {
            spilled = true;
            if (loading) {
                // committed while a page read is running: that read may not have seen it
                skippedWhileLoading = Math.max(skippedWhileLoading, m.seq());
            }
            return false;
        }
        memory.addLast(m);
        loadedUpTo = m.seq();
        return true;
    }

    /** A message coming back from a retry goes to the front: it is older than what waits. */
    void pushFront(QueuedMessage m) {
        memory.addFirst(m);
    }

    /** Drops a message that will not be sent (cancelled); returns whether memory held it. */
    boolean remove(String id) {
        return memory.removeIf(m -> m.id().equals(id));
    }

    /** Reads a page of the lane's QUEUED rows after a sequence number. */
    interface PageSource {
        List<QueuedMessage> load(long afterSeq, int limit);
    }

    /**
     * Pages rows in from the database when the lane needs them. {@code lock} (the owning
     * worker's) is held around the queue's bookkeeping but never across the read.
     */
    void load(java.util.concurrent.locks.Lock lock, PageSource source, RetryParking parking) {
        long[] range;
        lock.lock();
        try {
            if (!needsLoad()) {
                return;
            }
            range = beginLoad();
        } finally {
            lock.unlock();
        }
        List<QueuedMessage> page;
        try {
            page = source.load(range[0], (int) range[1]);
        } catch (RuntimeException e) {
            lock.lock();
            try {
                abortLoad();
            } finally {
                lock.unlock();
            }
            throw e;
        }
        lock.lock();
        try {
            endLoad(page, (int) range[1], parking);
        } finally {
            lock.unlock();
        }
    }

    static boolean allIdle(LaneQueue[] lanes) {
        for (LaneQueue q : lanes) {
            if (!q.isEmpty() || q.needsLoad()) {
                return false;
            }
        }
        return true;
    }

    static boolean anyHolds(LaneQueue[] lanes, String id) {
        for (LaneQueue q : lanes) {
            if (q.holds(id)) {
                return true;
            }
        }
        return false;
    }

    static void removeFromAll(LaneQueue[] lanes, String id) {
        for (LaneQueue q : lanes) {
            q.remove(id);
        }
    }

    /** Depth per lane as held in memory, and whether the lane has more in the database. */
    static java.util.Map<Lane, int[]> depths(LaneQueue[] lanes) {
        java.util.Map<Lane, int[]> out = new java.util.EnumMap<>(Lane.class);
        for (LaneQueue q : lanes) {
            out.put(q.lane, new int[] {q.size(), q.spilled() ? 1 : 0});
        }
        return out;
    }

    boolean holds(String id) {
        return memory.stream().anyMatch(m -> m.id().equals(id));
    }

    boolean needsLoad() {
        return spilled && !loading && memory.size() <= capacity / 2;
    }

    /** Marks a load in progress and returns {@code [afterSeq, limit]} for the query. */
    long[] beginLoad() {
        loading = true;
        skippedWhileLoading = 0;
        return new long[] {loadedUpTo, capacity - memory.size()};
    }

    /** Merges a page read from the database; {@code limit} is what was asked for. */
    void endLoad(List<QueuedMessage> page, int limit, RetryParking parking) {
        loading = false;
        for (QueuedMessage m : page) {
            if (m.seq() <= loadedUpTo) {
                continue;
            }
            loadedUpTo = m.seq();
            if (!parking.parkIfNotDue(m)) {
                memory.addLast(m);
            }
        }
        // A short page saw every QUEUED row committed before the read began (sequence order is
        // commit order). Unless a row committed during the read was skipped, memory is the whole
        // lane again. (A row skipped before the read and not returned is no longer QUEUED.)
        if (page.size() < limit && skippedWhileLoading <= loadedUpTo) {
            spilled = false;
        }
    }

    void abortLoad() {
        loading = false;
    }

    Iterator<QueuedMessage> iterator() {
        return memory.iterator();
    }

    boolean isEmpty() {
        return memory.isEmpty();
    }

    int size() {
        return memory.size();
    }

    boolean spilled() {
        return spilled;
    }

    /** Where a loaded message that is not yet due (a retry pending at the crash) goes instead. */
    interface RetryParking {
        boolean parkIfNotDue(QueuedMessage m);
    }
}
