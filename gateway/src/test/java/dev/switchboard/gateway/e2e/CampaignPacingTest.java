package dev.switchboard.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestClock;
import dev.switchboard.gateway.testing.TestDatabases;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Campaign pacing over HTTP against the emulator, on SQLite and PostgreSQL, with the node on a
 * clock the test moves: the messaging-limit budget holds what exceeds the tier and lets it go
 * as the rolling day passes; the sending window holds expansion and queued messages outside its
 * hours; the rate cap meters expansion by the clock; the spend cap pauses the campaign with its
 * reason once billed spend (from the statuses' pricing) reaches it.
 */
class CampaignPacingTest {
    private static final String KEY = "sk_test_pacing";
    private static final String OTHER_KEY = "sk_test_pacing_other";
    private static final String CH = "8301";
    private static final Duration LONG = Duration.ofSeconds(120);
    /** The operator's price table: India is cheaper than the default row. */
    static final SwitchboardConfig.Pricing PRICES = new SwitchboardConfig.Pricing("USD", Map.of(
            "default", Map.of("MARKETING", new BigDecimal("0.05"), "UTILITY", new BigDecimal("0.01")),
            "IN", Map.of("MARKETING", new BigDecimal("0.01"), "UTILITY", new BigDecimal("0.002"))));

    @TempDir
    Path dir;
    private TestDatabases.TestDb db;
    private Harness h;
    private TestClock clock;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private void start(String engine, TestClock clock, String tier, int ceiling) {
        this.clock = clock;
        db = TestDatabases.forEngine(engine, dir);
        h = Harness.start(clock, c -> c.withPricing(PRICES), db.config(), dir, SwitchboardConfig.Sending.defaults(), e -> { },
                new SwitchboardConfig.TenantSpec("pace", "pace", KEY, 1_000_000, 10_000_000L,
                        List.of(new SwitchboardConfig.ChannelSpec(CH, "15550008301", "waba-8301", "biz-8301", "token-8301", ceiling, tier))),
                Harness.tenant("other", OTHER_KEY, Harness.channel("8401", 50)));
    }

    static String indian(int i) {
        return "9198" + String.format("%08d", 20_000_000 + i);
    }

    static String us(int i) {
        return "1415867" + String.format("%04d", 5300 + i);
    }

    /** An audience of these phones (each with a name); returns its id. */
    private String audience(List<String> phones) {
        List<String> contacts = new ArrayList<>();
        for (String p : phones) {
            contacts.add("{\"phone\":\"+" + p + "\",\"name\":\"N" + p.substring(p.length() - 4) + "\"}");
        }
        HttpResponse<String> r = h.post("/v1/audiences", KEY, "{\"name\":\"list\",\"contacts\":[" + String.join(",", contacts) + "]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(Harness.json(r).path("contacts").asLong()).isEqualTo(phones.size());
        return Harness.json(r).path("id").asText();
    }

    private static List<String> indians(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(indian(i));
        }
        return out;
    }

    /** A draft campaign of order_update (UTILITY) on the one channel, with {@code extra} JSON members. */
    private JsonNode create(String audience, String extra) {
        HttpResponse<String> r = h.post("/v1/campaigns", KEY, "{\"name\":\"paced\",\"template\":{\"name\":\"order_update\","
                + "\"language\":\"en_US\"},\"audience_id\":\"" + audience + "\",\"channel_id\":\"" + CH + "\","
                + "\"parameters\":[{\"variable\":\"name\"},{\"text\":\"#7\"}]" + (extra.isEmpty() ? "" : "," + extra) + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Harness.json(r);
    }

    private JsonNode act(String id, String action, int status) {
        HttpResponse<String> r = h.post("/v1/campaigns/" + id + ":" + action, KEY, "");
        assertThat(r.statusCode()).as(action + " " + r.body()).isEqualTo(status);
        return Harness.json(r);
    }

    private JsonNode stats(String id) {
        HttpResponse<String> r = h.get("/v1/campaigns/" + id + "/stats", KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Harness.json(r);
    }

    private JsonNode estimate(String id) {
        HttpResponse<String> r = h.get("/v1/campaigns/" + id + "/estimate", KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Harness.json(r);
    }

    /** Messages the emulator accepted on the channel, per recipient. */
    private Map<String, Integer> received() {
        Map<String, Integer> out = new HashMap<>();
        for (AcceptedMessage m : h.emulator.acceptedMessages(CH)) {
            out.merge(m.to(), 1, Integer::sum);
        }
        return out;
    }

    private int receivedTotal() {
        return h.emulator.acceptedMessages(CH).size();
    }

    private void awaitHeldBy(String id, String reason) {
        Harness.await("the campaign is held by " + reason, LONG, () -> reason.equals(stats(id).path("pacing").path("held_by").asText()),
                () -> stats(id).toString());
    }

    private static JsonNode warning(JsonNode estimate, String code) {
        for (JsonNode w : estimate.path("warnings")) {
            if (code.equals(w.path("code").asText())) {
                return w;
            }
        }
        throw new AssertionError("no " + code + " warning in " + estimate);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void theMessagingLimitHoldsWhatExceedsTheTierAndReleasesItAsTheDayRolls(String engine) {
        start(engine, TestClock.at(Instant.now()), "TIER_250", 50);
        List<String> phones = indians(300);
        String id = create(audience(phones), "").path("id").asText();

        // before start: TIER_250 less the 10% kept for OTPs is 225 campaign recipients a day
        JsonNode before = estimate(id);
        assertThat(before.path("limited_by").asText()).as(before.toString()).isEqualTo("messaging_limit");
        assertThat(before.path("remaining").asLong()).isEqualTo(300);
        JsonNode w = warning(before, "messaging_limit");
        assertThat(w.path("fit").asLong()).isEqualTo(225);
        assertThat(w.path("recipients").asLong()).isEqualTo(300);
        assertThat(w.path("wait_hours").asLong()).isEqualTo(24);
        assertThat(w.path("message").asText()).contains("225 of 300 recipients fit in the next 24 h").contains("wait up to 24 h");
        assertThat(Instant.parse(before.path("eta").asText())).isAfter(clock.instant().plus(Duration.ofHours(23)));

        act(id, "start", 200);
        awaitHeldBy(id, "messaging_limit");
        Harness.await("the tier's worth reached Meta", LONG, () -> receivedTotal() == 225 && stats(id).path("sent").asLong() == 225,
                () -> stats(id).toString());
        JsonNode held = stats(id);
        // held by not expanding: exactly the budget was turned into messages, none waits in a queue to expire
        assertThat(held.path("expanded").asLong()).as(held.toString()).isEqualTo(225);
        assertThat(held.path("state").asText()).isEqualTo("running");
        assertThat(held.path("queued").asLong() + held.path("sending").asLong()).isZero();
        JsonNode live = held.path("estimate");
        assertThat(live.path("remaining").asLong()).isEqualTo(75);
        assertThat(warning(live, "messaging_limit").path("message").asText()).contains("0 of 75 recipients fit in the next 24 h");
        assertThat(receivedTotal()).isEqualTo(225);

        // the rolling day passes: the rest go, and the campaign completes
        clock.advance(Duration.ofHours(24).plusMinutes(1));
        Harness.await("the campaign completes", LONG, () -> stats(id).path("state").asText().equals("completed"),
                () -> stats(id).toString());
        Map<String, Integer> got = received();
        assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(phones);
        assertThat(got.values()).allMatch(n -> n == 1);
        assertThat(estimate(id).path("remaining").asLong()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void theSendingWindowHoldsExpansionOutsideItsHours(String engine) {
        // Monday 2 March 2026, 22:00 in Kolkata: an hour after the 09:00–21:00 window closed
        start(engine, TestClock.at(Instant.parse("2026-03-02T16:30:00Z")), "TIER_UNLIMITED", 50);
        List<String> phones = indians(200);
        JsonNode draft = create(audience(phones),
                "\"sending_window\":{\"time_zone\":\"Asia/Kolkata\",\"from\":\"09:00\",\"to\":\"21:00\"}");
        String id = draft.path("id").asText();
        assertThat(draft.path("sending_window").path("time_zone").asText()).isEqualTo("Asia/Kolkata");
        assertThat(draft.path("sending_window").path("from").asText()).isEqualTo("09:00");
        assertThat(draft.path("sending_window").path("days")).hasSize(7);

        JsonNode before = estimate(id);
        assertThat(before.path("limited_by").asText()).as(before.toString()).isEqualTo("window");
        assertThat(Instant.parse(before.path("eta").asText())).isAfterOrEqualTo(Instant.parse("2026-03-03T03:30:00Z"));

        act(id, "start", 200);
        awaitHeldBy(id, "sending_window");
        JsonNode s = stats(id);
        assertThat(s.path("expanded").asLong()).as(s.toString()).isZero();
        assertThat(s.path("messages").asLong()).isZero();
        assertThat(receivedTotal()).isZero();

        clock.set(Instant.parse("2026-03-03T03:30:00Z")); // 09:00 the next morning
        Harness.await("the campaign completes", LONG, () -> stats(id).path("state").asText().equals("completed"),
                () -> stats(id).toString());
        assertThat(received().keySet()).containsExactlyInAnyOrderElementsOf(phones);
        assertThat(received().values()).allMatch(n -> n == 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void messagesAlreadyQueuedWaitAtTheGateWhenTheWindowCloses(String engine) {
        // 20:59 in Kolkata: a minute before the window closes, on a slow number
        start(engine, TestClock.at(Instant.parse("2026-03-03T15:29:00Z")), "TIER_UNLIMITED", 20);
        List<String> phones = indians(400);
        String id = create(audience(phones), "\"sending_window\":{\"time_zone\":\"Asia/Kolkata\",\"from\":\"09:00\",\"to\":\"21:00\"}")
                .path("id").asText();
        act(id, "start", 200);
        Harness.await("the audience is expanded", LONG, () -> stats(id).path("expanded").asLong() == 400);
        Harness.await("sending has begun", LONG, () -> receivedTotal() >= 20);

        Instant closed = Instant.parse("2026-03-03T15:31:00Z"); // 21:01: closed
        clock.set(closed);
        // every message still queued is set aside by the gate (each once), and what was on its way settles
        Harness.await("the queued messages are set aside", LONG, () -> {
            JsonNode now = stats(id);
            return now.path("sending").asLong() == 0 && h.held(CH, "outside sending window") >= now.path("queued").asLong();
        }, () -> stats(id) + " set aside " + h.held(CH, "outside sending window"));
        clock.advance(Duration.ofMinutes(10));
        // out of the lane's way: another LOW-lane marketing message on the same number goes meanwhile
        String other = "919899999999";
        HttpResponse<String> sent = h.post("/v1/messages", KEY, "{\"channel_id\":\"" + CH + "\",\"priority\":\"low\",\"to\":\"" + other
                + "\",\"type\":\"template\",\"template\":{\"name\":\"flash_sale\",\"language\":{\"code\":\"en_US\"},"
                + "\"components\":[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"A\"},{\"type\":\"text\",\"text\":\"B\"}]}]}}");
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
        Harness.await("the other message passes the waiting campaign", LONG, () -> received().containsKey(other));
        JsonNode s = stats(id);
        assertThat(s.path("queued").asLong()).as(s.toString()).isGreaterThan(200);
        assertThat(s.path("state").asText()).isEqualTo("running");
        assertThat(s.path("pacing").path("held_by").asText()).isEqualTo("sending_window");

        Instant reopened = Instant.parse("2026-03-04T03:30:00Z");
        clock.set(reopened); // 09:00 the next day
        Harness.await("the campaign completes", LONG, () -> stats(id).path("state").asText().equals("completed"),
                () -> stats(id).toString());
        Map<String, Integer> got = received();
        got.remove(other);
        assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(phones);
        assertThat(got.values()).allMatch(n -> n == 1);
        assertThat(stats(id).path("expired").asLong()).isZero();
        // nothing was taken for sending while it was closed (a pick a moment before the jump may carry its first instants)
        assertThat(h.count("SELECT COUNT(*) FROM messages WHERE campaign_id='" + id + "' AND sending_at >= "
                + closed.plusSeconds(2).toEpochMilli() + " AND sending_at < " + reopened.toEpochMilli())).isZero();
        assertThat(h.count("SELECT COUNT(*) FROM messages WHERE campaign_id='" + id + "' AND sending_at >= "
                + reopened.toEpochMilli())).isGreaterThan(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void theRateCapMetersExpansionByTheClock(String engine) {
        // frozen a day behind: only the test moves time, and Meta's status timestamps (real time) come later than the node's
        start(engine, TestClock.at(Instant.now().minus(Duration.ofDays(1))).freeze(), "TIER_UNLIMITED", 50);
        List<String> phones = indians(100);
        JsonNode draft = create(audience(phones), "\"max_per_second\":2");
        String id = draft.path("id").asText();
        assertThat(draft.path("max_per_second").asDouble()).isEqualTo(2.0);
        JsonNode before = estimate(id);
        assertThat(before.path("limited_by").asText()).isEqualTo("rate_cap");
        assertThat(before.path("rate_per_second").asDouble()).isEqualTo(2.0);
        assertThat(before.path("seconds").asLong()).isEqualTo(50);

        act(id, "start", 200);
        // a full bucket: five seconds' worth, then nothing while the clock stands still
        awaitHeldBy(id, "rate_cap");
        Harness.await("the first burst reached Meta", LONG, () -> receivedTotal() == 10);
        assertThat(stats(id).path("expanded").asLong()).isEqualTo(10);

        clock.advance(Duration.ofSeconds(1));
        Harness.await("one second's worth more", LONG, () -> stats(id).path("expanded").asLong() == 12, () -> stats(id).toString());
        awaitHeldBy(id, "rate_cap");
        Harness.await("they reached Meta", LONG, () -> receivedTotal() == 12);

        clock.advance(Duration.ofSeconds(60)); // a minute idle refills the bucket to its five seconds, no more
        Harness.await("the bucket's worth more", LONG, () -> stats(id).path("expanded").asLong() == 22, () -> stats(id).toString());
        awaitHeldBy(id, "rate_cap");
        Harness.await("they reached Meta", LONG, () -> receivedTotal() == 22 && stats(id).path("sent").asLong() == 22);
        JsonNode s = stats(id);
        assertThat(s.path("expanded").asLong()).isEqualTo(22);
        // sent in the last minute of the node's clock: the 2 at +1 s and the 10 at +61 s
        assertThat(s.path("current_rate").asDouble()).as(s.toString()).isEqualTo(0.2);
        assertThat(received().values()).allMatch(n -> n == 1);
        act(id, "cancel", 200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void theSpendCapPausesTheCampaignWithItsReason(String engine) {
        start(engine, TestClock.at(Instant.now()), "TIER_UNLIMITED", 50);
        List<String> phones = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            phones.add(us(i)); // the default row: 0.01 USD each
        }
        phones.addAll(indians(250)); // India: 0.002 USD each
        JsonNode draft = create(audience(phones), "\"spend_cap\":{\"amount\":0.70,\"currency\":\"USD\"}");
        String id = draft.path("id").asText();
        assertThat(draft.path("spend_cap").path("amount").decimalValue()).isEqualByComparingTo("0.70");
        assertThat(draft.path("spend_cap").path("currency").asText()).isEqualTo("USD");
        assertThat(warning(estimate(id), "spend_cap").path("message").asText()).contains("spend cap stops it early");

        act(id, "start", 200);
        Harness.await("the campaign pauses at its spend cap", LONG, () -> stats(id).path("state").asText().equals("paused"),
                () -> stats(id).toString());
        JsonNode s = stats(id);
        assertThat(s.path("state_reason").asText()).isEqualTo("spend cap reached (0.70 of 0.70 USD)");
        // in phone order: the 50 US numbers (0.50) and then 100 Indian ones (0.20) fit exactly
        Set<String> expected = new LinkedHashSet<>(phones.subList(0, 150));
        assertThat(received().keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(received().values()).allMatch(n -> n == 1);
        assertThat(s.path("spend").path("billed").decimalValue()).isEqualByComparingTo("0.70");
        assertThat(s.path("spend").path("messages").asLong()).isEqualTo(150);
        assertThat(s.path("spend").path("currency").asText()).isEqualTo("USD");
        assertThat(s.path("expanded").asLong()).isEqualTo(150);
        // a resume does not buy more: it pauses again with the same reason
        act(id, "resume", 200);
        Harness.await("it pauses again", LONG, () -> stats(id).path("state").asText().equals("paused"));
        assertThat(stats(id).path("state_reason").asText()).isEqualTo("spend cap reached (0.70 of 0.70 USD)");
        assertThat(receivedTotal()).isEqualTo(150);
    }

    /** The value of a gauge series on /metrics naming the campaign, or null when there is none. */
    private Double metric(String name, String campaignId) {
        HttpResponse<String> r = h.get("/metrics", "none");
        assertThat(r.statusCode()).isEqualTo(200);
        for (String line : r.body().split("\n")) {
            if (line.startsWith(name + "{") && line.contains("campaign=\"" + campaignId + "\"")) {
                assertThat(line).contains("tenant=\"pace\"");
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return null;
    }

    private void refused(String extra, String field) {
        HttpResponse<String> r = h.post("/v1/campaigns", KEY, "{\"name\":\"x\",\"template\":{\"name\":\"order_update\","
                + "\"language\":\"en_US\"},\"audience_id\":\"aud_none\"," + extra + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(Harness.json(r).path("code").asText()).isEqualTo("invalid_parameter");
        assertThat(Harness.json(r).path("detail").asText()).contains(field);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void scheduledCampaignsPublishTheirExpectedLoadAndBadLimitsAreRefused(String engine) {
        start(engine, TestClock.at(Instant.now()), "TIER_UNLIMITED", 40);
        refused("\"sending_window\":{\"time_zone\":\"Asia/Calcutta-ish\",\"from\":\"09:00\",\"to\":\"21:00\"}",
                "sending_window.time_zone");
        refused("\"sending_window\":{\"time_zone\":\"Asia/Kolkata\",\"from\":\"9\",\"to\":\"21:00\"}", "sending_window.from");
        refused("\"sending_window\":{\"time_zone\":\"Asia/Kolkata\",\"from\":\"09:00\",\"to\":\"21:00\",\"days\":[\"someday\"]}",
                "sending_window.days");
        refused("\"max_per_second\":-3", "max_per_second");
        refused("\"spend_cap\":{\"amount\":10,\"currency\":\"EUR\"}", "spend_cap.currency");
        refused("\"spend_cap\":{\"amount\":0,\"currency\":\"USD\"}", "spend_cap");

        String audience = audience(indians(100));
        Instant startAt = clock.instant().plus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        JsonNode draft = create(audience, "\"start_at\":\"" + startAt + "\",\"max_per_second\":25,"
                + "\"sending_window\":{\"time_zone\":\"Europe/London\",\"from\":\"21:00\",\"to\":\"02:00\",\"days\":[\"fri\",\"sat\"]}");
        String id = draft.path("id").asText();
        JsonNode shown = Harness.json(h.get("/v1/campaigns/" + id, KEY));
        assertThat(shown.path("max_per_second").asDouble()).isEqualTo(25.0);
        assertThat(shown.path("sending_window").path("from").asText()).isEqualTo("21:00");
        assertThat(shown.path("sending_window").path("to").asText()).isEqualTo("02:00");
        assertThat(shown.path("sending_window").path("days").toString()).isEqualTo("[\"fri\",\"sat\"]");
        assertThat(shown.path("spend_cap").isNull()).isTrue();
        assertThat(h.get("/v1/campaigns/" + id + "/estimate", OTHER_KEY).statusCode()).isEqualTo(404);
        assertThat(h.get("/v1/campaigns/cmp_nope/estimate", KEY).statusCode()).isEqualTo(404);
        assertThat(estimate(id).path("rate_per_second").asDouble()).isEqualTo(25.0);

        assertThat(act(id, "start", 200).path("state").asText()).isEqualTo("scheduled");
        Harness.await("the expected load is published", LONG, () -> metric("switchboard_campaign_expected_rate", id) != null);
        assertThat(metric("switchboard_campaign_expected_rate", id)).isEqualTo(25.0);
        assertThat(metric("switchboard_campaign_scheduled_start_seconds", id)).isEqualTo((double) startAt.getEpochSecond());
        assertThat(stats(id).path("estimate").path("remaining").asLong()).isEqualTo(100);

        act(id, "cancel", 200);
        Harness.await("the forecast is withdrawn", LONG, () -> metric("switchboard_campaign_expected_rate", id) == null
                && metric("switchboard_campaign_scheduled_start_seconds", id) == null);
    }
}
