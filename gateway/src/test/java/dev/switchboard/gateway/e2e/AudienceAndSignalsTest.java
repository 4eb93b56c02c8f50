package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.Harness.channel;
import static dev.switchboard.gateway.e2e.Harness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.AccountEvent;
import dev.switchboard.emulator.InboundMessage;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the webhook path teaches the send path, end to end over HTTP: opt-out and opt-in
 * keywords, suppressions from Meta's failure codes, the service window, and account and
 * template signals (RED quality, bans, paused templates) holding messages instead of sending
 * them into a wall.
 */
class AudienceAndSignalsTest {
    private static final String KEY = "sk_test_audience";
    private static final String CH = "4201";

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
        h = Harness.start(db.config(), dir, SwitchboardConfig.Sending.defaults(), e -> { }, tenant("aud", KEY, channel(CH, 100)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void anOptOutKeywordStopsMarketingButNotServiceMessagesAndOptInLiftsIt(String engine) {
        start(engine);
        String user = "15557001234";
        h.emulator.injectInbound(InboundMessage.text(CH, user, "Ana", "  Stop! "));
        Harness.await("the user is on the opt-out list", Duration.ofSeconds(15), () -> suppressions("opt_out").contains(user));

        String marketing = send(user, "flash_sale", 2, null);
        String utility = send(user, "order_update", 2, null);
        awaitState(marketing, "FAILED");
        awaitState(utility, "SENT", "DELIVERED", "READ");
        assertThat(h.string("SELECT last_error FROM messages WHERE id='" + marketing + "'")).contains("opted out").contains("Stop!");
        assertThat(sentTo(user)).as("the marketing message never reached Meta").isEqualTo(1);

        // a sentence that merely contains the word does not opt out
        String other = "15557005678";
        h.emulator.injectInbound(InboundMessage.text(CH, other, "Bo", "please don't stop the offers"));
        Harness.await("the window of the second user is recorded", Duration.ofSeconds(15),
                () -> h.count("SELECT COUNT(*) FROM service_windows WHERE user_id='" + other + "'") == 1);
        assertThat(suppressions("opt_out")).doesNotContain(other);

        h.emulator.injectInbound(InboundMessage.buttonReply(CH, user, "Ana", "b1", "START"));
        Harness.await("the opt-in lifts it", Duration.ofSeconds(15), () -> !suppressions("opt_out").contains(user));
        String again = send(user, "flash_sale", 2, null);
        awaitState(again, "SENT", "DELIVERED", "READ");

        // the tenant's own list through the API, with validation
        assertThat(post("/v1/audience/opt-outs", "{\"user\":\"+15557009999\",\"reason\":\"opted out by SMS\"}").statusCode())
                .isEqualTo(201);
        assertThat(suppressions("opt_out")).contains("15557009999");
        HttpResponse<String> bad = post("/v1/audience/opt-outs", "{\"user\":\"not a number\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("invalid_parameter");
        assertThat(Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + "/v1/audience/opt-outs/15557009999"))
                .header("Authorization", "Bearer " + KEY).DELETE()).statusCode()).isEqualTo(204);
        assertThat(suppressions("opt_out")).doesNotContain("15557009999");
    }

    @Test
    void tenantKeywordsReplaceTheDefaults() {
        start("sqlite");
        HttpResponse<String> put = put("/v1/audience/keywords", "{\"opt_out\":[\"BASTA\"],\"opt_in\":[\"ANCORA\"]}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body()).contains("BASTA").doesNotContain("\"STOP\"");
        assertThat(put("/v1/audience/keywords", "{\"opt_out\":[\"X\"],\"opt_in\":[\"x\"]}").statusCode()).isEqualTo(400);
        assertThat(put("/v1/audience/keywords", "{\"opt_out\":[]}").statusCode()).isEqualTo(400);

        h.emulator.injectInbound(InboundMessage.text(CH, "15557001111", "Cy", "STOP"));
        h.emulator.injectInbound(InboundMessage.text(CH, "15557002222", "Di", "basta"));
        Harness.await("the tenant's keyword opts out", Duration.ofSeconds(15), () -> suppressions("opt_out").contains("15557002222"));
        Harness.await("both messages processed", Duration.ofSeconds(15),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='message'") == 2);
        assertThat(suppressions("opt_out")).as("STOP is no longer this tenant's keyword").doesNotContain("15557001111");
    }

    @Test
    void metaFailureCodesSuppressTheRecipientAndSpamLimitPausesMarketing() {
        start("sqlite");
        long t = System.currentTimeMillis() / 1000;
        String undeliverable = "15557100001", limited = "15557100002", stopped = "15557100003", fresh = "15557100004";
        post(WebhookPathTest.payloadFor(CH, failed("wamid.f1", undeliverable, t, 131026), failed("wamid.f2", limited, t, 131049),
                failed("wamid.f3", stopped, t, 131050)));
        Harness.await("the suppressions are recorded", Duration.ofSeconds(15), () -> suppressions(null).size() == 3);

        String toUndeliverable = send(undeliverable, "order_update", 2, null);
        String otpToUndeliverable = send(undeliverable, "otp_code", 1, null); // HIGH: an OTP gets its chance
        String marketingToLimited = send(limited, "flash_sale", 2, null);
        String utilityToLimited = send(limited, "order_update", 2, null);
        String marketingToStopped = send(stopped, "flash_sale", 2, null);
        awaitState(toUndeliverable, "FAILED");
        awaitState(marketingToLimited, "FAILED");
        awaitState(marketingToStopped, "FAILED");
        awaitState(utilityToLimited, "SENT", "DELIVERED", "READ");
        awaitState(otpToUndeliverable, "SENT", "DELIVERED", "READ");
        assertThat(h.count("SELECT last_error_code FROM messages WHERE id='" + toUndeliverable + "'")).isEqualTo(131026);
        assertThat(h.count("SELECT last_error_code FROM messages WHERE id='" + marketingToLimited + "'")).isEqualTo(131049);
        assertThat(h.count("SELECT last_error_code FROM messages WHERE id='" + marketingToStopped + "'")).isEqualTo(131050);
        assertThat(h.emulator.acceptedMessages(CH)).as("only the utility message and the OTP reached Meta")
                .extracting(m -> m.templateName()).containsExactlyInAnyOrder("order_update", "otp_code");
        // the tenant hears a final status for messages Switchboard gave up on, in Meta's shape, once
        Harness.await("local failures are in the event log", Duration.ofSeconds(10), () -> h.count(
                "SELECT COUNT(*) FROM webhook_events WHERE status='failed' AND message_id IN ('" + toUndeliverable + "','"
                        + marketingToLimited + "','" + marketingToStopped + "')") == 3);
        assertThat(h.count("SELECT error_code FROM webhook_events WHERE message_id='" + toUndeliverable + "'")).isEqualTo(131026);
        assertThat(h.string("SELECT payload FROM webhook_events WHERE message_id='" + toUndeliverable + "'"))
                .contains("\"id\":\"" + toUndeliverable + "\"").contains("\"status\":\"failed\"").contains("\"code\":131026");
        assertThat(h.count("SELECT COUNT(*) FROM webhook_events WHERE message_id='" + utilityToLimited + "' AND status='failed'"))
                .as("a message that was sent gets no local failure").isZero();

        // 131048 (spam rate limit) pauses the number's marketing; service messages still go
        post(WebhookPathTest.payloadFor(CH, failed("wamid.f4", fresh, t, 131048)));
        Harness.await("the 131048 status is processed", Duration.ofSeconds(15),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE error_code=131048") == 1);
        String marketingToFresh = send(fresh, "flash_sale", 2, null);
        String utilityToFresh = send(fresh, "order_update", 2, null);
        awaitState(utilityToFresh, "SENT", "DELIVERED", "READ");
        h.awaitHeld(CH, "marketing paused (131048)");
        assertThat(state(marketingToFresh)).as("131048 paused the number's marketing").isEqualTo("QUEUED");
    }

    @Test
    void aKnownClosedServiceWindowRefusesFreeFormUntilTheUserWritesAgain() {
        start("sqlite");
        String user = "15557200001";
        long twoDaysAgo = System.currentTimeMillis() / 1000 - 2 * 86_400;
        post(WebhookPathTest.inboundPayloadFor(CH, user, "wamid.old1", twoDaysAgo, "hello"));
        Harness.await("the old window is recorded", Duration.ofSeconds(15),
                () -> h.count("SELECT COUNT(*) FROM service_windows WHERE user_id='" + user + "'") == 1);
        HttpResponse<String> closed = h.post("/v1/messages", KEY, freeForm(user));
        assertThat(closed.statusCode()).as(closed.body()).isBetween(400, 499);
        assertThat(closed.body()).contains("outside_service_window");

        h.emulator.injectInbound(InboundMessage.text(CH, user, "Ed", "hi again"));
        Harness.await("the window reopens", Duration.ofSeconds(15), () -> h.post("/v1/messages", KEY, freeForm(user)).statusCode() == 202);
    }

    @Test
    void onceANumbersHistoryIsCompleteFreeFormNeedsAKnownOpenWindow() {
        db = TestDatabases.forEngine("sqlite", dir);
        // a grace of zero: the number's inbound history counts as complete from the start
        SwitchboardConfig.Sending sending = new SwitchboardConfig.Sending(0, 0, 0, null, null, 0, 0, null, 0, null, null, 0, null,
                null, Duration.ZERO, null, null, null, null);
        h = Harness.start(db.config(), dir, sending, e -> { }, tenant("aud", KEY, channel(CH, 100)));
        String stranger = "15557400001";
        HttpResponse<String> unknown = h.post("/v1/messages", KEY, freeForm(stranger));
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
        assertThat(unknown.body()).contains("outside_service_window").contains("has not written");
        assertThat(h.emulator.stats().number(CH).rejections(131047)).as("nothing reached Meta").isZero();
        // templates need no window
        assertThat(h.post("/v1/messages", KEY, Harness.templateBatch(CH, 1, 0, null, "hello_world", 0)).statusCode()).isEqualTo(202);

        h.emulator.injectInbound(InboundMessage.text(CH, stranger, "Stan", "hello?"));
        Harness.await("the user's message opens the window", Duration.ofSeconds(15),
                () -> h.post("/v1/messages", KEY, freeForm(stranger)).statusCode() == 202);
    }

    @Test
    void redQualityBansAndPausedTemplatesHoldMessagesUntilLifted() {
        start("sqlite");
        // RED quality: marketing waits, service messages go
        h.emulator.accountEvent(AccountEvent.qualityUpdate(CH, "FLAGGED", null));
        Harness.await("quality RED", Duration.ofSeconds(15), () -> "RED".equals(h.node.tenancy().channel(CH).orElseThrow().quality()));
        String marketing = send("15557300001", "flash_sale", 2, null);
        String utility = send("15557300002", "order_update", 2, null);
        awaitState(utility, "SENT", "DELIVERED", "READ");
        h.awaitHeld(CH, "quality RED");
        assertThat(state(marketing)).isEqualTo("QUEUED");
        h.emulator.accountEvent(AccountEvent.qualityUpdate(CH, "UNFLAGGED", null));
        awaitState(marketing, "SENT", "DELIVERED", "READ");

        // a paused template holds its queued messages; other templates still go
        JsonNode paused = admin("PATCH", "/admin/channels/" + CH, "{\"state\":\"PAUSED\"}");
        assertThat(paused.path("state").asText()).isEqualTo("PAUSED");
        String held = send("15557300003", "flash_sale", 2, null);
        String free = send("15557300004", "order_update", 2, null);
        h.emulator.accountEvent(AccountEvent.templateStatus("waba-" + CH, "flash_sale", "en_US", "PAUSED", "LOW_QUALITY"));
        Harness.await("the template is paused", Duration.ofSeconds(15),
                () -> "PAUSED".equals(h.node.templates().holdStatus("waba-" + CH, "flash_sale")));
        admin("PATCH", "/admin/channels/" + CH, "{\"state\":\"ACTIVE\"}");
        awaitState(free, "SENT", "DELIVERED", "READ");
        h.awaitHeld(CH, "template paused");
        assertThat(state(held)).isEqualTo("QUEUED");
        h.emulator.accountEvent(AccountEvent.templateStatus("waba-" + CH, "flash_sale", "en_US", "APPROVED", null));
        awaitState(held, "SENT", "DELIVERED", "READ");

        // a ban stops the channel and a reinstatement starts it again; nothing is lost meanwhile
        h.emulator.accountEvent(AccountEvent.custom("account_update", "waba-" + CH, Harness.JSON.createObjectNode()
                .put("event", "DISABLED_UPDATE").set("ban_info", Harness.JSON.createObjectNode().put("waba_ban_state", "DISABLE"))));
        Harness.await("the channel is stopped", Duration.ofSeconds(15),
                () -> "STOPPED".equals(h.node.tenancy().channel(CH).orElseThrow().state()));
        String duringBan = send("15557300005", "order_update", 2, null);
        h.awaitHeld(CH, "channel STOPPED");
        assertThat(state(duringBan)).isEqualTo("QUEUED");
        h.emulator.accountEvent(AccountEvent.custom("account_update", "waba-" + CH, Harness.JSON.createObjectNode()
                .put("event", "DISABLED_UPDATE").set("ban_info", Harness.JSON.createObjectNode().put("waba_ban_state", "REINSTATE"))));
        awaitState(duringBan, "SENT", "DELIVERED", "READ");

        // the business's capability sets the messaging-limit tier
        h.emulator.accountEvent(AccountEvent.capabilityUpdate("waba-" + CH, 2000, 2));
        Harness.await("tier from capability update", Duration.ofSeconds(15),
                () -> "TIER_2K".equals(h.node.tenancy().channel(CH).orElseThrow().tier()));
    }

    @Test
    void messagesMetaRefusedWhileItsTemplateWasPausedGoAsSoonAsItIsApprovedAgain() {
        start("sqlite");
        // Meta paused the template before Switchboard heard of it: the send is refused with 132015
        // and held (for 10 minutes by itself) …
        h.emulator.setTemplateStatus("waba-" + CH, "flash_sale", "en_US", dev.switchboard.emulator.TemplateDef.Status.PAUSED);
        String held = send("15557300011", "flash_sale", 2, null);
        Harness.await("Meta refused it with 132015", Duration.ofSeconds(30),
                () -> h.count("SELECT COUNT(*) FROM messages WHERE id='" + held + "' AND last_error_code=132015") == 1);
        assertThat(state(held)).isEqualTo("QUEUED");
        // … until Meta approves the template again: then it goes at once, well inside those 10 minutes
        h.emulator.accountEvent(AccountEvent.templateStatus("waba-" + CH, "flash_sale", "en_US", "APPROVED", null));
        awaitState(held, "SENT", "DELIVERED", "READ");
    }

    // ---- helpers ----------------------------------------------------------------------------

    private String send(String to, String template, int params, String priority) {
        HttpResponse<String> r = h.post("/v1/messages", KEY, Harness.templateBatch(CH, 1, 0, priority, template, params)
                .replace("\"to\":\"12000000000\"", "\"to\":\"" + to + "\""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return Harness.json(r).path("messages").path(0).path("id").asText();
    }

    private static String freeForm(String to) {
        return "{\"channel_id\":\"" + CH + "\",\"to\":\"" + to + "\",\"type\":\"text\",\"text\":{\"body\":\"hello\"}}";
    }

    private java.util.List<String> suppressions(String kind) {
        HttpResponse<String> r = h.get("/v1/audience/suppressions" + (kind == null ? "" : "?kind=" + kind), KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        java.util.List<String> users = new java.util.ArrayList<>();
        Harness.json(r).path("data").forEach(n -> users.add(n.path("user").asText()));
        return users;
    }

    private long sentTo(String user) {
        return h.emulator.acceptedMessages(CH).stream().filter(m -> user.equals(m.to())).count();
    }

    private void awaitState(String id, String... states) {
        java.util.List<String> wanted = java.util.List.of(states);
        Harness.await(id + " in " + wanted, Duration.ofSeconds(15), () -> wanted.contains(state(id)), h::states);
    }

    private String state(String id) {
        return h.string("SELECT state FROM messages WHERE id='" + id + "'");
    }

    private static String failed(String wamid, String to, long t, int code) {
        return "{\"id\":\"" + wamid + "\",\"status\":\"failed\",\"timestamp\":\"" + t + "\",\"recipient_id\":\"" + to
                + "\",\"errors\":[{\"code\":" + code + ",\"title\":\"failure " + code + "\"}]}";
    }

    private void post(String webhookBody) {
        HttpResponse<String> r = Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + "/webhooks/whatsapp"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", "sha256=" + WebhookPathTest.sign(webhookBody, Harness.APP_SECRET))
                .POST(HttpRequest.BodyPublishers.ofString(webhookBody)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private HttpResponse<String> post(String path, String body) {
        return h.post(path, KEY, body);
    }

    private HttpResponse<String> put(String path, String body) {
        return Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + path)).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    private JsonNode admin(String method, String path, String body) {
        HttpResponse<String> r = Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + path))
                .header("Authorization", "Bearer e2e-admin").header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Harness.json(r);
    }

}
