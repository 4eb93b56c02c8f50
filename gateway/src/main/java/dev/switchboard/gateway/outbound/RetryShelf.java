package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.messages.QueuedMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * One channel's messages waiting for their retry time, by due time, and which recipients have
 * one waiting: a recipient with a retry pending is not sent anything newer, so its messages
 * keep their order. Due messages go back to the front of their lanes.
 *
 * <p>Not thread-safe: the owning {@link ChannelWorker} guards it with its lock.
 */
final class RetryShelf {
    private final PriorityQueue<QueuedMessage> waiting = new PriorityQueue<>((a, b) -> Long.compare(a.notBefore(), b.notBefore()));
    private final Map<String, Integer> recipients = new HashMap<>();

    void park(QueuedMessage m) {
        waiting.add(m);
        recipients.merge(m.recipient(), 1, Integer::sum);
    }

    boolean waitsFor(String recipient) {
        return recipients.containsKey(recipient);
    }

    /** Milliseconds until the next retry is due, at most {@code max} (and at least 1). */
    long untilNext(long nowMillis, long max) {
        QueuedMessage r = waiting.peek();
        return r == null ? max : Math.max(1, Math.min(max, r.notBefore() - nowMillis));
    }

    /** Puts every message due by {@code nowMillis} back at the front of its lane. */
    void releaseDue(long nowMillis, LaneQueue[] lanes) {
        while (!waiting.isEmpty() && waiting.peek().notBefore() <= nowMillis) {
            QueuedMessage m = waiting.poll();
            unmark(m);
            lanes[m.lane().ordinal()].pushFront(m);
        }
    }

    /**
     * A template Meta made sendable again: its messages waiting here (held 10 minutes after a
     * 132015, or retrying for another reason) go back to the front of their lanes now.
     */
    void releaseTemplate(String templateName, LaneQueue[] lanes) {
        release(m -> templateName.equals(m.templateName()), lanes);
    }

    /** The waiting messages {@code which} picks go back to the front of their lanes now, in their order. */
    void release(java.util.function.Predicate<QueuedMessage> which, LaneQueue[] lanes) {
        java.util.List<QueuedMessage> due = new java.util.ArrayList<>();
        waiting.removeIf(m -> {
            if (!which.test(m)) {
                return false;
            }
            unmark(m);
            due.add(m);
            return true;
        });
        due.sort((a, b) -> Long.compare(b.seq(), a.seq())); // pushFront in reverse keeps their order
        due.forEach(m -> lanes[m.lane().ordinal()].pushFront(m));
    }

    /** A cancelled message: gone, and its recipient no longer waits on it (else it would be held for good). */
    void remove(String id) {
        waiting.removeIf(m -> {
            if (!m.id().equals(id)) {
                return false;
            }
            unmark(m);
            return true;
        });
    }

    private void unmark(QueuedMessage m) {
        recipients.computeIfPresent(m.recipient(), (k, n) -> n <= 1 ? null : n - 1);
    }
}
