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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Campaigns over HTTP against the emulator, on SQLite and PostgreSQL: a few thousand recipients
 * over two numbers with every outcome checked, pause / resume / cancel proven by what the
 * emulator received, and validation that refuses a mapping Meta would refuse.
 */
class CampaignFlowTest {
    private static final String KEY = "sk_test_campaigns";
    private static final String OTHER_KEY = "sk_test_campaigns_other";
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

    private void start(String engine, int ceiling, Consumer<dev.switchboard.emulator.EmulatorConfig.Builder> tweaks) {
        start(engine, 1_000_000, ceiling, tweaks);
    }

    private void start(String engine, int ingressPerSecond, int ceiling, Consumer<dev.switchboard.emulator.EmulatorConfig.Builder> tweaks) {
        db = TestDatabases.forEngine(engine, dir);
        h = Harness.start(db.config(), dir, SwitchboardConfig.Sending.defaults(), tweaks,
                new SwitchboardConfig.TenantSpec("camp", "camp", KEY, ingressPerSecond, 10_000_000L,
                        List.of(channel("8101", ceiling), channel("8102", ceiling))),
                tenant("other", OTHER_KEY, channel("8201", 50)));
    }

    /** An audience of {@code n} contacts with a {@code name} variable; their phones go into {@code phones}. */
    private String namedAudience(int n, Set<String> phones) {
        List<String> contacts = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            contacts.add("{\"phone\":\"+" + indian(i) + "\",\"name\":\"P" + i + "\"}");
            phones.add(indian(i));
        }
        return audience(contacts);
    }

    private static String indian(int i) {
        return "9198" + String.format("%08d", 10_000_000 + i);
    }

    private static String us(int i) {
        return "1415867" + String.format("%04d", 5300 + i);
    }

    /** An audience from JSON contacts; returns its id after checking every contact was taken. */
    private String audience(List<String> contactJson) {
        String body = "{\"name\":\"list\",\"contacts\":[" + String.join(",", contactJson) + "]}";
        HttpResponse<String> r = h.post("/v1/audiences", KEY, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(Harness.json(r).path("contacts").asLong()).as(r.body()).isEqualTo(contactJson.size());
        return Harness.json(r).path("id").asText();
    }

    private JsonNode create(String body, int status) {
        HttpResponse<String> r = h.post("/v1/campaigns", KEY, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return Harness.json(r);
    }

    private JsonNode act(String id, String action, String form, int status) {
        String path = form.equals(":") ? "/v1/campaigns/" + id + ":" + action : "/v1/campaigns/" + id + "/" + action;
        HttpResponse<String> r = h.post(path, KEY, "");
        assertThat(r.statusCode()).as(action + " " + r.body()).isEqualTo(status);
        return Harness.json(r);
    }

    private JsonNode stats(String id) {
        HttpResponse<String> r = h.get("/v1/campaigns/" + id + "/stats", KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Harness.json(r);
    }

    /** Emulator messages per recipient among {@code recipients}, across both numbers. */
    private Map<String, Integer> received(Set<String> recipients) {
        Map<String, Integer> out = new HashMap<>();
        for (String ch : List.of("8101", "8102")) {
            for (AcceptedMessage m : h.emulator.acceptedMessages(ch)) {
                if (recipients.contains(m.to())) {
                    out.merge(m.to(), 1, Integer::sum);
                }
            }
        }
        return out;
    }

    private int receivedTotal(Set<String> recipients) {
        return received(recipients).values().stream().mapToInt(Integer::intValue).sum();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aCampaignOfThousandsCompletesWithEveryOutcomeRightAndSkipsCounted(String engine) {
        Set<String> undeliverable = Set.of(indian(7), indian(700), indian(1700), indian(2500), indian(2899));
        start(engine, 200, e -> undeliverable.forEach(e::undeliverable));
        int indians = 2900;
        List<String> contacts = new java.util.ArrayList<>();
        Map<String, String[]> expected = new HashMap<>(); // phone → the two parameters it must get
        Set<String> noName = new HashSet<>();
        for (int i = 0; i < indians; i++) {
            String phone = indian(i);
            if (i % 97 == 5) { // 30 without the variable that has no default: invalid
                contacts.add("{\"phone\":\"+" + phone + "\",\"city\":\"Pune\"}");
                noName.add(phone);
            } else if (i % 10 == 3) {
                contacts.add("{\"phone\":\"+" + phone + "\",\"first_name\":\"N" + i + "\",\"discount\":\"35%\"}");
                expected.put(phone, new String[] {"N" + i, "35%"});
            } else {
                contacts.add("{\"phone\":\"+" + phone + "\",\"first_name\":\"N" + i + "\"}");
                expected.put(phone, new String[] {"N" + i, "20%"});
            }
        }
        Set<String> usPhones = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            contacts.add("{\"phone\":\"+" + us(i) + "\",\"first_name\":\"U" + i + "\"}");
            usPhones.add(us(i));
        }
        assertThat(noName).hasSize(30);
        String audience = audience(contacts);
        // opted out after the upload: the campaign must still skip them
        Set<String> optedOut = new HashSet<>();
        for (int i = 1; i < indians && optedOut.size() < 40; i += 71) {
            if (expected.containsKey(indian(i)) && !undeliverable.contains(indian(i))) {
                HttpResponse<String> r = h.post("/v1/audience/opt-outs", KEY, "{\"user\":\"+" + indian(i) + "\",\"reason\":\"SMS STOP\"}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                optedOut.add(indian(i));
                expected.remove(indian(i));
            }
        }
        JsonNode draft = create("{\"name\":\"Diwali sale\",\"template\":{\"name\":\"flash_sale\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + audience + "\",\"channel_pool\":[\"8101\",\"8102\"],"
                + "\"parameters\":[{\"variable\":\"first_name\"},{\"variable\":\"discount\",\"default\":\"20%\"}]}", 201);
        String id = draft.path("id").asText();
        assertThat(draft.path("state").asText()).isEqualTo("draft");
        assertThat(draft.path("lane").asText()).isEqualTo("low");
        assertThat(act(id, "start", ":", 200).path("state").asText()).isEqualTo("running");
        act(id, "start", ":", 409);

        Set<String> everyone = new HashSet<>(expected.keySet());
        everyone.addAll(noName);
        everyone.addAll(usPhones);
        everyone.addAll(optedOut);
        long[] maxPending = new long[1];
        Harness.await("the campaign completes", LONG, () -> {
            maxPending[0] = Math.max(maxPending[0],
                    h.count("SELECT COUNT(*) FROM messages WHERE campaign_id='" + id + "' AND state IN ('QUEUED','SENDING')"));
            return stats(id).path("state").asText().equals("completed");
        }, () -> stats(id).toString() + h.states());
        int eligible = expected.size();
        Harness.await("every status has arrived", LONG, () -> {
            JsonNode s = stats(id);
            return s.path("sent").asLong() + s.path("failed").path("total").asLong() == eligible
                    && s.path("failed").path("total").asLong() == undeliverable.size();
        }, () -> stats(id).toString());

        JsonNode s = stats(id);
        assertThat(s.path("targeted").asLong()).isEqualTo(contacts.size());
        assertThat(s.path("expanded").asLong()).isEqualTo(contacts.size());
        assertThat(s.path("skipped").path("by_reason").path("opted_out").asLong()).isEqualTo(optedOut.size());
        assertThat(s.path("skipped").path("by_reason").path("marketing_to_us").asLong()).isEqualTo(50);
        assertThat(s.path("skipped").path("by_reason").path("invalid").asLong()).isEqualTo(30);
        assertThat(s.path("skipped").path("total").asLong()).isEqualTo(optedOut.size() + 80);
        assertThat(s.path("messages").asLong()).isEqualTo(eligible);
        assertThat(s.path("queued").asLong()).isZero();
        assertThat(s.path("failed").path("by_code").path("131026").asLong()).isEqualTo(undeliverable.size());
        assertThat(s.path("delivered").asLong()).isLessThanOrEqualTo(s.path("sent").asLong());
        assertThat(s.path("read").asLong()).isLessThanOrEqualTo(s.path("delivered").asLong());
        assertThat(maxPending[0]).as("expansion is bounded by the queue limit plus one chunk").isLessThanOrEqualTo(2_500);

        // every eligible recipient got exactly one message with its own parameters; nobody skipped got any
        Map<String, Integer> got = received(everyone);
        assertThat(got.keySet()).isEqualTo(expected.keySet());
        assertThat(got.values()).allMatch(n -> n == 1);
        for (String ch : List.of("8101", "8102")) {
            assertThat(h.emulator.acceptedMessages(ch)).as("both numbers carry the campaign").isNotEmpty();
            for (AcceptedMessage m : h.emulator.acceptedMessages(ch)) {
                JsonNode params = m.body().path("template").path("components").path(0).path("parameters");
                assertThat(params.path(0).path("text").asText()).isEqualTo(expected.get(m.to())[0]);
                assertThat(params.path(1).path("text").asText()).isEqualTo(expected.get(m.to())[1]);
            }
            assertThat(h.emulator.stats().number(ch).rejections(130429)).isZero();
        }
        // another tenant sees none of it
        assertThat(h.get("/v1/campaigns/" + id, OTHER_KEY).statusCode()).isEqualTo(404);
        assertThat(h.get("/v1/campaigns/" + id + "/stats", OTHER_KEY).statusCode()).isEqualTo(404);
        assertThat(h.post("/v1/campaigns/" + id + ":cancel", OTHER_KEY, "").statusCode()).isEqualTo(404);
        assertThat(Harness.json(h.get("/v1/campaigns", OTHER_KEY)).path("data")).isEmpty();
        assertThat(Harness.json(h.get("/v1/campaigns", KEY)).path("data").path(0).path("id").asText()).isEqualTo(id);
        act(id, "pause", "/", 409);
        act(id, "cancel", ":", 409);
    }

    /** Sends a NORMAL-lane utility message to {@code to} on {@code channel} and waits until the emulator has it. */
    private void sendPastTheCampaign(String channel, String to) {
        HttpResponse<String> r = h.post("/v1/messages", KEY, "{\"channel_id\":\"" + channel + "\",\"to\":\"" + to
                + "\",\"type\":\"template\",\"template\":{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        Harness.await("the later message on " + channel + " reaches Meta", LONG,
                () -> h.emulator.acceptedMessages(channel).stream().anyMatch(m -> m.to().equals(to)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void pauseHoldsEverySendResumeContinuesCancelLeavesCancelled(String engine) {
        start(engine, 20, e -> { });
        List<String> contacts = new java.util.ArrayList<>();
        Set<String> phones = new HashSet<>();
        for (int i = 0; i < 1200; i++) {
            contacts.add("{\"phone\":\"+" + indian(i) + "\",\"name\":\"P" + i + "\"}");
            phones.add(indian(i));
        }
        String audience = audience(contacts);
        String id = create("{\"name\":\"notices\",\"template\":{\"name\":\"order_update\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + audience + "\",\"parameters\":[{\"variable\":\"name\"},{\"text\":\"#42\"}]}", 201)
                .path("id").asText();
        act(id, "start", "/", 200);
        Harness.await("the campaign is sending", LONG, () -> receivedTotal(phones) >= 40);

        assertThat(act(id, "pause", ":", 200).path("state").asText()).isEqualTo("paused");
        act(id, "pause", ":", 409);
        act(id, "start", ":", 409);
        Harness.await("no campaign send in flight", LONG,
                () -> h.count("SELECT COUNT(*) FROM messages WHERE campaign_id='" + id + "' AND state='SENDING'") == 0);
        h.awaitSetAside("8101", "campaign paused");
        h.awaitSetAside("8102", "campaign paused");
        int beforePause = receivedTotal(phones);
        long messagesAtPause = stats(id).path("messages").asLong();
        sendPastTheCampaign("8101", "447700900001");
        sendPastTheCampaign("8102", "447700900002");
        assertThat(receivedTotal(phones)).as("nothing of the paused campaign reached Meta").isEqualTo(beforePause);
        JsonNode paused = stats(id);
        assertThat(paused.path("messages").asLong()).as("expansion stopped").isEqualTo(messagesAtPause);
        assertThat(paused.path("queued").asLong()).as("held, not lost").isPositive();
        assertThat(paused.path("sent").asLong() + paused.path("failed").path("total").asLong()).isEqualTo(beforePause);

        assertThat(act(id, "resume", "/", 200).path("state").asText()).isEqualTo("running");
        Harness.await("sending continues after resume", LONG, () -> receivedTotal(phones) >= beforePause + 40);

        assertThat(act(id, "cancel", ":", 200).path("state").asText()).isEqualTo("cancelled");
        act(id, "resume", ":", 409);
        Harness.await("no campaign send in flight", LONG,
                () -> h.count("SELECT COUNT(*) FROM messages WHERE campaign_id='" + id + "' AND state='SENDING'") == 0);
        int beforeCancel = receivedTotal(phones);
        JsonNode cancelled = stats(id);
        sendPastTheCampaign("8101", "447700900003");
        sendPastTheCampaign("8102", "447700900004");
        assertThat(receivedTotal(phones)).as("nothing of the cancelled campaign reached Meta").isEqualTo(beforeCancel);
        JsonNode after = stats(id);
        assertThat(after.path("state").asText()).isEqualTo("cancelled");
        assertThat(after.path("queued").asLong()).isZero();
        assertThat(after.path("cancelled").asLong()).isPositive();
        assertThat(after.path("messages").asLong()).as("no message created after cancel").isEqualTo(cancelled.path("messages").asLong());
        assertThat(after.path("cancelled").asLong() + beforeCancel).isEqualTo(after.path("messages").asLong());
        assertThat(h.count("SELECT COUNT(*) FROM messages WHERE campaign_id='" + id + "' AND state='CANCELLED'"))
                .isEqualTo(after.path("cancelled").asLong());
        assertThat(received(phones).values()).as("nobody messaged twice").allMatch(n -> n == 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void startRefusesAMappingTheTemplateCannotTake(String engine) {
        start(engine, 50, e -> { });
        String audience = audience(List.of("{\"phone\":\"+" + indian(1) + "\",\"name\":\"A\"}"));
        String oneParam = create("{\"name\":\"short\",\"template\":{\"name\":\"order_update\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + audience + "\",\"channel_id\":\"8101\",\"parameters\":[{\"variable\":\"name\"}]}", 201)
                .path("id").asText();
        HttpResponse<String> r = h.post("/v1/campaigns/" + oneParam + ":start", KEY, "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(Harness.json(r).path("code").asText()).isEqualTo("campaign_invalid");
        assertThat(Harness.json(r).path("detail").asText()).contains("takes 2 body parameter(s)").contains("gives 1").contains("132000");
        assertThat(Harness.json(h.get("/v1/campaigns/" + oneParam, KEY)).path("state").asText()).isEqualTo("draft");

        String unknown = create("{\"name\":\"typo\",\"template\":{\"name\":\"order_updat\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + audience + "\"}", 201).path("id").asText();
        r = h.post("/v1/campaigns/" + unknown + "/start", KEY, "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(Harness.json(r).path("detail").asText()).contains("order_updat").contains("not in the catalogue");

        assertThat(h.post("/v1/campaigns", KEY, "{\"name\":\"x\",\"template\":{\"name\":\"order_update\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"aud_nope\"}").statusCode()).isEqualTo(400);
        assertThat(h.post("/v1/campaigns", KEY, "{\"name\":\"x\",\"template\":{\"name\":\"order_update\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + audience + "\",\"channel_id\":\"8201\"}").statusCode()).as("another tenant's channel").isEqualTo(400);
        assertThat(h.post("/v1/campaigns", KEY, "{\"name\":\"x\",\"template\":{\"name\":\"order_update\"},\"audience_id\":\"" + audience
                + "\"}").statusCode()).isEqualTo(400);
        assertThat(h.post("/v1/campaigns/" + oneParam + ":launch", KEY, "").statusCode()).isEqualTo(404);
        assertThat(h.get("/v1/campaigns/cmp_nope", KEY).statusCode()).isEqualTo(404);

        // a campaign with a start time ahead is scheduled, and can be cancelled before it starts
        String later = create("{\"name\":\"later\",\"template\":{\"name\":\"order_update\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + audience + "\",\"start_at\":\"2099-01-01T00:00:00Z\","
                + "\"parameters\":[{\"variable\":\"name\"},{\"text\":\"#1\"}]}", 201).path("id").asText();
        assertThat(act(later, "start", ":", 200).path("state").asText()).isEqualTo("scheduled");
        assertThat(act(later, "pause", ":", 200).path("state").asText()).isEqualTo("paused");
        assertThat(act(later, "resume", ":", 200).path("state").asText()).as("paused before its time: it waits for it again")
                .isEqualTo("scheduled");
        assertThat(act(later, "cancel", ":", 200).path("state").asText()).isEqualTo("cancelled");
        act(later, "resume", "/", 409);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aTemplatePausedByMetaPausesTheCampaignWithItsReason(String engine) {
        start(engine, 20, e -> { });
        Set<String> phones = new HashSet<>();
        String audience = namedAudience(600, phones);
        String id = create("{\"name\":\"notices\",\"template\":{\"name\":\"order_update\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + audience + "\",\"channel_id\":\"8101\","
                + "\"parameters\":[{\"variable\":\"name\"},{\"text\":\"#7\"}]}", 201).path("id").asText();
        act(id, "start", ":", 200);
        Harness.await("the campaign is sending", LONG, () -> receivedTotal(phones) >= 20);
        h.emulator.accountEvent(AccountEvent.templateStatus("waba-8101", "order_update", "en_US", "PAUSED", "LOW_QUALITY"));
        Harness.await("the campaign pauses itself", LONG, () -> stats(id).path("state").asText().equals("paused"), () -> stats(id).toString());
        JsonNode paused = Harness.json(h.get("/v1/campaigns/" + id, KEY));
        assertThat(paused.path("state_reason").asText()).contains("order_update").contains("PAUSED");
        HttpResponse<String> refused = h.post("/v1/campaigns/" + id + ":resume", KEY, "");
        assertThat(refused.statusCode()).as("no resume while the template is paused: " + refused.body()).isEqualTo(400);

        h.emulator.accountEvent(AccountEvent.templateStatus("waba-8101", "order_update", "en_US", "APPROVED", null));
        Harness.await("resume is accepted once the template is approved again", LONG,
                () -> h.post("/v1/campaigns/" + id + ":resume", KEY, "").statusCode() == 200);
        assertThat(Harness.json(h.get("/v1/campaigns/" + id, KEY)).path("state_reason").isNull()).isTrue();
        // Sends that reached Meta between its pause and the webhook were refused with 132015; they
        // go again as soon as the approval arrives (not after their 10-minute hold), so the
        // campaign completes: everyone messaged exactly once.
        Harness.await("the campaign completes", LONG, () -> stats(id).path("state").asText().equals("completed"),
                () -> stats(id).toString() + h.states());
        JsonNode after = stats(id);
        assertThat(after.path("skipped").path("total").asLong()).as("a paused template skips nobody").isZero();
        assertThat(after.path("sent").asLong()).isEqualTo(phones.size());
        Harness.await("Meta has every one", LONG, () -> receivedTotal(phones) >= phones.size());
        Map<String, Integer> got = received(phones);
        assertThat(got.values()).as("nobody messaged twice").allMatch(n -> n == 1);
        assertThat(got).hasSize(phones.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void expansionDoesNotSpendTheTenantsIngressRate(String engine) {
        start(engine, 5, 200, e -> { }); // 5 requests a second, a burst of 10
        Set<String> phones = new HashSet<>();
        String audience = namedAudience(1000, phones);
        String id = create("{\"name\":\"big\",\"template\":{\"name\":\"order_update\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + audience + "\",\"parameters\":[{\"variable\":\"name\"},{\"text\":\"#9\"}]}", 201)
                .path("id").asText();
        act(id, "start", ":", 200);
        Harness.await("the campaign has created messages", LONG, () -> stats(id).path("messages").asLong() >= 500);
        for (int i = 0; i < 4; i++) { // the tenant's own sends still fit in its burst
            HttpResponse<String> r = h.post("/v1/messages", KEY, "{\"channel_id\":\"8101\",\"to\":\"44770090010" + i
                    + "\",\"type\":\"template\",\"template\":{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        }
        Harness.await("the campaign completes", LONG, () -> stats(id).path("state").asText().equals("completed"),
                () -> stats(id).toString());
        assertThat(stats(id).path("messages").asLong()).isEqualTo(1000);
        Harness.await("every recipient got it", LONG, () -> receivedTotal(phones) == phones.size());
    }
}
