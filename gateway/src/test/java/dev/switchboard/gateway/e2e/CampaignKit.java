package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.Harness.channel;
import static dev.switchboard.gateway.e2e.Harness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A node with one campaign tenant ({@link #KEY}: channels 8101 and 8102) and another tenant
 * ({@link #OTHER_KEY}: channel 8201) against the emulator, and the campaign API calls the
 * campaign tests make over HTTP.
 */
final class CampaignKit implements AutoCloseable {
    static final String KEY = "sk_test_campaign_kit";
    static final String OTHER_KEY = "sk_test_campaign_kit_other";
    static final List<String> CHANNELS = List.of("8101", "8102");
    static final Duration LONG = Duration.ofSeconds(120);

    final Harness h;
    private final TestDatabases.TestDb db;

    private CampaignKit(TestDatabases.TestDb db, Harness h) {
        this.db = db;
        this.h = h;
    }

    static CampaignKit start(String engine, Path dir, int ceiling, Consumer<EmulatorConfig.Builder> tweaks) {
        TestDatabases.TestDb db = TestDatabases.forEngine(engine, dir);
        try {
            Harness h = Harness.start(db.config(), dir, SwitchboardConfig.Sending.defaults(), tweaks,
                    new SwitchboardConfig.TenantSpec("camp", "camp", KEY, 1_000_000, 10_000_000L,
                            List.of(channel("8101", ceiling), channel("8102", ceiling))),
                    tenant("other", OTHER_KEY, channel("8201", 50)));
            return new CampaignKit(db, h);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    static String indian(int i) {
        return "9198" + String.format("%08d", 10_000_000 + i);
    }

    static String us(int i) {
        return "1415867" + String.format("%04d", 5300 + i);
    }

    /** An audience of {@code n} Indian numbers from {@code from}, each with a {@code name}. */
    String audience(int from, int n) {
        List<String> contacts = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            contacts.add("{\"phone\":\"+" + indian(i) + "\",\"name\":\"P" + i + "\"}");
        }
        return audience(contacts);
    }

    /** An audience from JSON contacts; returns its id after checking every contact was taken. */
    String audience(List<String> contactJson) {
        HttpResponse<String> r = h.post("/v1/audiences", KEY, "{\"name\":\"list\",\"contacts\":[" + String.join(",", contactJson) + "]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(Harness.json(r).path("contacts").asLong()).as(r.body()).isEqualTo(contactJson.size());
        return Harness.json(r).path("id").asText();
    }

    /** A started campaign of {@code template} (two body parameters: the contact's name and a fixed text) to {@code audience}. */
    String startCampaign(String template, String audience, String channelJson) {
        HttpResponse<String> r = h.post("/v1/campaigns", KEY, "{\"name\":\"c\",\"template\":{\"name\":\"" + template
                + "\",\"language\":\"en_US\"},\"audience_id\":\"" + audience + "\"," + channelJson
                + "\"parameters\":[{\"variable\":\"name\"},{\"text\":\"20%\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = Harness.json(r).path("id").asText();
        act(id, "start", 200);
        return id;
    }

    JsonNode act(String id, String action, int status) {
        HttpResponse<String> r = h.post("/v1/campaigns/" + id + ":" + action, KEY, "");
        assertThat(r.statusCode()).as(action + " " + r.body()).isEqualTo(status);
        return Harness.json(r);
    }

    JsonNode stats(String id) {
        HttpResponse<String> r = h.get("/v1/campaigns/" + id + "/stats", KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Harness.json(r);
    }

    JsonNode campaign(String id) {
        HttpResponse<String> r = h.get("/v1/campaigns/" + id, KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Harness.json(r);
    }

    void awaitState(String id, String state) {
        Harness.await("campaign " + id + " " + state, LONG, () -> stats(id).path("state").asText().equals(state),
                () -> stats(id) + " " + h.states());
    }

    /**
     * Waits until the campaign completed and Meta's statuses have settled it: {@code failed}
     * messages failed, every other one sent (a sent message's failure may still be on its way,
     * so the number of failures is what says the statuses have arrived).
     */
    void awaitSettled(String id, int failed) {
        awaitState(id, "completed");
        Harness.await("every status of " + id + " has arrived", LONG, () -> {
            JsonNode s = stats(id);
            return s.path("failed").path("total").asLong() == failed
                    && s.path("sent").asLong() + failed == s.path("messages").asLong();
        }, () -> stats(id).toString());
    }

    /** Messages the emulator accepted per recipient among {@code recipients}, on the tenant's numbers. */
    Map<String, Integer> received(Set<String> recipients) {
        Map<String, Integer> out = new HashMap<>();
        for (String ch : CHANNELS) {
            for (AcceptedMessage m : h.emulator.acceptedMessages(ch)) {
                if (recipients.contains(m.to())) {
                    out.merge(m.to(), 1, Integer::sum);
                }
            }
        }
        return out;
    }

    int receivedTotal(Set<String> recipients) {
        return received(recipients).values().stream().mapToInt(Integer::intValue).sum();
    }

    /** A GET with an {@code Accept} header. */
    HttpResponse<String> get(String path, String apiKey, String accept) {
        return Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + path)).header("Authorization", "Bearer " + apiKey)
                .header("Accept", accept).GET());
    }

    @Override
    public void close() {
        try {
            h.close();
        } finally {
            db.close();
        }
    }
}
