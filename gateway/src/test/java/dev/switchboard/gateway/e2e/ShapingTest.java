package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.Harness.channel;
import static dev.switchboard.gateway.e2e.Harness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.emulator.Tier;
import dev.switchboard.gateway.Switchboard;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaper against the emulator's enforcement: pools, the messaging-limit budget, the pair
 * rate, Meta's throttling signals. Storage is not what these exercise, so they run on SQLite.
 */
class ShapingTest {
    private static final String KEY = "sk_test_shaping";

    @TempDir
    Path dir;
    private Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    private SwitchboardConfig.Database sqlite() {
        return TestDatabases.sqlite(dir);
    }

    private long sent() {
        return h.count("SELECT COUNT(*) FROM messages WHERE state IN ('SENT','DELIVERED','READ')");
    }

    @Test
    void poolSendsStickToOneNumberPerRecipient() {
        h = Harness.start(sqlite(), dir, SwitchboardConfig.Sending.defaults(), e -> { },
                tenant("p", KEY, channel("1201", 100), channel("1202", 100)));
        Map<String, String> channelOf = new HashMap<>();
        for (int round = 0; round < 3; round++) {
            for (int r = 0; r < 10; r++) {
                HttpResponse<String> res = h.post("/v1/messages", KEY, "{\"to\":\"1555700" + (1000 + r) + "\",\"type\":\"template\","
                        + "\"template\":{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}}");
                assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
                String ch = Harness.json(res).path("channel_id").asText();
                String previous = channelOf.putIfAbsent("r" + r, ch);
                assertThat(ch).as("recipient %d keeps its number", r).isEqualTo(previous == null ? ch : previous);
            }
        }
        Harness.await("all sent", Duration.ofSeconds(30), () -> sent() == 30);
        assertThat(h.emulator.acceptedMessages("1201").size() + h.emulator.acceptedMessages("1202").size()).isEqualTo(30);
    }

    @Test
    void marketingWaitsForTheMessagingLimitWhileCodesStillLeave() {
        SwitchboardConfig.ChannelSpec tiered = new SwitchboardConfig.ChannelSpec("1301", "15550001301", "waba-1301", "biz-1301",
                "token-1301", 200, "TIER_250");
        h = Harness.start(sqlite(), dir, SwitchboardConfig.Sending.defaults(), e -> e.portfolioTier("biz-1301", Tier.TIER_250),
                tenant("t", KEY, tiered));
        HttpResponse<String> r = h.post("/v1/messages", KEY, Harness.templateBatch("1301", 300, 0, null, "flash_sale", 2));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        // marketing may reach 225 of the tier's 250 unique users: 10% stays for codes and service messages
        Harness.await("the marketing budget is used up", Duration.ofSeconds(30), () -> sent() == 225, h::states);
        h.awaitHeld("1301", "messaging limit");
        assertThat(sent()).as("no marketing beyond 90% of the tier's 250 unique users").isEqualTo(225);
        assertThat(h.count("SELECT COUNT(*) FROM messages WHERE lane=2 AND state='QUEUED'")).isEqualTo(75);
        assertThat(h.emulator.stats().portfolio("biz-1301").tierOverruns()).isZero();

        HttpResponse<String> otp = h.post("/v1/messages", KEY, Harness.templateBatch("1301", 3, 10_000, null, "otp_code", 1));
        assertThat(otp.statusCode()).as(otp.body()).isEqualTo(202);
        Harness.await("codes are not held by the marketing budget", Duration.ofSeconds(15), () -> sent() == 228);
    }

    @Test
    void aBusyRecipientIsPacedUnderThePairRateAndHearsInOrder() {
        SwitchboardConfig.Sending pairs = new SwitchboardConfig.Sending(0, 0, 0, null, null, 0, 4, Duration.ofMillis(400), 0, null,
                null, 0, null, null, null, null, null, null, null);
        h = Harness.start(sqlite(), dir, pairs, e -> e.pairBurst(5).pairRefill(Duration.ofMillis(300)),
                tenant("q", KEY, channel("1401", 100)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> res = h.post("/v1/messages", KEY, "{\"channel_id\":\"1401\",\"to\":\"15557770000\",\"type\":\"template\","
                    + "\"template\":{\"name\":\"order_update\",\"language\":{\"code\":\"en_US\"},\"components\":[{\"type\":\"body\","
                    + "\"parameters\":[{\"type\":\"text\",\"text\":\"#" + i + "\"},{\"type\":\"text\",\"text\":\"shipped\"}]}]}}");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
            ids.add(Harness.json(res).path("id").asText());
        }
        Harness.await("all sent", Duration.ofSeconds(30), () -> sent() == 12);
        assertThat(h.emulator.stats().number("1401").rejections(131056)).as("131056 at the emulator").isZero();
        List<String> order = new ArrayList<>();
        for (AcceptedMessage m : h.emulator.acceptedMessages("1401")) {
            order.add(m.bizOpaqueCallbackData().substring(3));
        }
        assertThat(order).as("one recipient hears its messages in the order they were accepted").isEqualTo(ids);
    }

    @Test
    void aThroughputUpgradeRaisesTheNumbersCeiling() {
        h = Harness.start(sqlite(), dir, SwitchboardConfig.Sending.defaults(), e -> { }, tenant("u", KEY, channel("1501", 80)));
        h.emulator.throughputUpgrade("1501", 1000, Duration.ofMillis(800));
        HttpResponse<String> r = h.post("/v1/messages", KEY, Harness.templateBatch("1501", 50, 0, null, "hello_world", 0));
        assertThat(r.statusCode()).isEqualTo(202);
        Harness.await("all sent through the maintenance window", Duration.ofSeconds(30), () -> sent() == 50);
        Harness.await("ceiling raised by the webhook", Duration.ofSeconds(15),
                () -> h.node.tenancy().channel("1501").orElseThrow().ceilingMps() == 1000);
        assertThat(h.emulator.stats().number("1501").rejections(131057)).as("sends met the upgrade window").isPositive();
    }

    @Test
    void aRecipientHeldByThePairRateNeverDelaysAnotherRecipient() {
        h = Harness.start(sqlite(), dir, SwitchboardConfig.Sending.defaults(), e -> { }, tenant("p", KEY, channel("1801", 80)));
        // 150 messages to one user: about 40 leave at once, then one every 6 s (Meta's pair rate)
        String one = Harness.templateBatch("1801", 150, 0, null, "hello_world", 0).replaceAll("\"to\":\"1[0-9]+\"", "\"to\":\"15557000001\"");
        assertThat(h.post("/v1/messages", KEY, one).statusCode()).isEqualTo(202);
        Harness.await("the first user's burst is sent", Duration.ofSeconds(30),
                () -> h.count("SELECT COUNT(*) FROM messages WHERE recipient='15557000001' AND state IN ('SENT','DELIVERED','READ')") >= 30);
        HttpResponse<String> other = h.post("/v1/messages", KEY, Harness.templateBatch("1801", 1, 0, null, "hello_world", 0)
                .replaceAll("\"to\":\"1[0-9]+\"", "\"to\":\"15557000002\""));
        assertThat(other.statusCode()).isEqualTo(202);
        String id = Harness.json(other).path("messages").path(0).path("id").asText();
        Harness.await("the other user's message leaves while the first user is still held", Duration.ofSeconds(20),
                () -> List.of("SENT", "DELIVERED", "READ").contains(h.string("SELECT state FROM messages WHERE id='" + id + "'")), h::states);
        assertThat(h.count("SELECT COUNT(*) FROM messages WHERE recipient='15557000001' AND state='QUEUED'"))
                .as("the first user's messages are still waiting for their pair rate").isPositive();
    }

    @Test
    void aGracefulStopRefusesNewWorkAndSettlesTheSendsInFlight() throws Exception {
        h = Harness.start(sqlite(), dir, SwitchboardConfig.Sending.defaults(), e -> { }, tenant("g", KEY, channel("1901", 80)));
        h.emulator.setResponseLatency(Duration.ofSeconds(4), Duration.ZERO); // Meta answers slowly: sends stay in flight
        assertThat(h.post("/v1/messages", KEY, Harness.templateBatch("1901", 20, 0, null, "hello_world", 0)).statusCode()).isEqualTo(202);
        Harness.await("sends in flight", Duration.ofSeconds(15),
                () -> h.count("SELECT COUNT(*) FROM messages WHERE state='SENDING'") > 0, h::states);
        String base = h.node.baseUrl();
        Switchboard stopping = h.node;
        Thread stop = Thread.ofVirtual().start(stopping::close);
        Harness.await("readiness turns 503", Duration.ofSeconds(10), () -> Harness.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/health/ready")).GET()).statusCode() == 503);
        HttpResponse<String> refused = Harness.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/v1/messages"))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Harness.templateBatch("1901", 1, 100, null, "hello_world", 0))));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.body()).contains("shutting_down");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
        stop.join();
        // what was on its way to Meta when the stop began was answered and recorded before the exit
        // (read from the database itself: no node is running now)
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(sqlite().url());
             java.sql.Statement st = c.createStatement()) {
            assertThat(countOf(st, "SELECT COUNT(*) FROM messages WHERE state='SENDING'")).as("left in flight").isZero();
            assertThat(countOf(st, "SELECT COUNT(*) FROM messages WHERE state IN ('SENT','DELIVERED','READ')")).isPositive();
        }
        h.emulator.setResponseLatency(Duration.ZERO, Duration.ZERO);
        h.startAgain();
    }

    private static long countOf(java.sql.Statement st, String sql) throws java.sql.SQLException {
        try (java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void theMessagingLimitIsReadFromMeta() {
        // configured as unlimited, but Meta says the portfolio is on the 2K tier
        h = Harness.start(sqlite(), dir, SwitchboardConfig.Sending.defaults(), e -> e.portfolioTier("biz-1701", Tier.TIER_2K),
                tenant("m", KEY, channel("1701", 80)));
        Harness.await("the tier read from whatsapp_business_manager_messaging_limit", Duration.ofSeconds(15),
                () -> "TIER_2K".equals(h.node.tenancy().channel("1701").orElseThrow().tier()));

        // a throughput upgrade whose webhook never arrived is caught up from throughput.level
        h.emulator.setWebhookUrl("http://127.0.0.1:9/unreachable");
        h.emulator.throughputUpgrade("1701", 1000, Duration.ofMillis(200));
        Harness.await("the upgrade is done at Meta", Duration.ofSeconds(15), () -> h.emulator.stats().number("1701").ceiling() == 1000);
        assertThat(h.node.tenancy().channel("1701").orElseThrow().ceilingMps()).as("no webhook told us").isEqualTo(80);
        h.node.numberFacts().refreshAll();
        assertThat(h.node.tenancy().channel("1701").orElseThrow().ceilingMps()).isEqualTo(1000);
    }

    @Test
    void aRateLimitStormSlowsTheNumberDownAndEverythingIsSentAfterwards() {
        h = Harness.start(sqlite(), dir, SwitchboardConfig.Sending.defaults(), e -> { }, tenant("s", KEY, channel("1601", 100)));
        h.emulator.rateLimitStorm("1601", Duration.ofMillis(1500));
        HttpResponse<String> r = h.post("/v1/messages", KEY, Harness.templateBatch("1601", 200, 0, null, "hello_world", 0));
        assertThat(r.statusCode()).isEqualTo(202);
        Harness.await("all sent after the storm", Duration.ofSeconds(60), () -> sent() == 200);
        assertThat(h.emulator.stats().number("1601").rejections(130429)).isPositive();
        assertThat(h.node.registry().get("switchboard_channel_throttles").tag("channel", "1601").gauge().value()).isPositive();
        assertThat(SendPathTest.sendsPerMessage(h.emulator.acceptedMessages("1601")).values()).allMatch(n -> n == 1);
    }

}
