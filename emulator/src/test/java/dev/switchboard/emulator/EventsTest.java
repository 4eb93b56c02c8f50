package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Inbound messages, account events and scenarios, embedded and through the control API. */
class EventsTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static WebhookReceiver rx;
    static Emulator emu;
    static Graph graph;

    @BeforeAll
    static void start() throws Exception {
        rx = new WebhookReceiver();
        emu = Emulator.start(EmulatorConfig.builder().seed(3L).webhookUrl(rx.url())
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1")
                        .portfolioId("biz-1").accessToken("token-1").build())
                .webhookBehaviour(WebhookBehaviour.builder().linger(Duration.ofMillis(1)).build())
                .build());
        graph = new Graph(emu);
    }

    @AfterAll
    static void stop() {
        emu.close();
        rx.close();
    }

    @BeforeEach
    void reset() throws Exception {
        // let the previous test's deliveries finish so they cannot be mistaken for this test's
        WebhookReceiver.await(() -> emu.stats().webhooks().pending() == 0, WAIT, "quiet webhooks");
        emu.reset();
        rx.clear();
    }

    @Test
    void injectedTextHasMetaShapeAndOpensTheServiceWindow() {
        assertThat(graph.send("1001", "token-1", Graph.text("15551234567", "hi")).code()).isEqualTo(131047);
        String wamid = emu.injectInbound(InboundMessage.text("1001", "+15551234567", "Ann", "hello"));
        JsonNode change = rx.awaitChanges("messages", 1, WAIT).get(0);
        JsonNode value = change.path("value");
        assertThat(value.path("messaging_product").asText()).isEqualTo("whatsapp");
        assertThat(value.path("metadata").path("phone_number_id").asText()).isEqualTo("1001");
        assertThat(value.path("contacts").get(0).path("profile").path("name").asText()).isEqualTo("Ann");
        assertThat(value.path("contacts").get(0).path("wa_id").asText()).isEqualTo("15551234567");
        JsonNode m = value.path("messages").get(0);
        assertThat(m.path("from").asText()).isEqualTo("15551234567");
        assertThat(m.path("id").asText()).isEqualTo(wamid).startsWith("wamid.");
        assertThat(m.path("type").asText()).isEqualTo("text");
        assertThat(m.path("text").path("body").asText()).isEqualTo("hello");
        assertThat(m.path("timestamp").asText()).matches("\\d{10}");
        assertThat(graph.send("1001", "token-1", Graph.text("15551234567", "hi")).status()).isEqualTo(200);
        assertThat(emu.stats().number("1001").inbound()).isEqualTo(1);
    }

    @Test
    void controlApiInjectsInteractiveRepliesWithContext() {
        String body = """
                {"phone_number_id":"1001","from":"15557654321","name":"Bo","type":"interactive",
                 "button_reply":{"id":"yes","title":"Yes"},"context":{"message_id":"wamid.PREV"}}""";
        Graph.Response r = graph.request("POST", "/_emulator/inbound", null, body);
        assertThat(r.status()).isEqualTo(200);
        JsonNode m = rx.awaitChanges("messages", 1, WAIT).get(0).path("value").path("messages").get(0);
        assertThat(m.path("type").asText()).isEqualTo("interactive");
        assertThat(m.path("interactive").path("type").asText()).isEqualTo("button_reply");
        assertThat(m.path("interactive").path("button_reply").path("id").asText()).isEqualTo("yes");
        assertThat(m.path("context").path("id").asText()).isEqualTo("wamid.PREV");
        assertThat(m.path("context").path("from").asText()).isEqualTo("15550001001");
        assertThat(m.path("id").asText()).isEqualTo(r.json().path("messages").get(0).path("id").asText());
    }

    @Test
    void listReplyAndImageInbound() {
        emu.injectInbound(InboundMessage.listReply("1001", "15550000001", "C", "r1", "Row 1", "first"));
        emu.injectInbound(InboundMessage.image("1001", "15550000002", "D", "media-1", "image/jpeg", "abc=", "look"));
        rx.awaitChanges("messages", 2, WAIT);
        // two POSTs in flight concurrently: arrival order is not guaranteed (nor is it at Meta)
        List<JsonNode> msgs = rx.values("messages");
        JsonNode list = msgs.stream().filter(m -> m.path("type").asText().equals("interactive")).findFirst().orElseThrow();
        assertThat(list.path("interactive").path("list_reply").path("description").asText()).isEqualTo("first");
        JsonNode image = msgs.stream().filter(m -> m.path("type").asText().equals("image")).findFirst().orElseThrow();
        assertThat(image.path("image").path("mime_type").asText()).isEqualTo("image/jpeg");
        assertThat(image.path("image").path("caption").asText()).isEqualTo("look");
    }

    @Test
    void qualityUpdateResolvesWabaAndDisplayNumber() {
        emu.accountEvent(AccountEvent.qualityUpdate("1001", "FLAGGED", "TIER_10K"));
        JsonNode change = rx.awaitChanges(AccountEvent.QUALITY, 1, WAIT).get(0);
        assertThat(change.path("value").path("display_phone_number").asText()).isEqualTo("15550001001");
        assertThat(change.path("value").path("event").asText()).isEqualTo("FLAGGED");
        assertThat(change.path("value").path("current_limit").asText()).isEqualTo("TIER_10K");
        assertThat(rx.received()).filteredOn(r -> r.json().toString().contains("FLAGGED"))
                .singleElement().satisfies(r -> assertThat(r.json().path("entry").get(0).path("id").asText()).isEqualTo("waba-1"));
    }

    @Test
    void accountAndCapabilityUpdatesThroughControlApi() {
        graph.request("POST", "/_emulator/events", null,
                "{\"field\":\"account_update\",\"waba_id\":\"waba-1\",\"event\":\"ACCOUNT_VIOLATION\",\"violation_info\":{\"violation_type\":\"SCAM\"}}");
        emu.accountEvent(AccountEvent.capabilityUpdate("waba-1", 1000, 2));
        JsonNode account = rx.awaitChanges(AccountEvent.ACCOUNT, 1, WAIT).get(0).path("value");
        assertThat(account.path("event").asText()).isEqualTo("ACCOUNT_VIOLATION");
        assertThat(account.path("violation_info").path("violation_type").asText()).isEqualTo("SCAM");
        JsonNode cap = rx.awaitChanges(AccountEvent.CAPABILITY, 1, WAIT).get(0).path("value");
        assertThat(cap.path("max_daily_conversations_per_business").asLong()).isEqualTo(1000);
        assertThat(cap.path("max_phone_numbers_per_business").asLong()).isEqualTo(2);
    }

    @Test
    void templateStatusUpdateChangesTheStore() {
        assertThat(graph.send("1001", "token-1", Graph.template("15551234567", "flash_sale", "a", "b")).status()).isEqualTo(200);
        emu.accountEvent(AccountEvent.templateStatus("waba-1", "flash_sale", "en_US", "PAUSED", "LOW_QUALITY"));
        JsonNode v = rx.awaitChanges(AccountEvent.TEMPLATE_STATUS, 1, WAIT).get(0).path("value");
        assertThat(v.path("event").asText()).isEqualTo("PAUSED");
        assertThat(v.path("message_template_id").asLong()).isPositive();
        assertThat(v.path("message_template_name").asText()).isEqualTo("flash_sale");
        assertThat(v.path("message_template_language").asText()).isEqualTo("en_US");
        assertThat(v.path("reason").asText()).isEqualTo("LOW_QUALITY");
        assertThat(graph.send("1001", "token-1", Graph.template("15551234568", "flash_sale", "a", "b")).code()).isEqualTo(132015);
        emu.accountEvent(AccountEvent.templateStatus("waba-1", "flash_sale", null, "DISABLED", null));
        assertThat(graph.send("1001", "token-1", Graph.template("15551234568", "flash_sale", "a", "b")).code()).isEqualTo(132016);
        emu.accountEvent(AccountEvent.templateStatus("waba-1", "flash_sale", null, "APPROVED", null));
        assertThat(graph.send("1001", "token-1", Graph.template("15551234568", "flash_sale", "a", "b")).status()).isEqualTo(200);
    }

    @Test
    void templateCategoryUpdateChangesTheStoreAndNamesBothCategories() {
        emu.accountEvent(AccountEvent.templateCategory("waba-1", "order_update", "en_US", "UTILITY", "MARKETING"));
        JsonNode v = rx.awaitChanges(AccountEvent.TEMPLATE_CATEGORY, 1, WAIT).get(0).path("value");
        assertThat(v.path("message_template_id").asLong()).isPositive();
        assertThat(v.path("message_template_name").asText()).isEqualTo("order_update");
        assertThat(v.path("message_template_language").asText()).isEqualTo("en_US");
        assertThat(v.path("previous_category").asText()).isEqualTo("UTILITY");
        assertThat(v.path("new_category").asText()).isEqualTo("MARKETING");
        JsonNode listed = graph.get("/v23.0/waba-1/message_templates?name=order_update", "token-1").json().path("data").get(0);
        assertThat(listed.path("category").asText()).as("a later sync sees the new category").isEqualTo("MARKETING");
    }

    @Test
    void scenarioRunsStepsInOrderWithDelays() {
        String body = """
                {"steps":[
                  {"delay_ms":0,"inbound":{"phone_number_id":"1001","from":"15550000011","type":"text","text":{"body":"one"}}},
                  {"delay_ms":80,"event":{"field":"phone_number_quality_update","phone_number_id":"1001","event":"UPGRADE","current_limit":"TIER_100K"}},
                  {"delay_ms":80,"inbound":{"phone_number_id":"1001","from":"15550000011","type":"text","text":{"body":"two"}}}
                ]}""";
        assertThat(graph.request("POST", "/_emulator/scenario", null, body).json().path("steps").asInt()).isEqualTo(3);
        rx.awaitChanges("messages", 2, WAIT);
        List<JsonNode> fields = rx.received().stream()
                .map(r -> r.json().path("entry").get(0).path("changes").get(0).path("field")).toList();
        assertThat(fields).extracting(JsonNode::asText)
                .containsExactly("messages", "phone_number_quality_update", "messages");
        assertThat(graph.request("POST", "/_emulator/scenario", null, "{\"steps\":[{\"delay_ms\":1}]}").status()).isEqualTo(400);
    }
}
