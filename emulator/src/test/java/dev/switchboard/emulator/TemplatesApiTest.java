package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Creating, listing (paged, filtered) and deleting message templates. */
class TemplatesApiTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    private static EmulatorConfig.Builder base() {
        return EmulatorConfig.builder().seed(8L).enforceServiceWindow(false)
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1").accessToken("token-1").build())
                .number(EmulatedNumber.builder("2001").displayPhoneNumber("15550002001").wabaId("waba-2").accessToken("token-2").build());
    }

    static ObjectNode template(String name, String language, String category, String body) {
        return Graph.json("""
                {"name":"%s","language":"%s","category":"%s","components":[
                  {"type":"HEADER","format":"TEXT","text":"Order news"},
                  {"type":"BODY","text":"%s","example":{"body_text":[["Ann","42"]]}},
                  {"type":"FOOTER","text":"Reply STOP to opt out"},
                  {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Thanks"}]}]}"""
                .formatted(name, language, category, body));
    }

    private static List<JsonNode> all(Graph g, String query) {
        List<JsonNode> out = new ArrayList<>();
        g.get("/v23.0/waba-1/message_templates?limit=100" + query, "token-1").json().path("data").forEach(out::add);
        return out;
    }

    @Test
    void createdTemplatesAreListedAndSendable() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = Emulator.start(base().webhookUrl(rx.url()).build())) {
            Graph g = new Graph(emu);
            Graph.Response created = g.request("POST", "/v23.0/waba-1/message_templates", "token-1",
                    template("order_shipped", "en_US", "utility", "Hi {{1}}, order {{2}} shipped."));
            assertThat(created.status()).as(created.json().toString()).isEqualTo(200);
            assertThat(SendApiTest.fieldNames(created.json())).containsExactly("id", "status", "category");
            assertThat(created.json().path("id").asText()).matches("\\d+");
            assertThat(created.json().path("status").asText()).isEqualTo("APPROVED");
            assertThat(created.json().path("category").asText()).isEqualTo("UTILITY");
            JsonNode approved = rx.awaitChanges(AccountEvent.TEMPLATE_STATUS, 1, WAIT).get(0).path("value");
            assertThat(approved.path("event").asText()).isEqualTo("APPROVED");
            assertThat(approved.path("message_template_id").asText()).isEqualTo(created.json().path("id").asText());

            JsonNode listed = all(g, "&name=order_shipped").get(0);
            assertThat(listed.path("id").asText()).isEqualTo(created.json().path("id").asText());
            assertThat(listed.path("components")).hasSize(4);
            assertThat(listed.path("components").get(3).path("buttons").get(0).path("text").asText()).isEqualTo("Thanks");
            assertThat(listed.path("parameter_format").asText()).isEqualTo("POSITIONAL");
            assertThat(g.send("1001", "token-1", Graph.template("15551234567", "order_shipped", "Ann", "42")).status()).isEqualTo(200);
            assertThat(g.send("1001", "token-1", Graph.template("15551234567", "order_shipped", "Ann")).code()).isEqualTo(132000);
            // another WABA neither sees nor may use it
            assertThat(g.get("/v23.0/waba-2/message_templates?name=order_shipped", "token-2").json().path("data")).isEmpty();
            assertThat(g.request("POST", "/v23.0/waba-1/message_templates", "token-2",
                    template("x", "en_US", "UTILITY", "x")).code()).isEqualTo(100);
        }
    }

    @Test
    void pendingUntilApprovedWhenReviewIsManualOrDelayed() throws Exception {
        try (Emulator emu = Emulator.start(base().templateApprovalDelay(null).build())) {
            Graph g = new Graph(emu);
            Graph.Response created = g.request("POST", "/v23.0/waba-1/message_templates", "token-1",
                    template("promo_one", "en", "MARKETING", "Deal {{1}} for {{2}}"));
            assertThat(created.json().path("status").asText()).isEqualTo("PENDING");
            assertThat(g.send("1001", "token-1", Graph.template("15551234567", "promo_one", "a", "b")).code())
                    .as("not approved yet").isEqualTo(132001);
            assertThat(all(g, "&status=PENDING")).extracting(t -> t.path("name").asText()).containsExactly("promo_one");
            emu.accountEvent(AccountEvent.templateStatus("waba-1", "promo_one", "en", "APPROVED", null));
            assertThat(all(g, "&status=APPROVED&category=MARKETING")).extracting(t -> t.path("name").asText()).contains("promo_one");
        }
        try (WebhookReceiver rx = new WebhookReceiver();
             Emulator emu = Emulator.start(base().webhookUrl(rx.url()).templateApprovalDelay(Duration.ofMillis(50)).build())) {
            Graph g = new Graph(emu);
            assertThat(g.request("POST", "/v23.0/waba-1/message_templates", "token-1",
                    template("later_one", "en", "UTILITY", "Hi {{1}} {{2}}")).json().path("status").asText()).isEqualTo("PENDING");
            rx.awaitChanges(AccountEvent.TEMPLATE_STATUS, 1, WAIT);
            assertThat(all(g, "&name=later_one").get(0).path("status").asText()).isEqualTo("APPROVED");
        }
    }

    @Test
    void duplicatesAndInvalidRequestsAreRefusedLikeMeta() {
        try (Emulator emu = Emulator.start(base().build())) {
            Graph g = new Graph(emu);
            String path = "/v23.0/waba-1/message_templates";
            assertThat(g.request("POST", path, "token-1", template("welcome", "en_US", "UTILITY", "Hi {{1}} {{2}}")).status()).isEqualTo(200);
            Graph.Response dup = g.request("POST", path, "token-1", template("welcome", "en_US", "UTILITY", "Hello {{1}} {{2}}"));
            assertThat(dup.status()).isEqualTo(400);
            JsonNode error = dup.json().path("error");
            assertThat(error.path("code").asInt()).isEqualTo(100);
            assertThat(error.path("error_subcode").asInt()).isEqualTo(2388024);
            assertThat(error.path("message").asText()).isEqualTo("Invalid parameter");
            assertThat(error.path("error_user_title").asText()).isNotBlank();
            assertThat(error.path("error_user_msg").asText()).contains("en_US");
            assertThat(error.path("fbtrace_id").asText()).isNotBlank();
            assertThat(g.request("POST", path, "token-1", template("welcome", "pt_BR", "UTILITY", "Oi {{1}} {{2}}")).status())
                    .as("same name, another language").isEqualTo(200);
            assertThat(g.send("1001", "token-1", Graph.template("15551234567", "hello_world")).status()).isEqualTo(200);

            List<ObjectNode> invalid = new ArrayList<>();
            invalid.add(template("Welcome_Two", "en_US", "UTILITY", "x"));           // uppercase name
            invalid.add(template("has-dash", "en_US", "UTILITY", "x"));              // dash in name
            invalid.add(template("a".repeat(513), "en_US", "UTILITY", "x"));         // too long
            invalid.add(template("no_lang", "english", "UTILITY", "x"));             // language code
            invalid.add(template("bad_cat", "en_US", "PROMOTION", "x"));             // category
            invalid.add(template("named_mix", "en_US", "UTILITY", "Hi {{name}}"));   // named var, positional format
            invalid.add(template("long_body", "en_US", "UTILITY", "x".repeat(1025)));
            ObjectNode noName = template("n", "en_US", "UTILITY", "x");
            noName.remove("name");
            invalid.add(noName);
            ObjectNode noBody = template("no_body", "en_US", "UTILITY", "x");
            noBody.withArray("components").remove(1);
            invalid.add(noBody);
            ObjectNode longHeader = template("long_header", "en_US", "UTILITY", "x");
            ((ObjectNode) longHeader.withArray("components").get(0)).put("text", "h".repeat(61));
            invalid.add(longHeader);
            ObjectNode noComponents = template("no_components", "en_US", "UTILITY", "x");
            noComponents.remove("components");
            invalid.add(noComponents);
            for (ObjectNode body : invalid) {
                Graph.Response r = g.request("POST", path, "token-1", body);
                assertThat(r.code()).as(body.path("name").asText()).isEqualTo(100);
                assertThat(r.json().path("error").path("message").asText()).isEqualTo("(#100) Invalid parameter");
            }
            assertThat(g.request("POST", path, "token-1", "{not json").code()).isEqualTo(100);
            assertThat(g.request("POST", path, "bad", template("t", "en", "UTILITY", "x")).code()).isEqualTo(190);
            ObjectNode named = template("named_ok", "en_US", "MARKETING", "Hi {{first_name}}, {{code}} is yours");
            named.put("parameter_format", "NAMED");
            Graph.Response r = g.request("POST", path, "token-1", named);
            assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
            assertThat(all(g, "&name=named_ok").get(0).path("parameter_format").asText()).isEqualTo("NAMED");
        }
    }

    @Test
    void aMediaHeaderNeedsAHeaderParameterOfItsFormat() {
        try (Emulator emu = Emulator.start(base().build())) {
            Graph g = new Graph(emu);
            ObjectNode promo = Graph.json("""
                    {"name":"spring_promo","language":"en_US","category":"MARKETING","components":[
                      {"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW"]}},
                      {"type":"BODY","text":"Hi {{1}}"}]}""");
            assertThat(g.request("POST", "/v23.0/waba-1/message_templates", "token-1", promo).status()).isEqualTo(200);
            Graph.Response bare = g.send("1001", "token-1", Graph.template("15551234567", "spring_promo", "Ann"));
            assertThat(bare.code()).isEqualTo(132012);
            assertThat(bare.json().path("error").path("error_data").path("details").asText())
                    .isEqualTo("header: Format mismatch, expected IMAGE, received UNKNOWN");
            ObjectNode video = Graph.template("15551234567", "spring_promo", "Ann");
            ((com.fasterxml.jackson.databind.node.ArrayNode) video.path("template").path("components")).addObject().put("type", "header")
                    .putArray("parameters").addObject().put("type", "video").putObject("video").put("link", "https://example.com/v.mp4");
            assertThat(g.send("1001", "token-1", video).code()).isEqualTo(132012);
            ObjectNode image = Graph.template("15551234567", "spring_promo", "Ann");
            ((com.fasterxml.jackson.databind.node.ArrayNode) image.path("template").path("components")).addObject().put("type", "header")
                    .putArray("parameters").addObject().put("type", "image").putObject("image").put("link", "https://example.com/a.jpg");
            assertThat(g.send("1001", "token-1", image).status()).isEqualTo(200);
        }
    }

    @Test
    void deleteByNameOrByIdAndPagingKeepsFilters() {
        try (Emulator emu = Emulator.start(base().build())) {
            Graph g = new Graph(emu);
            String path = "/v23.0/waba-1/message_templates";
            g.request("POST", path, "token-1", template("bye", "en_US", "UTILITY", "Bye {{1}} {{2}}"));
            String frId = g.request("POST", path, "token-1", template("bye", "fr", "UTILITY", "Salut {{1}} {{2}}")).json().path("id").asText();
            g.request("POST", path, "token-1", template("bye", "de", "UTILITY", "Tschuess {{1}} {{2}}"));
            JsonNode page = g.get(path + "?name=bye&limit=2", "token-1").json();
            assertThat(page.path("data")).hasSize(2);
            String next = page.path("paging").path("next").asText();
            assertThat(next).contains("name=bye").contains("limit=2").contains("after=");
            assertThat(g.get(next.substring(emu.baseUrl().length()), "token-1").json().path("data")).hasSize(1);

            Graph.Response byId = g.request("DELETE", path + "?name=bye&hsm_id=" + frId, "token-1", null);
            assertThat(byId.json()).isEqualTo(Graph.json("{\"success\":true}"));
            assertThat(all(g, "&name=bye")).extracting(t -> t.path("language").asText()).containsExactlyInAnyOrder("en_US", "de");
            assertThat(g.request("DELETE", path + "?name=bye", "token-1", null).json().path("success").asBoolean()).isTrue();
            assertThat(all(g, "&name=bye")).isEmpty();
            assertThat(g.send("1001", "token-1", Graph.template("15551234567", "bye", "a", "b")).code()).isEqualTo(132001);
            Graph.Response again = g.request("DELETE", path + "?name=bye", "token-1", null);
            assertThat(again.code()).isEqualTo(100);
            assertThat(again.json().path("error").path("error_user_title").asText()).isNotBlank();
            assertThat(g.request("DELETE", path, "token-1", null).code()).as("name required").isEqualTo(100);
            assertThat(g.request("DELETE", path + "?name=hello_world", "token-1", null).status()).as("a default one").isEqualTo(200);
            assertThat(g.request("DELETE", "/v23.0/waba-2/message_templates?name=hello_world", "token-1", null).code()).isEqualTo(100);
            emu.reset();
            assertThat(all(g, "&name=hello_world")).hasSize(1);
        }
    }
}
