package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.Harness.channel;
import static dev.switchboard.gateway.e2e.Harness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.testing.TestDatabases;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The webhook path over HTTP, on SQLite and PostgreSQL: the handshake, signature checks, and
 * hand-made status webhooks for real sent messages — reordered, duplicated, batched, with
 * {@code delivered} skipped, failed-then-delivered, and arriving before the send response.
 * The emulator's own webhooks are pointed away after the sends so only the hand-made ones count.
 */
class WebhookPathTest {
    private static final String KEY = "sk_test_webhooks";

    @TempDir
    Path dir;
    private TestDatabases.TestDb db;
    private Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private void start(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        h = Harness.start(db.config(), dir, dev.switchboard.gateway.config.SwitchboardConfig.Sending.defaults(), e -> { },
                tenant("w", KEY, channel("4101", 100), channel("4102", 100)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void theHandshakeAnswersOnlyTheRightTokenAndBadSignaturesAreRefusedAndCounted(String engine) {
        start(engine);
        HttpResponse<String> ok = get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=e2e-verify&hub.challenge=1158201444");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("1158201444");
        HttpResponse<String> wrong = get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.body()).contains("verification_failed").doesNotContain("Exception");
        assertThat(get("/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=e2e-verify&hub.challenge=1").statusCode())
                .isEqualTo(403);

        String body = payload(status("wamid.sig1", null, "sent", 1_750_000_000L, null));
        long before = h.count("SELECT COUNT(*) FROM webhook_journal");
        HttpResponse<String> missing = postWebhook(body, null);
        HttpResponse<String> forged = postWebhook(body, "sha256=" + sign(body, "another-secret"));
        HttpResponse<String> tampered = postWebhook(body.replace("sent", "read"), "sha256=" + sign(body, Harness.APP_SECRET));
        HttpResponse<String> garbage = postWebhook(body, "sha256=zz");
        for (HttpResponse<String> r : List.of(missing, forged, tampered, garbage)) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
            assertThat(r.body()).contains("invalid_signature");
        }
        assertThat(h.count("SELECT COUNT(*) FROM webhook_journal")).as("nothing refused is journaled").isEqualTo(before);
        assertThat(h.node.registry().get("switchboard_webhooks_rejected_signature").counter().count()).isEqualTo(4.0);

        HttpResponse<String> good = postWebhook(body, "sha256=" + sign(body, Harness.APP_SECRET));
        assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
        assertThat(h.count("SELECT COUNT(*) FROM webhook_journal")).isEqualTo(before + 1);
        // upper-case hex is the same signature
        assertThat(postWebhook(body, "sha256=" + sign(body, Harness.APP_SECRET).toUpperCase()).statusCode()).isEqualTo(200);

        String huge = "{\"pad\":\"" + "x".repeat(4 * 1024 * 1024) + "\"}";
        HttpResponse<String> tooBig = postWebhook(huge, "sha256=" + sign(huge, Harness.APP_SECRET));
        assertThat(tooBig.statusCode()).isEqualTo(413);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void reorderedDuplicatedBatchedAndSkippedStatusesEndInTheRightState(String engine) {
        start(engine);
        List<String> ids = sendAndSilence(6);
        Map<String, String> wamid = wamids(ids);
        String m1 = ids.get(0), m2 = ids.get(1), m3 = ids.get(2), m4 = ids.get(3), m5 = ids.get(4), m6 = ids.get(5);
        long t = 1_750_000_000L;

        // m1: read arrives first, then delivered, then sent — three POSTs
        signedOk(payload(status(wamid.get(m1), m1, "read", t + 30, null)));
        signedOk(payload(status(wamid.get(m1), m1, "delivered", t + 20, null)));
        signedOk(payload(status(wamid.get(m1), m1, "sent", t + 10, null)));
        // m2: one POST batching sent, delivered and Meta's duplicates of both
        signedOk(payload(status(wamid.get(m2), m2, "sent", t + 10, null), status(wamid.get(m2), m2, "delivered", t + 11, null),
                status(wamid.get(m2), m2, "sent", t + 10, null), status(wamid.get(m2), m2, "delivered", t + 11, null)));
        // m3: delivered never comes
        signedOk(payload(status(wamid.get(m3), m3, "sent", t + 10, null), status(wamid.get(m3), m3, "read", t + 40, null)));
        // m4: failed, then delivered on another device
        signedOk(payload(status(wamid.get(m4), m4, "failed", t + 10, 131026)));
        awaitState(m4, "FAILED");
        signedOk(payload(status(wamid.get(m4), m4, "delivered", t + 50, null)));
        // m5: a late lower status never undoes a higher one
        signedOk(payload(status(wamid.get(m5), m5, "delivered", t + 20, null)));
        awaitState(m5, "DELIVERED");
        signedOk(payload(status(wamid.get(m5), m5, "sent", t + 10, null)));
        // m6: no biz_opaque_callback_data — matched by wamid alone
        signedOk(payload(status(wamid.get(m6), null, "delivered", t + 25, null)));

        awaitState(m1, "READ");
        awaitState(m2, "DELIVERED");
        awaitState(m3, "READ");
        awaitState(m4, "DELIVERED");
        awaitState(m6, "DELIVERED");
        awaitProcessed();
        assertThat(state(m5)).isEqualTo("DELIVERED");
        assertThat(millis(m1, "read_at")).isEqualTo((t + 30) * 1000);
        assertThat(millis(m1, "delivered_at")).isEqualTo((t + 20) * 1000);
        assertThat(millis(m3, "delivered_at")).as("read implies delivered").isEqualTo((t + 40) * 1000);
        assertThat(millis(m2, "delivered_at")).isEqualTo((t + 11) * 1000);
        assertThat(h.count("SELECT COUNT(*) FROM messages WHERE id='" + m4 + "' AND last_error_code=131026"
                + " AND last_error LIKE '%delivered after failed%'")).as("the failure is kept and the multi-device delivery noted")
                .isEqualTo(1);
        assertThat(h.count("SELECT COUNT(*) FROM webhook_events WHERE message_id='" + m2 + "'"))
                .as("Meta's duplicates are one event each").isEqualTo(2);

        // a replay of everything changes nothing
        long events = h.count("SELECT COUNT(*) FROM webhook_events");
        signedOk(payload(status(wamid.get(m1), m1, "sent", t + 10, null), status(wamid.get(m5), m5, "sent", t + 10, null),
                status(wamid.get(m4), m4, "failed", t + 10, 131026)));
        awaitProcessed();
        assertThat(state(m1)).isEqualTo("READ");
        assertThat(state(m4)).isEqualTo("DELIVERED");
        assertThat(h.count("SELECT COUNT(*) FROM webhook_events")).isEqualTo(events);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aStatusForAnUnknownWamidIsParkedAndAppliedOnceTheSendIsRecorded(String engine) {
        start(engine);
        HttpResponse<String> paused = Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + "/admin/channels/4101"))
                .header("Authorization", "Bearer e2e-admin").header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"state\":\"PAUSED\"}")));
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        String id = Harness.json(h.post("/v1/messages", KEY, Harness.templateBatch("4101", 1, 0, null, "hello_world", 0)))
                .path("messages").path(0).path("id").asText();
        String early = "wamid.EARLY" + engine;
        signedOk(payload(status(early, null, "delivered", 1_750_000_100L, null)));
        Harness.await("the status is parked", Duration.ofSeconds(10),
                () -> h.count("SELECT COUNT(*) FROM parked_statuses WHERE wamid='" + early + "'") == 1);
        assertThat(state(id)).isEqualTo("QUEUED");

        // the send response is recorded (as Dispatch does) only now
        h.node.sendWriter().submitUrgent(h.node.messages().markSent(id, early, System.currentTimeMillis())).join();
        awaitState(id, "DELIVERED");
        assertThat(millis(id, "delivered_at")).isEqualTo(1_750_000_100_000L);
        Harness.await("the parked row is gone", Duration.ofSeconds(10),
                () -> h.count("SELECT COUNT(*) FROM parked_statuses") == 0);
    }

    @org.junit.jupiter.api.Test
    void aChannelWithItsOwnAppSecretIsSpokenForOnlyByThatApp() {
        start("sqlite");
        HttpResponse<String> set = Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + "/admin/channels/4102"))
                .header("Authorization", "Bearer e2e-admin").header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"app_secret\":\"second-app-secret\"}")));
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        assertThat(set.body()).contains("\"own_app_secret\":true").doesNotContain("second-app-secret");

        String for4102 = inboundPayloadFor("4102", "15559990001", "wamid.app1", System.currentTimeMillis() / 1000, "hi");
        String for4101 = inboundPayloadFor("4101", "15559990002", "wamid.app2", System.currentTimeMillis() / 1000, "hi");
        // the global app may not speak for 4102, and 4102's app may not speak for 4101
        signedOk(for4102);
        assertThat(postWebhook(for4101, "sha256=" + sign(for4101, "second-app-secret")).statusCode()).isEqualTo(200);
        // each app speaks for its own channel
        assertThat(postWebhook(for4102.replace("app1", "app3"), "sha256=" + sign(for4102.replace("app1", "app3"),
                "second-app-secret")).statusCode()).isEqualTo(200);
        signedOk(for4101.replace("app2", "app4"));
        awaitProcessed();
        assertThat(h.count("SELECT COUNT(*) FROM webhook_events WHERE wamid IN ('wamid.app3','wamid.app4')")).isEqualTo(2);
        assertThat(h.count("SELECT COUNT(*) FROM webhook_events WHERE wamid IN ('wamid.app1','wamid.app2')")).isZero();
        assertThat(h.node.registry().get("switchboard_webhooks_foreign_changes").counter().count()).isEqualTo(2.0);
        // a secret unknown to every channel is refused outright
        assertThat(postWebhook(for4102, "sha256=" + sign(for4102, "third-app")).statusCode()).isEqualTo(401);
    }

    /**
     * Tenant B's own app may sign anything it likes; it must still not reach tenant A: not by A's
     * message ids in biz_opaque_callback_data (with B's, no, or an unknown phone_number_id), not
     * by A's display number in a quality update under B's WABA.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aPayloadSignedByOneTenantsAppCannotTouchAnotherTenant(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        h = Harness.start(db.config(), dir, dev.switchboard.gateway.config.SwitchboardConfig.Sending.defaults(), e -> { },
                tenant("a", KEY, channel("4101", 100)), tenant("b", "sk_test_webhooks_b", channel("4102", 100)));
        admin("PATCH", "/admin/channels/4102", "{\"app_secret\":\"tenant-b-app-secret\"}");
        admin("PATCH", "/admin/channels/4101", "{\"state\":\"PAUSED\"}");
        String victim = Harness.json(h.post("/v1/messages", KEY, Harness.templateBatch("4101", 1, 0, null, "hello_world", 0)))
                .path("messages").path(0).path("id").asText();
        long now = System.currentTimeMillis() / 1000;
        String failed = status("wamid.forged1", victim, "failed", now, 131026);
        String delivered = status("wamid.forged2", victim, "delivered", now, null);
        List<String> forged = List.of(
                payloadFor("4102", failed),                                                    // B's own number
                payloadFor("4102", delivered),
                payloadFor("4102", failed).replace("\"phone_number_id\":\"4102\"", "\"phone_number_id\":\"999\""),  // unknown number
                payloadFor("4102", failed).replace(",\"phone_number_id\":\"4102\"", ""),                              // none
                // B's WABA, A's display number
                "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba-4102\",\"changes\":[{\"field\":"
                        + "\"phone_number_quality_update\",\"value\":{\"display_phone_number\":\"15550004101\",\"event\":\"FLAGGED\","
                        + "\"current_limit\":\"TIER_250\"}}]}]}");
        for (String body : forged) {
            assertThat(postWebhook(body, "sha256=" + sign(body, "tenant-b-app-secret")).statusCode()).isEqualTo(200);
        }
        // a genuine change of B's own, signed by B, after them all: once it is applied, the forged ones were read too
        String own = inboundPayloadFor("4102", "15559990077", "wamid.b-own", now, "hi");
        assertThat(postWebhook(own, "sha256=" + sign(own, "tenant-b-app-secret")).statusCode()).isEqualTo(200);
        awaitProcessed();
        assertThat(h.count("SELECT COUNT(*) FROM webhook_events WHERE wamid='wamid.b-own'")).isEqualTo(1);
        assertThat(state(victim)).as("tenant A's message").isEqualTo("QUEUED");
        assertThat(h.count("SELECT COUNT(*) FROM messages WHERE id='" + victim + "' AND wamid IS NOT NULL")).isZero();
        var a = h.node.tenancy().channel("4101").orElseThrow();
        assertThat(a.quality()).isEqualTo("GREEN");
        assertThat(a.tier()).isEqualTo("TIER_UNLIMITED");
    }

    private void admin(String method, String path, String body) {
        HttpResponse<String> r = Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + path))
                .header("Authorization", "Bearer e2e-admin").header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aSignedChangeWithoutAValueIsSkippedAndNeitherEventsNorTheArchiveWaitOnIt(String engine) throws Exception {
        start(engine);
        // signed with the right secret, but not a change Meta would send
        signedOk("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba-4101\",\"changes\":[{\"field\":\"account_update\"}]}]}");
        signedOk("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba-4101\",\"changes\":[\"true\"]}]}");
        signedOk(inboundPayloadFor("4101", "15559990009", "wamid.after1", System.currentTimeMillis() / 1000, "still here"));
        awaitProcessed();
        assertThat(h.count("SELECT COUNT(*) FROM webhook_events WHERE wamid='wamid.after1'")).isEqualTo(1);
        assertThat(h.node.registry().get("switchboard_webhooks_malformed_changes").counter().count()).isEqualTo(2.0);
        assertThat(h.count("SELECT COUNT(*) FROM webhook_journal")).as("the raw payloads stay for an operator").isEqualTo(3);
        // the archive takes every event, the one behind the bad changes included
        var report = h.node.archive().archiver().flush();
        assertThat(report.eventsArchived()).isGreaterThanOrEqualTo(1);
        assertThat(h.node.archive().archiver().status().lastError()).isNull();
        assertThat(h.node.archive().archiver().status().cursor()).isEqualTo(h.count("SELECT MAX(id) FROM webhook_events"));
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** Sends {@code n} messages for real, then points the emulator's webhooks away. */
    private List<String> sendAndSilence(int n) {
        h.emulator.setWebhookUrl("http://127.0.0.1:9/unreachable");
        List<String> ids = new ArrayList<>();
        Harness.json(h.post("/v1/messages", KEY, Harness.templateBatch("4101", n, 0, null, "hello_world", 0)))
                .path("messages").forEach(m -> ids.add(m.path("id").asText()));
        assertThat(ids).hasSize(n);
        Harness.await("all sent", Duration.ofSeconds(20), () -> h.count("SELECT COUNT(*) FROM messages WHERE state='SENT'") == n,
                h::states);
        return ids;
    }

    private Map<String, String> wamids(List<String> ids) {
        Map<String, String> out = new java.util.HashMap<>();
        for (String id : ids) {
            out.put(id, h.string("SELECT wamid FROM messages WHERE id='" + id + "'"));
        }
        assertThat(out.values()).doesNotContainNull();
        return out;
    }

    private void awaitState(String id, String state) {
        Harness.await(id + " reaches " + state, Duration.ofSeconds(15), () -> state.equals(state(id)), h::states);
    }

    private void awaitProcessed() {
        Harness.await("the journal is processed", Duration.ofSeconds(15),
                () -> h.count("SELECT COUNT(*) FROM webhook_journal WHERE processed=0") == 0);
    }

    private String state(String id) {
        return h.string("SELECT state FROM messages WHERE id='" + id + "'");
    }

    private long millis(String id, String column) {
        return h.count("SELECT " + column + " FROM messages WHERE id='" + id + "'");
    }

    static String status(String wamid, String messageId, String status, long epochSeconds, Integer errorCode) {
        StringBuilder sb = new StringBuilder("{\"id\":\"").append(wamid).append("\",\"status\":\"").append(status)
                .append("\",\"timestamp\":\"").append(epochSeconds).append("\",\"recipient_id\":\"12000000000\"");
        if (messageId != null) {
            sb.append(",\"biz_opaque_callback_data\":\"sb:").append(messageId).append('"');
        }
        if (errorCode != null) {
            sb.append(",\"errors\":[{\"code\":").append(errorCode).append(",\"title\":\"Message undeliverable\"}]");
        }
        return sb.append('}').toString();
    }

    static String payload(String... statuses) {
        return payloadFor("4101", statuses);
    }

    /** A {@code messages} webhook with these statuses for a Harness channel. */
    static String payloadFor(String channelId, String... statuses) {
        return envelope(channelId, "\"statuses\":[" + String.join(",", statuses) + "]");
    }

    /** A {@code messages} webhook carrying one inbound text message. */
    static String inboundPayloadFor(String channelId, String from, String wamid, long epochSeconds, String text) {
        return envelope(channelId, "\"contacts\":[{\"profile\":{\"name\":\"User\"},\"wa_id\":\"" + from + "\"}],"
                + "\"messages\":[{\"from\":\"" + from + "\",\"id\":\"" + wamid + "\",\"timestamp\":\"" + epochSeconds
                + "\",\"type\":\"text\",\"text\":{\"body\":\"" + text + "\"}}]");
    }

    private static String envelope(String channelId, String content) {
        return "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba-" + channelId + "\",\"changes\":[{"
                + "\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{"
                + "\"display_phone_number\":\"1555000" + channelId + "\",\"phone_number_id\":\"" + channelId + "\"}," + content + "}}]}]}";
    }

    private void signedOk(String body) {
        HttpResponse<String> r = postWebhook(body, "sha256=" + sign(body, Harness.APP_SECRET));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private HttpResponse<String> postWebhook(String body, String signature) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(h.node.baseUrl() + "/webhooks/whatsapp"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) {
            b.header("X-Hub-Signature-256", signature);
        }
        return Harness.send(b);
    }

    private HttpResponse<String> get(String pathAndQuery) {
        return Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + pathAndQuery)).GET());
    }

    /** An HMAC computed here, independently of the gateway's code. */
    static String sign(String body, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
