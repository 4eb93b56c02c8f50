package dev.switchboard.gateway.api;

import static dev.switchboard.gateway.api.MessagingFixtures.*;
import static dev.switchboard.gateway.testing.TestNodes.A_ACTIVE;
import static dev.switchboard.gateway.testing.TestNodes.A_HELD;
import static dev.switchboard.gateway.testing.TestNodes.B_HELD;
import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
import static dev.switchboard.gateway.testing.TestNodes.KEY_B;
import static dev.switchboard.gateway.testing.TestNodes.TENANT_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Accepting, reading, listing and cancelling messages through the facade and the native API, on
 * both engines: success shapes, idempotency, tenant isolation, batches, listing and priorities.
 * Each test uses its own recipients / campaign ids, so tests sharing the node do not interfere.
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessagingApiTest {
    private static TestNodes.Node node;

    @Parameter
    String engine;

    @BeforeParameterizedClassInvocation
    static void startNode(String engine) {
        if (TestDatabases.available(engine)) {
            node = TestNodes.start(engine);
        }
    }

    @BeforeEach
    void assumeEngine() {
        TestDatabases.assumeAvailable(engine); // skips each test, with the reason, when PostgreSQL is missing
    }

    @AfterParameterizedClassInvocation
    static void stopNode() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    private static TestHttp http() {
        return node.http();
    }

    private static JsonNode getMessage(String key, String id) {
        return MessagingFixtures.getMessage(http(), key, id);
    }

    // ---- facade success shape ---------------------------------------------------------------

    @Test
    void facadeAnswersInMetasSuccessShapeAndTheIdIsReadable() {
        String number = freshNumber();
        String raw = "+" + number.charAt(0) + " " + number.substring(1, 4) + "-" + number.substring(4);
        Resp r = http().post(facade(A_ACTIVE), KEY_A, text(raw, "hi there"));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.path("messaging_product").asText()).isEqualTo("whatsapp");
        assertThat(body.path("contacts")).hasSize(1);
        assertThat(body.path("contacts").get(0).path("input").asText()).isEqualTo(raw);
        assertThat(body.path("contacts").get(0).path("wa_id").asText()).isEqualTo(number);
        assertThat(body.path("messages")).hasSize(1);
        String id = body.path("messages").get(0).path("id").asText();
        assertThat(id).isNotBlank();
        assertThat(body.path("messages").get(0).path("message_status").asText()).isEqualTo("accepted");

        JsonNode m = getMessage(KEY_A, id);
        assertThat(m.path("id").asText()).isEqualTo(id);
        assertThat(m.path("state").asText()).isIn("QUEUED", "SENDING");
        assertThat(m.path("channel_id").asText()).isEqualTo(A_ACTIVE);
        assertThat(m.path("recipient").asText()).isEqualTo(number);
        assertThat(m.path("lane").asText()).isEqualTo("NORMAL");
        assertThat(m.path("timeline").path("accepted").asLong()).isPositive();
        JsonNode payload = m.path("payload");
        assertThat(payload.path("biz_opaque_callback_data").asText()).isEqualTo("sb:" + id);
        assertThat(payload.path("text").path("body").asText()).isEqualTo("hi there");
        assertThat(payload.path("messaging_product").asText()).isEqualTo("whatsapp");
    }

    @Test
    void tenantCallbackDataIsKeptAfterOurOwn() {
        ObjectNode req = text(freshNumber(), "with callback data");
        req.put("biz_opaque_callback_data", "order-42|x");
        Resp r = http().post(facade(A_HELD), KEY_A, req);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        String id = r.json().path("messages").get(0).path("id").asText();
        String data = getMessage(KEY_A, id).path("payload").path("biz_opaque_callback_data").asText();
        assertThat(data).startsWith("sb:" + id).isEqualTo("sb:" + id + "|order-42|x");
        // the native API does the same
        ObjectNode n = nativeText(A_HELD, freshNumber());
        n.put("biz_opaque_callback_data", "ref-7");
        Resp r2 = http().post("/v1/messages", KEY_A, n);
        assertThat(r2.status()).as("%s", r2).isEqualTo(202);
        String id2 = r2.json().path("id").asText();
        JsonNode stored = getMessage(KEY_A, id2).path("payload");
        assertThat(stored.path("biz_opaque_callback_data").asText()).isEqualTo("sb:" + id2 + "|ref-7");
        // control fields never reach the upstream body
        assertThat(stored.has("channel_id")).isFalse();
        assertThat(stored.path("messaging_product").asText()).isEqualTo("whatsapp");
    }

    @Test
    void facadeWithoutAWaIdForBusinessScopedUserIds() {
        ObjectNode req = TestHttp.JSON.createObjectNode().put("messaging_product", "whatsapp")
                .put("recipient", "US.13491208655302741918").put("type", "text");
        req.putObject("text").put("body", "hi");
        Resp r = http().post(facade(A_HELD), KEY_A, req);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        JsonNode contact = r.json().path("contacts").get(0);
        assertThat(contact.path("input").asText()).isEqualTo("US.13491208655302741918");
        assertThat(contact.has("wa_id")).isFalse();
    }

    // ---- idempotency --------------------------------------------------------------------------

    @Test
    void facadeIdempotency() {
        String number = freshNumber();
        String key = "idem-" + UUID.randomUUID();
        String body = text(number, "once").toString();
        Resp first = http().post(facade(A_HELD), KEY_A, body, "Idempotency-Key", key);
        Resp again = http().post(facade(A_HELD), KEY_A, body, "Idempotency-Key", key);
        assertThat(first.status()).as("%s", first).isEqualTo(200);
        assertThat(again.status()).as("%s", again).isEqualTo(200);
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(ids(http().get("/v1/messages?recipient=" + number, KEY_A).json())).hasSize(1);

        Resp conflict = http().post(facade(A_HELD), KEY_A, text(number, "twice").toString(), "Idempotency-Key", key);
        assertThat(conflict.status()).as("%s", conflict).isEqualTo(409);
        JsonNode e = conflict.json().path("error");
        assertThat(e.path("code").asInt()).isEqualTo(100);
        assertThat(e.path("message").asText()).startsWith("(#100) ").contains("Idempotency-Key");
        assertThat(e.path("fbtrace_id").asText()).isNotBlank();
        assertThat(ids(http().get("/v1/messages?recipient=" + number, KEY_A).json())).hasSize(1);

        // without a key, the same body is a second message
        http().post(facade(A_HELD), KEY_A, body);
        assertThat(ids(http().get("/v1/messages?recipient=" + number, KEY_A).json())).hasSize(2);
    }

    @Test
    void nativeIdempotency() {
        String number = freshNumber();
        String key = "idem-" + UUID.randomUUID();
        String body = nativeText(A_HELD, number).toString();
        Resp first = http().post("/v1/messages", KEY_A, body, "Idempotency-Key", key);
        Resp again = http().post("/v1/messages", KEY_A, body, "Idempotency-Key", key);
        assertThat(first.status()).as("%s", first).isEqualTo(202);
        assertThat(again.status()).as("%s", again).isEqualTo(202);
        assertThat(again.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(ids(http().get("/v1/messages?recipient=" + number, KEY_A).json()))
                .containsExactly(first.json().path("id").asText());

        ObjectNode other = nativeText(A_HELD, number);
        other.put("priority", "high");
        Resp conflict = http().post("/v1/messages", KEY_A, other.toString(), "Idempotency-Key", key);
        assertThat(conflict.status()).as("%s", conflict).isEqualTo(409);
        assertThat(conflict.json().path("code").asText()).isEqualTo("idempotency_conflict");
        assertThat(ids(http().get("/v1/messages?recipient=" + number, KEY_A).json())).hasSize(1);

        // keys are per tenant: tenant B may use the same key for its own message
        Resp b = http().post("/v1/messages", KEY_B, nativeText(B_HELD, number).toString(), "Idempotency-Key", key);
        assertThat(b.status()).as("%s", b).isEqualTo(202);
        assertThat(b.json().path("id").asText()).isNotEqualTo(first.json().path("id").asText());
    }

    @Test
    void nativeBatchIdempotency() {
        String campaign = "camp-" + UUID.randomUUID();
        ObjectNode batch = TestHttp.JSON.createObjectNode();
        ArrayNode items = batch.putArray("messages");
        for (int i = 0; i < 3; i++) {
            items.add(nativeText(A_HELD, freshNumber()).put("campaign_id", campaign));
        }
        String key = "idem-" + UUID.randomUUID();
        Resp first = http().post("/v1/messages", KEY_A, batch.toString(), "Idempotency-Key", key);
        Resp again = http().post("/v1/messages", KEY_A, batch.toString(), "Idempotency-Key", key);
        assertThat(first.status()).isEqualTo(202);
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(ids(http().get("/v1/messages?campaign_id=" + campaign, KEY_A).json())).hasSize(3);
    }

    // ---- tenant isolation ---------------------------------------------------------------------

    @Test
    void tenantsCannotSeeOrUseEachOthersThings() {
        String number = freshNumber();
        Resp a = http().post("/v1/messages", KEY_A, nativeText(A_HELD, number));
        assertThat(a.status()).as("%s", a).isEqualTo(202);
        String aId = a.json().path("id").asText();

        // B cannot send through A's channel, by either API
        Resp viaFacade = http().post(facade(A_ACTIVE), KEY_B, text(number, "hijack"));
        assertThat(viaFacade.status()).isEqualTo(404);
        assertThat(viaFacade.json().path("error").path("code").asInt()).isEqualTo(100);
        assertThat(viaFacade.json().path("error").path("error_subcode").asInt()).isEqualTo(33);
        Resp viaNative = http().post("/v1/messages", KEY_B, nativeText(A_HELD, number));
        assertThat(viaNative.status()).isEqualTo(404);
        assertThat(viaNative.json().path("code").asText()).isEqualTo("unknown_channel");
        Resp viaPool = http().post("/v1/messages", KEY_B,
                nativeText(A_HELD, number).put("channel_id", (String) null).set("channel_pool", TestHttp.parse("[\"" + A_ACTIVE + "\"]")));
        assertThat(viaPool.status()).isEqualTo(404);

        // B cannot read or cancel A's message
        Resp get = http().get("/v1/messages/" + aId, KEY_B);
        assertThat(get.status()).isEqualTo(404);
        assertThat(get.json().path("code").asText()).isEqualTo("not_found");
        Resp cancel = http().post("/v1/messages/" + aId + "/cancel", KEY_B, null);
        assertThat(cancel.status()).isEqualTo(404);
        assertThat(getMessage(KEY_A, aId).path("state").asText()).isEqualTo("QUEUED");

        // listings only show one's own messages
        Resp b = http().post("/v1/messages", KEY_B, nativeText(B_HELD, number));
        String bId = b.json().path("id").asText();
        List<String> aList = ids(http().get("/v1/messages?recipient=" + number, KEY_A).json());
        List<String> bList = ids(http().get("/v1/messages?recipient=" + number, KEY_B).json());
        assertThat(aList).containsExactly(aId);
        assertThat(bList).containsExactly(bId);
        JsonNode allOfB = http().get("/v1/messages?limit=1000", KEY_B).json();
        allOfB.path("data").forEach(m -> assertThat(m.path("channel_id").asText()).isEqualTo(B_HELD));
        assertThat(ids(allOfB)).doesNotContain(aId);
        // nothing of B's reached A's channels
        assertThat(node.switchboard().messages().findById(bId)).hasValueSatisfying(m -> {
            assertThat(m.tenantId()).isEqualTo(TestNodes.TENANT_B);
            assertThat(m.channelId()).isEqualTo(B_HELD);
        });
    }

    // ---- batches ----------------------------------------------------------------------------

    @Test
    void aValidBatchIsAcceptedWhole() {
        String campaign = "camp-" + UUID.randomUUID();
        ObjectNode batch = TestHttp.JSON.createObjectNode();
        ArrayNode items = batch.putArray("messages");
        List<String> numbers = List.of(freshNumber(), freshNumber(), freshNumber());
        numbers.forEach(n -> items.add(nativeText(A_HELD, n).put("campaign_id", campaign)));
        Resp r = http().post("/v1/messages", KEY_A, batch);
        assertThat(r.status()).as("%s", r).isEqualTo(202);
        JsonNode accepted = r.json().path("messages");
        assertThat(accepted).hasSize(3);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            JsonNode m = accepted.get(i);
            ids.add(m.path("id").asText());
            assertThat(m.path("state").asText()).isEqualTo("QUEUED");
            assertThat(m.path("channel_id").asText()).isEqualTo(A_HELD);
            assertThat(m.path("recipient").asText()).isEqualTo(numbers.get(i));
            assertThat(getMessage(KEY_A, m.path("id").asText()).path("campaign_id").asText()).isEqualTo(campaign);
        }
        assertThat(ids).hasSize(3);
    }

    @Test
    void oneInvalidItemRejectsTheWholeBatchAndNamesIt() {
        String campaign = "camp-" + UUID.randomUUID();
        ObjectNode batch = TestHttp.JSON.createObjectNode();
        ArrayNode items = batch.putArray("messages");
        items.add(nativeText(A_HELD, freshNumber()).put("campaign_id", campaign));
        items.add(nativeText(A_HELD, "123").put("campaign_id", campaign)); // not E.164
        items.add(nativeText(A_HELD, freshNumber()).put("campaign_id", campaign));
        Resp r = http().post("/v1/messages", KEY_A, batch);
        assertThat(r.status()).as("%s", r).isEqualTo(400);
        assertThat(r.json().path("code").asText()).isEqualTo("invalid_recipient");
        assertThat(r.json().path("detail").asText()).contains("messages[1]");
        assertThat(ids(http().get("/v1/messages?campaign_id=" + campaign, KEY_A).json())).isEmpty();

        // a control-field error is named too
        items.set(1, nativeText(A_HELD, freshNumber()).put("campaign_id", campaign).put("priority", "asap"));
        Resp r2 = http().post("/v1/messages", KEY_A, batch);
        assertThat(r2.status()).isEqualTo(400);
        assertThat(r2.json().path("code").asText()).isEqualTo("invalid_parameter");
        assertThat(r2.json().path("detail").asText()).contains("messages[1]");
        // and an unknown channel in the last item
        items.set(1, nativeText(A_HELD, freshNumber()).put("campaign_id", campaign));
        items.set(2, nativeText("999999999", freshNumber()).put("campaign_id", campaign));
        Resp r3 = http().post("/v1/messages", KEY_A, batch);
        assertThat(r3.status()).isEqualTo(404);
        assertThat(r3.json().path("code").asText()).isEqualTo("unknown_channel");
        assertThat(r3.json().path("detail").asText()).contains("messages[2]");
        assertThat(ids(http().get("/v1/messages?campaign_id=" + campaign, KEY_A).json())).isEmpty();
    }

    @Test
    void batchLimits() {
        ObjectNode batch = TestHttp.JSON.createObjectNode();
        ArrayNode items = batch.putArray("messages");
        String campaign = "camp-" + UUID.randomUUID();
        for (int i = 0; i < 1001; i++) {
            items.add(nativeText(A_HELD, "1650555" + String.format("%04d", i)).put("campaign_id", campaign));
        }
        Resp tooMany = http().post("/v1/messages", KEY_A, batch);
        assertThat(tooMany.status()).as("%s", tooMany).isEqualTo(400);
        assertThat(tooMany.json().path("code").asText()).isEqualTo("batch_too_large");

        items.remove(1000);
        Resp exactly = http().post("/v1/messages", KEY_A, batch);
        assertThat(exactly.status()).as("%s", exactly).isEqualTo(202);
        assertThat(exactly.json().path("messages")).hasSize(1000);
        JsonNode listed = http().get("/v1/messages?limit=1000&campaign_id=" + campaign, KEY_A).json();
        assertThat(listed.path("data")).hasSize(1000);

        Resp empty = http().post("/v1/messages", KEY_A, "{\"messages\":[]}");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.json().path("code").asText()).isEqualTo("invalid_parameter");
        Resp notArray = http().post("/v1/messages", KEY_A, "{\"messages\":{}}");
        assertThat(notArray.status()).isEqualTo(400);
    }

    // ---- listing ----------------------------------------------------------------------------
}
