package dev.switchboard.gateway.campaigns;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Scheduled campaigns publish the load they will bring before they start, so an autoscaler can
 * warm capacity ahead of the burst rather than react to it:
 * {@code switchboard_campaign_expected_rate{campaign,tenant}} (messages per second, the
 * estimate's rate) and {@code switchboard_campaign_scheduled_start_seconds{campaign,tenant}}
 * (epoch seconds). Both exist exactly while the campaign is scheduled; they are removed when it
 * starts, is paused or is cancelled, so a query of them is the forecast and nothing else.
 *
 * <p>Refreshed by the expander after each pass; an estimate costs a few reads, so the rate is
 * recomputed at most every {@link #REFRESH_NANOS} per campaign (monotonic clock).
 */
final class LoadForecast {
    private static final long REFRESH_NANOS = 5_000_000_000L;

    private static final class Entry {
        volatile double rate;
        volatile double startSeconds;
        long refreshedAt;
        Gauge rateGauge;
        Gauge startGauge;
    }

    private final MeterRegistry registry;
    private final Map<String, Entry> scheduled = new HashMap<>();

    LoadForecast(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Brings the gauges in line with {@code active}; {@code rate} estimates a campaign's messages per second. */
    synchronized void update(List<Campaign> active, ToDoubleFunction<Campaign> rate) {
        Set<String> now = new HashSet<>();
        long nanos = System.nanoTime();
        for (Campaign c : active) {
            if (c.state() != Campaign.State.SCHEDULED || c.startAt() == null) {
                continue;
            }
            now.add(c.id());
            Entry e = scheduled.get(c.id());
            if (e == null) {
                e = new Entry();
                e.rate = rate.applyAsDouble(c);
                e.refreshedAt = nanos;
                e.rateGauge = Gauge.builder("switchboard_campaign_expected_rate", e, x -> x.rate).strongReference(true)
                        .description("messages per second a scheduled campaign is expected to send once it starts")
                        .tag("campaign", c.id()).tag("tenant", c.tenantId()).register(registry);
                e.startGauge = Gauge.builder("switchboard_campaign_scheduled_start_seconds", e, x -> x.startSeconds).strongReference(true)
                        .description("when a scheduled campaign starts, epoch seconds")
                        .tag("campaign", c.id()).tag("tenant", c.tenantId()).register(registry);
                scheduled.put(c.id(), e);
            } else if (nanos - e.refreshedAt > REFRESH_NANOS) {
                e.rate = rate.applyAsDouble(c);
                e.refreshedAt = nanos;
            }
            e.startSeconds = c.startAt() / 1000.0;
        }
        for (var it = scheduled.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!now.contains(e.getKey())) {
                registry.remove(e.getValue().rateGauge);
                registry.remove(e.getValue().startGauge);
                it.remove();
            }
        }
    }
}
