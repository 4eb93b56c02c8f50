package dev.switchboard.gateway.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.Emulator;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.emulator.InboundMessage;
import dev.switchboard.emulator.WebhookBehaviour;
import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real path, end to end on both engines: a campaign sent through {@code /v1/messages} to
 * the Cloud API emulator, whose statuses (duplicates included, as Meta sends them) come back as
 * signed webhooks, are applied, logged, archived and counted. Two recipients are undeliverable
 * (131026), the rest are read.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ArchiveEmulatorTest {
    private static final String SECRET = "emulator-archive-secret";
    private static final String ADMIN = "emulator-archive-admin";
    private static final String KEY = "sk_test_archive_emulator_0123456789";
    private static final String CHANNEL = "4001";
    private static final int MESSAGES = 10;
    private static final List<String> UNDELIVERABLE = List.of("447911000003", "447911000007");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"sqlite", "postgres"})
    void aCampaignsStatusesFromTheCloudApiAreArchivedAndCounted(String engine) throws Exception {
        TestDatabases.assumeAvailable(engine);
        EmulatorConfig.Builder eb = EmulatorConfig.builder().host("127.0.0.1").port(0).appSecret(SECRET).seed(11L)
                .number(EmulatedNumber.builder(CHANNEL).displayPhoneNumber("15550004001").wabaId("waba-emu").portfolioId("biz-emu")
                        .accessToken("token-emu").ceilingMps(80).build())
                .webhookBehaviour(WebhookBehaviour.builder().sentDelay(Duration.ofMillis(10)).deliveredDelay(Duration.ofMillis(30))
                        .readDelay(Duration.ofMillis(60)).jitter(Duration.ofMillis(5)).readProbability(1.0)
                        .duplicateProbability(0.3).build());
        UNDELIVERABLE.forEach(eb::undeliverable);
        try (TestDatabases.TestDb db = TestDatabases.forEngine(engine, dir); Emulator emulator = Emulator.start(eb.build())) {
            SwitchboardConfig config = new SwitchboardConfig(
                    new SwitchboardConfig.Http("127.0.0.1", 0, 0, null), db.config(),
                    new SwitchboardConfig.Security(ADMIN, TestDatabases.MASTER_KEY, dir.resolve("master.key").toString(), null),
                    new SwitchboardConfig.Upstream(emulator.baseUrl(), "v23.0", Duration.ofSeconds(5), Duration.ofSeconds(2)),
                    SwitchboardConfig.Sending.defaults(), new SwitchboardConfig.Webhooks(SECRET, "verify", 0),
                    SwitchboardConfig.Emulator.defaults(),
                    new SwitchboardConfig.Bootstrap(List.of(new SwitchboardConfig.TenantSpec("emu", "Emu", KEY, 1000, 100_000L,
                            List.of(new SwitchboardConfig.ChannelSpec(CHANNEL, "15550004001", "waba-emu", "biz-emu", "token-emu",
                                    80, "TIER_UNLIMITED"))))),
                    null,
                    new SwitchboardConfig.Archive(true, dir.resolve("archive").toString(), null, Duration.ofHours(1), null, 0));
            try (Switchboard node = Switchboard.start(config)) {
                emulator.setWebhookUrl(node.baseUrl() + "/webhooks/whatsapp");
                TestHttp http = new TestHttp(node.baseUrl());
                Resp accepted = http.post("/v1/messages", KEY, campaign());
                assertThat(accepted.status()).as("%s", accepted).isEqualTo(202);
                emulator.injectInbound(InboundMessage.text(CHANNEL, "16504000099", "Ann", "STOP"));

                // 3 statuses for each read message, 2 for each undeliverable one, Meta's duplicates collapsed.
                int statuses = 3 * (MESSAGES - UNDELIVERABLE.size()) + 2 * UNDELIVERABLE.size();
                ArchiveTestKit.await("all statuses and the inbound message logged",
                        () -> count(node, "SELECT COUNT(*) FROM webhook_events WHERE kind = 'status'") == statuses
                                && count(node, "SELECT COUNT(*) FROM webhook_events WHERE kind = 'message'") == 1
                                && count(node, "SELECT COUNT(*) FROM messages WHERE state IN ('READ','FAILED')") == MESSAGES);

                Resp flush = http.post("/admin/archive/flush", ADMIN, "{}");
                assertThat(flush.status()).as("%s", flush).isEqualTo(200);
                assertThat(flush.json().path("events_archived").asLong()).isEqualTo(statuses + 1);

                LocalDate today = LocalDate.now(ZoneOffset.UTC);
                String range = "from=" + today.minusDays(1) + "&to=" + today.plusDays(1);
                JsonNode byCampaign = http.get("/v1/analytics/rates?" + range + "&group_by=campaign", KEY).json();
                assertThat(ArchiveAnalyticsTest.rows(byCampaign, "campaign_id"))
                        .containsExactly(ArchiveAnalyticsTest.row("flash-1", 10, 10, 8, 8, 2, "0.8", "1.0", "0.2"));
                JsonNode byTemplate = http.get("/v1/analytics/rates?" + range + "&group_by=template", KEY).json();
                assertThat(ArchiveAnalyticsTest.rows(byTemplate, "template_name"))
                        .containsExactly(ArchiveAnalyticsTest.row("flash_sale", 10, 10, 8, 8, 2, "0.8", "1.0", "0.2"));
                JsonNode failures = http.get("/v1/analytics/failures?" + range, KEY).json();
                assertThat(failures.path("data").toString())
                        .isEqualTo("[{\"error_code\":131026,\"error_title\":\"Message undeliverable\",\"messages\":2}]");

                // The archive agrees with the hot table message by message.
                assertThat(archivedIds(http, "status = 'read'")).isEqualTo(hotIds(node, "READ"));
                assertThat(archivedIds(http, "status = 'failed'")).isEqualTo(hotIds(node, "FAILED"));
                JsonNode category = sql(http, "SELECT category, count(DISTINCT message_id) FROM events WHERE kind = 'status'"
                        + " GROUP BY category");
                assertThat(category.path("rows").toString()).isEqualTo("[[\"MARKETING\",10]]");
                JsonNode inbound = sql(http, "SELECT contact, status, payload->'text'->>'body' FROM events WHERE kind = 'message'");
                assertThat(inbound.path("rows").toString()).isEqualTo("[[\"16504000099\",\"text\",\"STOP\"]]");
            }
        }
    }

    private static ObjectNode campaign() {
        ObjectNode root = TestHttp.JSON.createObjectNode();
        ArrayNode messages = root.putArray("messages");
        for (int i = 1; i <= MESSAGES; i++) {
            ObjectNode m = messages.addObject().put("channel_id", CHANNEL).put("to", String.format("4479110000%02d", i))
                    .put("campaign_id", "flash-1").put("type", "template");
            ObjectNode t = m.putObject("template").put("name", "flash_sale");
            t.putObject("language").put("code", "en_US");
            ArrayNode params = t.putArray("components").addObject().put("type", "body").putArray("parameters");
            params.addObject().put("type", "text").put("text", "Shoes");
            params.addObject().put("type", "text").put("text", "30%");
        }
        return root;
    }

    private static JsonNode sql(TestHttp http, String sql) {
        Resp r = http.post("/admin/analytics/sql", ADMIN, TestHttp.JSON.createObjectNode().put("sql", sql));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.json();
    }

    private static Set<String> archivedIds(TestHttp http, String condition) {
        Set<String> ids = new HashSet<>();
        sql(http, "SELECT DISTINCT message_id FROM events WHERE " + condition).path("rows").forEach(r -> ids.add(r.get(0).asText()));
        return ids;
    }

    private static Set<String> hotIds(Switchboard node, String state) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (Connection c = node.database().reads().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id FROM messages WHERE state = ?")) {
            ps.setString(1, state);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        assertThat(ids).isNotEmpty();
        return ids;
    }

    private static long count(Switchboard node, String sql) {
        try (Connection c = node.database().reads().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
