package dev.switchboard.gateway.outbound;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code switchboard_messages_held{channel,reason}}: each time a channel's worker passes over a
 * queued message, by reason. What an operator reads to see why a lane is not moving, and what
 * tests wait for before asserting that something stayed queued.
 *
 * <p>Not thread-safe: the owning {@link ChannelWorker} calls it under its lock.
 */
final class HoldCounts {
    static final String MESSAGING_LIMIT = "messaging limit";
    static final String PAIR_RATE = "pair rate";
    static final String MARKETING_PAUSED = "marketing paused (131048)";

    private final Map<String, Counter> counters = new HashMap<>();
    private final String channelId;
    private final MeterRegistry registry;

    HoldCounts(String channelId, MeterRegistry registry) {
        this.channelId = channelId;
        this.registry = registry;
    }

    void held(String reason) {
        counters.computeIfAbsent(reason, r -> Counter.builder("switchboard_messages_held")
                .description("times a queued message was passed over, by reason").tag("channel", channelId).tag("reason", r)
                .register(registry)).increment();
    }
}
