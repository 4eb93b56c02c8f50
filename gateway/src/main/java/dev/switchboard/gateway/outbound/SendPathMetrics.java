package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.messages.Lane;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Send-path meters, tagged by channel and lane. Meters are looked up once and cached in maps
 * keyed by plain strings, so the hot path does one map lookup instead of building tag lists.
 */
public final class SendPathMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public SendPathMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void accepted(String tenantId, String channelId, Lane lane, int n) {
        counter("switchboard_messages_accepted", channelId, lane).increment(n);
        counters.computeIfAbsent("tenant-accepted|" + tenantId, k -> Counter.builder("switchboard_tenant_accepted")
                .tag("tenant", tenantId).register(registry)).increment(n);
    }

    public void rejected(String tenantId, String reason) {
        counters.computeIfAbsent("tenant-rejected|" + tenantId + "|" + reason, k -> Counter.builder("switchboard_tenant_rejected")
                .tag("tenant", tenantId).tag("reason", reason).register(registry)).increment();
    }

    public void sent(String channelId, Lane lane, long acceptedAtMillis, long nowMillis) {
        counter("switchboard_messages_sent", channelId, lane).increment();
        timers.computeIfAbsent(channelId + "|" + lane, k -> Timer.builder("switchboard_accept_to_sent")
                .tag("channel", channelId).tag("lane", lane.name())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                .register(registry)).record(Duration.ofMillis(Math.max(0, nowMillis - acceptedAtMillis)));
    }

    public void metaError(String channelId, Lane lane, int code) {
        counters.computeIfAbsent("err|" + channelId + "|" + lane + "|" + code, k -> Counter.builder("switchboard_upstream_errors")
                .tag("channel", channelId).tag("lane", lane.name()).tag("code", Integer.toString(code)).register(registry)).increment();
    }

    /** A HIGH-lane message written SENDING with its accept: one commit fewer before it leaves. */
    public void claimedAtAccept(String channelId) {
        counter("switchboard_messages_claimed_at_accept", channelId, Lane.HIGH).increment();
    }

    public void retried(String channelId, Lane lane) {
        counter("switchboard_messages_retried", channelId, lane).increment();
    }

    public void failed(String channelId, Lane lane) {
        counter("switchboard_messages_failed", channelId, lane).increment();
    }

    public void expired(String channelId, Lane lane) {
        counter("switchboard_messages_expired", channelId, lane).increment();
    }

    private Counter counter(String name, String channelId, Lane lane) {
        return counters.computeIfAbsent(name + "|" + channelId + "|" + lane, k -> Counter.builder(name)
                .tag("channel", channelId).tag("lane", lane.name()).register(registry));
    }
}
