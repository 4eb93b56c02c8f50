package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.InboundMessage;
import dev.switchboard.gateway.delivery.DeliveryHarness.TenantDef;
import dev.switchboard.gateway.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end over HTTP, on SQLite and PostgreSQL: an endpoint gets one event per POST, Meta's
 * usual shape (many receivers written for Meta read {@code entry[0].changes[0].value.statuses[0]} and
 * nothing more), even when a backlog has built up behind an outage; an endpoint that opts in with
 * {@code max_events_per_post} gets its backlog in batches of at most that many.
 */
class DeliveryBatchingTest extends DeliveryTestBase {
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void byDefaultEveryEventIsAPostOfItsOwnEvenAfterAnOutage(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7601");
        TenantReceiver ra = receiver("secret-of-tenant-a-0009");
        List<TenantReceiver.Request> all = backlogThenRecovery(engine, a, ra, null);

        assertThat(ra.accepted()).as("one accepted POST per event").hasSize(10);
        assertThat(all).as("every POST").allSatisfy(r -> {
            JsonNode entries = r.json().path("entry");
            assertThat(entries).as("request %d: entries", r.seq()).hasSize(1);
            JsonNode changes = entries.get(0).path("changes");
            assertThat(changes).as("request %d: changes", r.seq()).hasSize(1);
            JsonNode value = changes.get(0).path("value");
            int statuses = value.path("statuses").size();
            int messages = value.path("messages").size();
            assertThat(statuses + messages).as("request %d: events", r.seq()).isEqualTo(1);
            if (messages == 1) {
                assertThat(value.path("contacts")).hasSize(1);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void anEndpointThatOptsInGetsItsBacklogInBatches(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7602");
        TenantReceiver ra = receiver("secret-of-tenant-a-0010");
        List<TenantReceiver.Request> all = backlogThenRecovery(engine, a, ra, 4);

        // Each user's three statuses were pending together, and a conversation's pending prefix
        // goes out in one POST: so some POST carries several events, none more than four.
        assertThat(ra.accepted()).as("fewer POSTs than events").hasSizeLessThan(10);
        assertThat(ra.accepted()).anySatisfy(r -> assertThat(ra.statusesIn(r)).hasSizeGreaterThan(1));
        assertThat(all).allSatisfy(r -> assertThat(ra.statusesIn(r).size() + messagesIn(r)).isBetween(1, 4));
    }

    /**
     * Three users get a message each while the tenant's receiver is down, and one of them writes
     * back: ten events pending. Then the receiver comes back; returns every POST it saw once all
     * ten arrived, once each, in each conversation's order.
     */
    private List<TenantReceiver.Request> backlogThenRecovery(String engine, TenantDef a, TenantReceiver ra, Integer batch) {
        ra.down();
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofMinutes(5), Duration.ofSeconds(2), 4, 100), a);
        h.endpoint(a, ra, "all", true, true, batch);
        List<String> to = recipients("1555060", 3, 1);
        h.send(a, to, i -> null);
        DeliveryHarness.await("9 statuses queued", Duration.ofSeconds(30),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='status'") == 9 && h.fedEverything()
                        && pending("a") == 9, () -> "pending " + pending("a"));
        h.emulator.injectInbound(InboundMessage.text(a.channel(), to.get(0), "User Zero", "hello"));
        DeliveryHarness.await("10 queued", Duration.ofSeconds(20), () -> h.fedEverything() && pending("a") == 10);
        Map<String, List<String>> expected = logOrder("a");

        ra.up();
        DeliveryHarness.await("everything delivered", Duration.ofSeconds(30), () -> size(receivedOrder(ra)) >= 10,
                () -> "received " + size(receivedOrder(ra)) + ", pending " + pending("a") + " (" + engine + ")");
        DeliveryHarness.await("outbox drained", Duration.ofSeconds(10), () -> pending("a") == 0);
        assertThat(receivedOrder(ra)).isEqualTo(expected);
        assertThat(overlaps(ra)).as("one POST per conversation at a time").isEmpty();
        assertThat(ra.requests()).allSatisfy(r -> assertThat(r.signedWith(ra.secret())).isTrue());
        return ra.requests();
    }

    private static int messagesIn(TenantReceiver.Request r) {
        int n = 0;
        for (JsonNode entry : r.json().path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                n += change.path("value").path("messages").size();
            }
        }
        return n;
    }
}
