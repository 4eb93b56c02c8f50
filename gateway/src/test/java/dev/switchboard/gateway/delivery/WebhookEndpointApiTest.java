package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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

/**
 * The webhook-endpoint and dead-letter APIs over HTTP, on both engines: validation with stable
 * problem codes, the write-only secret, partial updates, and tenant isolation (a key reaches only
 * its own tenant's endpoint and dead letters; the operator reaches any). Each test creates its
 * own tenants through the admin API, so tests sharing the node do not interfere.
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebhookEndpointApiTest {
    private static final String ADMIN = TestNodes.ADMIN_TOKEN;
    private static final String SECRET = "a-perfectly-fine-secret-42";
    private static TestNodes.Node node;

    @Parameter
    String engine;

    @BeforeParameterizedClassInvocation
    static void startNode(String engine) {
        if (TestDatabases.available(engine)) {
            node = TestNodes.start(engine);
        }
    }

    @BeforeEach
    void assumeEngine() {
        TestDatabases.assumeAvailable(engine);
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

    /** A fresh tenant: {id, api key}. */
    private static String[] newTenant() {
        String id = "t-" + UUID.randomUUID().toString().substring(0, 8);
        Resp r = http().post("/admin/tenants", ADMIN, TestHttp.parse("{\"id\":\"" + id + "\",\"name\":\"" + id + "\"}"));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        return new String[] {id, r.json().path("api_key").path("key").asText()};
    }

    private static Resp put(String key, String body) {
        return http().send("PUT", "/v1/webhook-endpoint", key, body);
    }

    private static void assertProblem(Resp r, int status, String code) {
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
        assertThat(r.json().path("code").asText()).as("%s", r).isEqualTo(code);
        assertThat(r.json().path("detail").asText()).isNotBlank();
    }

    private static String valid(String url) {
        return "{\"url\":\"" + url + "\",\"secret\":\"" + SECRET + "\"}";
    }

    @Test
    void callsWithoutAValidKeyOrTokenAreRefused() {
        assertProblem(http().get("/v1/webhook-endpoint", null), 401, "unauthorized");
        assertProblem(put("sk_not_a_key_of_anyone_000000", valid("https://example.com/h")), 401, "unauthorized");
        assertProblem(http().get("/v1/webhook-endpoint/dead-letters", "nope"), 401, "unauthorized");
        String[] t = newTenant();
        assertProblem(http().get("/admin/tenants/" + t[0] + "/webhook-endpoint", "not-the-admin-token"), 401, "unauthorized");
        assertProblem(http().get("/admin/tenants/" + t[0] + "/webhook-endpoint", t[1]), 401, "unauthorized");
        assertProblem(http().get("/admin/tenants/no-such-tenant/webhook-endpoint", ADMIN), 404, "not_found");
    }

    @Test
    void creatingAnEndpointNeedsAUrlAndASecret() {
        String key = newTenant()[1];
        Resp noUrl = put(key, "{\"secret\":\"" + SECRET + "\"}");
        assertProblem(noUrl, 400, "missing_parameter");
        assertThat(noUrl.json().path("detail").asText()).contains("url");
        Resp noSecret = put(key, "{\"url\":\"https://example.com/hook\"}");
        assertProblem(noSecret, 400, "missing_parameter");
        assertThat(noSecret.json().path("detail").asText()).contains("secret");
        assertProblem(http().get("/v1/webhook-endpoint", key), 404, "not_found");
    }

    @Test
    void badUrlsAreRefusedWithTheirOwnCode() {
        String key = newTenant()[1];
        for (String url : List.of("ftp://example.com/hook", "example.com/hook", "not a url", "http://", "https:///path",
                "https://user:pass@example.com/hook", "https://example.com/hook#part", "mailto:ops@example.com",
                "https://example.com/" + "x".repeat(2100))) {
            assertProblem(put(key, valid(url)), 400, "invalid_webhook_url");
        }
        assertProblem(put(key, "{\"url\":42,\"secret\":\"" + SECRET + "\"}"), 400, "invalid_webhook_url");
        assertProblem(put(key, "{\"url\":\"\",\"secret\":\"" + SECRET + "\"}"), 400, "invalid_webhook_url");
        assertProblem(http().get("/v1/webhook-endpoint", key), 404, "not_found");
    }

    @Test
    void aTenantCannotPointItsEndpointIntoSwitchboardsNetwork() {
        String key = newTenant()[1];
        for (String url : List.of("http://127.0.0.1:8080/admin/tenants", "http://169.254.169.254/latest/meta-data/", "http://[::1]:9/x",
                "http://2130706433/x", "http://10.1.2.3/x", "http://192.168.0.10/x", "http://172.16.5.4/x", "http://localhost:8080/x",
                "http://0.0.0.0:8080/x", "http://[fd00::1]/x", "http://100.64.1.1/x")) {
            Resp r = put(key, valid(url));
            assertProblem(r, 400, "invalid_webhook_url");
            assertThat(r.json().path("detail").asText()).as(url).containsAnyOf("internal", "localhost").doesNotContain("Exception");
        }
        assertProblem(put(key, valid("http://127.1/x")), 400, "invalid_webhook_url"); // not even a host to java.net.URI
        assertProblem(http().get("/v1/webhook-endpoint", key), 404, "not_found");
    }

    @Test
    void badSecretsFiltersAndBodiesAreRefused() {
        String key = newTenant()[1];
        String url = "https://example.com/hook";
        assertProblem(put(key, "{\"url\":\"" + url + "\",\"secret\":\"short\"}"), 400, "invalid_secret");
        assertProblem(put(key, "{\"url\":\"" + url + "\",\"secret\":12345678901234567890}"), 400, "invalid_secret");
        assertProblem(put(key, "{\"url\":\"" + url + "\",\"secret\":\" " + SECRET + "\"}"), 400, "invalid_secret");
        assertProblem(put(key, "{\"url\":\"" + url + "\",\"secret\":\"" + "s".repeat(300) + "\"}"), 400, "invalid_secret");
        assertProblem(put(key, "{\"url\":\"" + url + "\",\"secret\":\"" + SECRET + "\",\"statuses\":\"some\"}"), 400,
                "invalid_parameter");
        assertProblem(put(key, "{\"url\":\"" + url + "\",\"secret\":\"" + SECRET + "\",\"statuses\":1}"), 400,
                "invalid_parameter");
        assertProblem(put(key, "{\"url\":\"" + url + "\",\"secret\":\"" + SECRET + "\",\"messages\":\"yes\"}"), 400,
                "invalid_parameter");
        assertProblem(put(key, "{\"url\":\"" + url + "\",\"secret\":\"" + SECRET + "\",\"account\":1}"), 400,
                "invalid_parameter");
        Resp typo = put(key, "{\"url\":\"" + url + "\",\"secret\":\"" + SECRET + "\",\"status\":\"final\"}");
        assertProblem(typo, 400, "invalid_parameter");
        assertThat(typo.json().path("detail").asText()).contains("status");
        assertProblem(put(key, "{\"url\":"), 400, "invalid_json");
        assertProblem(put(key, "[\"https://example.com\"]"), 400, "invalid_json");
        assertProblem(put(key, ""), 400, "invalid_json");
        assertProblem(http().get("/v1/webhook-endpoint", key), 404, "not_found");
    }

    @Test
    void anEndpointIsCreatedUpdatedAndDeletedAndItsSecretIsNeverShown() throws SQLException {
        String[] t = newTenant();
        Resp created = put(t[1], valid("https://hooks.example.com/wa"));
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        JsonNode e = created.json();
        assertThat(e.path("tenant_id").asText()).isEqualTo(t[0]);
        assertThat(e.path("url").asText()).isEqualTo("https://hooks.example.com/wa");
        assertThat(e.path("statuses").asText()).isEqualTo("all");
        assertThat(e.path("messages").asBoolean()).isTrue();
        assertThat(e.path("account").asBoolean()).isTrue();
        assertThat(e.path("secret_set").asBoolean()).isTrue();
        assertThat(e.path("delivery").path("pending").asLong()).isZero();
        assertThat(e.path("delivery").path("breaker").asText()).isEqualTo("CLOSED");
        assertThat(created.body()).doesNotContain(SECRET);
        assertThat(storedSecret(t[0])).startsWith("v1:").doesNotContain(SECRET);

        // Omitted fields keep their value, the secret included.
        Resp updated = put(t[1], "{\"statuses\":\"final\",\"messages\":false}");
        assertThat(updated.status()).as("%s", updated).isEqualTo(200);
        assertThat(updated.json().path("url").asText()).isEqualTo("https://hooks.example.com/wa");
        assertThat(updated.json().path("statuses").asText()).isEqualTo("final");
        assertThat(updated.json().path("messages").asBoolean()).isFalse();
        assertThat(updated.json().path("account").asBoolean()).isTrue();
        String secretBefore = storedSecret(t[0]);
        assertThat(put(t[1], "{\"url\":\"http://203.0.113.7:8080/in\",\"account\":false}").status()).isEqualTo(200);
        assertThat(storedSecret(t[0])).isEqualTo(secretBefore);
        JsonNode now = http().get("/v1/webhook-endpoint", t[1]).json();
        assertThat(now.path("url").asText()).isEqualTo("http://203.0.113.7:8080/in");
        assertThat(now.path("statuses").asText()).isEqualTo("final");
        assertThat(now.path("account").asBoolean()).isFalse();
        assertThat(now.toString()).doesNotContain(SECRET);

        Resp deleted = http().delete("/v1/webhook-endpoint", t[1]);
        assertThat(deleted.status()).as("%s", deleted).isEqualTo(200);
        assertThat(deleted.json().path("deleted").asBoolean()).isTrue();
        assertThat(deleted.json().path("discarded_pending").asInt()).isZero();
        assertProblem(http().get("/v1/webhook-endpoint", t[1]), 404, "not_found");
        assertProblem(http().delete("/v1/webhook-endpoint", t[1]), 404, "not_found");
        assertThat(storedSecret(t[0])).isNull();
    }

    @Test
    void batchingIsOptInPerEndpointAndBounded() {
        String[] t = newTenant();
        Resp created = put(t[1], valid("https://hooks.example.com/batch"));
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        assertThat(created.json().path("max_events_per_post").asInt()).as("one event per POST, as Meta").isEqualTo(1);

        Resp batched = put(t[1], "{\"max_events_per_post\":25}");
        assertThat(batched.status()).as("%s", batched).isEqualTo(200);
        assertThat(batched.json().path("max_events_per_post").asInt()).isEqualTo(25);
        assertThat(put(t[1], "{\"statuses\":\"final\"}").json().path("max_events_per_post").asInt()).as("kept").isEqualTo(25);
        assertThat(http().get("/admin/tenants/" + t[0] + "/webhook-endpoint", ADMIN).json().path("max_events_per_post").asInt())
                .isEqualTo(25);

        for (String bad : List.of("0", "-1", "101", "\"10\"", "2.5", "true", "1e3")) {
            Resp r = put(t[1], "{\"max_events_per_post\":" + bad + "}");
            assertProblem(r, 400, "invalid_parameter");
            assertThat(r.json().path("detail").asText()).as(bad).contains("max_events_per_post").contains("100");
        }
        assertThat(put(t[1], "{\"max_events_per_post\":1}").json().path("max_events_per_post").asInt()).isEqualTo(1);
    }

    @Test
    void aTenantOnlyEverSeesItsOwnEndpointAndTheOperatorSeesEach() {
        String[] one = newTenant();
        String[] two = newTenant();
        assertThat(put(one[1], valid("https://one.example.com/h")).status()).isEqualTo(201);
        assertProblem(http().get("/v1/webhook-endpoint", two[1]), 404, "not_found");
        assertThat(put(two[1], valid("https://two.example.com/h")).status()).isEqualTo(201);
        assertThat(http().get("/v1/webhook-endpoint", one[1]).json().path("url").asText()).isEqualTo("https://one.example.com/h");
        assertThat(http().get("/v1/webhook-endpoint", two[1]).json().path("url").asText()).isEqualTo("https://two.example.com/h");

        String adminOne = "/admin/tenants/" + one[0] + "/webhook-endpoint";
        String adminTwo = "/admin/tenants/" + two[0] + "/webhook-endpoint";
        assertThat(http().get(adminOne, ADMIN).json().path("url").asText()).isEqualTo("https://one.example.com/h");
        Resp byOperator = http().send("PUT", adminTwo, ADMIN, "{\"statuses\":\"none\"}");
        assertThat(byOperator.status()).as("%s", byOperator).isEqualTo(200);
        assertThat(http().get("/v1/webhook-endpoint", two[1]).json().path("statuses").asText()).isEqualTo("none");
        assertThat(http().get("/v1/webhook-endpoint", one[1]).json().path("statuses").asText()).isEqualTo("all");
        assertProblem(http().send("PUT", adminOne, ADMIN, "{\"url\":\"gopher://x\"}"), 400, "invalid_webhook_url");

        assertThat(http().delete("/v1/webhook-endpoint", two[1]).status()).isEqualTo(200);
        assertThat(http().get("/v1/webhook-endpoint", one[1]).status()).isEqualTo(200);
        assertProblem(http().get(adminTwo, ADMIN), 404, "not_found");
        assertThat(http().delete(adminOne, ADMIN).status()).isEqualTo(200);
        assertProblem(http().get("/v1/webhook-endpoint", one[1]), 404, "not_found");
    }

    @Test
    void deadLetterRequestsAreValidated() {
        String[] t = newTenant();
        String base = "/v1/webhook-endpoint/dead-letters";
        assertThat(http().get(base, t[1]).json().path("data")).isEmpty();
        assertProblem(http().get(base + "?limit=0", t[1]), 400, "invalid_parameter");
        assertProblem(http().get(base + "?limit=5000", t[1]), 400, "invalid_parameter");
        assertProblem(http().get(base + "?limit=ten", t[1]), 400, "invalid_parameter");
        assertProblem(http().get(base + "?cursor=abc", t[1]), 400, "invalid_parameter");
        assertProblem(http().post(base + "/replay", t[1], TestHttp.parse("{}")), 409, "no_webhook_endpoint");
        assertThat(put(t[1], valid("https://example.com/h")).status()).isEqualTo(201);
        assertProblem(http().post(base + "/replay", t[1], TestHttp.parse("{\"ids\":\"all\"}")), 400, "invalid_parameter");
        assertProblem(http().post(base + "/replay", t[1], TestHttp.parse("{\"ids\":[]}")), 400, "invalid_parameter");
        assertProblem(http().post(base + "/replay", t[1], TestHttp.parse("{\"ids\":[1.5]}")), 400, "invalid_parameter");
        assertThat(http().post(base + "/replay", t[1], TestHttp.parse("{\"ids\":[123456789]}")).json().path("replayed").asInt())
                .isZero();
        assertThat(http().post(base + "/replay", t[1], null).json().path("replayed").asInt()).isZero();
        assertProblem(http().delete(base + "/abc", t[1]), 400, "invalid_parameter");
        assertProblem(http().delete(base + "/987654321", t[1]), 404, "not_found");
        assertProblem(http().get("/admin/tenants/" + t[0] + "/webhook-endpoint/dead-letters?limit=-1", ADMIN), 400,
                "invalid_parameter");
    }

    private static String storedSecret(String tenantId) throws SQLException {
        try (Connection c = node.switchboard().database().reads().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT secret_enc FROM webhook_endpoints WHERE tenant_id=?")) {
            ps.setString(1, tenantId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
