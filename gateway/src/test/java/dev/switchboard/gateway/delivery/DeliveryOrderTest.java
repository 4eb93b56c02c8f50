package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.emulator.InboundMessage;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.delivery.DeliveryHarness.TenantDef;
import dev.switchboard.gateway.testing.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end over HTTP, on SQLite and PostgreSQL: an endpoint that was down (across a node
 * restart) and then flaky gets every event afterwards, exactly once, in event-log order within
 * each conversation, signed like Meta's, in Meta's format, with Switchboard's ids and the
 * tenant's own callback data. The endpoint opts in to batching, the harder case for order: a POST
 * carries several events of several conversations.
 */
class DeliveryOrderTest extends DeliveryTestBase {
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void anEndpointThatWasDownGetsEverythingAfterwardsInOrderSignedAndMapped(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7101");
        TenantReceiver ra = receiver("secret-of-tenant-a-0001");
        ra.down();
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofMinutes(5), Duration.ofSeconds(2), 4, 10), a);
        h.endpoint(a, ra, "all", true, true, 10); // batching opted in: each POST takes a prefix of conversations

        // 4 users, 3 messages each; even ones carry the tenant's own callback data.
        List<String> to = recipients("1555010", 4, 3);
        List<String> firstWave = h.send(a, to, i -> i % 2 == 0 ? "order-" + i : null);
        DeliveryHarness.await("36 statuses queued and attempted while the endpoint is down", Duration.ofSeconds(30),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE tenant_id='a' AND kind='status'") == 36
                        && h.fedEverything() && pending("a") == 36
                        && h.count("SELECT MAX(attempts) FROM webhook_deliveries WHERE tenant_id='a'") >= 1,
                () -> "pending=" + pending("a"));
        // Two users write back after their statuses: inbound messages join their conversations.
        h.emulator.injectInbound(InboundMessage.text(a.channel(), to.get(0), "User Zero", "thanks"));
        h.emulator.injectInbound(InboundMessage.text(a.channel(), to.get(1), "User One", "got it"));
        DeliveryHarness.await("38 queued", Duration.ofSeconds(20), () -> h.fedEverything() && pending("a") == 38);

        h.restart(); // the outbox is durable: nothing lost, nothing queued twice
        assertThat(pending("a")).isEqualTo(38);

        ra.up();
        ra.flaky(0.3); // back, but failing about one POST in three, and answering after a random delay
        ra.jitter(Duration.ofMillis(30));
        // A second wave while the backlog drains: new events join conversations with POSTs in flight.
        List<String> ids = new ArrayList<>(firstWave);
        ids.addAll(h.send(a, to, i -> i % 2 == 0 ? "order-" + (firstWave.size() + i) : null));
        DeliveryHarness.await("the second wave logged", Duration.ofSeconds(30),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE tenant_id='a' AND kind='status'") == 72);
        Map<String, List<String>> expected = logOrder("a");
        DeliveryHarness.await("everything delivered", Duration.ofSeconds(30), () -> size(receivedOrder(ra)) >= 74,
                () -> "received " + size(receivedOrder(ra)) + ", pending " + pending("a"));
        DeliveryHarness.await("outbox drained", Duration.ofSeconds(10), () -> pending("a") == 0);

        // Exactly the logged events, each once, in the log's order within every conversation.
        assertThat(size(expected)).isEqualTo(74);
        assertThat(receivedOrder(ra)).isEqualTo(expected);
        assertThat(overlaps(ra)).as("one POST per conversation at a time").isEmpty();
        // Every POST, failed or not, is signed like Meta's with the tenant's secret.
        assertThat(ra.requests()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.signedWith(ra.secret())).as("signature of request %d", r.seq()).isTrue();
            assertThat(r.contentType()).startsWith("application/json");
        });
        assertThat(ra.requests().stream().filter(r -> !r.accepted())).as("some POSTs were refused and retried").isNotEmpty();
        // Meta's envelope, with several events per POST, as this endpoint asked.
        for (TenantReceiver.Request r : ra.accepted()) {
            JsonNode root = r.json();
            assertThat(root.path("object").asText()).isEqualTo("whatsapp_business_account");
            for (JsonNode entry : root.path("entry")) {
                assertThat(entry.path("id").asText()).isEqualTo(a.waba());
                for (JsonNode change : entry.path("changes")) {
                    assertThat(change.path("field").asText()).isEqualTo("messages");
                    JsonNode value = change.path("value");
                    assertThat(value.path("messaging_product").asText()).isEqualTo("whatsapp");
                    assertThat(value.path("metadata").path("phone_number_id").asText()).isEqualTo(a.channel());
                    assertThat(value.path("metadata").path("display_phone_number").asText()).isEqualTo(a.display());
                }
            }
        }
        assertThat(ra.accepted()).anySatisfy(r -> assertThat(ra.statusesIn(r)).hasSizeGreaterThan(1));
        // Ids are the ones Switchboard returned; the tenant's callback data comes back as it sent it.
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            index.put(ids.get(i), i);
        }
        List<JsonNode> statuses = ra.acceptedStatuses();
        assertThat(statuses).hasSize(72).allSatisfy(s -> {
            Integer i = index.get(s.path("id").asText());
            assertThat(i).as("status id %s is one of ours", s.path("id").asText()).isNotNull();
            if (i % 2 == 0) {
                assertThat(s.path("biz_opaque_callback_data").asText()).isEqualTo("order-" + i);
            } else {
                assertThat(s.has("biz_opaque_callback_data")).as("no callback data for message %d", i).isFalse();
            }
            assertThat(s.path("recipient_id").asText()).isEqualTo(to.get(i % to.size()));
        });
        List<JsonNode> inbound = ra.acceptedMessages();
        assertThat(inbound).extracting(m -> m.path("text").path("body").asText()).containsExactlyInAnyOrder("thanks", "got it");
        assertThat(ra.acceptedChanges()).filteredOn(c -> c.path("value").has("messages"))
                .allSatisfy(c -> assertThat(c.path("value").path("contacts").get(0).path("wa_id").asText())
                        .isEqualTo(c.path("value").path("messages").get(0).path("from").asText()));
        assertThat(counter("a", "delivered")).isEqualTo(74);
        assertThat(h.call("GET", "/metrics", "", null).body())
                .contains("switchboard_webhook_deliveries_total{outcome=\"delivered\",tenant=\"a\"} 74.0")
                .contains("switchboard_webhook_breaker_open{tenant=\"a\"}");
    }
}
