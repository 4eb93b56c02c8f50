package dev.switchboard.gateway.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.Emulator;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestNodes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A Switchboard node talking over HTTP to a real emulator, both in this JVM, on the given engine.
 * Tenants and channels come from the bootstrap config; the emulator gets one number per channel.
 */
final class Harness implements AutoCloseable {
    static final String APP_SECRET = "e2e-app-secret";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final Emulator emulator;
    final SwitchboardConfig config;
    /** The node's clock, when the test moves time (null: the system clock). */
    private final java.time.Clock clock;
    Switchboard node;

    private Harness(Emulator emulator, SwitchboardConfig config, java.time.Clock clock) {
        this.emulator = emulator;
        this.config = config;
        this.clock = clock;
        this.node = clock == null ? Switchboard.start(config) : Switchboard.start(config, clock);
        emulator.setWebhookUrl(node.baseUrl() + "/webhooks/whatsapp");
    }

    static SwitchboardConfig.TenantSpec tenant(String id, String key, SwitchboardConfig.ChannelSpec... channels) {
        return new SwitchboardConfig.TenantSpec(id, id, key, 1_000_000, 10_000_000L, List.of(channels));
    }

    static SwitchboardConfig.ChannelSpec channel(String id, int ceiling) {
        return new SwitchboardConfig.ChannelSpec(id, "1555000" + id, "waba-" + id, "biz-" + id, "token-" + id, ceiling, "TIER_UNLIMITED");
    }

    static Harness start(SwitchboardConfig.Database db, Path dir, SwitchboardConfig.Sending sending,
                         Consumer<EmulatorConfig.Builder> emulatorTweaks, SwitchboardConfig.TenantSpec... tenants) {
        return start(null, c -> c, db, dir, sending, emulatorTweaks, tenants);
    }

    /** As above, with the node's configuration adjusted by {@code configTweaks} (e.g. {@code withTemplates}). */
    static Harness start(SwitchboardConfig.Database db, Path dir, SwitchboardConfig.Sending sending,
                         Consumer<EmulatorConfig.Builder> emulatorTweaks, java.util.function.UnaryOperator<SwitchboardConfig> configTweaks,
                         SwitchboardConfig.TenantSpec... tenants) {
        return start(null, configTweaks, db, dir, sending, emulatorTweaks, tenants);
    }

    /** As above, on {@code clock} (null: the system clock) and with {@code configTweaks} applied to the node's configuration. */
    static Harness start(java.time.Clock clock, java.util.function.UnaryOperator<SwitchboardConfig> configTweaks,
                         SwitchboardConfig.Database db, Path dir, SwitchboardConfig.Sending sending,
                         Consumer<EmulatorConfig.Builder> emulatorTweaks, SwitchboardConfig.TenantSpec... tenants) {
        EmulatorConfig.Builder eb = EmulatorConfig.builder().host("127.0.0.1").port(0).appSecret(APP_SECRET).seed(7L);
        for (SwitchboardConfig.TenantSpec t : tenants) {
            for (SwitchboardConfig.ChannelSpec c : t.channels()) {
                eb.number(EmulatedNumber.builder(c.phoneNumberId()).displayPhoneNumber(c.displayPhoneNumber())
                        .wabaId(c.wabaId()).portfolioId(c.portfolioId()).accessToken(c.accessToken())
                        .ceilingMps(c.ceilingMps()).build());
                // Meta's messaging limit as the channel's config states it: the gateway reads it back (NumberFacts)
                java.util.Arrays.stream(dev.switchboard.emulator.Tier.values()).filter(tier -> tier.name().equals(c.tier())).findFirst()
                        .ifPresent(tier -> eb.portfolioTier(c.portfolioId(), tier));
            }
        }
        emulatorTweaks.accept(eb);
        Emulator emulator = Emulator.start(eb.build());
        SwitchboardConfig config = new SwitchboardConfig(
                new SwitchboardConfig.Http("127.0.0.1", 0, 0, null),
                db,
                new SwitchboardConfig.Security("e2e-admin", TestDatabases.MASTER_KEY, dir.resolve("master.key").toString(), null),
                new SwitchboardConfig.Upstream(emulator.baseUrl(), "v23.0", Duration.ofSeconds(5), Duration.ofSeconds(2)),
                sending,
                new SwitchboardConfig.Webhooks(APP_SECRET, "e2e-verify", 0),
                SwitchboardConfig.Emulator.defaults(),
                new SwitchboardConfig.Bootstrap(List.of(tenants)), null, TestNodes.archiveIn(dir));
        try {
            return new Harness(emulator, configTweaks.apply(config), clock);
        } catch (RuntimeException e) {
            emulator.close();
            throw e;
        }
    }

    /** Stops the node cleanly and starts a new one on the same database. */
    void restart() {
        node.close();
        startAgain();
    }

    /** Starts a new node on the same database, after the old one was closed. */
    void startAgain() {
        node = clock == null ? Switchboard.start(config) : Switchboard.start(config, clock);
        emulator.setWebhookUrl(node.baseUrl() + "/webhooks/whatsapp");
    }

    HttpResponse<String> post(String path, String apiKey, String body) {
        return send(HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> get(String path, String apiKey) {
        return send(HttpRequest.newBuilder(URI.create(node.baseUrl() + path)).header("Authorization", "Bearer " + apiKey).GET());
    }

    static HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return HTTP.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + r.body(), e);
        }
    }

    /** Message counts by state and lane, for failure messages. */
    String states() {
        StringBuilder sb = new StringBuilder("{");
        try (Connection c = node.database().reads().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT state, lane, COUNT(*), MAX(last_error) FROM messages GROUP BY state, lane")) {
            while (rs.next()) {
                sb.append(rs.getString(1)).append('/').append(rs.getInt(2)).append('=').append(rs.getLong(3))
                        .append(rs.getString(4) == null ? "" : " (" + rs.getString(4) + ")").append(' ');
            }
        } catch (SQLException e) {
            sb.append(e.getMessage());
        }
        return sb.append('}').toString();
    }

    String string(String sql) {
        try (Connection c = node.database().reads().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How often the channel's worker passed over a queued message for this reason (switchboard_messages_held). */
    double held(String channelId, String reason) {
        var c = node.registry().find("switchboard_messages_held").tag("channel", channelId).tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** Waits until the worker has passed over a message for this reason again, from now: the hold is seen acting. */
    void awaitHeld(String channelId, String reason) {
        double before = held(channelId, reason);
        await("the worker holds a message (" + reason + ")", java.time.Duration.ofSeconds(15), () -> held(channelId, reason) > before);
    }

    /** Waits until the worker has set a message aside for this reason (once each, unlike a hold): the hold acting. */
    void awaitSetAside(String channelId, String reason) {
        await("the worker set a message aside (" + reason + ")", java.time.Duration.ofSeconds(15), () -> held(channelId, reason) > 0);
    }

    long count(String sql) {
        try (Connection c = node.database().reads().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, () -> "");
    }

    /** As {@link #await(String, Duration, BooleanSupplier)}, describing the state seen on a timeout. */
    static void await(String what, Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> seen) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what + " " + seen.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** A native batch of {@code n} hello_world templates to distinct recipients. */
    static String templateBatch(String channelId, int n, int offset, String priority, String template, int params) {
        StringBuilder sb = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"channel_id\":\"").append(channelId).append("\",");
            if (priority != null) {
                sb.append("\"priority\":\"").append(priority).append("\",");
            }
            sb.append("\"to\":\"1").append(String.format("%010d", 2_000_000_000L + offset + i)).append("\",")
                    .append("\"type\":\"template\",\"template\":{\"name\":\"").append(template)
                    .append("\",\"language\":{\"code\":\"en_US\"}");
            if (params > 0) {
                sb.append(",\"components\":[{\"type\":\"body\",\"parameters\":[");
                for (int p = 0; p < params; p++) {
                    sb.append(p > 0 ? "," : "").append("{\"type\":\"text\",\"text\":\"v").append(p).append("\"}");
                }
                sb.append("]}]");
            }
            sb.append("}}");
        }
        return sb.append("]}").toString();
    }

    @Override
    public void close() {
        try {
            node.close();
        } finally {
            emulator.close();
        }
    }
}
