package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.InboundMessage;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.delivery.DeliveryHarness.TenantDef;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The delivery path end to end, on SQLite and PostgreSQL: messages sent through {@code /v1}, the
 * emulator's signed status webhooks journaled and turned into events, the outbox forwarding
 * them to real HTTP receivers that are down, failing, dead or slow.
 */
class TenantDeliveryTest {
    private static final String KEY_A = "sk_delivery_tenant_a_0123456789";
    private static final String KEY_B = "sk_delivery_tenant_b_0123456789";

    @TempDir
    Path dir;
    private TestDatabases.TestDb db;
    private DeliveryHarness h;
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

    private TenantReceiver receiver(String secret) {
        TenantReceiver r = TenantReceiver.start(secret);
        receivers.add(r);
        return r;
    }

    /** Quick retries and a quick breaker, so outages and recoveries take milliseconds, not minutes. */
    private static SwitchboardConfig.Delivery fast(Duration horizon, Duration requestTimeout, int maxInFlight, int maxBatch) {
        return new SwitchboardConfig.Delivery(Duration.ofMillis(20), Duration.ofMillis(300), horizon, requestTimeout,
                maxInFlight, maxBatch, 5, Duration.ofMillis(300), null);
    }

    private static List<String> recipients(String prefix, int users, int messagesEach) {
        List<String> out = new ArrayList<>();
        for (int m = 0; m < messagesEach; m++) {
            for (int u = 0; u < users; u++) {
                out.add(prefix + String.format("%04d", u));
            }
        }
        return out;
    }

    private long pending(String tenant) {
        return h.count("SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id=? AND state='PENDING'", tenant);
    }

    private double counter(String tenant, String outcome) {
        Counter c = h.node.registry().find("switchboard_webhook_deliveries").tag("tenant", tenant).tag("outcome", outcome)
                .counter();
        return c == null ? 0 : c.count();
    }

    /** Per contact, the tenant's events in event-log order: "status id/status" or "message wamid". */
    private Map<String, List<String>> logOrder(String tenant) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        h.query("SELECT kind, contact, message_id, status, wamid FROM webhook_events WHERE tenant_id=? AND kind IN"
                + " ('status','message') ORDER BY id", rs -> out.computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
                .add("status".equals(rs.getString(1)) ? rs.getString(3) + "/" + rs.getString(4) : "message " + rs.getString(5)),
                tenant);
        return out;
    }

    /** Per contact, what the receiver accepted, in the order it accepted it. */
    private static Map<String, List<String>> receivedOrder(TenantReceiver r) {
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

    private static int size(Map<String, List<String>> m) {
        return m.values().stream().mapToInt(List::size).sum();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void anEndpointThatWasDownGetsEverythingAfterwardsInOrderSignedAndMapped(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7101");
        TenantReceiver ra = receiver("secret-of-tenant-a-0001");
        ra.down();
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofMinutes(5), Duration.ofSeconds(2), 4, 10), a);
        h.endpoint(a, ra, "all", true, true);

        // 4 users, 3 messages each; even ones carry the tenant's own callback data.
        List<String> to = recipients("1555010", 4, 3);
        List<String> ids = h.send(a, to, i -> i % 2 == 0 ? "order-" + i : null);
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
        ra.flaky(0.3); // back, but failing about one POST in three for a while
        Map<String, List<String>> expected = logOrder("a");
        DeliveryHarness.await("everything delivered", Duration.ofSeconds(30), () -> size(receivedOrder(ra)) >= 38,
                () -> "received " + size(receivedOrder(ra)) + ", pending " + pending("a"));
        DeliveryHarness.await("outbox drained", Duration.ofSeconds(10), () -> pending("a") == 0);

        // Exactly the logged events, each once, in the log's order within every conversation.
        assertThat(size(expected)).isEqualTo(38);
        assertThat(receivedOrder(ra)).isEqualTo(expected);
        // Every POST, failed or not, is signed like Meta's with the tenant's secret.
        assertThat(ra.requests()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.signedWith(ra.secret())).as("signature of request %d", r.seq()).isTrue();
            assertThat(r.contentType()).startsWith("application/json");
        });
        assertThat(ra.requests().stream().filter(r -> !r.accepted())).as("some POSTs were refused and retried").isNotEmpty();
        // Meta's envelope, with several events per POST like Meta's batches.
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
        assertThat(statuses).hasSize(36).allSatisfy(s -> {
            Integer i = index.get(s.path("id").asText());
            assertThat(i).as("status id %s is one of ours", s.path("id").asText()).isNotNull();
            if (i % 2 == 0) {
                assertThat(s.path("biz_opaque_callback_data").asText()).isEqualTo("order-" + i);
            } else {
                assertThat(s.has("biz_opaque_callback_data")).as("no callback data for message %d", i).isFalse();
            }
            assertThat(s.path("recipient_id").asText()).isEqualTo(to.get(i));
        });
        List<JsonNode> inbound = ra.acceptedMessages();
        assertThat(inbound).extracting(m -> m.path("text").path("body").asText()).containsExactlyInAnyOrder("thanks", "got it");
        assertThat(ra.acceptedChanges()).filteredOn(c -> c.path("value").has("messages"))
                .allSatisfy(c -> assertThat(c.path("value").path("contacts").get(0).path("wa_id").asText())
                        .isEqualTo(c.path("value").path("messages").get(0).path("from").asText()));
        assertThat(counter("a", "delivered")).isEqualTo(38);
    }

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

        // The tenant drops one; dead letters are not retried on their own, even once the endpoint is back.
        assertThat(h.call("DELETE", "/v1/webhook-endpoint/dead-letters/" + deadIds.get(5), KEY_A, null).status()).isEqualTo(200);
        assertThat(h.call("DELETE", "/v1/webhook-endpoint/dead-letters/" + deadIds.get(5), KEY_A, null).status()).isEqualTo(404);
        ra.ok();
        int before = ra.accepted().size();
        sleep(400);
        assertThat(ra.accepted()).hasSize(before).isEmpty();

        // Replay: two by id through the operator API, then the rest through the tenant's.
        DeliveryHarness.Resp some = h.call("POST", "/admin/tenants/a/webhook-endpoint/dead-letters/replay",
                DeliveryHarness.ADMIN, "{\"ids\":[" + deadIds.get(0) + "," + deadIds.get(1) + "]}");
        assertThat(some.status()).as(some.body()).isEqualTo(200);
        assertThat(some.json().path("replayed").asInt()).isEqualTo(2);
        DeliveryHarness.await("two replayed", Duration.ofSeconds(10), () -> ra.acceptedStatuses().size() == 2);
        assertThat(ra.acceptedStatuses()).extracting(s -> s.path("id").asText() + "/" + s.path("status").asText())
                .containsExactlyElementsOf(List.of(dead.get(0), dead.get(1)).stream()
                        .map(d -> d.path("payload").path("id").asText() + "/" + d.path("status").asText()).toList());
        DeliveryHarness.Resp rest = h.call("POST", "/v1/webhook-endpoint/dead-letters/replay", KEY_A, null);
        assertThat(rest.json().path("replayed").asInt()).isEqualTo(3);
        DeliveryHarness.await("all replayed", Duration.ofSeconds(10), () -> ra.acceptedStatuses().size() == 5);
        Set<String> got = new HashSet<>();
        ra.acceptedStatuses().forEach(s -> got.add(s.path("id").asText() + "/" + s.path("status").asText()));
        assertThat(got).hasSize(5);
        DeliveryHarness.await("outbox empty", Duration.ofSeconds(5), () -> pending("a") == 0);
        assertThat(h.call("GET", "/v1/webhook-endpoint/dead-letters", KEY_A, null).json().path("data")).isEmpty();
        assertThat(rb.acceptedStatuses()).isEmpty(); // B sent nothing, so got nothing of A's
    }

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

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void eachEndpointGetsOnlyTheEventsItAskedFor(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7401");
        TenantDef b = new TenantDef("b", KEY_B, "7402");
        TenantDef c = new TenantDef("c", "sk_delivery_tenant_c_0123456789", "7403");
        TenantReceiver ra = receiver("secret-of-tenant-a-0004");
        TenantReceiver rb = receiver("secret-of-tenant-b-0004");
        TenantReceiver rc = receiver("secret-of-tenant-c-0004");
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofMinutes(5), Duration.ofSeconds(2), 4, 100), a, b, c);
        h.endpoint(a, ra, "final", true, true);   // final statuses, inbound, account events
        h.endpoint(b, rb, "none", true, false);   // inbound only
        h.endpoint(c, rc, "all", false, false);   // statuses only

        String user = "15550400001";
        List<String> idsA = h.send(a, List.of(user, user), i -> null);
        List<String> idsB = h.send(b, List.of(user, user), i -> null);
        List<String> idsC = h.send(c, List.of(user, user), i -> null);
        DeliveryHarness.await("every status logged", Duration.ofSeconds(20),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='status' AND status='read'") == 6);
        // The user replies to A's first message; A must see the id Switchboard gave it, not Meta's wamid.
        String wamidA = h.query("SELECT wamid FROM messages WHERE id=?", rs -> rs.getString(1), idsA.get(0)).get(0);
        String replyWamid = h.emulator.injectInbound(InboundMessage.text(a.channel(), user, "User", "yes please").inReplyTo(wamidA));
        h.emulator.injectInbound(InboundMessage.text(b.channel(), user, "User", "hello b"));
        h.emulator.injectInbound(InboundMessage.text(c.channel(), user, "User", "hello c"));
        h.emulator.accountEvent(dev.switchboard.emulator.AccountEvent.accountUpdate(a.waba(), "VERIFIED_ACCOUNT"));
        h.emulator.accountEvent(dev.switchboard.emulator.AccountEvent.accountUpdate(b.waba(), "VERIFIED_ACCOUNT"));
        DeliveryHarness.await("everything logged and fed", Duration.ofSeconds(20),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='message'") == 3
                        && h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='account'") == 2 && h.fedEverything());
        DeliveryHarness.await("outboxes drained", Duration.ofSeconds(10),
                () -> h.count("SELECT COUNT(*) FROM webhook_deliveries") == 0);

        // A: delivered and read only, its inbound reply with the mapped context, its account event.
        assertThat(ra.acceptedStatuses()).extracting(s -> s.path("id").asText() + "/" + s.path("status").asText())
                .containsExactlyInAnyOrder(idsA.get(0) + "/delivered", idsA.get(0) + "/read", idsA.get(1) + "/delivered",
                        idsA.get(1) + "/read");
        assertThat(ra.acceptedMessages()).singleElement().satisfies(m -> {
            assertThat(m.path("id").asText()).isEqualTo(replyWamid);
            assertThat(m.path("context").path("id").asText()).isEqualTo(idsA.get(0));
            assertThat(m.path("text").path("body").asText()).isEqualTo("yes please");
        });
        assertThat(ra.acceptedChanges()).filteredOn(ch -> ch.path("field").asText().equals("account_update"))
                .singleElement().satisfies(ch -> assertThat(ch.path("value").path("event").asText()).isEqualTo("VERIFIED_ACCOUNT"));
        assertThat(ra.accepted()).allSatisfy(r -> assertThat(r.json().path("entry").get(0).path("id").asText()).isEqualTo(a.waba()));
        // B: no statuses, no account events, its inbound message.
        assertThat(rb.acceptedStatuses()).isEmpty();
        assertThat(rb.acceptedMessages()).extracting(m -> m.path("text").path("body").asText()).containsExactly("hello b");
        assertThat(rb.acceptedChanges()).allSatisfy(ch -> assertThat(ch.path("field").asText()).isEqualTo("messages"));
        // C: all six statuses, no inbound message.
        assertThat(rc.acceptedStatuses()).hasSize(6).extracting(s -> s.path("id").asText()).containsOnly(idsC.get(0), idsC.get(1));
        assertThat(rc.acceptedMessages()).isEmpty();
        assertThat(idsB).hasSize(2);
        for (TenantReceiver r : List.of(ra, rb, rc)) {
            assertThat(r.requests()).allSatisfy(q -> assertThat(q.signedWith(r.secret())).isTrue());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
