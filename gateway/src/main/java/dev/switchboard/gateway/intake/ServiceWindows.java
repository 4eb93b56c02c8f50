package dev.switchboard.gateway.intake;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.gateway.store.Jdbc;
import java.time.Duration;
import java.util.Optional;

/**
 * The 24-hour customer-service window per (channel, user): the time of the user's last inbound
 * message, recorded by the webhook path. {@code PayloadValidator} refuses a free-form send unless
 * the window is known to be open (or the number is too new for its history to be complete).
 */
public final class ServiceWindows {
    public static final long WINDOW_MILLIS = Duration.ofHours(24).toMillis();
    private final Jdbc jdbc;
    private final Cache<String, Optional<Long>> cache = Caffeine.newBuilder()
            .maximumSize(500_000).expireAfterWrite(Duration.ofSeconds(10)).build();

    public ServiceWindows(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Long> lastInbound(String channelId, String user) {
        return cache.get(channelId + '|' + user, k -> jdbc.one(
                "SELECT last_inbound_at FROM service_windows WHERE channel_id=? AND user_id=?", rs -> rs.getLong(1), channelId, user));
    }

    /** Called once an inbound message is durable; an older message processed late never shortens the window. */
    public void remember(String channelId, String user, long at) {
        cache.asMap().merge(channelId + '|' + user, Optional.of(at),
                (old, now) -> old.isPresent() && old.get() >= at ? old : now);
    }
}
