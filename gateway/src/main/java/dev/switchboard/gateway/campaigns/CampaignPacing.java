package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.audiences.Contact;
import dev.switchboard.gateway.intake.Intake;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.outbound.TierBudget;
import dev.switchboard.gateway.tenancy.Channel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many contacts the {@link Expander} may turn into messages for a campaign right now, given
 * its {@link Pacing} and the messaging limit of its numbers — and, when the answer is none, why.
 *
 * <p><b>Pacing happens at expansion.</b> Every limit here is enforced by not creating messages
 * rather than by holding created ones, because a queued message has a time to live (24 h in the
 * LOW lane): a campaign that queued its whole audience and let the send path hold what exceeds
 * the tier would see those messages expire just as the tier's rolling window freed room for
 * them. So the expander creates only what can go soon, and the rest stays unread in the
 * audience, costing nothing. Each limit, checked in this order:
 * <ol>
 *   <li><em>Spend cap reached</em>: billed ≥ cap pauses the campaign with the reason
 *       {@code spend cap reached (X of Y USD)}.</li>
 *   <li><em>Sending window</em>: nothing is expanded while it is closed; messages already
 *       queued are set aside at the send gate ({@link WindowGate}) until it opens, and are
 *       given a time to live that outlasts the window's longest closed stretch.</li>
 *   <li><em>Rate cap</em>: a token bucket on the injected clock refills at the cap and holds at
 *       most {@link #BURST_SECONDS} seconds' worth; the campaign's unsent messages are bounded by
 *       the same amount. Expansion therefore averages at most the cap, and the send rate does
 *       too: the only burst above it is the unsent backlog (≤ cap × {@value #BURST_SECONDS}
 *       messages) leaving at channel speed after the channels were held — a paused number, a
 *       window that just opened.</li>
 *   <li><em>Messaging limit</em>: no more than the unique recipients the portfolios' LOW-lane
 *       budgets ({@link TierBudget}) have free now, less what is already queued. When the
 *       rolling 24 h frees room, expansion resumes by itself.</li>
 *   <li><em>Spend cap ahead</em>: cheap while far from the cap (the priciest rate of the category
 *       times what is queued and about to be); near it, it counts exactly what is still to be
 *       billed — queued, and accepted by Meta without a charge yet — and cuts the next contacts
 *       to what fits by each one's own price. When not even the next one fits and nothing is
 *       left to bill, the campaign pauses with the reason. Because what is still to be billed
 *       is priced at the dearest rate, the last stretch (within that rate × (unsent + a chunk)
 *       of the cap) runs in steps: expand, wait until it is billed, expand what then fits.</li>
 * </ol>
 * A charge is taken at a message's first billable status (Meta bills per delivered message;
 * charging at {@code sent} errs towards stopping early, never towards overspending).
 */
final class CampaignPacing {
    static final int BURST_SECONDS = 5;
    static final String WINDOW = "sending_window";
    static final String RATE_CAP = "rate_cap";
    static final String MESSAGING_LIMIT = "messaging_limit";
    static final String SPEND_CAP = "spend_cap";
    private static final int PRUNE_SLACK = 256;
    private static final int CACHED = 10_000;

    /** Why a running campaign is not expanding, since when (the injected clock's millis). */
    record Held(String reason, long since) {}

    private final PacingStore store;
    private final CampaignStore campaigns;
    private final PriceTable prices;
    private final WindowGate windows;
    private final Outbound outbound;
    private final Clock clock;
    /** Pacing never changes after creation: an LRU of it spares a query per campaign per pass. */
    private final Map<String, Pacing> cache = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Pacing> eldest) {
            return size() > CACHED;
        }
    });
    /** campaign → {tokens, at}: the rate cap's bucket. */
    private final Map<String, double[]> buckets = new ConcurrentHashMap<>();
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    /** campaign → its messages' time to live in seconds (windowed campaigns only; asked per message). */

    CampaignPacing(PacingStore store, CampaignStore campaigns, PriceTable prices, WindowGate windows, Outbound outbound, Clock clock) {
        this.store = store;
        this.campaigns = campaigns;
        this.prices = prices;
        this.windows = windows;
        this.outbound = outbound;
        this.clock = clock;
        // a node that stopped mid-campaign knows its windowed campaigns' unsent messages again before any is sent
        for (Campaign c : campaigns.active()) {
            SendingWindow w = of(c.id()).window();
            if (w != null && c.state() != Campaign.State.SCHEDULED) {
                windows.track(c.id(), w, CampaignStore.ids(campaigns.pendingMessages(c.id())));
            }
        }
    }

    Pacing of(String campaignId) {
        Pacing p = cache.get(campaignId);
        if (p == null) {
            p = store.find(campaignId);
            cache.put(campaignId, p);
        }
        return p;
    }

    PriceTable prices() {
        return prices;
    }

    Optional<Held> held(String campaignId) {
        return Optional.ofNullable(held.get(campaignId));
    }

    /** What the expander may do now; {@code category} is the template's (what a message is priced as). */
    Allowance allowance(Campaign c, List<Channel> channels, long pending, int chunk, String category) {
        Pacing p = of(c.id());
        long now = clock.millis();
        if (p.window() != null && windows.tracked(c.id()) > pending + PRUNE_SLACK) {
            windows.retain(c.id(), CampaignStore.ids(campaigns.pendingMessages(c.id())));
        }
        PacingStore.Spend spent = p.spendCapMicros() == null ? PacingStore.Spend.NONE : store.spend(c.id());
        if (p.spendCapMicros() != null && spent.billedMicros() >= p.spendCapMicros()) {
            return new Allowance(0, Long.MAX_VALUE, 0, null, capReached(p, spent));
        }
        if (p.window() != null && !p.window().open(now)) {
            return hold(c.id(), WINDOW, now);
        }
        long take = chunk;
        if (p.maxPerSecond() != null) {
            double burst = Math.max(1, p.maxPerSecond() * BURST_SECONDS);
            take = (long) Math.min(take, Math.min(Math.floor(tokens(c.id(), p, now)), Math.floor(burst - pending)));
            if (take <= 0) {
                return hold(c.id(), RATE_CAP, now);
            }
        }
        long free = tierFree(channels, now);
        if (free != Long.MAX_VALUE) {
            take = Math.min(take, free - pending);
            if (take <= 0) {
                return hold(c.id(), MESSAGING_LIMIT, now);
            }
        }
        long room = Long.MAX_VALUE;
        long outstanding = 0;
        if (p.spendCapMicros() != null) {
            String cat = category == null ? "MARKETING" : category;
            long dearest = prices.maxMicros(cat);
            long left = p.spendCapMicros() - spent.billedMicros();
            if (dearest > 0 && dearest * (pending + take) > left) {
                // the scan for what Meta accepted but has not billed yet runs only when the queued alone leave room
                outstanding = dearest * pending >= left ? pending : pending + store.sentUncharged(c.tenantId(), c.id());
                room = left - dearest * outstanding;
                if (room <= 0) {
                    return hold(c.id(), SPEND_CAP, now); // wait until what is on its way is billed (or fails)
                }
            }
            held.remove(c.id());
            return new Allowance((int) take, room, outstanding, cat, room == Long.MAX_VALUE ? null : capReached(p, spent));
        }
        held.remove(c.id());
        return new Allowance((int) take, Long.MAX_VALUE, 0, category, null);
    }

    /**
     * What the expander may do: read up to {@code contacts} of the audience and expand the part
     * {@link #affordable} keeps. {@code pause} (when not null and nothing may be expanded) is the
     * reason to pause the campaign with.
     */
    final class Allowance {
        private final int contacts;
        private final long spendRoom;
        private final long outstanding;
        private final String category;
        private final String pause;

        private Allowance(int contacts, long spendRoom, long outstanding, String category, String pause) {
            this.contacts = contacts;
            this.spendRoom = spendRoom;
            this.outstanding = outstanding;
            this.category = category;
            this.pause = pause;
        }

        int contacts() {
            return contacts;
        }

        /** The reason to pause now, before reading anything: the spend cap is reached. */
        String pauseNow() {
            return contacts == 0 ? pause : null;
        }

        /** The longest prefix of {@code read} whose messages fit the spend cap, each at its recipient's price. */
        List<Contact> affordable(List<Contact> read) {
            if (spendRoom == Long.MAX_VALUE) {
                return read;
            }
            long sum = 0;
            for (int i = 0; i < read.size(); i++) {
                sum += prices.micros(read.get(i).phone(), category);
                if (sum > spendRoom) {
                    return read.subList(0, i);
                }
            }
            return read;
        }

        /**
         * Not even the next contact fits: the reason to pause with when nothing is left to be
         * billed (the cap is as good as reached), or null to wait for what is (it may fail).
         */
        String spentOut(String campaignId) {
            if (outstanding > 0) {
                hold(campaignId, SPEND_CAP, clock.millis());
                return null;
            }
            return pause + ": the next message would pass it";
        }
    }

    /** {@code n} contacts were expanded: the rate cap's bucket pays for them. */
    void expanded(Campaign c, int n) {
        double[] b = buckets.get(c.id());
        if (b != null) {
            synchronized (b) {
                b[0] -= n;
            }
        }
    }

    /**
     * The messages' time to live: 30 days, not the LOW lane's day. A campaign's queued messages may
     * wait out a pause (131048 review, a weekend), nights outside the window or the messaging
     * limit's rolling day; expiring them meanwhile lost them for good, since the cursor is past
     * their recipients. The campaign, not a clock, decides when they stop: cancel.
     */
    Long ttlSeconds(Campaign c) {
        return CAMPAIGN_TTL_SECONDS;
    }

    static final long CAMPAIGN_TTL_SECONDS = 30L * 24 * 3600;

    /** Messages just accepted (before they are written): a windowed campaign's gate learns their ids. */
    void accepted(Campaign c, List<Intake.Accepted> accepted) {
        SendingWindow w = of(c.id()).window();
        if (w != null) {
            List<String> ids = new ArrayList<>(accepted.size());
            accepted.forEach(a -> ids.add(a.id()));
            windows.track(c.id(), w, ids);
        }
    }

    /** After each expander pass: forgets what belonged to campaigns no longer active, releases what waited for a window. */
    void afterPass(List<Campaign> active) {
        Set<String> live = new HashSet<>();
        Set<String> unsent = new HashSet<>();
        for (Campaign c : active) {
            live.add(c.id());
            if (c.state() != Campaign.State.SCHEDULED) {
                unsent.add(c.id());
            }
        }
        buckets.keySet().retainAll(live);
        held.keySet().retainAll(unsent);
        for (String id : Set.copyOf(windows.campaigns())) {
            if (!unsent.contains(id)) {
                windows.forget(id, outbound);
            }
        }
        windows.releaseOpen(clock.millis(), outbound); // a window that opened: its campaigns' messages go back to their lanes
    }

    /** Unique recipients the campaign's portfolios may still reach in the LOW lane now; MAX_VALUE: no limit known. */
    long tierFree(List<Channel> channels, long now) {
        long free = 0;
        boolean known = false;
        Set<String> portfolios = new HashSet<>();
        for (Channel ch : channels) {
            if (!portfolios.add(ch.portfolioId())) {
                continue;
            }
            Optional<TierBudget.Room> room = outbound.messagingLimit(ch.phoneNumberId());
            if (room.isEmpty()) {
                continue;
            }
            if (room.get().unlimited()) {
                return Long.MAX_VALUE;
            }
            known = true;
            free += room.get().lowFree();
        }
        return known ? free : Long.MAX_VALUE;
    }

    private double tokens(String campaignId, Pacing p, long now) {
        double burst = Math.max(1, p.maxPerSecond() * BURST_SECONDS);
        double[] b = buckets.computeIfAbsent(campaignId, k -> new double[] {burst, now});
        synchronized (b) {
            if (now > b[1]) {
                b[0] = Math.min(burst, b[0] + p.maxPerSecond() * (now - b[1]) / 1000.0);
                b[1] = now;
            }
            return b[0];
        }
    }

    private Allowance hold(String campaignId, String reason, long now) {
        held.compute(campaignId, (k, v) -> v != null && v.reason().equals(reason) ? v : new Held(reason, now));
        return new Allowance(0, Long.MAX_VALUE, 0, null, null);
    }

    private static String capReached(Pacing p, PacingStore.Spend spent) {
        return "spend cap reached (" + PriceTable.amount(spent.billedMicros()).toPlainString() + " of "
                + PriceTable.amount(p.spendCapMicros()).toPlainString() + " " + p.currency() + ")";
    }
}
