package dev.switchboard.gateway.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Helpers for archive tests: a {@link TestNodes} node that accepts signed webhooks and keeps its
 * archive in its own temporary directory, Meta-shaped webhook payloads, and SQL on the hot DB.
 */
final class ArchiveTestKit {
    static final String APP_SECRET = "archive-test-app-secret";
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);

    private ArchiveTestKit() {}

    /**
     * A node whose archiver only runs when flushed (interval of an hour), whose operator queries
     * time out after {@link #QUERY_TIMEOUT}, and whose channels are all paused, so no send
     * attempt ever moves a message: only the webhooks the test posts do.
     */
    static TestNodes.Node start(String engine) {
        TestNodes.Node node = TestNodes.start(engine, c -> {
            Path dir = Path.of(c.security().masterKeyFile()).getParent();
            return new SwitchboardConfig(c.http(), c.database(), c.security(), c.upstream(), c.sending(),
                    new SwitchboardConfig.Webhooks(APP_SECRET, "verify", 0), c.emulator(), c.bootstrap(), c.delivery(),
                    new SwitchboardConfig.Archive(true, dir.resolve("archive").toString(), Duration.ofDays(7),
                            Duration.ofHours(1), QUERY_TIMEOUT, 1000));
        });
        node.switchboard().tenancy().updateChannel(TestNodes.A_ACTIVE, null, null, null, null, "PAUSED", "held by the test");
        return node;
    }

    static Path archiveDir(TestNodes.Node node) {
        return node.switchboard().archive().directory();
    }

    /** Epoch seconds of {@code day} at {@code hh:mm} UTC. */
    static long at(LocalDate day, int hh, int mm) {
        return day.atTime(hh, mm).toEpochSecond(ZoneOffset.UTC);
    }

    static LocalDate daysAgo(int n) {
        return LocalDate.now(ZoneOffset.UTC).minusDays(n);
    }

    // ---- Meta webhook payloads ------------------------------------------------------------------

    /** One status; {@code messageId} (our id, in biz_opaque_callback_data) may be null to match by wamid only. */
    static ObjectNode status(String messageId, String wamid, String status, long epochSeconds, String recipient) {
        ObjectNode s = TestHttp.JSON.createObjectNode().put("id", wamid).put("status", status)
                .put("timestamp", Long.toString(epochSeconds)).put("recipient_id", recipient);
        if (messageId != null) {
            s.put("biz_opaque_callback_data", "sb:" + messageId);
        }
        return s;
    }

    static ObjectNode failed(String messageId, String wamid, long epochSeconds, String recipient, int code, String title) {
        ObjectNode s = status(messageId, wamid, "failed", epochSeconds, recipient);
        s.putArray("errors").addObject().put("code", code).put("title", title).put("message", title);
        return s;
    }

    static ObjectNode inbound(String from, String wamid, long epochSeconds, String text) {
        ObjectNode m = TestHttp.JSON.createObjectNode().put("from", from).put("id", wamid)
                .put("timestamp", Long.toString(epochSeconds)).put("type", "text");
        m.putObject("text").put("body", text);
        return m;
    }

    /** A {@code messages} webhook for {@code channelId} carrying the given statuses and inbound messages. */
    static ObjectNode webhook(String channelId, java.util.List<ObjectNode> statuses, java.util.List<ObjectNode> messages) {
        ObjectNode root = TestHttp.JSON.createObjectNode().put("object", "whatsapp_business_account");
        ObjectNode change = root.putArray("entry").addObject().put("id", "waba").putArray("changes").addObject();
        change.put("field", "messages");
        ObjectNode value = change.putObject("value").put("messaging_product", "whatsapp");
        value.putObject("metadata").put("display_phone_number", "15550000000").put("phone_number_id", channelId);
        if (!statuses.isEmpty()) {
            ArrayNode arr = value.putArray("statuses");
            statuses.forEach(arr::add);
        }
        if (!messages.isEmpty()) {
            value.putArray("contacts").addObject().put("wa_id", messages.get(0).path("from").asText())
                    .putObject("profile").put("name", "Customer");
            ArrayNode arr = value.putArray("messages");
            messages.forEach(arr::add);
        }
        return root;
    }

    /** Posts {@code payload} signed with the app secret, as Meta does, and expects the 200 ack. */
    static void post(TestNodes.Node node, JsonNode payload) {
        byte[] body = payload.toString().getBytes(StandardCharsets.UTF_8);
        Resp r = node.http().post("/webhooks/whatsapp", null, body, "X-Hub-Signature-256", "sha256=" + sign(body));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
    }

    static String sign(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(APP_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the journal processor has applied every webhook posted so far. */
    static void awaitProcessed(TestNodes.Node node) {
        await("webhooks processed", () -> count(node, "SELECT COUNT(*) FROM webhook_journal WHERE processed = 0") == 0);
    }

    /** Flushes through the operator endpoint and returns its report. */
    static JsonNode flush(TestNodes.Node node) {
        Resp r = node.http().post("/admin/archive/flush", TestNodes.ADMIN_TOKEN, "{}");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.json();
    }

    /** Runs operator SQL and returns the 200 answer. */
    static JsonNode sql(TestNodes.Node node, String sql) {
        Resp r = node.http().post("/admin/analytics/sql", TestNodes.ADMIN_TOKEN,
                TestHttp.JSON.createObjectNode().put("sql", sql));
        assertThat(r.status()).as("%s -> %s", sql, r).isEqualTo(200);
        return r.json();
    }

    // ---- the hot database -----------------------------------------------------------------------

    static long count(TestNodes.Node node, String sql, Object... args) {
        try (Connection c = node.switchboard().database().reads().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Direct writes that simulate the passage of time or another consumer, as an operator could with psql. */
    static int update(TestNodes.Node node, String sql, Object... args) {
        try (Connection c = node.switchboard().database().reads().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            int n = ps.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
            return n;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
