package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.messages.Lane;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * What a channel can give a campaign, read from the send path's own meters rather than from new
 * hooks into it: its pacer's current rate ({@code switchboard_channel_rate_mps}, which already
 * reflects Meta's 130429 feedback) and the rate of HIGH and NORMAL traffic on it over the last
 * minute ({@code switchboard_messages_sent}), which always goes before a LOW-lane campaign.
 *
 * <p>Rates are physical throughput, so they are measured on the monotonic clock, not on the
 * injected wall clock that windows and budgets use; a channel is sampled at most once a second,
 * when someone asks (the expander each pass, an estimate), and the first sample knows no rate yet.
 */
final class ChannelTraffic {
    private static final long SECOND = 1_000_000_000L;
    private static final long HORIZON = 60 * SECOND;

    private final MeterRegistry registry;
    /** channel → samples of (nanoTime, HIGH+NORMAL sent so far), oldest first. */
    private final Map<String, ArrayDeque<long[]>> samples = new HashMap<>();

    ChannelTraffic(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Messages per second the channel's pacer allows now, or {@code ceiling} before its worker has one. */
    double pacerRate(String channelId, int ceiling) {
        Gauge g = registry.find("switchboard_channel_rate_mps").tag("channel", channelId).gauge();
        double r = g == null ? Double.NaN : g.value();
        return Double.isFinite(r) && r > 0 ? r : ceiling;
    }

    /** HIGH and NORMAL messages per second sent on the channel over about the last minute (0 until two samples). */
    synchronized double priorityRate(String channelId) {
        long now = System.nanoTime();
        ArrayDeque<long[]> s = samples.computeIfAbsent(channelId, k -> new ArrayDeque<>());
        if (s.isEmpty() || now - s.peekLast()[0] >= SECOND) {
            s.addLast(new long[] {now, sent(channelId, Lane.HIGH) + sent(channelId, Lane.NORMAL)});
        }
        while (s.size() > 2 && now - s.peekFirst()[0] > HORIZON) {
            s.pollFirst();
        }
        if (s.size() < 2) {
            return 0;
        }
        long[] first = s.peekFirst();
        long[] last = s.peekLast();
        return (last[1] - first[1]) * (double) SECOND / Math.max(1, last[0] - first[0]);
    }

    private long sent(String channelId, Lane lane) {
        Counter c = registry.find("switchboard_messages_sent").tag("channel", channelId).tag("lane", lane.name()).counter();
        return c == null ? 0 : (long) c.count();
    }
}
