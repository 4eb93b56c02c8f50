package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the emulator accepts and emits has the same shape (key sets and nesting, not values) as
 * hand-written fixtures modelled on Meta's public examples.
 */
class ShapeFixturesTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static WebhookReceiver rx;
    static Emulator emu;
    static Graph graph;

    @BeforeAll
    static void start() throws Exception {
        rx = new WebhookReceiver();
        emu = Emulator.start(EmulatorConfig.builder().seed(9L).webhookUrl(rx.url()).undeliverable("15550009999")
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1")
                        .accessToken("token-1").ceilingMps(1000).build())
                .webhookBehaviour(WebhookBehaviour.builder().sentDelay(Duration.ofMillis(1)).deliveredDelay(Duration.ofMillis(20))
                        .readDelay(Duration.ofMillis(40)).linger(Duration.ofMillis(1)).maxBatchSize(1).build())
                .build());
        graph = new Graph(emu);
    }

    @AfterAll
    static void stop() {
        emu.close();
        rx.close();
    }

    @BeforeEach
    void reset() {
        // let the previous test's deliveries finish so they cannot be mistaken for this test's
        WebhookReceiver.await(() -> emu.stats().webhooks().pending() == 0, WAIT, "quiet webhooks");
        emu.reset();
        rx.clear();
    }

    static JsonNode fixture(String name) {
        try (InputStream in = ShapeFixturesTest.class.getResourceAsStream("/fixtures/" + name)) {
            return Graph.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(name, e);
        }
    }

    /** Every path of object keys, arrays collapsed to "[]", e.g. {@code entry[].changes[].field}. */
    static TreeSet<String> shape(JsonNode n) {
        TreeSet<String> out = new TreeSet<>();
        walk(n, "", out);
        return out;
    }

    private static void walk(JsonNode n, String path, TreeSet<String> out) {
        if (n.isObject()) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                String p = path.isEmpty() ? k : path + "." + k;
                out.add(p);
                walk(n.get(k), p, out);
            }
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                walk(e, path + "[]", out);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"request_text.json", "request_template.json", "request_image.json",
            "request_interactive_button.json", "request_interactive_list.json", "request_reaction.json",
            "request_location.json", "request_contacts.json", "request_reply_text.json"})
    void fixtureRequestsAreAcceptedWithTheSuccessShape(String name) {
        emu.injectInbound(InboundMessage.text("1001", "16505551234", "Ann", "hi"));
        JsonNode request = fixture(name);
        Graph.Response r = graph.send("1001", "token-1", request);
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
        assertThat(shape(r.json())).isEqualTo(shape(fixture("response_send_success.json")));
        AcceptedMessage m = emu.acceptedMessages("1001").get(0);
        assertThat(shape(m.body())).isEqualTo(shape(request));
    }

    @Test
    void errorShapes() {
        assertThat(shape(graph.send("1001", "token-1", Graph.text("12", "x")).json()))
                .isEqualTo(shape(fixture("response_error_whatsapp.json")));
        assertThat(shape(graph.send("9999", "token-1", Graph.text("16505551234", "x")).json()))
                .isEqualTo(shape(fixture("response_error_object.json")));
    }

    @Test
    void statusWebhookShapes() {
        graph.send("1001", "token-1", fixture("request_template.json"));
        JsonNode sent = awaitPayload("\"sent\"", "order-8812");
        assertThat(shape(sent)).isEqualTo(shape(fixture("webhook_status_sent.json")));
        JsonNode undeliverable = fixture("request_template.json");
        ((com.fasterxml.jackson.databind.node.ObjectNode) undeliverable).put("to", "15550009999");
        graph.send("1001", "token-1", undeliverable);
        JsonNode failed = awaitPayload("\"failed\"", "order-8812");
        assertThat(shape(failed)).isEqualTo(shape(fixture("webhook_status_failed.json")));
    }

    @Test
    void inboundWebhookShapes() {
        emu.injectInbound(InboundMessage.text("1001", "16505551234", "Sheena Nelson", "Does it come in another color?"));
        assertThat(shape(awaitPayload("another color"))).isEqualTo(shape(fixture("webhook_inbound_text.json")));
        emu.injectInbound(InboundMessage.buttonReply("1001", "16505551234", "Sheena", "confirm", "Confirm").inReplyTo("wamid.X"));
        assertThat(shape(awaitPayload("button_reply"))).isEqualTo(shape(fixture("webhook_inbound_button_reply.json")));
    }

    @Test
    void accountEventShapes() {
        emu.accountEvent(AccountEvent.qualityUpdate("1001", "THROUGHPUT_UPGRADE", "TIER_10K"));
        assertThat(shape(awaitPayload("THROUGHPUT_UPGRADE"))).isEqualTo(shape(fixture("webhook_quality_update.json")));
        emu.accountEvent(AccountEvent.templateStatus("waba-1", "flash_sale", "en_US", "PAUSED", "LOW_QUALITY"));
        assertThat(shape(awaitPayload("LOW_QUALITY"))).isEqualTo(shape(fixture("webhook_template_status.json")));
    }

    @Test
    void readEndpointShapes() {
        JsonNode list = graph.get("/v23.0/waba-1/message_templates?limit=1&after="
                + graph.get("/v23.0/waba-1/message_templates?limit=2", "token-1").json().path("paging").path("cursors")
                .path("after").asText(), "token-1").json();
        assertThat(list.path("data").get(0).path("name").asText()).isEqualTo("order_update");
        TreeSet<String> listShape = shape(list);
        listShape.remove("paging.next");
        assertThat(listShape).isEqualTo(shape(fixture("response_template_list.json")));
        assertThat(shape(graph.get("/v23.0/1001?fields=throughput", "token-1").json()))
                .isEqualTo(shape(fixture("response_throughput.json")));
    }

    /** The first delivery containing all the given fragments (earlier tests' stragglers are ignored). */
    private static JsonNode awaitPayload(String... contains) {
        List<JsonNode> found = new ArrayList<>();
        WebhookReceiver.await(() -> {
            found.clear();
            rx.received().stream().map(WebhookReceiver.Received::json).filter(j -> java.util.Arrays.stream(contains).allMatch(j.toString()::contains))
                    .findFirst().ifPresent(found::add);
            return !found.isEmpty();
        }, WAIT, "payload containing " + String.join(", ", contains));
        return found.get(0);
    }
}
