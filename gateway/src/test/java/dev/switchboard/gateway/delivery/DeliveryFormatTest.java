package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.InboundMessage;
import dev.switchboard.gateway.delivery.DeliveryHarness.TenantDef;
import dev.switchboard.gateway.testing.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end over HTTP, on SQLite and PostgreSQL: what a tenant's receiver gets is what Meta
 * sent, in Meta's bytes. A webhook Meta sent with one event comes out byte for byte as Meta
 * serialised it (non-ASCII as lowercase {@code \u005cuXXXX}, astral characters as surrogate
 * pairs, {@code /} as {@code \/}), signed over exactly those bytes; nothing Meta put in a change
 * (the sender's {@code contacts[]} entry with its profile name, a status's pricing, conversation
 * and errors, a reply's context) is dropped, and only the ids the tenant knows differently are
 * rewritten. Several users' messages in one of Meta's webhooks come out one per POST, each with
 * its own sender's {@code contacts[]} entry.
 */
class DeliveryFormatTest extends DeliveryTestBase {
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aWebhookMetaSentComesOutInMetasOwnBytesSignedOverThem(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7501");
        TenantReceiver ra = receiver("secret-of-tenant-a-0007");
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofMinutes(5), Duration.ofSeconds(2), 4, 100), a);
        h.endpoint(a, ra, "all", true, true);

        String ts = Long.toString(System.currentTimeMillis() / 1000);
        String head = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"" + a.waba() + "\",\"changes\":[{\"value\":"
                + "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"" + a.display()
                + "\",\"phone_number_id\":\"" + a.channel() + "\"},";
        String tail = "},\"field\":\"messages\"}]}]}";
        // As Meta writes them: accents, Devanagari and an emoji escaped, slashes too.
        String inbound = head + "\"contacts\":[{\"profile\":{\"name\":\"Jos\\u00e9 \\u0928\\u0940\\u0932\"},\"wa_id\":\"15550500001\"}],"
                + "\"messages\":[{\"from\":\"15550500001\",\"id\":\"wamid.IN-ESCAPED-1\",\"timestamp\":\"" + ts + "\","
                + "\"text\":{\"body\":\"Caf\\u00e9 cr\\u00e8me, \\u0928\\u092e\\u0938\\u094d\\u0924\\u0947 \\ud83d\\ude00"
                + " https:\\/\\/example.com\\/menu?a=1&b=2\"},\"type\":\"text\"}]" + tail;
        String failed = head + "\"statuses\":[{\"id\":\"wamid.SENT-ELSEWHERE-1\",\"status\":\"failed\",\"timestamp\":\"" + ts
                + "\",\"recipient_id\":\"15550500002\",\"biz_opaque_callback_data\":\"order\\/42 \\u2013 caf\\u00e9\","
                + "\"errors\":[{\"code\":131026,\"title\":\"Message undeliverable\",\"message\":\"Message undeliverable\","
                + "\"error_data\":{\"details\":\"Message Undeliverable.\"},"
                + "\"href\":\"https:\\/\\/developers.facebook.com\\/docs\\/whatsapp\\/cloud-api\\/support\\/error-codes\\/\"}]}]"
                + tail;
        String delivered = head + "\"statuses\":[{\"id\":\"wamid.SENT-ELSEWHERE-2\",\"status\":\"delivered\",\"timestamp\":\""
                + ts + "\",\"recipient_id\":\"15550500003\",\"conversation\":{\"id\":\"c0ffee\",\"expiration_timestamp\":\""
                + ts + "\",\"origin\":{\"type\":\"marketing\"}},\"pricing\":{\"billable\":true,\"pricing_model\":\"PMP\","
                + "\"type\":\"regular\",\"category\":\"marketing\"}}]" + tail;
        // Two users' messages in one webhook: each is forwarded alone, with its own sender's contact.
        String ana = "{\"profile\":{\"name\":\"Ana Mar\\u00eda\"},\"wa_id\":\"15550500004\"}";
        String ravi = "{\"profile\":{\"name\":\"\\u0930\\u0935\\u093f\"},\"wa_id\":\"15550500005\"}";
        String fromAna = "{\"from\":\"15550500004\",\"id\":\"wamid.IN-ANA\",\"timestamp\":\"" + ts
                + "\",\"text\":{\"body\":\"\\u00bfHola?\"},\"type\":\"text\"}";
        String fromRavi = "{\"from\":\"15550500005\",\"id\":\"wamid.IN-RAVI\",\"timestamp\":\"" + ts
                + "\",\"text\":{\"body\":\"\\u0928\\u092e\\u0938\\u094d\\u0924\\u0947\"},\"type\":\"text\"}";
        String both = head + "\"contacts\":[" + ana + "," + ravi + "],\"messages\":[" + fromAna + "," + fromRavi + "]" + tail;
        for (String body : List.of(inbound, failed, delivered, both)) {
            h.metaWebhook(body);
        }
        DeliveryHarness.await("the five events logged and delivered", Duration.ofSeconds(30),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE tenant_id='a'") == 5 && h.fedEverything()
                        && pending("a") == 0, () -> "accepted " + ra.accepted().size() + ", pending " + pending("a"));

        List<String> received = new ArrayList<>();
        for (TenantReceiver.Request r : ra.accepted()) {
            received.add(new String(r.body(), StandardCharsets.US_ASCII));
            assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).as("request %d is printable ASCII", r.seq())
                    .matches("[\\x20-\\x7e]*");
            assertThat(r.signedWith(ra.secret())).as("request %d is signed over the bytes received", r.seq()).isTrue();
        }
        assertThat(received).containsExactlyInAnyOrder(inbound, failed, delivered,
                head + "\"contacts\":[" + ana + "],\"messages\":[" + fromAna + "]" + tail,
                head + "\"contacts\":[" + ravi + "],\"messages\":[" + fromRavi + "]" + tail);
        assertThat(ra.requests()).hasSize(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void repliesAndStatusesKeepEverythingMetaSentWithTheTenantsIds(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7502");
        TenantReceiver ra = receiver("secret-of-tenant-a-0008");
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofMinutes(5), Duration.ofSeconds(2), 4, 100), a);
        h.endpoint(a, ra, "all", true, true);

        String user = "15550500010";
        String id = h.send(a, List.of(user), i -> "ticket-7").get(0);
        DeliveryHarness.await("the message read", Duration.ofSeconds(20),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='status' AND status='read'") == 1);
        String wamid = h.query("SELECT wamid FROM messages WHERE id=?", rs -> rs.getString(1), id).get(0);
        // The emulator writes raw UTF-8, as a proxy in front of Meta might: the forwarded copy is escaped all the same.
        String reply = h.emulator.injectInbound(InboundMessage.text(a.channel(), user, "Zoë Ødegård", "Sí, gracias").inReplyTo(wamid));
        DeliveryHarness.await("everything forwarded", Duration.ofSeconds(30),
                () -> ra.acceptedMessages().size() == 1 && ra.acceptedStatuses().size() == 3 && pending("a") == 0,
                () -> "messages " + ra.acceptedMessages().size() + ", statuses " + ra.acceptedStatuses().size());

        // The inbound change is Meta's: contacts[] with the profile name, the message with its context.
        TenantReceiver.Request withMessage = ra.accepted().stream()
                .filter(r -> r.json().path("entry").get(0).path("changes").get(0).path("value").has("messages")).findFirst()
                .orElseThrow();
        assertThat(new String(withMessage.body(), StandardCharsets.US_ASCII))
                .contains("\"contacts\":[{\"profile\":{\"name\":\"Zo\\u00eb \\u00d8deg\\u00e5rd\"},\"wa_id\":\"" + user + "\"}]")
                .contains("\"body\":\"S\\u00ed, gracias\"");
        JsonNode value = withMessage.json().path("entry").get(0).path("changes").get(0).path("value");
        assertThat(value.path("contacts")).hasSize(1);
        assertThat(value.path("contacts").get(0).path("profile").path("name").asText()).isEqualTo("Zoë Ødegård");
        JsonNode m = value.path("messages").get(0);
        assertThat(m.path("id").asText()).isEqualTo(reply);
        assertThat(m.path("context").path("id").asText()).as("the reply names the tenant's id").isEqualTo(id);
        assertThat(m.path("context").path("from").asText()).isEqualTo(a.display());

        // Every status is the one Meta sent, pricing and all, with only its id and callback data the tenant's.
        Map<String, String> sent = new HashMap<>();
        h.query("SELECT status, payload FROM webhook_events WHERE kind='status'", rs -> sent.put(rs.getString(1), rs.getString(2)));
        assertThat(ra.acceptedStatuses()).hasSize(3).allSatisfy(s -> {
            ObjectNode meta = (ObjectNode) DeliveryHarness.JSON.readTree(sent.get(s.path("status").asText()));
            assertThat(meta.path("pricing").path("pricing_model").asText()).isEqualTo("PMP");
            meta.put("id", id).put("biz_opaque_callback_data", "ticket-7");
            assertThat(s).isEqualTo(meta);
        });
    }
}
