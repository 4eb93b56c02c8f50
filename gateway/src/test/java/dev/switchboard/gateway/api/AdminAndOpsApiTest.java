package dev.switchboard.gateway.api;

import static dev.switchboard.gateway.testing.TestNodes.ADMIN_TOKEN;
import static dev.switchboard.gateway.testing.TestNodes.A_ACTIVE;
import static dev.switchboard.gateway.testing.TestNodes.A_HELD;
import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** The operator API and the ops endpoints, on both engines. */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminAndOpsApiTest {
    private static TestNodes.Node node;

    @Parameter
    String engine;

    /** Every admin response of a test, to check that no access token ever leaks. */
    private final List<Resp> adminResponses = new ArrayList<>();

    @BeforeParameterizedClassInvocation
    static void startNode(String engine) {
        if (TestDatabases.available(engine)) {
            node = TestNodes.start(engine);
        }
    }

    @BeforeEach
    void assumeEngine() {
        TestDatabases.assumeAvailable(engine); // skips each test, with the reason, when PostgreSQL is missing
    }

    @AfterParameterizedClassInvocation
    static void stopNode() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    private static TestHttp http() {
        return node.http();
    }

    private Resp admin(String method, String path, Object body) {
        Resp r = http().send(method, "/admin" + path, ADMIN_TOKEN, body);
        adminResponses.add(r);
        return r;
    }

    private void assertNoTokenLeaked(String... tokens) {
        for (Resp r : adminResponses) {
            for (String t : tokens) {
                assertThat(r.body()).doesNotContain(t);
            }
            assertThat(r.body()).doesNotContain("access_token");
        }
    }

    private static String newTenantId() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static ObjectNode nativeText(String channel) {
        ObjectNode n = TestHttp.JSON.createObjectNode().put("channel_id", channel).put("to", "16505550199").put("type", "text");
        n.putObject("text").put("body", "hello");
        return n;
    }

    // ---- admin ------------------------------------------------------------------------------

    @Test
    void adminNeedsTheAdminToken() {
        for (String[] call : new String[][] {{"GET", "/admin/tenants"}, {"POST", "/admin/tenants"},
                {"GET", "/admin/tenants/" + TENANT_A}, {"GET", "/admin/channels/" + A_ACTIVE}}) {
            Resp none = http().send(call[0], call[1], null, call[0].equals("POST") ? "{\"name\":\"x\"}" : null);
            assertThat(none.status()).as("%s %s", call[0], call[1]).isEqualTo(401);
            assertThat(none.json().path("code").asText()).isEqualTo("unauthorized");
            Resp wrong = http().send(call[0], call[1], ADMIN_TOKEN + "x", call[0].equals("POST") ? "{\"name\":\"x\"}" : null);
            assertThat(wrong.status()).isEqualTo(401);
            // a tenant's API key is not an admin token
            assertThat(http().send(call[0], call[1], KEY_A, null).status()).isEqualTo(401);
        }
        assertThat(http().get("/admin/tenants", ADMIN_TOKEN.substring(1)).status()).isEqualTo(401);
        // nothing was created by the refused POSTs
        Resp list = admin("GET", "/tenants", null);
        list.json().path("data").forEach(t -> assertThat(t.path("name").asText()).isNotEqualTo("x"));
    }

    @Test
    void everyAdminFieldHasATypeAndARangeAndABadOneIsAClear400() {
        String[] badTenants = {
            "{\"id\":\"\",\"name\":\"x\"}", "{\"id\":\"-1\",\"name\":\"x\"}", "{\"id\":\"Infinity\",\"name\":\"x\"}",
            "{\"name\":\"x\",\"ingress_per_second\":0}", "{\"name\":\"x\",\"ingress_per_second\":-1}",
            "{\"name\":\"x\",\"ingress_per_second\":1e999}", "{\"name\":\"x\",\"max_queued\":\"lots\"}",
            "{\"name\":\"a\\r\\nb\"}", "{\"name\":42}",
        };
        for (String body : badTenants) {
            Resp r = admin("POST", "/tenants", body);
            assertThat(r.status()).as("%s -> %s", body, r).isEqualTo(400);
            assertThat(r.json().path("code").asText()).isIn("invalid_parameter", "missing_parameter", "invalid_json");
        }
        String[] badChannels = {
            "{\"ceiling_mps\":2147483647}", "{\"ceiling_mps\":0}", "{\"ceiling_mps\":1e999}", "{\"ceiling_mps\":80.5}",
            "{\"tier\":\"TIER_2K\\r\\nX-Injected: 1\"}", "{\"tier\":\"TIER_1K\"}", "{\"quality\":\"PURPLE\"}",
        };
        for (String body : badChannels) {
            Resp r = admin("PATCH", "/channels/" + A_HELD, body);
            assertThat(r.status()).as("%s -> %s", body, r).isEqualTo(400);
        }
        String create = "{\"phone_number_id\":\"39999\",\"waba_id\":\"w\",\"access_token\":\"t\",\"ceiling_mps\":1e999}";
        assertThat(admin("POST", "/tenants/" + TENANT_A + "/channels", create).status()).isEqualTo(400);
        assertThat(admin("POST", "/tenants/" + TENANT_A + "/channels", create.replace("39999", "not-a-number")
                .replace("1e999", "80")).status()).isEqualTo(400);
        // nothing of it was saved, and the channel still answers with what it had
        Resp held = admin("GET", "/channels/" + A_HELD, null);
        assertThat(held.json().path("ceiling_mps").asInt()).isEqualTo(80);
        assertThat(held.json().path("tier").asText()).isEqualTo("TIER_10K");
        // the native API's time-to-live is bounded too (Long.MAX once overflowed into "expired at once")
        Resp ttl = http().post("/v1/messages", KEY_A, "{\"channel_id\":\"" + A_HELD + "\",\"ttl_seconds\":9223372036854775807,"
                + "\"messaging_product\":\"whatsapp\",\"to\":\"15551230000\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}");
        assertThat(ttl.status()).as("%s", ttl).isEqualTo(400);
    }

    @Test
    void createTenantKeyAndChannelThenSend() {
        String id = newTenantId();
        Resp created = admin("POST", "/tenants", "{\"id\":\"" + id + "\",\"name\":\"New Co\",\"ingress_per_second\":50}");
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        JsonNode t = created.json();
        assertThat(t.path("id").asText()).isEqualTo(id);
        assertThat(t.path("name").asText()).isEqualTo("New Co");
        assertThat(t.path("state").asText()).isEqualTo("ACTIVE");
        assertThat(t.path("ingress_per_second").asInt()).isEqualTo(50);
        String key = t.path("api_key").path("key").asText();
        assertThat(key).startsWith("sk_").hasSizeGreaterThan(40);

        // the key works on the native API, and only shows the new tenant's (no) messages
        Resp mine = http().get("/v1/messages", key);
        assertThat(mine.status()).as("%s", mine).isEqualTo(200);
        assertThat(mine.json().path("data")).isEmpty();
        // and the key is shown once: never in the tenant or key listings
        assertThat(admin("GET", "/tenants/" + id, null).body()).doesNotContain(key);
        Resp keys = admin("GET", "/tenants/" + id + "/keys", null);
        assertThat(keys.status()).isEqualTo(200);
        assertThat(keys.body()).doesNotContain(key);
        assertThat(keys.json().path("data")).hasSize(1);
        assertThat(admin("GET", "/tenants", null).json().path("data").findValuesAsText("id")).contains(id, TENANT_A);

        String phone = "3" + (System.nanoTime() % 1_000_000_000_000L);
        String token = "EAAG-new-secret-" + UUID.randomUUID();
        Resp channel = admin("POST", "/tenants/" + id + "/channels", "{\"phone_number_id\":\"" + phone
                + "\",\"display_phone_number\":\"+1 555 0100\",\"waba_id\":\"waba-" + id + "\",\"access_token\":\"" + token
                + "\",\"ceiling_mps\":20,\"tier\":\"TIER_2K\"}");
        assertThat(channel.status()).as("%s", channel).isEqualTo(201);
        assertThat(channel.json().path("phone_number_id").asText()).isEqualTo(phone);
        assertThat(channel.json().path("tenant_id").asText()).isEqualTo(id);
        assertThat(channel.json().path("ceiling_mps").asInt()).isEqualTo(20);
        assertThat(channel.json().path("state").asText()).isEqualTo("ACTIVE");
        Resp listed = admin("GET", "/tenants/" + id + "/channels", null);
        assertThat(listed.json().path("data").findValuesAsText("phone_number_id")).containsExactly(phone);
        assertThat(admin("GET", "/channels/" + phone, null).json().path("tier").asText()).isEqualTo("TIER_2K");
        Resp patched = admin("PATCH", "/channels/" + phone, "{\"ceiling_mps\":40,\"access_token\":\"" + token + "-rotated\"}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().path("ceiling_mps").asInt()).isEqualTo(40);

        // the new tenant can send through its new channel
        Resp sent = http().post("/v1/messages", key, nativeText(phone));
        assertThat(sent.status()).as("%s", sent).isEqualTo(202);
        assertThat(sent.json().path("channel_id").asText()).isEqualTo(phone);
        // and not through tenant A's
        assertThat(http().post("/v1/messages", key, nativeText(A_ACTIVE)).status()).isEqualTo(404);

        assertNoTokenLeaked(token, token + "-rotated");
    }

    @Test
    void disablingATenantLocksOutItsKeysUntilReEnabled() {
        String id = newTenantId();
        String key = admin("POST", "/tenants", "{\"id\":\"" + id + "\",\"name\":\"Disable me\"}").json().path("api_key").path("key").asText();
        assertThat(http().get("/v1/messages", key).status()).isEqualTo(200);

        Resp disabled = admin("PATCH", "/tenants/" + id, "{\"state\":\"disabled\"}");
        assertThat(disabled.status()).as("%s", disabled).isEqualTo(200);
        assertThat(disabled.json().path("state").asText()).isEqualTo("DISABLED");
        Resp locked = http().get("/v1/messages", key);
        assertThat(locked.status()).isEqualTo(401);
        assertThat(locked.json().path("code").asText()).isEqualTo("unauthorized");
        assertThat(http().post("/v23.0/123/messages", key, "{}").status()).isEqualTo(401);

        assertThat(admin("PATCH", "/tenants/" + id, "{\"state\":\"ACTIVE\"}").status()).isEqualTo(200);
        assertThat(http().get("/v1/messages", key).status()).isEqualTo(200);

        Resp badState = admin("PATCH", "/tenants/" + id, "{\"state\":\"SLEEPING\"}");
        assertThat(badState.status()).isEqualTo(400);
        assertThat(badState.json().path("code").asText()).isEqualTo("invalid_parameter");
    }

    @Test
    void revokedKeysStopWorkingAndOtherKeysKeepWorking() {
        String id = newTenantId();
        String first = admin("POST", "/tenants", "{\"id\":\"" + id + "\",\"name\":\"Keys\"}").json().path("api_key").path("key").asText();
        Resp issued = admin("POST", "/tenants/" + id + "/keys", "{\"name\":\"second\"}");
        assertThat(issued.status()).as("%s", issued).isEqualTo(201);
        String second = issued.json().path("key").asText();
        String secondId = issued.json().path("id").asText();
        assertThat(second).isNotEqualTo(first);
        assertThat(http().get("/v1/messages", second).status()).isEqualTo(200);

        Resp revoked = admin("DELETE", "/tenants/" + id + "/keys/" + secondId, null);
        assertThat(revoked.status()).as("%s", revoked).isEqualTo(200);
        assertThat(revoked.json().path("state").asText()).isEqualTo("REVOKED");
        assertThat(http().get("/v1/messages", second).status()).isEqualTo(401);
        assertThat(http().get("/v1/messages", first).status()).isEqualTo(200);
        JsonNode keys = admin("GET", "/tenants/" + id + "/keys", null).json().path("data");
        assertThat(keys).hasSize(2);
        keys.forEach(k -> {
            if (k.path("id").asText().equals(secondId)) {
                assertThat(k.path("state").asText()).isEqualTo("REVOKED");
            }
        });

        // a key id is only revocable through its own tenant
        assertThat(admin("DELETE", "/tenants/" + TENANT_A + "/keys/" + secondId, null).status()).isEqualTo(404);
        assertThat(admin("DELETE", "/tenants/" + id + "/keys/key_nope", null).status()).isEqualTo(404);
    }

    @Test
    void unknownTenantsAndChannelsAre404AndDuplicatesAre409() {
        for (String[] call : new String[][] {{"GET", "/tenants/nobody"}, {"PATCH", "/tenants/nobody"},
                {"POST", "/tenants/nobody/keys"}, {"GET", "/tenants/nobody/keys"}, {"GET", "/tenants/nobody/channels"},
                {"GET", "/channels/000"}, {"PATCH", "/channels/000"}}) {
            Resp r = admin(call[0], call[1], call[0].equals("GET") ? null : "{\"name\":\"n\"}");
            assertThat(r.status()).as("%s %s -> %s", call[0], call[1], r).isEqualTo(404);
            assertThat(r.json().path("code").asText()).isEqualTo("not_found");
        }
        Resp channelOfNobody = admin("POST", "/tenants/nobody/channels",
                "{\"phone_number_id\":\"555\",\"waba_id\":\"w\",\"access_token\":\"secret-555\"}");
        assertThat(channelOfNobody.status()).isEqualTo(404);

        String id = newTenantId();
        assertThat(admin("POST", "/tenants", "{\"id\":\"" + id + "\",\"name\":\"Once\"}").status()).isEqualTo(201);
        Resp dup = admin("POST", "/tenants", "{\"id\":\"" + id + "\",\"name\":\"Twice\"}");
        assertThat(dup.status()).as("%s", dup).isEqualTo(409);
        assertThat(dup.json().path("code").asText()).isEqualTo("conflict");
        assertThat(admin("GET", "/tenants/" + id, null).json().path("name").asText()).isEqualTo("Once");
        assertThat(admin("POST", "/tenants", "{\"id\":\"" + TENANT_A + "\",\"name\":\"Steal\"}").status()).isEqualTo(409);

        Resp dupChannel = admin("POST", "/tenants/" + id + "/channels",
                "{\"phone_number_id\":\"" + A_ACTIVE + "\",\"waba_id\":\"w\",\"access_token\":\"secret-dup\"}");
        assertThat(dupChannel.status()).isEqualTo(409);
        // tenant A's channel is still A's
        assertThat(admin("GET", "/channels/" + A_ACTIVE, null).json().path("tenant_id").asText()).isEqualTo(TENANT_A);

        Resp missingName = admin("POST", "/tenants", "{\"id\":\"" + newTenantId() + "\"}");
        assertThat(missingName.status()).isEqualTo(400);
        assertThat(missingName.json().path("code").asText()).isEqualTo("missing_parameter");
        assertThat(admin("POST", "/tenants", "{oops").status()).isEqualTo(400);
        assertNoTokenLeaked("secret-555", "secret-dup");
    }

    @Test
    void bootstrappedChannelsNeverShowTheirTokens() {
        Resp channels = admin("GET", "/tenants/" + TENANT_A + "/channels", null);
        assertThat(channels.json().path("data").findValuesAsText("phone_number_id")).containsExactly(A_ACTIVE, A_HELD);
        assertThat(admin("GET", "/channels/" + A_ACTIVE, null).status()).isEqualTo(200);
        assertThat(admin("GET", "/channels/" + TestNodes.B_HELD, null).json().path("state").asText()).isEqualTo("PAUSED");
        admin("GET", "/tenants", null);
        admin("GET", "/tenants/" + TENANT_A, null);
        admin("GET", "/tenants/" + TENANT_A + "/keys", null);
        assertNoTokenLeaked(TestNodes.TOKEN_A, TestNodes.TOKEN_B, KEY_A, TestNodes.KEY_B);
        // nor are tokens stored in clear
        assertThat(node.switchboard().tenancy().channel(A_ACTIVE)).hasValueSatisfying(c -> {
            assertThat(c.accessTokenEnc()).doesNotContain(TestNodes.TOKEN_A);
            assertThat(node.switchboard().tenancy().accessToken(c)).isEqualTo(TestNodes.TOKEN_A);
        });
    }

    // ---- ops --------------------------------------------------------------------------------

    @Test
    void healthEndpoints() {
        Resp live = http().get("/health/live", null);
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.json().path("status").asText()).isEqualTo("UP");
        Resp ready = http().get("/health/ready", null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().path("status").asText()).isEqualTo("UP");
        assertThat(ready.json().path("database").asText()).isEqualTo("UP");
        assertThat(ready.json().path("started").asBoolean()).isTrue();
    }

    @Test
    void metricsCountAcceptedMessagesPerTenant() {
        Resp sent = http().post("/v1/messages", KEY_A, nativeText(A_HELD));
        assertThat(sent.status()).isEqualTo(202);
        Resp metrics = http().get("/metrics", null);
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        List<String> lines = metrics.body().lines().filter(l -> l.startsWith("switchboard_tenant_accepted")).toList();
        assertThat(lines).anySatisfy(l -> {
            assertThat(l).contains("tenant=\"" + TENANT_A + "\"");
            double v = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            assertThat(v).isGreaterThanOrEqualTo(1.0);
        });
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void everyResponseCarriesARequestId() {
        List<Resp> responses = List.of(
                http().get("/health/live", null),
                http().get("/health/ready", null),
                http().get("/metrics", null),
                http().get("/v1/messages", KEY_A),
                http().get("/v1/messages", null),
                http().get("/v1/messages/nope", KEY_A),
                http().post("/v1/messages", KEY_A, "{bad"),
                http().post("/v23.0/" + A_HELD + "/messages", KEY_A, "{bad"),
                http().get("/admin/tenants", null),
                http().get("/admin/tenants", ADMIN_TOKEN),
                http().get("/no/such/path", null));
        for (Resp r : responses) {
            assertThat(r.header("X-Request-Id")).as("%s", r).hasValueSatisfying(v -> assertThat(v).isNotBlank());
        }
        assertThat(responses.stream().map(r -> r.header("X-Request-Id").orElseThrow()).distinct()).hasSize(responses.size());

        // a caller's id is echoed, on success and on error
        assertThat(http().get("/health/live", null, "X-Request-Id", "req-abc-123").header("X-Request-Id")).hasValue("req-abc-123");
        assertThat(http().post("/v1/messages", KEY_A, "{bad", "X-Request-Id", "req-err-7").header("X-Request-Id"))
                .hasValue("req-err-7");
        assertThat(http().get("/admin/tenants", null, "X-Request-Id", "req-adm-1").header("X-Request-Id")).hasValue("req-adm-1");
        // an unreasonable one is replaced
        String tooLong = "r".repeat(65);
        assertThat(http().get("/health/live", null, "X-Request-Id", tooLong).header("X-Request-Id"))
                .hasValueSatisfying(v -> assertThat(v).isNotEqualTo(tooLong).isNotBlank());
    }
}
