package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.outbound.SendGate;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a paused campaign stops sending within a second: a {@link SendGate} in front of the
 * node's own gate that holds (leaves QUEUED) every message of a paused campaign.
 *
 * <p><b>Why a gate.</b> The channel worker asks the gate about every message just before it
 * claims it, so a hold takes effect at the next pick — no message is rewritten, nothing is
 * cancelled and re-created, and the counters stay exact. The alternative (cancel the queued
 * messages and re-expand them on resume) would leave CANCELLED rows that are not cancellations
 * and need a second idempotency key per run. The worker's messages do not carry their campaign,
 * so pausing records the ids of the campaign's unsent messages (at most the expander's queue
 * bound, a few thousand) after stopping its expansion; a lookup is one hash probe.
 *
 * <p><b>Cost.</b> Held messages stay in the LOW lane, and the worker scans only a bounded
 * number of recipients past a lane's head, so while a campaign is paused other LOW traffic on
 * the same numbers can wait behind it; HIGH and NORMAL traffic never does.
 */
public final class CampaignHolds {
    private static final SendGate.Verdict PAUSED = new SendGate.Hold("campaign paused");

    /** campaign id → ids of its unsent messages while it is paused. */
    private final Map<String, Set<String>> byCampaign = new ConcurrentHashMap<>();
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    /** {@code inner}, with the messages of paused campaigns held before it is asked. */
    public SendGate around(SendGate inner) {
        return (m, channel, now) -> held.contains(m.id()) ? PAUSED : inner.check(m, channel, now);
    }

    void hold(String campaignId, Collection<String> messageIds) {
        Set<String> ids = byCampaign.computeIfAbsent(campaignId, k -> ConcurrentHashMap.newKeySet());
        ids.addAll(messageIds);
        held.addAll(messageIds);
    }

    void release(String campaignId) {
        Set<String> ids = byCampaign.remove(campaignId);
        if (ids != null) {
            held.removeAll(ids);
        }
    }

}
