package dev.switchboard.gateway.api;

import static dev.switchboard.gateway.testing.TestNodes.A_ACTIVE;
import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
import static dev.switchboard.gateway.testing.TestNodes.TENANT_A;
import static dev.switchboard.gateway.testing.TestNodes.TENANT_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every refusal of a send, over HTTP, on both engines: the facade answers in Meta's error shape
 * and the native API in problem JSON with a stable code. Nothing refused is ever stored.
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiValidationTest {
    private static final String FACADE = "/v23.0/" + A_ACTIVE + "/messages";
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

    @AfterEach
    void nothingWasAccepted() {
        if (node == null) {
            return; // skipped: no PostgreSQL here
        }
        assertThat(node.switchboard().messages().countQueued(TENANT_A)).isZero();
        assertThat(node.switchboard().messages().countQueued(TENANT_B)).isZero();
    }

    @Test
    void unknownPathsAndMethodsGetAClear4xxNeverA500() {
        assertProblem(http().get("/nope", null), 404, "not_found");
        assertProblem(http().get("/v1/nope", KEY_A), 404, "not_found");
        Resp options = http().send("OPTIONS", "/v1/messages", KEY_A, null);
        assertThat(options.status()).as("%s", options).isBetween(400, 499);
        // Graph-style paths answer as Meta does for an unsupported request
        JsonNode e = assertMetaError(http().get("/v23.0/" + A_ACTIVE + "/no_such_edge", KEY_A), 400, 100);
        assertThat(e.path("error_subcode").asInt()).isEqualTo(33);
        assertThat(e.path("message").asText()).contains("Unsupported get request");
    }

    private static TestHttp http() {
        return node.http();
    }

    /** Meta's error envelope: {@code {"error":{"message":"(#code) ...","type","code","fbtrace_id"}}}. */
    private static JsonNode assertMetaError(Resp r, int status, int code) {
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode e = r.json().path("error");
        assertThat(e.isObject()).as("%s", r).isTrue();
        assertThat(e.path("code").isInt()).isTrue();
        assertThat(e.path("code").asInt()).isEqualTo(code);
        assertThat(e.path("message").asText()).startsWith("(#" + code + ") ");
        assertThat(e.path("type").asText()).isIn("OAuthException", "GraphMethodException");
        assertThat(e.path("fbtrace_id").asText()).isNotBlank();
        return e;
    }

    private static JsonNode assertProblem(Resp r, int status, String code) {
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).hasValue("application/problem+json");
        JsonNode p = r.json();
        assertThat(p.path("code").asText()).isEqualTo(code);
        assertThat(p.path("status").asInt()).isEqualTo(status);
        assertThat(p.path("type").asText()).endsWith("/" + code);
        assertThat(p.path("title").asText()).isNotBlank();
        assertThat(p.path("detail").asText()).isNotBlank();
        return p;
    }

    private static String text(String to, String body) {
        return "{\"messaging_product\":\"whatsapp\",\"to\":\"" + to + "\",\"type\":\"text\",\"text\":{\"body\":\"" + body + "\"}}";
    }

    private static String nativeText(String to) {
        return "{\"channel_id\":\"" + A_ACTIVE + "\",\"to\":\"" + to + "\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}";
    }

    @Test
    void missingOrWrongApiKey() {
        JsonNode e = assertMetaError(http().post(FACADE, null, text("16505551234", "hi")), 401, 190);
        assertThat(e.path("type").asText()).isEqualTo("OAuthException");
        assertMetaError(http().post(FACADE, "sk_wrong", text("16505551234", "hi")), 401, 190);
        assertProblem(http().post("/v1/messages", null, nativeText("16505551234")), 401, "unauthorized");
        assertProblem(http().post("/v1/messages", "sk_wrong", nativeText("16505551234")), 401, "unauthorized");
        assertProblem(http().get("/v1/messages", "sk_wrong"), 401, "unauthorized");
    }

    @Test
    void badJson() {
        assertMetaError(http().post(FACADE, KEY_A, "{\"messaging_product\": "), 400, 100);
        assertMetaError(http().post(FACADE, KEY_A, "[1,2]"), 400, 100);
        assertMetaError(http().post(FACADE, KEY_A, ""), 400, 100);
        assertProblem(http().post("/v1/messages", KEY_A, "{not json"), 400, "invalid_json");
        assertProblem(http().post("/v1/messages", KEY_A, "\"a string\""), 400, "invalid_json");
        assertProblem(http().post("/v1/messages", KEY_A, "{\"messages\":[1]}"), 400, "invalid_json");
    }

    @Test
    void unknownChannel() {
        JsonNode e = assertMetaError(http().post("/v23.0/999999999/messages", KEY_A, text("16505551234", "hi")), 404, 100);
        assertThat(e.path("error_subcode").asInt()).isEqualTo(33);
        assertThat(e.path("type").asText()).isEqualTo("GraphMethodException");
        assertThat(e.path("message").asText()).contains("999999999");
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_id\":\"999999999\",\"to\":\"16505551234\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}"),
                404, "unknown_channel");
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_pool\":[\"999999999\"],\"to\":\"16505551234\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}"),
                404, "unknown_channel");
    }

    @Test
    void missingRecipient() {
        assertMetaError(http().post(FACADE, KEY_A, "{\"messaging_product\":\"whatsapp\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}"),
                400, 131008);
        assertMetaError(http().post(FACADE, KEY_A, text("", "x")), 400, 131008);
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_id\":\"" + A_ACTIVE + "\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}"), 400, "missing_recipient");
    }

    @Test
    void invalidE164Number() {
        for (String bad : new String[] {"123", "+1 555", "phone-number", "+0001234567", "1234567890123456789"}) {
            JsonNode e = assertMetaError(http().post(FACADE, KEY_A, text(bad, "x")), 400, 131009);
            assertThat(e.path("message").asText()).contains(bad);
            assertProblem(http().post("/v1/messages", KEY_A, nativeText(bad)), 400, "invalid_recipient");
        }
        // a malformed business-scoped user id is refused too
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_id\":\"" + A_ACTIVE + "\",\"recipient\":\"not-a-bsuid\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}"),
                400, "invalid_parameter");
    }

    @Test
    void oversizeBody() {
        String big = "x".repeat((int) TestNodes.MAX_BODY);
        JsonNode e = assertMetaError(http().post(FACADE, KEY_A, text("16505551234", big)), 413, 100);
        assertThat(e.path("message").asText()).contains(Long.toString(TestNodes.MAX_BODY));
        // the native API allows 16x the facade's cap (batches), and no more
        String huge = "x".repeat((int) TestNodes.MAX_BODY * 16);
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_id\":\"" + A_ACTIVE + "\",\"to\":\"16505551234\",\"type\":\"text\",\"text\":{\"body\":\"" + huge + "\"}}"),
                413, "body_too_large");
    }

    @Test
    void textLongerThanMetaAllowsIsRefused() {
        String long4097 = "y".repeat(4097);
        assertMetaError(http().post(FACADE, KEY_A, text("16505551234", long4097)), 400, 131009);
    }

    @Test
    void unsupportedType() {
        assertMetaError(http().post(FACADE, KEY_A,
                "{\"messaging_product\":\"whatsapp\",\"to\":\"16505551234\",\"type\":\"hologram\",\"hologram\":{}}"), 400, 131051);
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_id\":\"" + A_ACTIVE + "\",\"to\":\"16505551234\",\"type\":\"hologram\"}"), 400, "unsupported_type");
    }

    @Test
    void missingTextBody() {
        JsonNode e = assertMetaError(http().post(FACADE, KEY_A,
                "{\"messaging_product\":\"whatsapp\",\"to\":\"16505551234\",\"type\":\"text\",\"text\":{}}"), 400, 131008);
        assertThat(e.path("message").asText()).contains("text.body");
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_id\":\"" + A_ACTIVE + "\",\"to\":\"16505551234\",\"type\":\"text\",\"text\":{\"body\":\"  \"}}"),
                400, "missing_parameter");
        // media needs an id or a link
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_id\":\"" + A_ACTIVE + "\",\"to\":\"16505551234\",\"type\":\"image\",\"image\":{}}"),
                400, "missing_parameter");
    }

    @Test
    void messagingProductMustBeWhatsapp() {
        assertMetaError(http().post(FACADE, KEY_A,
                "{\"to\":\"16505551234\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}"), 400, 100);
        assertMetaError(http().post(FACADE, KEY_A,
                "{\"messaging_product\":\"sms\",\"to\":\"16505551234\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}"), 400, 100);
    }

    @Test
    void badPriority() {
        JsonNode e = assertMetaError(http().post(FACADE, KEY_A, text("16505551234", "x"), "X-Priority", "urgent"), 400, 131009);
        assertThat(e.path("message").asText()).contains("X-Priority");
        assertMetaError(http().post(FACADE, KEY_A, text("16505551234", "x"), "X-TTL-Seconds", "-5"), 400, 131009);
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_id\":\"" + A_ACTIVE + "\",\"priority\":\"urgent\",\"to\":\"16505551234\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}"),
                400, "invalid_parameter");
        assertProblem(http().post("/v1/messages", KEY_A,
                "{\"channel_id\":\"" + A_ACTIVE + "\",\"ttl_seconds\":0,\"to\":\"16505551234\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}"),
                400, "invalid_parameter");
    }

    @Test
    void badListingParameters() {
        assertProblem(http().get("/v1/messages?state=NOPE", KEY_A), 400, "invalid_parameter");
        assertProblem(http().get("/v1/messages?limit=ten", KEY_A), 400, "invalid_parameter");
        assertProblem(http().get("/v1/messages?cursor=abc", KEY_A), 400, "invalid_parameter");
    }
}
