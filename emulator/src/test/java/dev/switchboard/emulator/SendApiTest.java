package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The send endpoint's validation and answers, error by error, in Meta's exact envelope. */
class SendApiTest {
    static Emulator emu;
    static Graph graph;

    @BeforeAll
    static void start() {
        emu = Emulator.start(EmulatorConfig.builder()
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1")
                        .portfolioId("biz-1").accessToken("token-1").build())
                .number(EmulatedNumber.builder("2002").wabaId("waba-2").accessToken("token-2").build())
                .template(TemplateDef.builder("waba-1", "named_greeting").parameterFormat(TemplateDef.ParameterFormat.NAMED)
                        .body("Hello {{first_name}}, your code is {{code}}").build())
                .template(TemplateDef.builder("waba-1", "paused_one").status(TemplateDef.Status.PAUSED).body("x").build())
                .template(TemplateDef.builder("waba-1", "disabled_one").status(TemplateDef.Status.DISABLED).body("x").build())
                .seed(42L).build());
        graph = new Graph(emu);
    }

    @AfterAll
    static void stop() {
        emu.close();
    }

    @BeforeEach
    void reset() {
        emu.reset();
    }

    private static void assertError(Graph.Response r, int http, int code, String message) {
        assertThat(r.status()).isEqualTo(http);
        JsonNode e = r.json().path("error");
        assertThat(e.path("code").asInt()).isEqualTo(code);
        assertThat(e.path("message").asText()).isEqualTo(message);
        assertThat(e.path("fbtrace_id").asText()).matches("[A-Za-z0-9_-]{23}");
    }

    private static void assertWhatsAppError(Graph.Response r, int code, String message) {
        assertError(r, 400, code, message);
        JsonNode e = r.json().path("error");
        assertThat(e.path("type").asText()).isEqualTo("OAuthException");
        assertThat(e.path("error_data").path("messaging_product").asText()).isEqualTo("whatsapp");
        assertThat(e.path("error_data").path("details").asText()).isNotBlank();
        assertThat(fieldNames(e)).containsExactly("message", "type", "code", "error_data", "fbtrace_id");
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void missingOrUnknownTokenIs190With401() {
        Graph.Response none = graph.send("1001", null, Graph.text("15551234567", "hi"));
        assertError(none, 401, 190, "Invalid OAuth access token - Cannot parse access token");
        assertThat(none.json().path("error").path("type").asText()).isEqualTo("OAuthException");
        assertThat(none.json().path("error").has("error_data")).isFalse();
        assertError(graph.send("1001", "nope", Graph.text("15551234567", "hi")), 401, 190,
                "Invalid OAuth access token - Cannot parse access token");
    }

    @Test
    void tokenOfAnotherNumberOrUnknownNumberIs100Subcode33() {
        for (String id : List.of("2002", "9999")) {
            Graph.Response r = graph.send(id, "token-1", Graph.text("15551234567", "hi"));
            assertError(r, 400, 100, "Unsupported post request. Object with ID '" + id + "' does not exist, cannot be loaded"
                    + " due to missing permissions, or does not support this operation. Please read the Graph API"
                    + " documentation at https://developers.facebook.com/docs/graph-api");
            assertThat(r.json().path("error").path("type").asText()).isEqualTo("GraphMethodException");
            assertThat(r.json().path("error").path("error_subcode").asInt()).isEqualTo(33);
        }
    }

    @Test
    void invalidJsonAndWrongProductAre100() {
        assertWhatsAppError(graph.send("1001", "token-1", "{not json"), 100, "(#100) Invalid parameter");
        ObjectNode body = Graph.text("15551234567", "hi").put("messaging_product", "sms");
        assertWhatsAppError(graph.send("1001", "token-1", body), 100, "(#100) Invalid parameter");
        body.remove("messaging_product");
        assertWhatsAppError(graph.send("1001", "token-1", body), 100, "(#100) Invalid parameter");
    }

    @Test
    void missingParametersAre131008() {
        ObjectNode noTo = Graph.text("15551234567", "hi");
        noTo.remove("to");
        assertWhatsAppError(graph.send("1001", "token-1", noTo), 131008, "(#131008) Required parameter is missing");
        ObjectNode noBody = Graph.text("15551234567", "hi");
        ((ObjectNode) noBody.get("text")).remove("body");
        Graph.Response r = graph.send("1001", "token-1", noBody);
        assertWhatsAppError(r, 131008, "(#131008) Required parameter is missing");
        assertThat(r.json().path("error").path("error_data").path("details").asText()).isEqualTo("The parameter text['body'] is required.");
        ObjectNode image = Graph.json("{\"messaging_product\":\"whatsapp\",\"to\":\"15551234567\",\"type\":\"image\",\"image\":{\"caption\":\"x\"}}");
        assertWhatsAppError(graph.send("1001", "token-1", image), 131008, "(#131008) Required parameter is missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"123", "1234567890123456", "+12a4567890", "phone"})
    void badRecipientIs131009(String to) {
        assertWhatsAppError(graph.send("1001", "token-1", Graph.text(to, "hi")), 131009, "(#131009) Parameter value is not valid");
    }

    @Test
    void unsupportedTypeIs131051() {
        ObjectNode body = Graph.text("15551234567", "hi").put("type", "hologram");
        Graph.Response r = graph.send("1001", "token-1", body);
        assertWhatsAppError(r, 131051, "(#131051) Unsupported message type");
        assertThat(emu.stats().number("1001").rejections(131051)).isEqualTo(1);
    }

    @Test
    void templateErrors() {
        assertWhatsAppError(graph.send("1001", "token-1", Graph.template("15551234567", "no_such_template")),
                132001, "(#132001) Template name does not exist in the translation");
        assertWhatsAppError(graph.send("1001", "token-1", Graph.template("15551234567", "order_update", "only-one")),
                132000, "(#132000) Number of parameters does not match the expected number of params");
        assertWhatsAppError(graph.send("1001", "token-1", Graph.template("15551234567", "hello_world", "extra")),
                132000, "(#132000) Number of parameters does not match the expected number of params");
        assertWhatsAppError(graph.send("1001", "token-1", Graph.template("15551234567", "paused_one")),
                132015, "(#132015) Template is Paused");
        assertWhatsAppError(graph.send("1001", "token-1", Graph.template("15551234567", "disabled_one")),
                132016, "(#132016) Template is disabled");
        ObjectNode wrongLanguage = Graph.template("15551234567", "hello_world");
        ((ObjectNode) wrongLanguage.get("template").get("language")).put("code", "de");
        assertWhatsAppError(graph.send("1001", "token-1", wrongLanguage), 132001,
                "(#132001) Template name does not exist in the translation");
    }

    @Test
    void namedTemplateParametersMustMatchByName() {
        String ok = """
                {"messaging_product":"whatsapp","to":"15551234567","type":"template","template":{"name":"named_greeting",
                 "language":{"code":"en_US"},"components":[{"type":"body","parameters":[
                 {"type":"text","parameter_name":"first_name","text":"Ann"},{"type":"text","parameter_name":"code","text":"42"}]}]}}""";
        assertThat(graph.send("1001", "token-1", ok).status()).isEqualTo(200);
        String wrong = ok.replace("\"code\",", "\"pin\",");
        assertThat(graph.send("1001", "token-1", wrong).code()).isEqualTo(132000);
    }

    @Test
    void freeFormOutsideServiceWindowIs131047() {
        Graph.Response r = graph.send("1001", "token-1", Graph.text("15551234567", "hi"));
        assertWhatsAppError(r, 131047, "(#131047) Re-engagement message");
        emu.injectInbound(InboundMessage.text("1001", "15551234567", "Ann", "hello"));
        assertThat(graph.send("1001", "token-1", Graph.text("15551234567", "hi")).status()).isEqualTo(200);
        assertThat(graph.send("1001", "token-1", Graph.template("15557654321", "hello_world")).status()).isEqualTo(200);
    }

    @Test
    void successHasMetaShape() {
        Graph.Response r = graph.send("1001", "token-1",
                Graph.template("+16505551234", "flash_sale", "Ann", "20%").put("biz_opaque_callback_data", "cb-1"));
        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(fieldNames(j)).containsExactly("messaging_product", "contacts", "messages");
        assertThat(j.path("contacts").get(0).path("input").asText()).isEqualTo("+16505551234");
        assertThat(j.path("contacts").get(0).path("wa_id").asText()).isEqualTo("16505551234");
        assertThat(j.path("messages").get(0).path("id").asText()).startsWith("wamid.HBgL");
        assertThat(j.path("messages").get(0).path("message_status").asText()).isEqualTo("accepted");
        List<AcceptedMessage> log = emu.acceptedMessages("1001");
        assertThat(log).hasSize(1);
        AcceptedMessage m = log.get(0);
        assertThat(m.seq()).isEqualTo(1);
        assertThat(m.wamid()).isEqualTo(j.path("messages").get(0).path("id").asText());
        assertThat(m.to()).isEqualTo("16505551234");
        assertThat(m.type()).isEqualTo("template");
        assertThat(m.templateName()).isEqualTo("flash_sale");
        assertThat(m.bizOpaqueCallbackData()).isEqualTo("cb-1");
        assertThat(m.body().path("template").path("name").asText()).isEqualTo("flash_sale");
    }

    @Test
    void businessScopedRecipientIsAccepted() {
        ObjectNode body = Graph.template("x", "hello_world");
        body.remove("to");
        body.put("recipient", "US.13491208655302741918");
        Graph.Response r = graph.send("1001", "token-1", body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("contacts").get(0).path("input").asText()).isEqualTo("US.13491208655302741918");
        assertThat(r.json().path("contacts").get(0).has("wa_id")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"type\":\"image\",\"image\":{\"id\":\"123\"}}",
            "{\"type\":\"audio\",\"audio\":{\"link\":\"https://example.com/a.ogg\"}}",
            "{\"type\":\"document\",\"document\":{\"id\":\"123\",\"filename\":\"a.pdf\"}}",
            "{\"type\":\"video\",\"video\":{\"link\":\"https://example.com/v.mp4\"}}",
            "{\"type\":\"sticker\",\"sticker\":{\"id\":\"123\"}}",
            "{\"type\":\"reaction\",\"reaction\":{\"message_id\":\"wamid.X\",\"emoji\":\"\\uD83D\\uDC4D\"}}",
            "{\"type\":\"location\",\"location\":{\"latitude\":52.5,\"longitude\":13.4,\"name\":\"Berlin\"}}",
            "{\"type\":\"contacts\",\"contacts\":[{\"name\":{\"formatted_name\":\"Ann Lee\",\"first_name\":\"Ann\"}}]}",
            "{\"type\":\"interactive\",\"interactive\":{\"type\":\"button\",\"body\":{\"text\":\"Pick\"},\"action\":{\"buttons\":[{\"type\":\"reply\",\"reply\":{\"id\":\"a\",\"title\":\"A\"}}]}}}",
            "{\"type\":\"interactive\",\"interactive\":{\"type\":\"list\",\"body\":{\"text\":\"Pick\"},\"action\":{\"button\":\"Menu\",\"sections\":[{\"title\":\"S\",\"rows\":[{\"id\":\"r1\",\"title\":\"Row\"}]}]}}}",
            "{\"type\":\"text\",\"text\":{\"body\":\"reply\"},\"context\":{\"message_id\":\"wamid.ABC\"}}"
    })
    void everySupportedTypeIsAcceptedInsideTheWindow(String partial) {
        emu.injectInbound(InboundMessage.text("1001", "15551234567", "Ann", "hi"));
        ObjectNode body = Graph.json(partial);
        body.put("messaging_product", "whatsapp").put("to", "15551234567");
        Graph.Response r = graph.send("1001", "token-1", body);
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
    }
}
