package dev.switchboard.gateway.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Delivery-path meters, tagged by tenant:
 * <ul>
 *   <li>{@code switchboard_webhook_deliveries_total{tenant,outcome}}: events delivered, retried
 *       (their POST failed and they wait) and dead_lettered;</li>
 *   <li>{@code switchboard_webhook_post_seconds{tenant,outcome}}: POST latency, ok or failed;</li>
 *   <li>{@code switchboard_webhook_outbox_depth{tenant}} and
 *       {@code switchboard_webhook_dead_letters{tenant}}: rows pending and dead, counted in
 *       storage every few seconds (the truth, including what no worker has looked at);</li>
 *   <li>{@code switchboard_webhook_breaker_open{tenant}}: 1 while the endpoint's breaker is open.</li>
 * </ul>
 */
final class DeliveryMetrics {
    static final String DELIVERED = "delivered";
    static final String RETRIED = "retried";
    static final String DEAD_LETTERED = "dead_lettered";

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, long[]> depths = new ConcurrentHashMap<>();

    DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void events(String tenantId, String outcome, int n) {
        if (n <= 0) {
            return;
        }
        counters.computeIfAbsent(tenantId + '|' + outcome, k -> Counter.builder("switchboard_webhook_deliveries")
                .tag("tenant", tenantId).tag("outcome", outcome).register(registry)).increment(n);
    }

    void post(String tenantId, boolean ok, long nanos) {
        String outcome = ok ? "ok" : "failed";
        timers.computeIfAbsent(tenantId + '|' + outcome, k -> Timer.builder("switchboard_webhook_post")
                .tag("tenant", tenantId).tag("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry)).record(Duration.ofNanos(nanos));
    }

    /** Replaces the stored counts ({@code tenant -> [pending, dead]}); tenants gone from storage read 0. */
    void counts(Map<String, long[]> perTenant) {
        for (Map.Entry<String, long[]> e : depths.entrySet()) {
            if (!perTenant.containsKey(e.getKey())) {
                e.getValue()[0] = 0;
                e.getValue()[1] = 0;
            }
        }
        perTenant.forEach(this::counts);
    }

    /** One tenant's fresh counts ({@code [pending, dead]}), e.g. taken for an API answer. */
    void counts(String tenantId, long[] c) {
        long[] held = depths.computeIfAbsent(tenantId, t -> {
            long[] fresh = new long[2];
            Gauge.builder("switchboard_webhook_outbox_depth", fresh, a -> a[0]).tag("tenant", t).register(registry);
            Gauge.builder("switchboard_webhook_dead_letters", fresh, a -> a[1]).tag("tenant", t).register(registry);
            return fresh;
        });
        held[0] = c[0];
        held[1] = c[1];
    }

    void breaker(String tenantId, Supplier<Boolean> open) {
        Gauge.builder("switchboard_webhook_breaker_open", open, s -> s.get() ? 1 : 0).tag("tenant", tenantId)
                .strongReference(true).register(registry);
    }
}
