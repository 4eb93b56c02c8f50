package dev.switchboard.gateway.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides, for one scheduling round of one endpoint, which pending rows go out now and in which
 * POST, and which rows' horizon has passed. Pure: it sees rows (in id order, page by page) and
 * a snapshot of what is in flight, and touches nothing.
 *
 * <p><b>Order per conversation.</b> A conversation's rows are only ever taken as a prefix of its
 * pending rows, all into one POST, and never while an earlier row of it is in flight. So one
 * conversation has at most one POST in flight, holding its oldest rows in order. A head that is
 * waiting for its retry blocks the rows behind it and nothing else: other conversations are
 * planned as usual.
 *
 * <p><b>Snapshot first.</b> The caller takes the in-flight snapshot before it reads the rows. A
 * conversation that finishes meanwhile then merely looks busy for one more round (it wakes the
 * worker, which plans again); the reverse order could plan rows whose delivery had just been
 * recorded as a success, and send them twice.
 */
final class RoundPlanner {
    private final long now;
    private final long deadCutoff;
    private final long horizonMillis;
    private final Set<Long> inFlight;
    private final int maxBatch;
    private final int slots;
    private final boolean mayDispatch;
    private final Set<String> blocked;
    private final Map<String, Integer> assigned = new HashMap<>();
    private final List<List<OutboxRow.Ref>> batches = new ArrayList<>();
    private final List<Long> expired = new ArrayList<>();
    private long wakeAt = Long.MAX_VALUE;
    private long lastId;

    /**
     * @param busy        conversations with a POST in flight (snapshot)
     * @param inFlight    row ids in flight (snapshot)
     * @param slots       POSTs that may start now
     * @param maxBatch    events per POST: the endpoint's {@code max_events_per_post}, 1 unless it opted in
     * @param mayDispatch false while the endpoint's circuit breaker is open: only expiry is planned
     */
    RoundPlanner(long now, long horizonMillis, Set<String> busy, Set<Long> inFlight, int slots, int maxBatch,
                 boolean mayDispatch) {
        this.now = now;
        this.horizonMillis = horizonMillis;
        this.deadCutoff = now - horizonMillis;
        this.inFlight = inFlight;
        this.blocked = new HashSet<>(busy);
        this.slots = slots;
        this.maxBatch = maxBatch;
        this.mayDispatch = mayDispatch;
    }

    /** Considers the next page of pending rows (ids ascending, after every earlier page). */
    void consider(List<OutboxRow.Ref> page) {
        for (OutboxRow.Ref r : page) {
            lastId = r.id();
            if (inFlight.contains(r.id())) {
                continue;
            }
            if (r.createdAt() <= deadCutoff) {
                expired.add(r.id());
                continue;
            }
            wakeAt = Math.min(wakeAt, r.createdAt() + horizonMillis);
            String c = r.conversation();
            if (blocked.contains(c)) {
                continue;
            }
            Integer batch = assigned.get(c);
            if (batch != null) {
                if (batches.get(batch).size() < maxBatch) {
                    batches.get(batch).add(r);
                } else {
                    blocked.add(c); // the rest waits for the next round, behind this POST
                }
                continue;
            }
            if (!mayDispatch) {
                blocked.add(c);
                continue;
            }
            if (r.nextAttemptAt() > now) {
                blocked.add(c);
                wakeAt = Math.min(wakeAt, r.nextAttemptAt());
                continue;
            }
            int target = batches.isEmpty() || batches.get(batches.size() - 1).size() >= maxBatch ? -1 : batches.size() - 1;
            if (target < 0 && batches.size() < slots) {
                batches.add(new ArrayList<>());
                target = batches.size() - 1;
            }
            if (target < 0) {
                blocked.add(c); // no POST slot left this round; a finishing POST wakes the worker
                continue;
            }
            batches.get(target).add(r);
            assigned.put(c, target);
        }
    }

    /** Whether reading another page could still add work to this round. */
    boolean wantsMore() {
        if (!mayDispatch) {
            return false; // expiry only: the oldest rows come first, so the first page has them all
        }
        boolean lastFull = batches.isEmpty() || batches.get(batches.size() - 1).size() >= maxBatch;
        return !(batches.size() >= slots && lastFull);
    }

    /** The id to read the next page after. */
    long lastId() {
        return lastId;
    }

    /** POSTs to make now, each a list of rows in id order. */
    List<List<OutboxRow.Ref>> batches() {
        return batches;
    }

    /** Rows to dead-letter: their horizon passed while they waited. */
    List<Long> expired() {
        return expired;
    }

    /** When the earliest waiting row becomes due or expires (MAX_VALUE: nothing waits on time). */
    long wakeAt() {
        return wakeAt;
    }
}
