package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.tenancy.Channel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How many unsent messages each running campaign may have in the queues at once: enough to keep
 * its channels busy, shared with the other campaigns on the same channels.
 *
 * <p><b>Why a bound that moves.</b> The queue is FIFO within a lane, so a campaign's unsent
 * messages are what a later campaign on the same numbers waits behind. A fixed bound is wrong
 * both ways: 2,000 is eight seconds of two 80 msg/s numbers (a small campaign started later waits
 * that long for its first send) but under a second of three 1,000 msg/s numbers (the channels
 * starve between expansion passes). So the bound is {@link #BUFFER_SECONDS} of the sum of the
 * campaign's channels' ceilings, clamped, and divided by the number of running campaigns that
 * share any of its channels: two campaigns on the same numbers each keep half as much queued,
 * the expander gives each one chunk per pass, and their messages interleave chunk by chunk.
 *
 * <p>Only LOW-lane waiting is shaped here; HIGH and NORMAL traffic never waits behind a campaign
 * at all (the channel worker serves lanes in strict priority).
 */
final class FairShare {
    static final int BUFFER_SECONDS = 4;

    private final Campaigns campaigns;
    private final int floor;
    private final int ceiling;

    /** {@code floor}..{@code ceiling}: the bound for one campaign alone on its channels. */
    FairShare(Campaigns campaigns, int floor, int ceiling) {
        this.campaigns = campaigns;
        this.floor = floor;
        this.ceiling = ceiling;
    }

    /** Each running campaign's bound on unsent messages, by campaign id. */
    Map<String, Integer> bounds(List<Campaign> active) {
        Map<String, Set<String>> channels = new HashMap<>();
        Map<String, Long> ceilings = new HashMap<>();
        for (Campaign c : active) {
            if (c.state() != Campaign.State.RUNNING) {
                continue;
            }
            Set<String> ids = new HashSet<>();
            long sum = 0;
            try {
                for (Channel ch : campaigns.channels(c.tenantId(), c.channelId(), c.channelPool())) {
                    ids.add(ch.phoneNumberId());
                    sum += Math.max(1, ch.ceilingMps());
                }
            } catch (Rejection gone) {
                // a channel was removed: the expander's step pauses or refuses it; bound it low meanwhile
            }
            channels.put(c.id(), ids);
            ceilings.put(c.id(), sum);
        }
        Map<String, Integer> out = new HashMap<>();
        List<String> ids = new ArrayList<>(channels.keySet());
        for (String id : ids) {
            int sharers = 0;
            for (String other : ids) {
                if (!java.util.Collections.disjoint(channels.get(id), channels.get(other))) {
                    sharers++;
                }
            }
            long alone = Math.max(floor, Math.min(ceiling, ceilings.get(id) * BUFFER_SECONDS));
            out.put(id, (int) Math.max(1, alone / Math.max(1, sharers)));
        }
        return out;
    }
}
