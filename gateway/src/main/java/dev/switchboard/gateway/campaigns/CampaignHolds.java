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
 * <p><b>Out of the way.</b> The verdict is {@link SendGate.SetAside} under the campaign's id: the
 * channel worker moves a held message out of its lane (it stays QUEUED) so other LOW traffic on
 * the same numbers — another campaign — flows past a paused one; resume returns them with
 * {@code Outbound.releaseAside}.
 */
public final class CampaignHolds {
    /** campaign id → ids of its unsent messages while it is paused. */
    private final Map<String, Set<String>> byCampaign = new ConcurrentHashMap<>();
    /** message id → its paused campaign's verdict (set aside under the campaign's id). */
    private final Map<String, SendGate.Verdict> held = new ConcurrentHashMap<>();

    /** {@code inner}, with the messages of paused campaigns set aside before it is asked. */
    public SendGate around(SendGate inner) {
        return (m, channel, now) -> {
            SendGate.Verdict v = held.get(m.id());
            return v != null ? v : inner.check(m, channel, now);
        };
    }

    void hold(String campaignId, Collection<String> messageIds) {
        SendGate.Verdict paused = new SendGate.SetAside(campaignId, "campaign paused");
        Set<String> ids = byCampaign.computeIfAbsent(campaignId, k -> ConcurrentHashMap.newKeySet());
        ids.addAll(messageIds);
        messageIds.forEach(id -> held.put(id, paused));
    }

    /** Stops holding the campaign's messages; the caller returns those set aside to their lanes. */
    void release(String campaignId) {
        Set<String> ids = byCampaign.remove(campaignId);
        if (ids != null) {
            ids.forEach(held::remove);
        }
    }

}
