package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.outbound.TierBudget;
import dev.switchboard.gateway.tenancy.Channel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * When a campaign will be done, and what decides it — before it starts and, recomputed from
 * what is left, while it runs.
 *
 * <p><b>The model.</b> The rate is what its channels can give it: each sendable channel's
 * pacer rate (Meta's ceiling as currently paced) less the HIGH and NORMAL traffic measured on
 * it over the last minute (those lanes always go first), shared evenly with the other running
 * campaigns on the same channels (the LOW lane interleaves them), and never above the
 * campaign's rate cap. The sending time that needs is laid over the sending window's open
 * hours from the start. Then the messaging limit: the portfolios' LOW-lane budgets have
 * {@code free} unique recipients now and {@code perDay} for each later rolling day; what does
 * not fit now waits for whole days to roll, which can only push the end later — and the answer
 * warns how many fit in the next 24 h and how long the rest may wait. {@code limited_by} names
 * the limit that sets the end: {@code ceiling}, {@code rate_cap}, {@code window} or
 * {@code messaging_limit}.
 *
 * <p>It is an estimate, and says what it leaves out: recipients that will be skipped are
 * counted as messages, and an unexpected 130429 slowdown is seen only once the pacer has slowed.
 */
final class Eta {
    private static final long DAY = 24L * 3600 * 1000;

    /** A warning: a machine-readable code, a sentence for people, and its numbers (by how much). */
    record Warning(String code, String message, java.util.Map<String, Long> numbers) {}

    /**
     * @param etaMillis   when the last message should leave (null: it cannot send at all now)
     * @param remaining   messages still to send
     * @param freeNow     recipients the messaging limit lets through now (-1: unlimited)
     */
    record Estimate(Long etaMillis, long seconds, double ratePerSecond, String limitedBy, long remaining, long freeNow,
                    List<Warning> warnings) {}

    private final CampaignPacing pacing;
    private final ChannelTraffic traffic;
    private final Outbound outbound;

    Eta(CampaignPacing pacing, ChannelTraffic traffic, Outbound outbound) {
        this.pacing = pacing;
        this.traffic = traffic;
        this.outbound = outbound;
    }

    /**
     * @param remaining   messages left to send
     * @param startMillis when sending starts (now, or the scheduled start)
     * @param sharing     other running campaigns per channel id of this one
     */
    Estimate estimate(Campaign c, List<Channel> channels, long remaining, long nowMillis, long startMillis,
                      java.util.function.ToIntFunction<String> sharing) {
        Pacing p = pacing.of(c.id());
        double capacity = 0;
        for (Channel ch : channels) {
            if (ch.sendable()) {
                double free = Math.max(0, traffic.pacerRate(ch.phoneNumberId(), ch.ceilingMps()) - traffic.priorityRate(ch.phoneNumberId()));
                capacity += free / (1 + sharing.applyAsInt(ch.phoneNumberId()));
            }
        }
        List<Warning> warnings = new ArrayList<>();
        String limitedBy = "ceiling";
        double rate = capacity;
        if (p.maxPerSecond() != null && p.maxPerSecond() < capacity) {
            rate = p.maxPerSecond();
            limitedBy = "rate_cap";
        }
        Tier tier = tier(channels, nowMillis);
        if (remaining == 0) {
            return new Estimate(nowMillis, 0, round(rate), limitedBy, 0, tier.free, warnings);
        }
        if (rate <= 0) {
            warnings.add(new Warning("no_capacity", "None of its channels can send now (paused, stopped or without a worker): no end can be"
                    + " estimated", java.util.Map.of()));
            return new Estimate(null, 0, 0, "ceiling", remaining, tier.free, warnings);
        }
        double sendSeconds = remaining / rate;
        long end = p.window() == null ? startMillis + (long) Math.ceil(sendSeconds * 1000) : p.window().advance(startMillis, sendSeconds);
        if (p.window() != null && end - startMillis > sendSeconds * 1000 + 1000) {
            limitedBy = "window";
        }
        if (tier.free >= 0 && remaining > tier.free) {
            long rest = remaining - tier.free;
            long days = tier.perDay <= 0 ? -1 : (rest + tier.perDay - 1) / tier.perDay;
            if (days > 0) {
                long tierEnd = nowMillis + days * DAY;
                if (tierEnd > end) {
                    end = p.window() == null ? tierEnd : p.window().nextOpen(tierEnd);
                    limitedBy = "messaging_limit";
                }
            }
            warnings.add(new Warning("messaging_limit", String.format(Locale.ROOT,
                    "The messaging limit caps it: %,d of %,d recipients fit in the next 24 h (%s: %,d campaign recipients a day%s);"
                            + " the rest wait %s", tier.free, remaining, tier.name, tier.perDay,
                    tier.free < tier.perDay ? ", " + (tier.perDay - tier.free) + " of today's already reached" : "",
                    days > 0 ? "up to " + days * 24 + " h" : "until the limit is raised"),
                    java.util.Map.of("fit", tier.free, "recipients", remaining, "wait_hours", Math.max(0, days * 24))));
        }
        return new Estimate(end == Long.MAX_VALUE ? null : end, Math.max(0, (end - nowMillis + 999) / 1000), round(rate), limitedBy,
                remaining, tier.free, warnings);
    }

    /** The LOW-lane budget over the campaign's portfolios: free now and per day, or free = -1 when unlimited. */
    private record Tier(long free, long perDay, String name) {}

    private Tier tier(List<Channel> channels, long now) {
        long free = 0;
        long perDay = 0;
        Set<String> portfolios = new HashSet<>();
        Set<String> names = new java.util.TreeSet<>();
        for (Channel ch : channels) {
            if (!portfolios.add(ch.portfolioId())) {
                continue;
            }
            Optional<TierBudget.Room> room = outbound.messagingLimit(ch.phoneNumberId());
            if (room.isEmpty()) {
                continue;
            }
            if (room.get().unlimited()) {
                return new Tier(-1, -1, "unlimited");
            }
            free += room.get().lowFree();
            perDay += room.get().lowLimit();
            names.add(ch.tier() == null ? "limit " + room.get().limit() : ch.tier());
        }
        return portfolios.isEmpty() || names.isEmpty() ? new Tier(-1, -1, "unknown") : new Tier(free, perDay, String.join(", ", names));
    }

    private static double round(double r) {
        return Math.round(r * 100) / 100.0;
    }
}
