package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.delivery.DeliveryHarness.TenantDef;
import dev.switchboard.gateway.testing.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end over HTTP, on SQLite and PostgreSQL: a permanently failing endpoint fills the
 * dead-letter list within the horizon; the tenant and the operator list it, another tenant
 * cannot see or touch it, and replay delivers it once the endpoint is back. Removing an endpoint
 * discards what is still pending for it.
 */
class DeadLetterTest extends DeliveryTestBase {
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aDeadEndpointFillsTheDeadLetterListAndReplayDeliversOnceItIsBack(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7201");
        TenantDef b = new TenantDef("b", KEY_B, "7202");
        TenantReceiver ra = receiver("secret-of-tenant-a-0002");
        TenantReceiver rb = receiver("secret-of-tenant-b-0002");
        ra.failWith(503);
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofSeconds(1), Duration.ofSeconds(2), 4, 10), a, b);
        h.endpoint(a, ra, "all", true, true);
        h.endpoint(b, rb, "all", true, true);

        List<String> ids = h.send(a, List.of("15550200001", "15550200002"), i -> "ref-" + i);
        DeliveryHarness.await("six dead letters", Duration.ofSeconds(20),
                () -> h.call("GET", "/v1/webhook-endpoint/dead-letters", KEY_A, null).json().path("data").size() == 6
                        && pending("a") == 0);
        JsonNode dead = h.call("GET", "/v1/webhook-endpoint/dead-letters", KEY_A, null).json().path("data");
        List<Long> deadIds = new ArrayList<>();
        for (JsonNode d : dead) {
            deadIds.add(d.path("id").asLong());
            assertThat(d.path("kind").asText()).isEqualTo("status");
            assertThat(d.path("status").asText()).isIn("sent", "delivered", "read");
            assertThat(d.path("last_error").asText()).isNotBlank();
            assertThat(ids).contains(d.path("payload").path("id").asText());
            assertThat(d.path("payload").path("biz_opaque_callback_data").asText()).startsWith("ref-");
        }
        assertThat(dead).anySatisfy(d -> assertThat(d.path("last_http_status").asInt()).isEqualTo(503));
        assertThat(ra.requests()).allSatisfy(r -> assertThat(r.signedWith(ra.secret())).isTrue());
        assertThat(counter("a", "dead_lettered")).isEqualTo(6);

        // The operator sees the same list; tenant B sees none of it and cannot touch it.
        JsonNode admin = h.call("GET", "/admin/tenants/a/webhook-endpoint/dead-letters", DeliveryHarness.ADMIN, null)
                .json().path("data");
        assertThat(admin).hasSize(6);
        assertThat(admin.findValuesAsText("id")).isEqualTo(dead.findValuesAsText("id"));
        assertThat(h.call("GET", "/v1/webhook-endpoint/dead-letters", KEY_B, null).json().path("data")).isEmpty();
        assertThat(h.call("POST", "/v1/webhook-endpoint/dead-letters/replay", KEY_B, "{\"ids\":" + deadIds + "}")
                .json().path("replayed").asInt()).isZero();
        DeliveryHarness.Resp foreign = h.call("DELETE", "/v1/webhook-endpoint/dead-letters/" + deadIds.get(0), KEY_B, null);
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.json().path("code").asText()).isEqualTo("not_found");
        assertThat(h.call("GET", "/v1/webhook-endpoint", KEY_A, null).json().path("delivery").path("dead_letters").asInt())
                .isEqualTo(6);
        String metrics = h.call("GET", "/metrics", "", null).body();
        assertThat(metrics).contains("switchboard_webhook_dead_letters{tenant=\"a\"} 6.0")
                .contains("switchboard_webhook_outbox_depth{tenant=\"a\"} 0.0")
                .contains("switchboard_webhook_deliveries_total{outcome=\"dead_lettered\",tenant=\"a\"} 6.0")
                .contains("switchboard_webhook_post_seconds_count{outcome=\"failed\",tenant=\"a\"}");

        // The tenant drops one; dead letters are not retried on their own, even once the endpoint is back.
        assertThat(h.call("DELETE", "/v1/webhook-endpoint/dead-letters/" + deadIds.get(5), KEY_A, null).status()).isEqualTo(200);
        assertThat(h.call("DELETE", "/v1/webhook-endpoint/dead-letters/" + deadIds.get(5), KEY_A, null).status()).isEqualTo(404);
        ra.ok();
        // A new message's statuses reach the endpoint now: A's delivery ran with it up, and took
        // nothing of the dead letters along (they wait for a replay)
        String fresh = h.send(a, List.of("15550200009"), i -> "fresh").get(0);
        DeliveryHarness.await("the new message's statuses delivered", Duration.ofSeconds(20),
                () -> ra.acceptedStatuses().size() >= 3 && pending("a") == 0);
        assertThat(ra.acceptedStatuses()).extracting(s -> s.path("id").asText()).containsOnly(fresh);
        int base = ra.acceptedStatuses().size();

        // Replay: two by id through the operator API, then the rest through the tenant's.
        DeliveryHarness.Resp some = h.call("POST", "/admin/tenants/a/webhook-endpoint/dead-letters/replay",
                DeliveryHarness.ADMIN, "{\"ids\":[" + deadIds.get(0) + "," + deadIds.get(1) + "]}");
        assertThat(some.status()).as(some.body()).isEqualTo(200);
        assertThat(some.json().path("replayed").asInt()).isEqualTo(2);
        DeliveryHarness.await("two replayed", Duration.ofSeconds(10), () -> ra.acceptedStatuses().size() == base + 2);
        // Two conversations' events, one POST each: order is kept within a conversation, not across.
        assertThat(ra.acceptedStatuses().subList(base, base + 2)).extracting(s -> s.path("id").asText() + "/" + s.path("status").asText())
                .containsExactlyInAnyOrderElementsOf(List.of(dead.get(0), dead.get(1)).stream()
                        .map(d -> d.path("payload").path("id").asText() + "/" + d.path("status").asText()).toList());
        DeliveryHarness.Resp rest = h.call("POST", "/v1/webhook-endpoint/dead-letters/replay", KEY_A, null);
        assertThat(rest.json().path("replayed").asInt()).isEqualTo(3);
        DeliveryHarness.await("all replayed", Duration.ofSeconds(10), () -> ra.acceptedStatuses().size() == base + 5);
        Set<String> got = new HashSet<>();
        ra.acceptedStatuses().subList(base, base + 5).forEach(s -> got.add(s.path("id").asText() + "/" + s.path("status").asText()));
        assertThat(got).hasSize(5);
        DeliveryHarness.await("outbox empty", Duration.ofSeconds(5), () -> pending("a") == 0);
        assertThat(h.call("GET", "/v1/webhook-endpoint/dead-letters", KEY_A, null).json().path("data")).isEmpty();
        assertThat(rb.acceptedStatuses()).isEmpty(); // B sent nothing, so got nothing of A's
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void removingAnEndpointDiscardsWhatIsStillPendingAndStopsDelivery(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7211");
        TenantReceiver ra = receiver("secret-of-tenant-a-0005");
        ra.down();
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofMinutes(5), Duration.ofSeconds(2), 4, 10), a);
        h.endpoint(a, ra, "all", true, true);
        h.send(a, List.of("15550210001", "15550210002"), i -> null);
        DeliveryHarness.await("six pending", Duration.ofSeconds(20), () -> pending("a") == 6 && h.fedEverything());

        DeliveryHarness.Resp removed = h.call("DELETE", "/v1/webhook-endpoint", KEY_A, null);
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(removed.json().path("discarded_pending").asInt()).isEqualTo(6);
        assertThat(pending("a")).isZero();
        // Events after the removal are not queued for anyone, and the old URL hears nothing.
        h.send(a, List.of("15550210003"), i -> null);
        DeliveryHarness.await("the new statuses logged and fed", Duration.ofSeconds(20),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE tenant_id='a' AND kind='status'") == 9
                        && h.fedEverything());
        // no delivery row exists for the old endpoint, so nothing can ever be posted to it
        assertThat(h.count("SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id='a'")).isZero();
        assertThat(ra.requests()).as("the removed endpoint heard nothing after its removal").isEmpty();
    }
}
