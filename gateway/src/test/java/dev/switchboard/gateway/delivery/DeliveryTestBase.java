package dev.switchboard.gateway.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import io.micrometer.core.instrument.Counter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the end-to-end delivery tests share: a harness per test (node + emulator on the engine
 * under test), the receivers it started, and the checks that compare what a receiver accepted
 * with the event log.
 */
abstract class DeliveryTestBase {
    static final String KEY_A = "sk_delivery_tenant_a_0123456789";
    static final String KEY_B = "sk_delivery_tenant_b_0123456789";

    @TempDir
    Path dir;
    TestDatabases.TestDb db;
    DeliveryHarness h;
    private final List<TenantReceiver> receivers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        try {
            if (h != null) {
                h.close();
            }
        } finally {
            receivers.forEach(TenantReceiver::close);
            if (db != null) {
                db.close();
            }
        }
    }

    TenantReceiver receiver(String secret) {
        TenantReceiver r = TenantReceiver.start(secret);
        receivers.add(r);
        return r;
    }

    /** Quick retries and a quick breaker, so outages and recoveries take milliseconds, not minutes. */
    static SwitchboardConfig.Delivery fast(Duration horizon, Duration requestTimeout, int maxInFlight, int maxBatch) {
        return new SwitchboardConfig.Delivery(Duration.ofMillis(20), Duration.ofMillis(300), horizon, requestTimeout,
                maxInFlight, maxBatch, 5, Duration.ofMillis(300), null, true); // receivers are on 127.0.0.1
    }

    static List<String> recipients(String prefix, int users, int messagesEach) {
        List<String> out = new ArrayList<>();
        for (int m = 0; m < messagesEach; m++) {
            for (int u = 0; u < users; u++) {
                out.add(prefix + String.format("%04d", u));
            }
        }
        return out;
    }

    long pending(String tenant) {
        return h.count("SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id=? AND state='PENDING'", tenant);
    }

    double counter(String tenant, String outcome) {
        Counter c = h.node.registry().find("switchboard_webhook_deliveries").tag("tenant", tenant).tag("outcome", outcome)
                .counter();
        return c == null ? 0 : c.count();
    }

    /** Per contact, the tenant's events in event-log order: "status id/status" or "message wamid". */
    Map<String, List<String>> logOrder(String tenant) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        h.query("SELECT kind, contact, message_id, status, wamid FROM webhook_events WHERE tenant_id=? AND kind IN"
                + " ('status','message') ORDER BY id", rs -> out.computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
                .add("status".equals(rs.getString(1)) ? rs.getString(3) + "/" + rs.getString(4) : "message " + rs.getString(5)),
                tenant);
        return out;
    }

    /** Per contact, what the receiver accepted, in the order it accepted it. */
    static Map<String, List<String>> receivedOrder(TenantReceiver r) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (TenantReceiver.Request req : r.accepted()) {
            for (JsonNode entry : req.json().path("entry")) {
                for (JsonNode change : entry.path("changes")) {
                    for (JsonNode s : change.path("value").path("statuses")) {
                        out.computeIfAbsent(s.path("recipient_id").asText(), k -> new ArrayList<>())
                                .add(s.path("id").asText() + "/" + s.path("status").asText());
                    }
                    for (JsonNode m : change.path("value").path("messages")) {
                        out.computeIfAbsent(m.path("from").asText(), k -> new ArrayList<>()).add("message " + m.path("id").asText());
                    }
                }
            }
        }
        return out;
    }

    /**
     * Per contact, whether a POST carrying the conversation arrived before the previous POST
     * carrying it had been answered (two POSTs of one conversation in flight at once).
     */
    static List<String> overlaps(TenantReceiver r) {
        Map<String, TenantReceiver.Request> last = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (TenantReceiver.Request req : r.requests()) {
            Set<String> contacts = new HashSet<>();
            r.statusesIn(req).forEach(s -> contacts.add(s.path("recipient_id").asText()));
            for (JsonNode entry : req.json().path("entry")) {
                for (JsonNode change : entry.path("changes")) {
                    change.path("value").path("messages").forEach(m -> contacts.add(m.path("from").asText()));
                }
            }
            for (String c : contacts) {
                TenantReceiver.Request prev = last.put(c, req);
                if (prev != null && req.arrivedNanos() < prev.answeredNanos()) {
                    out.add(c + ": request " + req.seq() + " arrived before request " + prev.seq() + " was answered");
                }
            }
        }
        return out;
    }

    static int size(Map<String, List<String>> m) {
        return m.values().stream().mapToInt(List::size).sum();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
