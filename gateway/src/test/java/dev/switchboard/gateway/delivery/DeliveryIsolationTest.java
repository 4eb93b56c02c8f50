package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.delivery.DeliveryHarness.TenantDef;
import dev.switchboard.gateway.testing.TestDatabases;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end over HTTP, on SQLite and PostgreSQL: one tenant's endpoint hanging for seconds on
 * every POST does not delay another tenant's deliveries.
 */
class DeliveryIsolationTest extends DeliveryTestBase {
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aSlowEndpointOfOneTenantDoesNotDelayAnotherTenantsDeliveries(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7301");
        TenantDef b = new TenantDef("b", KEY_B, "7302");
        TenantReceiver slow = receiver("secret-of-tenant-a-0003");
        TenantReceiver fastOne = receiver("secret-of-tenant-b-0003");
        long hang = 4000;
        slow.hang(Duration.ofMillis(hang));
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofMinutes(5), Duration.ofSeconds(10), 2, 100), a, b);
        h.endpoint(a, slow, "all", true, true);
        h.endpoint(b, fastOne, "all", true, true);

        h.send(a, recipients("1555030", 6, 1), i -> null);
        DeliveryHarness.await("A's endpoint is busy hanging", Duration.ofSeconds(10), () -> slow.arrivals() >= 1);
        long bSent = System.currentTimeMillis();
        h.send(b, recipients("1555031", 3, 1), i -> null);
        DeliveryHarness.await("B got all 9 statuses", Duration.ofSeconds(hang / 1000 - 1),
                () -> fastOne.acceptedStatuses().size() == 9, () -> "B has " + fastOne.acceptedStatuses().size());
        long bDone = System.currentTimeMillis();
        assertThat(slow.requests()).as("A's first POST is still hanging").isEmpty();

        // From the moment Switchboard journaled each of B's statuses to B's receiver having it.
        Map<String, Long> journaled = new HashMap<>();
        h.query("SELECT message_id, status, received_at FROM webhook_events WHERE tenant_id='b' AND kind='status'",
                rs -> journaled.put(rs.getString(1) + "/" + rs.getString(2), rs.getLong(3)));
        long worst = 0;
        for (TenantReceiver.Request r : fastOne.accepted()) {
            for (JsonNode s : fastOne.statusesIn(r)) {
                Long at = journaled.get(s.path("id").asText() + "/" + s.path("status").asText());
                assertThat(at).isNotNull();
                worst = Math.max(worst, r.arrivedMillis() - at);
            }
        }
        System.out.printf("%s: B's worst journal-to-receiver latency %d ms (all 9 within %d ms of sending) while A's"
                + " endpoint hangs %d ms per POST%n", engine, worst, bDone - bSent, hang);
        assertThat(worst).as("B's worst delivery latency").isLessThan(1000);
    }
}
