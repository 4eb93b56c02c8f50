package dev.switchboard.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Request bodies and readers shared by the messaging API tests. */
final class MessagingFixtures {
    private MessagingFixtures() {}

    /** A fresh, valid US number (digits only) so each test owns its recipients. */
    static String freshNumber() {
        return "1650" + (2_000_000 + ThreadLocalRandom.current().nextInt(7_000_000));
    }

    static String facade(String channel) {
        return "/v23.0/" + channel + "/messages";
    }

    static ObjectNode text(String to, String body) {
        ObjectNode n = TestHttp.JSON.createObjectNode().put("messaging_product", "whatsapp").put("to", to).put("type", "text");
        n.putObject("text").put("body", body);
        return n;
    }

    static ObjectNode nativeText(String channel, String to) {
        ObjectNode n = TestHttp.JSON.createObjectNode().put("channel_id", channel).put("to", to).put("type", "text");
        n.putObject("text").put("body", "hello " + to);
        return n;
    }

    static JsonNode getMessage(TestHttp http, String key, String id) {
        Resp r = http.get("/v1/messages/" + id, key);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.json();
    }

    static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.path("data").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }
}
