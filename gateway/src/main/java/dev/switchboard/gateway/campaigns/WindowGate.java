package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.outbound.SendGate;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How queued messages of a campaign wait outside its sending window: a {@link SendGate} that
 * sets aside (leaves QUEUED, out of its lane) a message whose campaign's window is closed at the
 * instant the channel worker looks at it, and returns the campaign's messages to their lanes
 * once the window is open again.
 *
 * <p><b>Why judged live, per message.</b> The expander stops expanding when the window closes,
 * but what it already queued would otherwise keep going. The worker asks the gate with its
 * clock's time just before it claims, so a message never leaves a second after closing time
 * because some pass had not run yet. The worker's messages do not carry their campaign, so — as
 * {@link CampaignHolds} does — the gate keeps the ids of the windowed campaigns' unsent messages:
 * registered by the expander before they are written (so before any worker can see them),
 * reloaded at start, and trimmed to the campaign's unsent set as messages leave, so it holds at
 * most about the expander's queue bound per windowed campaign. A campaign without a window costs
 * nothing here.
 *
 * <p><b>Why set aside, not held in place.</b> A held message keeps its place in the lane, and
 * the worker judges only a bounded number of recipients past the head per pick: a campaign's
 * thousands of queued messages waiting out the night would stop every LOW message behind them,
 * another campaign's included. Set aside under {@code window:<campaign>}, they cost nothing per
 * pick. The opening is noticed by the expander after its next pass (a fraction of a second), which
 * releases the group ({@link #releaseOpen}); a release racing a last set-aside only leaves the
 * group marked, and the pass after releases it again.
 */
public final class WindowGate {
    static final String REASON = "outside sending window";

    /** A windowed campaign: its window and the verdict that sets its messages aside. */
    private record Rule(String campaignId, SendingWindow window, SendGate.Verdict aside) {}

    /** message id → its campaign's rule. */
    private final Map<String, Rule> byMessage = new ConcurrentHashMap<>();
    /** campaign id → ids of its unsent messages. */
    private final Map<String, Set<String>> byCampaign = new ConcurrentHashMap<>();
    private final Map<String, Rule> rules = new ConcurrentHashMap<>();
    /** Campaigns with messages set aside since their last release. */
    private final Set<String> aside = ConcurrentHashMap.newKeySet();

    /** {@code inner}, with messages whose window is closed set aside before it is asked. */
    public SendGate around(SendGate inner) {
        return (m, channel, now) -> {
            Rule r = byMessage.isEmpty() ? null : byMessage.get(m.id());
            if (r == null || r.window().open(now)) {
                return inner.check(m, channel, now);
            }
            aside.add(r.campaignId());
            return r.aside();
        };
    }

    static String group(String campaignId) {
        return "window:" + campaignId;
    }

    void track(String campaignId, SendingWindow window, Collection<String> messageIds) {
        Rule r = rules.computeIfAbsent(campaignId, k -> new Rule(k, window, new SendGate.SetAside(group(k), REASON)));
        byCampaign.computeIfAbsent(campaignId, k -> ConcurrentHashMap.newKeySet()).addAll(messageIds);
        for (String id : messageIds) {
            byMessage.put(id, r);
        }
    }

    /** Returns to their lanes the messages of campaigns whose window is open again. */
    void releaseOpen(long nowMillis, Outbound outbound) {
        for (String campaignId : aside) {
            Rule r = rules.get(campaignId);
            if (r == null || r.window().open(nowMillis)) {
                aside.remove(campaignId);
                outbound.releaseAside(group(campaignId));
            }
        }
    }

    /** Keeps only {@code unsent} of the campaign's ids: the others have left the queue. */
    void retain(String campaignId, Collection<String> unsent) {
        Set<String> ids = byCampaign.get(campaignId);
        if (ids == null) {
            return;
        }
        Set<String> keep = Set.copyOf(unsent);
        ids.removeIf(id -> {
            if (keep.contains(id)) {
                return false;
            }
            byMessage.remove(id);
            return true;
        });
    }

    int tracked(String campaignId) {
        Set<String> ids = byCampaign.get(campaignId);
        return ids == null ? 0 : ids.size();
    }

    /** The campaign is over (or scheduled again): its ids go, and anything it left aside returns to be cancelled or sent. */
    void forget(String campaignId, Outbound outbound) {
        Set<String> ids = byCampaign.remove(campaignId);
        if (ids != null) {
            ids.forEach(byMessage::remove);
        }
        rules.remove(campaignId);
        if (aside.remove(campaignId)) {
            outbound.releaseAside(group(campaignId));
        }
    }

    Set<String> campaigns() {
        return byCampaign.keySet();
    }
}
