package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The forwarded body's layout, bytes and signature, without a node. */
class EnvelopeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private long ids;

    private OutboxRow status(String channel, String waba, String contact, String id, String status) {
        return OutboxRow.fresh("t", ++ids, channel + ":" + contact, "status", "messages", waba, channel, "+1 555 " + channel,
                status, "{\"id\":\"" + id + "\",\"status\":\"" + status + "\",\"recipient_id\":\"" + contact + "\"}", null, 0);
    }

    private OutboxRow message(String channel, String waba, String from, String wamid) {
        return OutboxRow.fresh("t", ++ids, channel + ":" + from, "message", "messages", waba, channel, "+1 555 " + channel,
                "text", "{\"from\":\"" + from + "\",\"id\":\"" + wamid + "\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}", null,
                0);
    }

    private OutboxRow account(String waba) {
        return OutboxRow.fresh("t", ++ids, "null:", "account", "account_update", waba, null, null, "account_update",
                "{\"event\":\"VERIFIED_ACCOUNT\"}", null, 0);
    }

    @Test
    void rowsAreLaidOutInMetasShapeAndInOrder() throws Exception {
        List<OutboxRow> rows = List.of(
                status("p1", "w1", "u1", "sbm_1", "sent"),
                status("p1", "w1", "u2", "sbm_2", "sent"),
                message("p1", "w1", "u1", "wamid.in1"),
                message("p1", "w1", "u1", "wamid.in2"),
                status("p1", "w1", "u1", "sbm_1", "delivered"),
                account("w1"),
                status("p2", "w2", "u1", "sbm_3", "read"));
        JsonNode root = JSON.readTree(Envelope.build(rows, JSON));
        assertThat(root.path("object").asText()).isEqualTo("whatsapp_business_account");
        JsonNode entries = root.path("entry");
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0).path("id").asText()).isEqualTo("w1");
        assertThat(entries.get(1).path("id").asText()).isEqualTo("w2");
        JsonNode changes = entries.get(0).path("changes");
        assertThat(changes).hasSize(4);
        JsonNode first = changes.get(0).path("value");
        assertThat(changes.get(0).path("field").asText()).isEqualTo("messages");
        assertThat(first.path("messaging_product").asText()).isEqualTo("whatsapp");
        assertThat(first.path("metadata").path("phone_number_id").asText()).isEqualTo("p1");
        assertThat(first.path("metadata").path("display_phone_number").asText()).isEqualTo("+1 555 p1");
        assertThat(first.path("statuses").findValuesAsText("id")).containsExactly("sbm_1", "sbm_2");
        JsonNode inbound = changes.get(1).path("value");
        assertThat(inbound.path("contacts")).hasSize(1);
        assertThat(inbound.path("contacts").get(0).path("wa_id").asText()).isEqualTo("u1");
        assertThat(inbound.path("messages").findValuesAsText("id")).containsExactly("wamid.in1", "wamid.in2");
        assertThat(changes.get(2).path("value").path("statuses").get(0).path("status").asText()).isEqualTo("delivered");
        assertThat(changes.get(3).path("field").asText()).isEqualTo("account_update");
        assertThat(changes.get(3).path("value").path("event").asText()).isEqualTo("VERIFIED_ACCOUNT");

        // Walking entries, changes and arrays in order gives back the rows in order.
        List<String> walked = new ArrayList<>();
        for (JsonNode entry : entries) {
            for (JsonNode change : entry.path("changes")) {
                JsonNode v = change.path("value");
                v.path("statuses").forEach(s -> walked.add(s.path("id").asText() + "/" + s.path("status").asText()));
                v.path("messages").forEach(m -> walked.add(m.path("id").asText()));
                if (v.has("event")) {
                    walked.add(v.path("event").asText());
                }
            }
        }
        assertThat(walked).containsExactly("sbm_1/sent", "sbm_2/sent", "wamid.in1", "wamid.in2", "sbm_1/delivered",
                "VERIFIED_ACCOUNT", "sbm_3/read");
    }

    private static final String FRAME = "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550001\","
            + "\"phone_number_id\":\"p1\"},\"contacts\":[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":\"u1\"}],\"messages\":[]}";

    private OutboxRow framed(String from, String wamid, String frame) {
        return OutboxRow.fresh("t", ++ids, "p1:" + from, "message", "messages", "w1", "p1", "+1 555 p1", "text",
                "{\"from\":\"" + from + "\",\"id\":\"" + wamid + "\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}", frame, 0);
    }

    @Test
    void theBodyIsEscapedAsMetaEscapesIt() {
        OutboxRow row = OutboxRow.fresh("t", ++ids, "p1:u1", "message", "messages", "w1", "p1", "+1 555 p1", "text",
                "{\"from\":\"u1\",\"id\":\"wamid.x\",\"type\":\"text\",\"text\":{\"body\":"
                        + "\"Café ÿĀ नमस्ते 😀 a/b \\\" \\n\\u0001\"}}", null, 0);
        byte[] body = Envelope.build(List.of(row), JSON);
        assertThat(new String(body, StandardCharsets.ISO_8859_1)).as("printable ASCII").matches("[\\x20-\\x7e]*");
        assertThat(new String(body, StandardCharsets.US_ASCII)).contains("\"body\":\"Caf\\u00e9 \\u00ff\\u0100"
                + " \\u0928\\u092e\\u0938\\u094d\\u0924\\u0947 \\ud83d\\ude00 a\\/b \\\" \\n\\u0001\"");
    }

    @Test
    void aRowIsForwardedInTheChangeMetaSentIt() {
        String body = new String(Envelope.build(List.of(framed("u1", "wamid.a", FRAME)), JSON), StandardCharsets.US_ASCII);
        assertThat(body).isEqualTo("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"w1\",\"changes\":[{\"value\":"
                + FRAME.replace("\"messages\":[]", "\"messages\":[{\"from\":\"u1\",\"id\":\"wamid.a\",\"type\":\"text\","
                        + "\"text\":{\"body\":\"hi\"}}]")
                + ",\"field\":\"messages\"}]}]}");
    }

    @Test
    void batchedRowsShareAChangeWhenMetaSentThemInTheSameFrame() throws Exception {
        String other = FRAME.replace("Ana", "Bo").replace("u1", "u2");
        String elsewhere = FRAME.replace("15550001", "+1 555-0001");
        List<OutboxRow> rows = List.of(framed("u1", "wamid.a", FRAME), framed("u2", "wamid.b", other),
                framed("u1", "wamid.c", FRAME), framed("u1", "wamid.d", elsewhere), framed("u3", "wamid.e", null));
        JsonNode changes = JSON.readTree(Envelope.build(rows, JSON)).path("entry").get(0).path("changes");
        assertThat(changes).hasSize(3);
        JsonNode first = changes.get(0).path("value");
        assertThat(first.path("messages").findValuesAsText("id")).containsExactly("wamid.a", "wamid.b", "wamid.c");
        assertThat(first.path("contacts")).isEqualTo(JSON.readTree("[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":\"u1\"},"
                + "{\"profile\":{\"name\":\"Bo\"},\"wa_id\":\"u2\"}]"));
        assertThat(changes.get(1).path("value").path("metadata").path("display_phone_number").asText()).isEqualTo("+1 555-0001");
        assertThat(changes.get(1).path("value").path("messages").findValuesAsText("id")).containsExactly("wamid.d");
        // No frame (an event Meta did not send, or queued before frames were kept): the plain shape.
        JsonNode plain = changes.get(2).path("value");
        assertThat(plain.path("metadata").path("display_phone_number").asText()).isEqualTo("+1 555 p1");
        assertThat(plain.path("contacts")).isEqualTo(JSON.readTree("[{\"wa_id\":\"u3\"}]"));
    }

    @Test
    void theSignatureIsMetasHeaderOverTheRawBody() {
        // RFC 4231, test case 2.
        byte[] body = "what do ya want for nothing?".getBytes(StandardCharsets.UTF_8);
        assertThat(Signatures.header("Jefe", body))
                .isEqualTo("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
