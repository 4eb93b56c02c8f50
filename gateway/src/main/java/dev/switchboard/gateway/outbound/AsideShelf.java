package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.messages.QueuedMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One channel's messages a {@link SendGate} set aside by group (a paused campaign, a campaign
 * outside its sending window), out of their lanes until the group is released.
 *
 * <p><b>Why not just hold them in the lane.</b> A held message stays at its place in the FIFO and
 * the worker judges only {@code SCAN_LIMIT} recipients past a lane's head per pick, so a paused
 * campaign's thousands of queued messages would hide every LOW message behind them — another
 * campaign on the same numbers would stop with it. Set aside, they cost nothing per pick and the
 * lane behind them flows. They stay QUEUED in the database; memory keeps them (at most what the
 * campaign expander let queue) so a release needs no database read, and the lane's
 * {@code loadedUpTo} keeps a page load from bringing them in twice. A released group goes back to
 * the front of its lanes in sequence order: those messages are older than what waits.
 *
 * <p>Not thread-safe: the owning {@link ChannelWorker} guards it with its lock.
 */
final class AsideShelf {
    private final Map<String, Map<String, QueuedMessage>> byGroup = new HashMap<>();
    /** message id → its group: cancelling a paused campaign's thousands of messages is a probe each, not a scan. */
    private final Map<String, String> groupOf = new HashMap<>();

    void put(String group, QueuedMessage m) {
        byGroup.computeIfAbsent(group, k -> new HashMap<>()).put(m.id(), m);
        groupOf.put(m.id(), group);
    }

    /** Puts the group's messages back at the front of their lanes, oldest first. */
    void release(String group, LaneQueue[] lanes) {
        Map<String, QueuedMessage> aside = byGroup.remove(group);
        if (aside == null) {
            return;
        }
        List<QueuedMessage> back = new ArrayList<>(aside.values());
        back.forEach(m -> groupOf.remove(m.id()));
        back.sort((a, b) -> Long.compare(b.seq(), a.seq())); // pushFront in reverse keeps their order
        back.forEach(m -> lanes[m.lane().ordinal()].pushFront(m));
    }

    /** A cancelled message leaves the shelf; returns whether it was there. */
    boolean remove(String id) {
        String group = groupOf.remove(id);
        if (group == null) {
            return false;
        }
        Map<String, QueuedMessage> messages = byGroup.get(group);
        messages.remove(id);
        if (messages.isEmpty()) {
            byGroup.remove(group);
        }
        return true;
    }

    boolean holds(String id) {
        return groupOf.containsKey(id);
    }
}
