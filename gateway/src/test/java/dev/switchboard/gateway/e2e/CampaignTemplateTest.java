package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.Harness.channel;
import static dev.switchboard.gateway.e2e.Harness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.emulator.AccountEvent;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A campaign's template over HTTP against the emulator, on SQLite and PostgreSQL: mappings of
 * named body parameters, header media and text, and buttons are refused before start when Meta
 * would refuse them (132000, 132012) and, when right, reach Meta as the components it expects
 * (the emulator checks named parameters and header media itself); a template Meta recategorises
 * from UTILITY to MARKETING pauses the running campaign with both categories named, and resuming
 * accepts the new one.
 */
class CampaignTemplateTest {
    private static final String KEY = "sk_test_campaign_templates";
    private static final Duration LONG = Duration.ofSeconds(120);

    @TempDir
    Path dir;
    private TestDatabases.TestDb db;
    private Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private void start(String engine, int ceiling) {
        db = TestDatabases.forEngine(engine, dir);
        h = Harness.start(db.config(), dir, SwitchboardConfig.Sending.defaults(), e -> { }, tenant("ct", KEY, channel("8501", ceiling)));
    }

    private static String phone(int i) {
        return "9198" + String.format("%08d", 20_000_000 + i);
    }

    private String audience(List<String> contacts) {
        HttpResponse<String> r = h.post("/v1/audiences", KEY, "{\"name\":\"list\",\"contacts\":[" + String.join(",", contacts) + "]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Harness.json(r).path("id").asText();
    }

    private String draft(String template, String audience, String parameters) {
        HttpResponse<String> r = h.post("/v1/campaigns", KEY, "{\"name\":\"c\",\"template\":{\"name\":\"" + template
                + "\",\"language\":\"en_US\"},\"audience_id\":\"" + audience + "\",\"parameters\":" + parameters + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Harness.json(r).path("id").asText();
    }

    /** Starting the campaign is refused with 400 campaign_invalid, and the detail says why. */
    private String refusedAtStart(String template, String audience, String parameters) {
        String id = draft(template, audience, parameters);
        HttpResponse<String> r = h.post("/v1/campaigns/" + id + ":start", KEY, "");
        assertThat(r.statusCode()).as(parameters + " → " + r.body()).isEqualTo(400);
        assertThat(Harness.json(r).path("code").asText()).isEqualTo("campaign_invalid");
        assertThat(Harness.json(h.get("/v1/campaigns/" + id, KEY)).path("state").asText()).isEqualTo("draft");
        return Harness.json(r).path("detail").asText();
    }

    private JsonNode campaign(String id) {
        return Harness.json(h.get("/v1/campaigns/" + id, KEY));
    }

    private void awaitCompleted(String id) {
        Harness.await("campaign " + id + " completes", LONG, () -> campaign(id).path("state").asText().equals("completed"),
                () -> campaign(id).toString() + h.states());
    }

    /** The messages Meta accepted for this template, by recipient. */
    private Map<String, List<JsonNode>> accepted(String template) {
        Map<String, List<JsonNode>> out = new HashMap<>();
        for (AcceptedMessage m : h.emulator.acceptedMessages("8501")) {
            if (template.equals(m.templateName())) {
                out.computeIfAbsent(m.to(), k -> new ArrayList<>()).add(m.body().path("template").path("components"));
            }
        }
        return out;
    }

    private static JsonNode component(JsonNode components, String type) {
        for (JsonNode c : components) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        throw new AssertionError("no " + type + " component in " + components);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void mappingsAreCheckedBeforeStartAndTheRightOnesSendTheComponentsMetaExpects(String engine) {
        start(engine, 50);
        MetaTemplates.create(h, "8501", MetaTemplates.springPromo("spring_promo"));
        MetaTemplates.create(h, "8501", MetaTemplates.ticketNotice("ticket_notice"));
        assertThat(h.post("/v1/templates/sync", KEY, "").statusCode()).isEqualTo(200);
        List<String> contacts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            contacts.add("{\"phone\":\"+" + phone(i) + "\",\"first_name\":\"N" + i + "\",\"sku\":\"sku-" + i + "\",\"ticket\":\"T-" + i
                    + "\",\"gate\":\"G" + i + "\"" + (i % 2 == 0 ? ",\"code\":\"VIP" + i + "\"" : "") + "}");
        }
        String audience = audience(contacts);
        String image = "{\"type\":\"image\",\"link\":\"https://cdn.example/spring.jpg\"}";
        String body = "[{\"name\":\"first_name\",\"variable\":\"first_name\"},{\"name\":\"code\",\"variable\":\"code\",\"default\":\"SPRING\"}]";
        String buttons = "[{\"index\":0,\"sub_type\":\"url\",\"variable\":\"sku\"},{\"index\":1,\"sub_type\":\"quick_reply\",\"payload\":\"STOP_PROMO\"}]";

        // what Meta would refuse for every recipient is refused once, before start
        assertThat(refusedAtStart("spring_promo", audience, "[{\"variable\":\"first_name\"},{\"variable\":\"code\"}]"))
                .contains("named body parameters").contains("{{first_name}}").contains("132012");
        assertThat(refusedAtStart("spring_promo", audience, "{\"body\":" + body + ",\"buttons\":" + buttons + "}"))
                .contains("IMAGE header").contains("132012");
        assertThat(refusedAtStart("spring_promo", audience, "{\"header\":{\"type\":\"video\",\"link\":\"https://cdn.example/v.mp4\"},"
                + "\"body\":" + body + ",\"buttons\":" + buttons + "}")).contains("IMAGE header, but the mapping gives a video").contains("132012");
        assertThat(refusedAtStart("spring_promo", audience, "{\"header\":" + image + ",\"body\":[{\"name\":\"firstname\",\"variable\":\"first_name\"},"
                + "{\"name\":\"code\",\"text\":\"X\"}],\"buttons\":" + buttons + "}")).contains("missing {{first_name}}").contains("132000");
        assertThat(refusedAtStart("spring_promo", audience, "{\"header\":" + image + ",\"body\":" + body + "}"))
                .contains("button 0 (URL \"Shop\") needs a parameter");
        assertThat(refusedAtStart("spring_promo", audience, "{\"header\":" + image + ",\"body\":" + body
                + ",\"buttons\":[{\"index\":0,\"sub_type\":\"copy_code\",\"variable\":\"sku\"}]}")).contains("sub_type url").contains("132012");
        assertThat(refusedAtStart("ticket_notice", audience, "[{\"variable\":\"first_name\"},{\"text\":\"A1\"}]"))
                .contains("text header with a parameter {{1}}").contains("132000");
        assertThat(refusedAtStart("ticket_notice", audience, "{\"header\":{\"variable\":\"ticket\"},\"body\":[{\"variable\":\"first_name\"},"
                + "{\"text\":\"A1\"}],\"buttons\":[{\"index\":0,\"sub_type\":\"copy_code\",\"variable\":\"gate\"},"
                + "{\"index\":1,\"sub_type\":\"url\",\"text\":\"x\"}]}")).contains("button 1 (URL \"Venue\") takes no parameter");
        // malformed mappings are refused at create
        for (String bad : List.of("{\"header\":{\"type\":\"gif\",\"link\":\"https://x.example/a.gif\"}}", "{\"buttons\":[{\"index\":12,\"sub_type\":\"url\",\"text\":\"a\"}]}",
                "[{\"name\":\"a\",\"variable\":\"x\"},{\"variable\":\"y\"}]", "{\"header\":{\"type\":\"image\",\"link\":\"ftp://x.example/a.jpg\"}}",
                "{\"footer\":[]}", "\"first_name\"", "[{\"text\":\"\"}]")) {
            HttpResponse<String> r = h.post("/v1/campaigns", KEY, "{\"name\":\"c\",\"template\":{\"name\":\"spring_promo\",\"language\":\"en_US\"},"
                    + "\"audience_id\":\"" + audience + "\",\"parameters\":" + bad + "}");
            assertThat(r.statusCode()).as(bad + " → " + r.body()).isEqualTo(400);
            assertThat(Harness.json(r).path("code").asText()).isEqualTo("invalid_parameter");
        }

        // right: every part reaches Meta as it expects it (the emulator refuses a named template without
        // parameter_name, and an IMAGE header without its image, with 132000 / 132012)
        String promo = draft("spring_promo", audience, "{\"header\":" + image + ",\"body\":" + body + ",\"buttons\":" + buttons + "}");
        JsonNode stored = campaign(promo).path("parameters");
        assertThat(stored.path("header").path("link").asText()).isEqualTo("https://cdn.example/spring.jpg");
        assertThat(stored.path("body").get(1).path("default").asText()).isEqualTo("SPRING");
        assertThat(stored.path("buttons").get(1).path("payload").asText()).isEqualTo("STOP_PROMO");
        assertThat(h.post("/v1/campaigns/" + promo + ":start", KEY, "").statusCode()).isEqualTo(200);
        String tickets = draft("ticket_notice", audience, "{\"header\":{\"variable\":\"ticket\"},\"body\":[{\"variable\":\"first_name\"},"
                + "{\"text\":\"A1\"}],\"buttons\":[{\"index\":0,\"sub_type\":\"copy_code\",\"variable\":\"gate\"}]}");
        assertThat(h.post("/v1/campaigns/" + tickets + ":start", KEY, "").statusCode()).isEqualTo(200);
        awaitCompleted(promo);
        awaitCompleted(tickets);
        Harness.await("Meta has every message", LONG, () -> accepted("spring_promo").size() == 6 && accepted("ticket_notice").size() == 6);

        for (int i = 0; i < 6; i++) {
            List<JsonNode> got = accepted("spring_promo").get(phone(i));
            assertThat(got).as("one message each").hasSize(1);
            JsonNode c = got.get(0);
            assertThat(component(c, "header").path("parameters").get(0).path("image").path("link").asText()).isEqualTo("https://cdn.example/spring.jpg");
            JsonNode params = component(c, "body").path("parameters");
            assertThat(params.get(0).path("parameter_name").asText()).isEqualTo("first_name");
            assertThat(params.get(0).path("text").asText()).isEqualTo("N" + i);
            assertThat(params.get(1).path("parameter_name").asText()).isEqualTo("code");
            assertThat(params.get(1).path("text").asText()).isEqualTo(i % 2 == 0 ? "VIP" + i : "SPRING");
            List<JsonNode> buttonsSent = new ArrayList<>();
            c.forEach(x -> {
                if ("button".equals(x.path("type").asText())) {
                    buttonsSent.add(x);
                }
            });
            assertThat(buttonsSent).hasSize(2);
            assertThat(buttonsSent.get(0).path("sub_type").asText()).isEqualTo("url");
            assertThat(buttonsSent.get(0).path("index").asText()).isEqualTo("0");
            assertThat(buttonsSent.get(0).path("parameters").get(0).path("text").asText()).isEqualTo("sku-" + i);
            assertThat(buttonsSent.get(1).path("sub_type").asText()).isEqualTo("quick_reply");
            assertThat(buttonsSent.get(1).path("parameters").get(0).path("payload").asText()).isEqualTo("STOP_PROMO");

            JsonNode t = accepted("ticket_notice").get(phone(i)).get(0);
            assertThat(component(t, "header").path("parameters").get(0).path("text").asText()).isEqualTo("T-" + i);
            assertThat(component(t, "body").path("parameters").get(1).path("text").asText()).isEqualTo("A1");
            assertThat(component(t, "button").path("sub_type").asText()).isEqualTo("copy_code");
            assertThat(component(t, "button").path("parameters").get(0).path("coupon_code").asText()).isEqualTo("G" + i);
        }
        JsonNode stats = Harness.json(h.get("/v1/campaigns/" + promo + "/stats", KEY));
        assertThat(stats.path("skipped").path("total").asLong()).isZero();
        assertThat(stats.path("failed").path("total").asLong()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aTemplateRecategorisedAsMarketingPausesTheCampaignAndResumingAcceptsIt(String engine) {
        start(engine, 20);
        List<String> contacts = new ArrayList<>();
        List<String> phones = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            contacts.add("{\"phone\":\"+" + phone(i) + "\",\"name\":\"P" + i + "\"}");
            phones.add(phone(i));
        }
        String id = draft("order_update", audience(contacts), "[{\"variable\":\"name\"},{\"text\":\"#7\"}]");
        JsonNode started = Harness.json(h.post("/v1/campaigns/" + id + ":start", KEY, ""));
        assertThat(started.path("template").path("category").asText()).isEqualTo("UTILITY");
        Harness.await("the campaign is sending", LONG, () -> accepted("order_update").size() >= 20);

        h.emulator.accountEvent(AccountEvent.templateCategory("waba-8501", "order_update", "en_US", "UTILITY", "MARKETING"));
        Harness.await("the campaign pauses itself", LONG, () -> campaign(id).path("state").asText().equals("paused"),
                () -> campaign(id).toString());
        JsonNode paused = campaign(id);
        assertThat(paused.path("state_reason").asText()).contains("order_update").contains("from UTILITY to MARKETING")
                .contains("Resume the campaign to accept MARKETING");
        assertThat(paused.path("template").path("category").asText()).isEqualTo("UTILITY");
        JsonNode listed = Harness.json(h.get("/v1/templates/order_update", KEY)).path("translations").get(0);
        assertThat(listed.path("category").asText()).as("the catalogue took the new category").isEqualTo("MARKETING");

        HttpResponse<String> resumed = h.post("/v1/campaigns/" + id + ":resume", KEY, "");
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        assertThat(Harness.json(resumed).path("state").asText()).isEqualTo("running");
        assertThat(Harness.json(resumed).path("state_reason").isNull()).isTrue();
        assertThat(Harness.json(resumed).path("template").path("category").asText()).isEqualTo("MARKETING");
        awaitCompleted(id);
        Harness.await("Meta has every one", LONG, () -> accepted("order_update").size() == phones.size());
        assertThat(accepted("order_update").values()).as("nobody messaged twice").allMatch(l -> l.size() == 1);
        assertThat(accepted("order_update").keySet()).containsExactlyInAnyOrderElementsOf(phones);
    }
}
