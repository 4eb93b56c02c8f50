package dev.switchboard.gateway.archive;

import static dev.switchboard.gateway.archive.ArchiveTestKit.at;
import static dev.switchboard.gateway.archive.ArchiveTestKit.failed;
import static dev.switchboard.gateway.archive.ArchiveTestKit.inbound;
import static dev.switchboard.gateway.archive.ArchiveTestKit.status;
import static dev.switchboard.gateway.archive.ArchiveTestKit.webhook;
import static dev.switchboard.gateway.testing.TestNodes.A_ACTIVE;
import static dev.switchboard.gateway.testing.TestNodes.A_HELD;
import static dev.switchboard.gateway.testing.TestNodes.B_HELD;
import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
import static dev.switchboard.gateway.testing.TestNodes.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Analytics over a known data set, on both engines. Messages are accepted through
 * {@code /v1/messages} (on paused channels, so nothing but the test moves them) and their fate
 * arrives as signed Meta webhooks with hand-made statuses on two past days; the archive is then
 * flushed and every figure asserted exactly.
 *
 * <pre>
 * tenant A, channel A_ACTIVE, campaign spring, template promo_a — sent on D1
 *   a1 sent, delivered, read          a2 sent, delivered (the delivered matched by wamid only)
 *   a3 sent, failed 131026            a4 sent, delivered on D1, read on D2 (still counts in D1)
 * tenant A, channel A_HELD, campaign autumn, template notice_b — sent on D2
 *   a5 sent, failed 131049            a6 sent, delivered (twice: Meta redelivers), read
 *   a7 failed 131026, then delivered (multi-device: delivered, not failed)
 * tenant A, channel A_HELD, no campaign, a text message — sent on D2
 *   a8 sent, failed 131047            plus one inbound text from a customer
 * tenant B, channel B_HELD, campaign spring (the same name as A's), template promo_a — sent on D1
 *   b1 sent, failed 131000            b2 sent, delivered
 * </pre>
 *
 * The state-changing scenarios (crash windows, retention, purge) live in
 * {@link ArchiveDurabilityTest}; this class only reads, so its tests are independent.
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ArchiveAnalyticsTest {
    static final LocalDate D1 = ArchiveTestKit.daysAgo(10);
    static final LocalDate D2 = ArchiveTestKit.daysAgo(9);
    static final int STATUS_EVENTS = 23;

    private static TestNodes.Node node;
    private static Map<String, String> ids;

    @Parameter
    String engine;

    @BeforeParameterizedClassInvocation
    static void startNode(String engine) {
        if (TestDatabases.available(engine)) {
            node = ArchiveTestKit.start(engine);
            ids = loadDataSet(node);
            ArchiveTestKit.flush(node);
        }
    }

    @AfterParameterizedClassInvocation
    static void stopNode() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    @BeforeEach
    void assumeEngine() {
        TestDatabases.assumeAvailable(engine);
    }

    /** Accepts the messages, then posts their statuses; returns message ids by name (a1..a8, b1, b2). */
    static Map<String, String> loadDataSet(TestNodes.Node node) {
        Map<String, String> ids = new HashMap<>();
        for (int i = 1; i <= 4; i++) {
            ids.put("a" + i, send(node, KEY_A, A_ACTIVE, recipient(i), "promo_a", "spring"));
        }
        for (int i = 5; i <= 7; i++) {
            ids.put("a" + i, send(node, KEY_A, A_HELD, recipient(i), "notice_b", "autumn"));
        }
        ids.put("a8", send(node, KEY_A, A_HELD, recipient(8), null, null));
        ids.put("b1", send(node, KEY_B, B_HELD, recipient(11), "promo_a", "spring"));
        ids.put("b2", send(node, KEY_B, B_HELD, recipient(12), "promo_a", "spring"));

        ArchiveTestKit.post(node, webhook(A_ACTIVE, List.of(
                st(ids, "a1", "sent", D1, 10, 0), st(ids, "a1", "delivered", D1, 10, 1), st(ids, "a1", "read", D1, 10, 5),
                st(ids, "a2", "sent", D1, 11, 0),
                st(ids, "a3", "sent", D1, 12, 0), failed(ids.get("a3"), "wamid.a3", at(D1, 12, 1), recipient(3), 131026,
                        "Message undeliverable"),
                st(ids, "a4", "sent", D1, 23, 0), st(ids, "a4", "delivered", D1, 23, 10), st(ids, "a4", "read", D2, 8, 0)),
                List.of()));
        ArchiveTestKit.awaitProcessed(node);
        // Matched by wamid alone (no biz_opaque_callback_data): the archiver resolves the message.
        ArchiveTestKit.post(node, webhook(A_ACTIVE, List.of(status(null, "wamid.a2", "delivered", at(D1, 11, 1), recipient(2))),
                List.of()));
        ObjectNode heldDay2 = webhook(A_HELD, List.of(
                st(ids, "a5", "sent", D2, 9, 0), failed(ids.get("a5"), "wamid.a5", at(D2, 9, 1), recipient(5), 131049,
                        "This message was not delivered to maintain healthy ecosystem engagement."),
                st(ids, "a6", "sent", D2, 10, 0), st(ids, "a6", "delivered", D2, 10, 1), st(ids, "a6", "read", D2, 10, 2),
                failed(ids.get("a7"), "wamid.a7", at(D2, 11, 0), recipient(7), 131026, "Message undeliverable"),
                st(ids, "a7", "delivered", D2, 11, 5),
                st(ids, "a8", "sent", D2, 12, 0), failed(ids.get("a8"), "wamid.a8", at(D2, 12, 1), recipient(8), 131047,
                        "Re-engagement message")),
                List.of(inbound(recipient(8), "wamid.in1", at(D2, 8, 30), "hello there")));
        ArchiveTestKit.post(node, heldDay2);
        ArchiveTestKit.post(node, webhook(A_HELD, List.of(st(ids, "a6", "delivered", D2, 10, 1)), List.of())); // Meta's duplicate
        ArchiveTestKit.post(node, webhook(B_HELD, List.of(
                st(ids, "b1", "sent", D1, 10, 0), failed(ids.get("b1"), "wamid.b1", at(D1, 10, 1), recipient(11), 131000,
                        "Something went wrong"),
                st(ids, "b2", "sent", D1, 10, 0), st(ids, "b2", "delivered", D1, 10, 2)), List.of()));
        ArchiveTestKit.awaitProcessed(node);
        assertThat(ArchiveTestKit.count(node, "SELECT COUNT(*) FROM webhook_events WHERE kind = 'status'"))
                .isEqualTo(STATUS_EVENTS);
        return ids;
    }

    static String recipient(int i) {
        return "1650300" + String.format("%04d", i);
    }

    private static ObjectNode st(Map<String, String> ids, String name, String status, LocalDate day, int hh, int mm) {
        int n = name.charAt(0) == 'a' ? Integer.parseInt(name.substring(1)) : 10 + Integer.parseInt(name.substring(1));
        return status(ids.get(name), "wamid." + name, status, at(day, hh, mm), recipient(n));
    }

    static String send(TestNodes.Node node, String key, String channel, String to, String template, String campaign) {
        ObjectNode m = TestHttp.JSON.createObjectNode().put("channel_id", channel).put("to", to);
        if (template != null) {
            m.put("type", "template").putObject("template").put("name", template).putObject("language").put("code", "en_US");
        } else {
            m.put("type", "text").putObject("text").put("body", "hello");
        }
        if (campaign != null) {
            m.put("campaign_id", campaign);
        }
        Resp r = node.http().post("/v1/messages", key, m);
        assertThat(r.status()).as("%s", r).isEqualTo(202);
        return r.json().path("id").asText();
    }

    // ---- expected figures -------------------------------------------------------------------------

    /** {group, messages, sent, delivered, read, failed, delivery_rate, read_rate, failure_rate} as one string per row. */
    static String row(String group, int messages, int sent, int delivered, int read, int failed, String delivery, String read_,
                      String failure) {
        return String.join(" ", group, "" + messages, "" + sent, "" + delivered, "" + read, "" + failed, delivery, read_, failure);
    }

    static List<String> rows(JsonNode answer, String groupField) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : answer.path("data")) {
            out.add(line(n.path(groupField).isNull() ? "null" : n.path(groupField).asText(), n));
        }
        return out;
    }

    static String line(String group, JsonNode n) {
        return String.join(" ", group, n.path("messages").asText(), n.path("sent").asText(), n.path("delivered").asText(),
                n.path("read").asText(), n.path("failed").asText(), n.path("delivery_rate").asText(),
                n.path("read_rate").asText(), n.path("failure_rate").asText());
    }

    static final String D1_A = row(D1.toString(), 4, 4, 3, 2, 1, "0.75", "0.6667", "0.25");
    static final String D2_A = row(D2.toString(), 4, 4, 2, 1, 2, "0.5", "0.5", "0.5");

    static JsonNode rates(String key, String query) {
        Resp r = node.http().get("/v1/analytics/rates?" + query, key);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.json();
    }

    static JsonNode failures(String key, String query) {
        Resp r = node.http().get("/v1/analytics/failures?" + query, key);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.json();
    }

    static String range() {
        return "from=" + D1 + "&to=" + D2;
    }

    // ---- rates -----------------------------------------------------------------------------------

    @Test
    void ratesByDayCountEveryMessageInTheDayItWasSent() {
        JsonNode r = rates(KEY_A, range() + "&group_by=day");
        assertThat(r.path("group_by").asText()).isEqualTo("day");
        assertThat(r.path("from").asText()).isEqualTo(D1.toString());
        assertThat(rows(r, "day")).containsExactly(D1_A, D2_A);
        assertThat(line("total", r.path("total"))).isEqualTo(row("total", 8, 8, 5, 3, 3, "0.625", "0.6", "0.375"));
    }

    @Test
    void dayIsTheDefaultGrouping() {
        assertThat(rows(rates(KEY_A, range()), "day")).containsExactly(D1_A, D2_A);
    }

    @Test
    void ratesByChannel() {
        assertThat(rows(rates(KEY_A, range() + "&group_by=channel"), "channel_id")).containsExactly(
                row(A_ACTIVE, 4, 4, 3, 2, 1, "0.75", "0.6667", "0.25"),
                row(A_HELD, 4, 4, 2, 1, 2, "0.5", "0.5", "0.5"));
    }

    @Test
    void ratesByCampaign() {
        assertThat(rows(rates(KEY_A, range() + "&group_by=campaign"), "campaign_id")).containsExactly(
                row("autumn", 3, 3, 2, 1, 1, "0.6667", "0.5", "0.3333"),
                row("spring", 4, 4, 3, 2, 1, "0.75", "0.6667", "0.25"),
                row("null", 1, 1, 0, 0, 1, "0.0", "null", "1.0"));
    }

    @Test
    void ratesByTemplate() {
        assertThat(rows(rates(KEY_A, range() + "&group_by=template"), "template_name")).containsExactly(
                row("notice_b", 3, 3, 2, 1, 1, "0.6667", "0.5", "0.3333"),
                row("promo_a", 4, 4, 3, 2, 1, "0.75", "0.6667", "0.25"),
                row("null", 1, 1, 0, 0, 1, "0.0", "null", "1.0"));
    }

    @Test
    void aRangeAndFiltersNarrowTheMessagesNotTheirStatuses() {
        // a4 was read on D2 but sent on D1: a D2-only range must not see it, a D1-only range sees it read.
        assertThat(rows(rates(KEY_A, "from=" + D2 + "&to=" + D2), "day")).containsExactly(D2_A);
        assertThat(rows(rates(KEY_A, "from=" + D1 + "&to=" + D1), "day")).containsExactly(D1_A);
        assertThat(rows(rates(KEY_A, range() + "&campaign_id=autumn&group_by=day"), "day"))
                .containsExactly(row(D2.toString(), 3, 3, 2, 1, 1, "0.6667", "0.5", "0.3333"));
        assertThat(rows(rates(KEY_A, range() + "&channel_id=" + A_ACTIVE + "&template_name=promo_a"), "day"))
                .containsExactly(D1_A);
        JsonNode none = rates(KEY_A, "from=" + D2.plusDays(1) + "&to=" + D2.plusDays(5));
        assertThat(none.path("data")).isEmpty();
        assertThat(line("total", none.path("total"))).isEqualTo(row("total", 0, 0, 0, 0, 0, "null", "null", "null"));
    }

    // ---- failure codes -------------------------------------------------------------------------------

    @Test
    void failureCodesCountFailedMessagesWithTheirTitles() {
        JsonNode f = failures(KEY_A, range());
        List<String> got = new ArrayList<>();
        f.path("data").forEach(n -> got.add(n.path("error_code").asInt() + " " + n.path("messages").asLong() + " "
                + n.path("error_title").asText()));
        // a7 failed with 131026 and was then delivered: it is not a failure.
        assertThat(got).containsExactly(
                "131026 1 Message undeliverable",
                "131047 1 Re-engagement message",
                "131049 1 This message was not delivered to maintain healthy ecosystem engagement.");
        assertThat(f.path("total_failed").asLong()).isEqualTo(3);
        JsonNode d1 = failures(KEY_A, "from=" + D1 + "&to=" + D1);
        assertThat(d1.path("data")).singleElement().satisfies(n -> assertThat(n.path("error_code").asInt()).isEqualTo(131026));
    }

    // ---- tenant isolation ----------------------------------------------------------------------------

    @Test
    void aTenantSeesOnlyItsOwnFigures() {
        // B used the same campaign and template names as A: only B's two messages count.
        assertThat(rows(rates(KEY_B, range() + "&group_by=campaign"), "campaign_id"))
                .containsExactly(row("spring", 2, 2, 1, 0, 1, "0.5", "0.0", "0.5"));
        assertThat(rows(rates(KEY_B, range() + "&group_by=template"), "template_name"))
                .containsExactly(row("promo_a", 2, 2, 1, 0, 1, "0.5", "0.0", "0.5"));
        JsonNode f = failures(KEY_B, range());
        assertThat(f.path("data")).singleElement().satisfies(n -> {
            assertThat(n.path("error_code").asInt()).isEqualTo(131000);
            assertThat(n.path("messages").asLong()).isEqualTo(1);
        });
        // Naming the other tenant's channel does not reach its data, it just matches nothing.
        assertThat(rates(KEY_B, range() + "&channel_id=" + A_ACTIVE).path("data")).isEmpty();
        assertThat(rates(KEY_A, range() + "&channel_id=" + B_HELD).path("data")).isEmpty();
        assertThat(node.http().get("/v1/analytics/rates", "sk_not_a_key").status()).isEqualTo(401);
        assertThat(node.http().get("/v1/analytics/failures", null).status()).isEqualTo(401);
    }

    // ---- bad input -------------------------------------------------------------------------------------

    @Test
    void badParametersAreRefusedWithACode() {
        assertProblem(node.http().get("/v1/analytics/rates?from=2026-13-01", KEY_A), 400, "invalid_parameter", "from");
        assertProblem(node.http().get("/v1/analytics/rates?to=yesterday", KEY_A), 400, "invalid_parameter", "to");
        // a date LocalDate accepts but epoch milliseconds cannot hold was a 500
        assertProblem(node.http().get("/v1/analytics/rates?from=%2B999999999-12-01&to=%2B999999999-12-31", KEY_A), 400,
                "invalid_parameter", "2199");
        assertProblem(node.http().get("/v1/analytics/rates?from=-999999999-01-01&to=-999999999-01-02", KEY_A), 400,
                "invalid_parameter", "2000");
        assertProblem(node.http().get("/v1/analytics/rates?from=" + D2 + "&to=" + D1, KEY_A), 400, "invalid_parameter",
                "after");
        assertProblem(node.http().get("/v1/analytics/rates?group_by=week", KEY_A), 400, "invalid_parameter", "group_by");
        assertProblem(node.http().get("/v1/analytics/failures?from=2020-01-01&to=2026-01-01", KEY_A), 400,
                "range_too_large", "366");
    }

    static void assertProblem(Resp r, int status, String code, String detailContains) {
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        assertThat(r.json().path("code").asText()).as("%s", r).isEqualTo(code);
        assertThat(r.json().path("detail").asText()).as("%s", r).contains(detailContains);
    }

    // ---- the event archive itself ------------------------------------------------------------------------

    @Test
    void everyStatusAndInboundMessageIsArchivedOnceInItsDay() {
        JsonNode byKind = ArchiveTestKit.sql(node, "SELECT kind, count(*), count(DISTINCT id) FROM events GROUP BY kind ORDER BY kind");
        assertThat(byKind.path("rows").toString()).isEqualTo("[[\"message\",1,1],[\"status\"," + STATUS_EVENTS + ","
                + STATUS_EVENTS + "]]");
        JsonNode byDay = ArchiveTestKit.sql(node, "SELECT CAST(day AS VARCHAR), count(*) FROM events GROUP BY day ORDER BY day");
        assertThat(byDay.path("rows").toString()).isEqualTo("[[\"" + D1 + "\",13],[\"" + D2 + "\",11]]");
        // Every id in the hot log is in the archive.
        assertThat(ArchiveTestKit.sql(node, "SELECT max(id) FROM events").path("rows").get(0).get(0).asLong())
                .isEqualTo(node.switchboard().events().head());
    }

    @Test
    void archivedStatusesCarryTheirMessageCampaignTemplateAndSendTime() {
        JsonNode r = ArchiveTestKit.sql(node, "SELECT message_id, campaign_id, template_name, channel_id, message_sent_at,"
                + " payload->>'id' FROM events WHERE wamid = 'wamid.a2' AND status = 'delivered'");
        // This status came without biz_opaque_callback_data: the archiver found the message by wamid.
        assertThat(r.path("rows")).singleElement().satisfies(row -> {
            assertThat(row.get(0).asText()).isEqualTo(ids.get("a2"));
            assertThat(row.get(1).asText()).isEqualTo("spring");
            assertThat(row.get(2).asText()).isEqualTo("promo_a");
            assertThat(row.get(3).asText()).isEqualTo(A_ACTIVE);
            assertThat(row.get(4).asText()).isEqualTo(D1 + "T11:00Z");
            assertThat(row.get(5).asText()).isEqualTo("wamid.a2");
        });
        JsonNode columns = ArchiveTestKit.sql(node, "SELECT * FROM events LIMIT 1").path("columns");
        List<String> names = new ArrayList<>();
        columns.forEach(c -> names.add(c.path("name").asText()));
        assertThat(names).containsExactly("id", "event_at", "received_at", "kind", "tenant_id", "channel_id", "message_id",
                "wamid", "contact", "status", "error_code", "error_title", "campaign_id", "template_name", "category",
                "message_sent_at", "payload", "day");
        JsonNode inboundRow = ArchiveTestKit.sql(node, "SELECT tenant_id, contact, status, payload->'text'->>'body' FROM events"
                + " WHERE kind = 'message'");
        assertThat(inboundRow.path("rows").toString())
                .isEqualTo("[[\"" + TestNodes.TENANT_A + "\",\"" + recipient(8) + "\",\"text\",\"hello there\"]]");
    }
}
