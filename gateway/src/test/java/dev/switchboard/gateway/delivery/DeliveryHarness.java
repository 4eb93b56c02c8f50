package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.Emulator;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A Switchboard node and a real Cloud API emulator over HTTP, both in this JVM, with the
 * delivery settings a test chooses. Each tenant gets one channel (its own WABA); the emulator
 * sends signed status webhooks back to the node, which journals them, turns them into events
 * and forwards them through the outbox to whatever receivers the test configures.
 */
final class DeliveryHarness implements AutoCloseable {
    static final String APP_SECRET = "delivery-app-secret";
    static final String ADMIN = "delivery-admin-token";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A tenant of the harness: id, API key and its single channel. */
    record TenantDef(String id, String key, String channel) {
        String waba() {
            return "waba-" + channel;
        }

        String display() {
            return "1555000" + channel;
        }
    }

    final Emulator emulator;
    final SwitchboardConfig config;
    Switchboard node;

    private DeliveryHarness(Emulator emulator, SwitchboardConfig config) {
        this.emulator = emulator;
        this.config = config;
        this.node = Switchboard.start(config);
        emulator.setWebhookUrl(node.baseUrl() + "/webhooks/whatsapp");
    }

    static DeliveryHarness start(SwitchboardConfig.Database db, Path dir, SwitchboardConfig.Delivery delivery,
                                 TenantDef... tenants) {
        EmulatorConfig.Builder eb = EmulatorConfig.builder().host("127.0.0.1").port(0).appSecret(APP_SECRET).seed(11L);
        List<SwitchboardConfig.TenantSpec> specs = new ArrayList<>();
        for (TenantDef t : tenants) {
            eb.number(EmulatedNumber.builder(t.channel()).displayPhoneNumber(t.display()).wabaId(t.waba())
                    .portfolioId("biz-" + t.channel()).accessToken("token-" + t.channel()).ceilingMps(80).build());
            specs.add(new SwitchboardConfig.TenantSpec(t.id(), t.id(), t.key(), 1_000_000, 10_000_000L, List.of(
                    new SwitchboardConfig.ChannelSpec(t.channel(), t.display(), t.waba(), "biz-" + t.channel(),
                            "token-" + t.channel(), 80, "TIER_UNLIMITED"))));
        }
        Emulator emulator = Emulator.start(eb.build());
        SwitchboardConfig config = new SwitchboardConfig(
                new SwitchboardConfig.Http("127.0.0.1", 0, 0, null),
                db,
                new SwitchboardConfig.Security(ADMIN, TestDatabases.MASTER_KEY, dir.resolve("master.key").toString(), null),
                new SwitchboardConfig.Upstream(emulator.baseUrl(), "v23.0", Duration.ofSeconds(5), Duration.ofSeconds(2)),
                SwitchboardConfig.Sending.defaults(),
                new SwitchboardConfig.Webhooks(APP_SECRET, "delivery-verify", 0),
                SwitchboardConfig.Emulator.defaults(),
                new SwitchboardConfig.Bootstrap(specs),
                delivery,
                null);
        try {
            return new DeliveryHarness(emulator, config);
        } catch (RuntimeException e) {
            emulator.close();
            throw e;
        }
    }

    /** Stops the node cleanly and starts a new one on the same database, as an operator restart would. */
    void restart() {
        node.close();
        node = Switchboard.start(config);
        emulator.setWebhookUrl(node.baseUrl() + "/webhooks/whatsapp");
    }

    // ---- HTTP ---------------------------------------------------------------------------------

    record Resp(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (HTTP " + status + "): " + body, e);
            }
        }
    }

    Resp call(String method, String path, String bearer, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Resp(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** POSTs a webhook to the node as Meta would: signed with the app secret. */
    void metaWebhook(String body) {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/webhooks/whatsapp"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", Signatures.header(APP_SECRET, bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Points a tenant's endpoint at {@code r} with the given filters, one event per POST (the default). */
    void endpoint(TenantDef t, TenantReceiver r, String statuses, boolean messages, boolean account) {
        endpoint(t, r, statuses, messages, account, null);
    }

    /** As above; {@code maxEventsPerPost} opts in to batching (null: the field is left out). */
    void endpoint(TenantDef t, TenantReceiver r, String statuses, boolean messages, boolean account, Integer maxEventsPerPost) {
        Resp resp = call("PUT", "/v1/webhook-endpoint", t.key(), "{\"url\":\"" + r.url() + "\",\"secret\":\"" + r.secret()
                + "\",\"statuses\":\"" + statuses + "\",\"messages\":" + messages + ",\"account\":" + account
                + (maxEventsPerPost == null ? "" : ",\"max_events_per_post\":" + maxEventsPerPost) + "}");
        assertThat(resp.status()).as(resp.body()).isIn(200, 201);
    }

    /**
     * Sends hello_world templates through the native API, one per recipient, each carrying the
     * tenant's own {@code biz_opaque_callback_data} when {@code opaque} gives one (null: none).
     * Returns Switchboard's ids in request order.
     */
    List<String> send(TenantDef t, List<String> recipients, java.util.function.IntFunction<String> opaque) {
        StringBuilder sb = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < recipients.size(); i++) {
            sb.append(i > 0 ? "," : "").append("{\"channel_id\":\"").append(t.channel()).append("\",\"to\":\"")
                    .append(recipients.get(i)).append("\",\"type\":\"template\",\"template\":{\"name\":\"hello_world\","
                            + "\"language\":{\"code\":\"en_US\"}}");
            String o = opaque.apply(i);
            if (o != null) {
                sb.append(",\"biz_opaque_callback_data\":\"").append(o).append('"');
            }
            sb.append('}');
        }
        Resp r = call("POST", "/v1/messages", t.key(), sb.append("]}").toString());
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        List<String> ids = new ArrayList<>();
        r.json().path("messages").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    // ---- database -----------------------------------------------------------------------------

    long count(String sql, Object... args) {
        return query(sql, rs -> rs.getLong(1), args).get(0);
    }

    <T> List<T> query(String sql, Row<T> row, Object... args) {
        try (Connection c = node.database().reads().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.map(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    @FunctionalInterface
    interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** The delivery feeder has read every event logged so far. */
    boolean fedEverything() {
        long head = count("SELECT COALESCE(MAX(id), 0) FROM webhook_events");
        return node.events().cursor("delivery") >= head;
    }

    // ---- waiting ------------------------------------------------------------------------------

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, () -> "");
    }

    static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> seen) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what + " " + seen.get());
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
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
