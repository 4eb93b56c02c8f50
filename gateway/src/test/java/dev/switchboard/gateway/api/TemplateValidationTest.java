package dev.switchboard.gateway.api;

import static dev.switchboard.gateway.testing.TestNodes.A_HELD;
import static dev.switchboard.gateway.testing.TestNodes.B_HELD;
import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
import static dev.switchboard.gateway.testing.TestNodes.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * Template checks, which apply only to WABAs whose templates were synced: a tiny local server
 * plays Meta's {@code GET /v23.0/{waba}/message_templates} for tenant A's WABA and answers 404
 * for tenant B's (never synced). Everything else it is asked gets a 503, so sends just retry.
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TemplateValidationTest {
    private static final String TEMPLATES = """
            {"data":[
              {"name":"otp_code","language":"en_US","status":"APPROVED","category":"AUTHENTICATION","id":"1",
               "components":[{"type":"BODY","text":"Your code is {{1}}."}]},
              {"name":"promo","language":"en_US","status":"APPROVED","category":"MARKETING","id":"2",
               "components":[{"type":"HEADER","format":"TEXT","text":"Hello {{1}}"},
                             {"type":"BODY","text":"Hi {{1}}, {{2}} off until {{ 3 }}; again {{1}}"}]},
              {"name":"order_update","language":"en_US","status":"APPROVED","category":"UTILITY","id":"3",
               "components":[{"type":"BODY","text":"Order {{order_id}} has shipped"}]},
              {"name":"paused_promo","language":"en_US","status":"PAUSED","category":"MARKETING","id":"4",
               "components":[{"type":"BODY","text":"Sale!"}]},
              {"name":"disabled_promo","language":"en_US","status":"DISABLED","category":"MARKETING","id":"5",
               "components":[{"type":"BODY","text":"Sale!"}]}
            ],"paging":{"cursors":{"before":"MA","after":"NQ"}}}
            """;
    private static TestNodes.Node node;
    private static HttpServer meta;
    private static final List<String> requests = new CopyOnWriteArrayList<>();

    @Parameter
    String engine;

    @BeforeParameterizedClassInvocation
    static void start(String engine) {
        if (!TestDatabases.available(engine)) {
            return;
        }
        try {
            meta = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        meta.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            requests.add(ex.getRequestMethod() + " " + path + " " + ex.getRequestHeaders().getFirst("Authorization"));
            byte[] body;
            int status;
            if ("GET".equals(ex.getRequestMethod()) && path.equals("/v23.0/waba-a/message_templates")) {
                status = 200;
                body = TEMPLATES.getBytes(StandardCharsets.UTF_8);
            } else if (path.endsWith("/message_templates")) {
                status = 404;
                body = "{\"error\":{\"message\":\"(#100) not found\",\"type\":\"OAuthException\",\"code\":100}}".getBytes();
            } else {
                status = 503;
                body = "{}".getBytes();
            }
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        meta.start();
        String url = "http://127.0.0.1:" + meta.getAddress().getPort();
        node = TestNodes.start(engine, c -> new SwitchboardConfig(c.http(), c.database(), c.security(),
                new SwitchboardConfig.Upstream(url, "v23.0", null, null), c.sending(), c.webhooks(), c.emulator(), c.bootstrap()));
    }

    @BeforeEach
    void assumeEngine() {
        TestDatabases.assumeAvailable(engine); // skips each test, with the reason, when PostgreSQL is missing
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            node = null;
            if (meta != null) {
                meta.stop(0);
                meta = null;
            }
        }
    }

    private static ObjectNode template(String channel, String name, String language, String... params) {
        ObjectNode n = TestHttp.JSON.createObjectNode().put("messaging_product", "whatsapp").put("to", "16505550123")
                .put("type", "template");
        if (channel != null) {
            n.put("channel_id", channel);
        }
        ObjectNode t = n.putObject("template").put("name", name);
        t.putObject("language").put("code", language);
        ArrayNode components = t.putArray("components");
        ArrayNode p = components.addObject().put("type", "body").putArray("parameters");
        for (String v : params) {
            p.addObject().put("type", "text").put("text", v);
        }
        return n;
    }

    @Test
    void theCatalogOfTenantAWasSyncedWithItsOwnToken() {
        assertThat(node.switchboard().templates().knows("waba-a")).isTrue();
        assertThat(node.switchboard().templates().knows("waba-b")).isFalse();
        assertThat(node.switchboard().templates().find("waba-a", "promo", "en_US"))
                .hasValueSatisfying(t -> assertThat(t.parameterCount()).isEqualTo(3));
        assertThat(node.switchboard().templates().find("waba-a", "order_update", "en_US"))
                .hasValueSatisfying(t -> assertThat(t.parameterCount()).isEqualTo(1));
        assertThat(requests).anySatisfy(r -> assertThat(r).startsWith("GET /v23.0/waba-a/message_templates")
                .endsWith("Bearer " + TestNodes.TOKEN_A));
    }

    @Test
    void unknownTemplateIsRefused() {
        Resp facade = node.http().post("/v23.0/" + A_HELD + "/messages", KEY_A, template(null, "no_such", "en_US"));
        assertThat(facade.status()).as("%s", facade).isEqualTo(400);
        assertThat(facade.json().path("error").path("code").asInt()).isEqualTo(132001);
        assertThat(facade.json().path("error").path("message").asText()).startsWith("(#132001) ").contains("no_such");
        Resp wrongLanguage = node.http().post("/v1/messages", KEY_A, template(A_HELD, "otp_code", "de", "123456"));
        assertThat(wrongLanguage.status()).isEqualTo(400);
        assertThat(wrongLanguage.json().path("code").asText()).isEqualTo("unknown_template");
        Resp missingLanguage = node.http().post("/v1/messages", KEY_A, template(A_HELD, "otp_code", "", "1"));
        assertThat(missingLanguage.status()).isEqualTo(400);
        assertThat(missingLanguage.json().path("code").asText()).isEqualTo("missing_parameter");
    }

    @Test
    void parameterCountMustMatch() {
        Resp facade = node.http().post("/v23.0/" + A_HELD + "/messages", KEY_A, template(null, "promo", "en_US", "Ann"));
        assertThat(facade.status()).as("%s", facade).isEqualTo(400);
        assertThat(facade.json().path("error").path("code").asInt()).isEqualTo(132000);
        Resp tooMany = node.http().post("/v1/messages", KEY_A, template(A_HELD, "otp_code", "en_US", "1", "2"));
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.json().path("code").asText()).isEqualTo("template_parameter_mismatch");
        assertThat(tooMany.json().path("detail").asText()).contains("expects 1, got 2");
    }

    @Test
    void pausedAndDisabledTemplatesAreNotSendable() {
        Resp paused = node.http().post("/v23.0/" + A_HELD + "/messages", KEY_A, template(null, "paused_promo", "en_US"));
        assertThat(paused.status()).isEqualTo(400);
        assertThat(paused.json().path("error").path("code").asInt()).isEqualTo(132015);
        Resp disabled = node.http().post("/v1/messages", KEY_A, template(A_HELD, "disabled_promo", "en_US"));
        assertThat(disabled.status()).isEqualTo(400);
        assertThat(disabled.json().path("code").asText()).isEqualTo("template_not_sendable");
    }

    @Test
    void theCategoryPicksTheDefaultLane() {
        assertLane(template(A_HELD, "otp_code", "en_US", "123456"), "HIGH", "AUTHENTICATION");
        assertLane(template(A_HELD, "promo", "en_US", "Ann", "20%", "Friday").put("to", UK), "LOW", "MARKETING");
        assertLane(template(A_HELD, "order_update", "en_US", "A-1"), "NORMAL", "UTILITY");
        // an explicit priority wins over the category
        assertLane(template(A_HELD, "promo", "en_US", "Ann", "20%", "Friday").put("to", UK).put("priority", "high"), "HIGH", "MARKETING");
        Resp facade = node.http().post("/v23.0/" + A_HELD + "/messages", KEY_A,
                template(null, "promo", "en_US", "a", "b", "c").put("to", UK));
        assertThat(facade.status()).as("%s", facade).isEqualTo(200);
        String id = facade.json().path("messages").get(0).path("id").asText();
        assertThat(node.http().get("/v1/messages/" + id, KEY_A).json().path("lane").asText()).isEqualTo("LOW");
    }

    private static final String UK = "447911123456";

    @Test
    void marketingToAUsNumberIsRefusedBecauseMetaNoLongerDeliversIt() {
        // 16505550123 is a valid US number (California); Meta stopped delivering marketing there on 2025-04-01
        Resp facade = node.http().post("/v23.0/" + A_HELD + "/messages", KEY_A, template(null, "promo", "en_US", "a", "b", "c"));
        assertThat(facade.status()).as("%s", facade).isEqualTo(400);
        assertThat(facade.json().path("error").path("code").asInt()).isEqualTo(131049);
        assertThat(facade.json().path("error").path("message").asText()).contains("US (+1)");
        Resp nativeApi = node.http().post("/v1/messages", KEY_A, template(A_HELD, "promo", "en_US", "a", "b", "c"));
        assertThat(nativeApi.status()).isEqualTo(400);
        assertThat(nativeApi.json().path("code").asText()).isEqualTo("marketing_to_us_not_delivered");
        // utility and authentication templates to the same number still go; so does marketing to Canada (+1, not US)
        assertLane(template(A_HELD, "order_update", "en_US", "A-2"), "NORMAL", "UTILITY");
        assertLane(template(A_HELD, "otp_code", "en_US", "654321"), "HIGH", "AUTHENTICATION");
        assertLane(template(A_HELD, "promo", "en_US", "a", "b", "c").put("to", "14165550123"), "LOW", "MARKETING");
    }

    private static void assertLane(ObjectNode request, String lane, String category) {
        Resp r = node.http().post("/v1/messages", KEY_A, request);
        assertThat(r.status()).as("%s", r).isEqualTo(202);
        assertThat(r.json().path("lane").asText()).isEqualTo(lane);
        JsonNode m = node.http().get("/v1/messages/" + r.json().path("id").asText(), KEY_A).json();
        assertThat(m.path("lane").asText()).isEqualTo(lane);
        assertThat(m.path("category").asText()).isEqualTo(category);
        assertThat(m.path("template").asText()).isEqualTo(request.path("template").path("name").asText());
    }

    @Test
    void anUnsyncedWabaIsLeftForMetaToJudge() {
        Resp r = node.http().post("/v1/messages", KEY_B, template(B_HELD, "whatever_b_has", "en_US", "x"));
        assertThat(r.status()).as("%s", r).isEqualTo(202);
        assertThat(r.json().path("lane").asText()).isEqualTo("NORMAL");
    }
}
