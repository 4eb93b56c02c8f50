package dev.switchboard.gateway.api;

import static dev.switchboard.gateway.testing.TestNodes.ADMIN_TOKEN;
import static dev.switchboard.gateway.testing.TestNodes.A_ACTIVE;
import static dev.switchboard.gateway.testing.TestNodes.A_HELD;
import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
import static dev.switchboard.gateway.testing.TestNodes.KEY_B;
import static dev.switchboard.gateway.testing.TestNodes.TENANT_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a 2xx promises across a restart, tenant admission limits, and idempotency under
 * concurrency; on both engines, each test with a node of its own.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DurabilityAndAdmissionTest {

    private static ObjectNode nativeText(String channel, String to) {
        ObjectNode n = TestHttp.JSON.createObjectNode().put("channel_id", channel).put("to", to).put("type", "text");
        n.putObject("text").put("body", "hello " + to);
        return n;
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"sqlite", "postgres"})
    void acceptedMessagesTenantsAndKeysSurviveARestart(String engine) {
        TestDatabases.assumeAvailable(engine);
        TestNodes.Node node = TestNodes.start(engine);
        try {
            String campaign = "camp-" + UUID.randomUUID();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Resp r = node.http().post("/v1/messages", KEY_A, nativeText(A_HELD, "1650555010" + i).put("campaign_id", campaign));
                assertThat(r.status()).isEqualTo(202);
                ids.add(r.json().path("id").asText());
            }
            String idemKey = "idem-" + UUID.randomUUID();
            String idemBody = nativeText(A_HELD, "16505550199").toString();
            Resp idem = node.http().post("/v1/messages", KEY_A, idemBody, "Idempotency-Key", idemKey);
            assertThat(idem.status()).isEqualTo(202);
            String cancelled = ids.get(0);
            assertThat(node.http().post("/v1/messages/" + cancelled + "/cancel", KEY_A, null).status()).isEqualTo(200);
            Resp tenant = node.http().post("/admin/tenants", ADMIN_TOKEN, "{\"name\":\"Created before restart\"}");
            String newKey = tenant.json().path("api_key").path("key").asText();
            String newTenant = tenant.json().path("id").asText();
            assertThat(node.http().post("/admin/tenants/" + newTenant + "/channels", ADMIN_TOKEN,
                    "{\"phone_number_id\":\"777000111\",\"waba_id\":\"w-new\",\"access_token\":\"tok-new\"}").status()).isEqualTo(201);

            node = node.restart();

            JsonNode listed = node.http().get("/v1/messages?campaign_id=" + campaign, KEY_A).json();
            assertThat(listed.path("data").findValuesAsText("id")).containsExactlyElementsOf(ids);
            assertThat(node.http().get("/v1/messages/" + cancelled, KEY_A).json().path("state").asText()).isEqualTo("CANCELLED");
            assertThat(node.http().get("/v1/messages/" + ids.get(1), KEY_A).json().path("state").asText()).isEqualTo("QUEUED");
            // bootstrap ran again without duplicating anything, and keys still work
            assertThat(node.http().get("/admin/tenants", ADMIN_TOKEN).json().path("data").findValuesAsText("id"))
                    .containsOnlyOnce(TENANT_A, TestNodes.TENANT_B, newTenant);
            assertThat(node.http().get("/v1/messages", newKey).status()).isEqualTo(200);
            assertThat(node.http().get("/v1/messages", KEY_B).status()).isEqualTo(200);
            // channel tokens are still decryptable (same master key)
            var tenancy = node.switchboard().tenancy();
            assertThat(tenancy.channel("777000111"))
                    .hasValueSatisfying(c -> assertThat(tenancy.accessToken(c)).isEqualTo("tok-new"));
            // the idempotency record survived too: a replay answers the same, a different body conflicts
            Resp replay = node.http().post("/v1/messages", KEY_A, idemBody, "Idempotency-Key", idemKey);
            assertThat(replay.status()).isEqualTo(202);
            assertThat(replay.json()).isEqualTo(idem.json());
            assertThat(node.http().post("/v1/messages", KEY_A, nativeText(A_HELD, "16505550198").toString(),
                    "Idempotency-Key", idemKey).status()).isEqualTo(409);
            // and new messages keep ordering after the old ones
            Resp after = node.http().post("/v1/messages", KEY_A, nativeText(A_HELD, "16505550109").put("campaign_id", campaign));
            assertThat(after.status()).isEqualTo(202);
            List<String> all = node.http().get("/v1/messages?campaign_id=" + campaign, KEY_A).json().path("data").findValuesAsText("id");
            assertThat(all).hasSize(6).endsWith(after.json().path("id").asText());
        } finally {
            node.close();
        }
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"sqlite", "postgres"})
    void aTenantsQueueLimitIsEnforced(String engine) {
        TestDatabases.assumeAvailable(engine);
        try (TestNodes.Node node = TestNodes.start(engine)) {
            String[] tenant = tenantWithPausedChannel(node, "{\"name\":\"Small\",\"max_queued\":3}", "888");
            String id = tenant[0];
            String key = tenant[1];
            String phone = tenant[2];

            for (int i = 0; i < 3; i++) {
                assertThat(node.http().post("/v1/messages", key, nativeText(phone, "1650555020" + i)).status()).isEqualTo(202);
            }
            Resp full = node.http().post("/v1/messages", key, nativeText(phone, "16505550209"));
            assertThat(full.status()).as("%s", full).isEqualTo(429);
            assertThat(full.json().path("code").asText()).isEqualTo("tenant_queue_full");
            assertThat(full.header("Retry-After")).as("a 429 says when to come back").hasValue("5");
            ObjectNode facadeBody = nativeText(phone, "16505550208").put("messaging_product", "whatsapp");
            facadeBody.remove("channel_id");
            Resp facade = node.http().post("/v23.0/" + phone + "/messages", key, facadeBody);
            assertThat(facade.status()).isEqualTo(429);
            assertThat(facade.json().path("error").path("code").asInt()).isEqualTo(4);
            assertThat(facade.header("Retry-After")).hasValue("5");
            // a batch that would overflow is refused whole
            assertThat(node.switchboard().messages().countQueued(id)).isEqualTo(3);
            // other tenants are unaffected
            assertThat(node.http().post("/v1/messages", KEY_A, nativeText(A_HELD, "16505550207")).status()).isEqualTo(202);
            Resp metrics = node.http().get("/metrics", null);
            assertThat(metrics.body().lines().filter(l -> l.startsWith("switchboard_tenant_rejected"))
                    .anyMatch(l -> l.contains("tenant=\"" + id + "\"") && l.contains("queue_full"))).isTrue();
        }
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"sqlite", "postgres"})
    void theQueueCountIsRecountedWhileAcceptsKeepComing(String engine) throws InterruptedException {
        TestDatabases.assumeAvailable(engine);
        try (TestNodes.Node node = TestNodes.start(engine)) {
            Resp t = node.http().post("/admin/tenants", ADMIN_TOKEN, "{\"name\":\"Steady\",\"max_queued\":5}");
            String key = t.json().path("api_key").path("key").asText();
            String phone = "889" + (System.nanoTime() % 1_000_000);
            node.http().post("/admin/tenants/" + t.json().path("id").asText() + "/channels", ADMIN_TOKEN,
                    "{\"phone_number_id\":\"" + phone + "\",\"waba_id\":\"w\",\"access_token\":\"tok\"}");
            assertThat(node.http().patch("/admin/channels/" + phone, ADMIN_TOKEN, "{\"state\":\"PAUSED\"}").status()).isEqualTo(200);
            // One message every 500 ms, each cancelled at once: the queue never holds more than
            // one, so none may be refused. (A count that was only ever raised between recounts,
            // and never recounted while accepts kept coming, refused the sixth.)
            for (int i = 0; i < 12; i++) {
                Resp r = node.http().post("/v1/messages", key, nativeText(phone, "1650555030" + (i % 10)));
                assertThat(r.status()).as("accept %d: %s", i, r).isEqualTo(202);
                String id = r.json().path("id").asText();
                assertThat(node.http().post("/v1/messages/" + id + "/cancel", key, "{}").status()).isEqualTo(200);
                Thread.sleep(500);
            }
        }
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"sqlite", "postgres"})
    void concurrentRequestsWithOneIdempotencyKeyAcceptOneMessage(String engine) throws Exception {
        TestDatabases.assumeAvailable(engine);
        try (TestNodes.Node node = TestNodes.start(engine)) {
            String key = "idem-" + UUID.randomUUID();
            String body = nativeText(A_HELD, "16505550301").toString();
            int n = 8;
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Resp>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Callable<Resp> call = () -> {
                        go.await();
                        return node.http().post("/v1/messages", KEY_A, body, "Idempotency-Key", key);
                    };
                    futures.add(pool.submit(call));
                }
                go.countDown();
                List<String> ids = new ArrayList<>();
                for (Future<Resp> f : futures) {
                    Resp r = f.get(30, TimeUnit.SECONDS);
                    assertThat(r.status()).as("%s", r).isEqualTo(202);
                    ids.add(r.json().path("id").asText());
                }
                assertThat(ids).hasSize(n).containsOnly(ids.get(0));
            } finally {
                pool.shutdownNow();
            }
            assertThat(node.http().get("/v1/messages?recipient=16505550301", KEY_A).json().path("data")).hasSize(1);
        }
    }

    @Test
    void aTenantsIngressBurstIsTwoSecondsOfItsRateNotTwoThousand() {
        try (TestNodes.Node node = TestNodes.start("sqlite")) {
            ingressBurst(node);
        }
    }

    private static void ingressBurst(TestNodes.Node node) {
        String[] tenant = tenantWithPausedChannel(node, "{\"name\":\"Slow\",\"ingress_per_second\":5}", "889");
        String id = tenant[0];
        String key = tenant[1];
        String phone = tenant[2];
        // 5 a second allows a burst of 10: a batch of 11 can never fit, and is told so (it was 2,000)
        Resp tooBig = node.http().post("/v1/messages", key, batch(phone, 11));
        assertThat(tooBig.status()).as("%s", tooBig).isEqualTo(429);
        assertThat(tooBig.json().path("code").asText()).isEqualTo("batch_over_ingress");
        assertThat(tooBig.json().path("detail").asText()).contains("at most 10");
        assertThat(node.switchboard().messages().countQueued(id)).isZero();
        Resp fits = node.http().post("/v1/messages", key, batch(phone, 10));
        assertThat(fits.status()).as("%s", fits).isEqualTo(202);
    }

    /** A new tenant (created with {@code body}) and one channel of its own, paused so messages stay queued: {id, key, phone}. */
    private static String[] tenantWithPausedChannel(TestNodes.Node node, String body, String phonePrefix) {
        Resp t = node.http().post("/admin/tenants", ADMIN_TOKEN, body);
        String phone = phonePrefix + (System.nanoTime() % 1_000_000);
        String id = t.json().path("id").asText();
        node.http().post("/admin/tenants/" + id + "/channels", ADMIN_TOKEN,
                "{\"phone_number_id\":\"" + phone + "\",\"waba_id\":\"w\",\"access_token\":\"tok\"}");
        assertThat(node.http().patch("/admin/channels/" + phone, ADMIN_TOKEN, "{\"state\":\"PAUSED\"}").status()).isEqualTo(200);
        return new String[] {id, t.json().path("api_key").path("key").asText(), phone};
    }

    private static ObjectNode batch(String phone, int n) {
        ObjectNode root = TestHttp.JSON.createObjectNode();
        var arr = root.putArray("messages");
        for (int i = 0; i < n; i++) {
            arr.add(nativeText(phone, "1650555" + String.format("%04d", i)));
        }
        return root;
    }

    @Test
    void theFacadeAcceptsOnAnActiveChannelWhoseUpstreamIsDown() {
        // the upstream is unreachable: accepting must not depend on it, and the message stays retryable
        try (TestNodes.Node node = TestNodes.start("sqlite")) {
            ObjectNode body = TestHttp.JSON.createObjectNode().put("messaging_product", "whatsapp").put("to", "16505550401")
                    .put("type", "text");
            body.putObject("text").put("body", "x");
            Resp r = node.http().post("/v23.0/" + A_ACTIVE + "/messages", KEY_A, body);
            assertThat(r.status()).isEqualTo(200);
            String id = r.json().path("messages").get(0).path("id").asText();
            assertThat(node.http().get("/v1/messages/" + id, KEY_A).json().path("state").asText()).isIn("QUEUED", "SENDING");
        }
    }
}
