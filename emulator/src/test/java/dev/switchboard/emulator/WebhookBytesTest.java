package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Webhook bodies are serialised as Meta serialises them (pure ASCII: {@code \\u} escapes with
 * lowercase hex, {@code \\/}) and the signature covers exactly those bytes; inbound messages carry
 * the sender's contact.
 */
class WebhookBytesTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    private static final Pattern ESCAPE = Pattern.compile("\\\\u([0-9A-Fa-f]{4})");

    private static Emulator start(WebhookReceiver rx) {
        return Emulator.start(EmulatorConfig.builder().seed(6L).appSecret("s3cret").webhookUrl(rx.url()).enforceServiceWindow(false)
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1").accessToken("t").build())
                .webhookBehaviour(WebhookBehaviour.builder().sentDelay(Duration.ofMillis(1)).readProbability(0)
                        .linger(Duration.ofMillis(1)).build())
                .build());
    }

    private static void assertMetaEscaped(WebhookReceiver.Received r) throws Exception {
        for (byte b : r.body()) {
            assertThat(b & 0xff).as("ASCII only").isLessThan(0x80);
        }
        Matcher m = ESCAPE.matcher(new String(r.body(), StandardCharsets.US_ASCII));
        while (m.find()) {
            assertThat(m.group(1)).as("lowercase hex").isEqualTo(m.group(1).toLowerCase());
        }
        assertThat(r.signature()).isEqualTo(WebhookTest.hmac("s3cret", r.body()));
    }

    @Test
    void inboundMessagesAreEscapedLikeMetaAndCarryTheContact() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx)) {
            emu.injectInbound(InboundMessage.text("1001", "+15551234567", "Zoë Ñandú", "äöå / 😀 \u0001 ok"));
            rx.awaitChanges("messages", 1, WAIT);
            WebhookReceiver.Received r = rx.received().get(0);
            assertMetaEscaped(r);
            String raw = new String(r.body(), StandardCharsets.US_ASCII);
            assertThat(raw).contains("\"body\":\"\\u00e4\\u00f6\\u00e5 \\/ \\ud83d\\ude00 \\u0001 ok\"")
                    .contains("\"name\":\"Zo\\u00eb \\u00d1and\\u00fa\"");
            JsonNode value = r.json().path("entry").get(0).path("changes").get(0).path("value");
            JsonNode contact = value.path("contacts").get(0);
            assertThat(SendApiTest.fieldNames(contact)).containsExactly("profile", "wa_id");
            assertThat(contact.path("profile").path("name").asText()).isEqualTo("Zoë Ñandú");
            assertThat(contact.path("wa_id").asText()).isEqualTo("15551234567");
            assertThat(value.path("messages").get(0).path("from").asText()).isEqualTo("15551234567");
            assertThat(value.path("messages").get(0).path("text").path("body").asText()).isEqualTo("äöå / 😀 \u0001 ok");
        }
    }

    @Test
    void statusWebhooksAreEscapedToo() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx)) {
            Graph.Response sent = new Graph(emu).send("1001", "t", Graph.template("15551234567", "hello_world")
                    .put("biz_opaque_callback_data", "größe/ü"));
            assertThat(sent.status()).isEqualTo(200);
            rx.awaitStatuses(1, WAIT);
            WebhookReceiver.Received r = rx.received().get(0);
            assertMetaEscaped(r);
            assertThat(new String(r.body(), StandardCharsets.US_ASCII)).contains("\"biz_opaque_callback_data\":\"gr\\u00f6\\u00dfe\\/\\u00fc\"");
            assertThat(rx.statuses().get(0).path("biz_opaque_callback_data").asText()).isEqualTo("größe/ü");
        }
    }
}
