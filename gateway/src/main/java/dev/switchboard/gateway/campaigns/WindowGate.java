package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.outbound.SendGate;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How queued messages of a campaign wait outside its sending window: a {@link SendGate} that
 * holds (leaves QUEUED) a message whose campaign's window is closed at the instant the channel
 * worker looks at it.
 *
 * <p><b>Why per message, judged live.</b> The expander stops expanding when the window closes,
 * but what it already queued would otherwise keep going. Holding at the gate changes no row and
 * is exact at the boundary: the worker asks with its clock's time just before it claims, so a
 * message never leaves a second after closing time because some pass had not run yet. The
 * worker's messages do not carry their campaign, so — as {@link CampaignHolds} does — the gate
 * keeps the ids of the windowed campaigns' unsent messages: registered by the expander before
 * they are written (so before any worker can see them), reloaded at start, and trimmed to the
 * campaign's unsent set as messages leave, so it holds at most about the expander's queue bound
 * per windowed campaign. A campaign without a window costs nothing here.
 *
 * <p><b>Cost.</b> As with a pause, held messages stay in the LOW lane: while a window is closed
 * other LOW traffic on the same numbers can wait behind them (the worker scans a bounded way
 * past the head); HIGH and NORMAL traffic never does.
 */
public final class WindowGate {
    static final String REASON = "outside sending window";
    private static final SendGate.Verdict CLOSED = new SendGate.Hold(REASON);

    /** message id → its campaign's window. */
    private final Map<String, SendingWindow> windows = new ConcurrentHashMap<>();
    /** campaign id → ids of its unsent messages. */
    private final Map<String, Set<String>> byCampaign = new ConcurrentHashMap<>();

    /** {@code inner}, with messages whose window is closed held before it is asked. */
    public SendGate around(SendGate inner) {
        return (m, channel, now) -> {
            SendingWindow w = windows.isEmpty() ? null : windows.get(m.id());
            return w != null && !w.open(now) ? CLOSED : inner.check(m, channel, now);
        };
    }

    void track(String campaignId, SendingWindow window, Collection<String> messageIds) {
        byCampaign.computeIfAbsent(campaignId, k -> ConcurrentHashMap.newKeySet()).addAll(messageIds);
        for (String id : messageIds) {
            windows.put(id, window);
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
            windows.remove(id);
            return true;
        });
    }

    int tracked(String campaignId) {
        Set<String> ids = byCampaign.get(campaignId);
        return ids == null ? 0 : ids.size();
    }

    void forget(String campaignId) {
        Set<String> ids = byCampaign.remove(campaignId);
        if (ids != null) {
            ids.forEach(windows::remove);
        }
    }

    Set<String> campaigns() {
        return byCampaign.keySet();
    }
}
