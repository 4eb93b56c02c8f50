package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.Harness.channel;
import static dev.switchboard.gateway.e2e.Harness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The Cloud API surface beside sending, through Switchboard to the emulator over HTTP, on both
 * engines (media ownership is stored): media up, described with Switchboard's own URL, down and
 * deleted; number and WABA reads; templates; business profile; registration; mark-as-read and
 * typing; {@code access_token} as a query parameter. And the scope: tenant B, holding its own
 * valid key, gets Meta's "does not exist or no permission" answer for every object of tenant A.
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GraphSurfaceTest {
    private static final String KEY_A = "sk_graph_tenant_a";
    private static final String KEY_B = "sk_graph_tenant_b";
    private static final String A = "4001";
    private static final String B = "4002";
    private static Path dir;
    private static TestDatabases.TestDb db;
    private static Harness h;

    @Parameter
    String engine;

    @BeforeParameterizedClassInvocation
    static void start(String engine) throws IOException {
        if (!TestDatabases.available(engine)) {
            return;
        }
        dir = Files.createTempDirectory("sb-graph-");
        db = TestDatabases.forEngine(engine, dir);
        h = Harness.start(db.config(), dir, SwitchboardConfig.Sending.defaults(), e -> { },
                tenant("graph-a", KEY_A, channel(A, 80)), tenant("graph-b", KEY_B, channel(B, 80)));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (h != null) {
            h.close();
            h = null;
        }
        if (db != null) {
            db.close();
            db = null;
        }
    }

    @BeforeEach
    void assumeEngine() {
        TestDatabases.assumeAvailable(engine);
    }

    @Test
    void mediaGoesUpIsDescribedWithSwitchboardsOwnUrlComesDownAndIsDeleted() {
        byte[] png = new byte[20_000];
        new java.util.Random(5).nextBytes(png);
        HttpResponse<String> up = upload(KEY_A, A, png, "image/png");
        assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
        String id = Harness.json(up).path("id").asText();
        assertThat(id).isNotBlank();

        JsonNode meta = Harness.json(h.get("/v23.0/" + id, KEY_A));
        assertThat(meta.path("url").asText()).startsWith(h.node.baseUrl() + "/v1/media/" + id + "/content?tenant=graph-a&expires=");
        assertThat(meta.path("mime_type").asText()).isEqualTo("image/png");
        assertThat(meta.path("file_size").asLong()).isEqualTo(png.length);

        HttpResponse<byte[]> down = bytes(meta.path("url").asText(), KEY_A);
        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(down.body()).isEqualTo(png);
        // the link is signed for its tenant, so a client that fetches it without credentials gets it too …
        assertThat(bytes(meta.path("url").asText(), null).body()).isEqualTo(png);
        // … but not once it names another tenant, or with its signature altered
        assertThat(bytes(meta.path("url").asText().replace("tenant=graph-a", "tenant=graph-b"), null).statusCode()).isEqualTo(401);
        assertThat(bytes(alterSignature(meta.path("url").asText()), null).statusCode()).isEqualTo(401);

        // tenant B, with its own valid key, learns nothing of A's media
        assertUnsupported(h.get("/v23.0/" + id, KEY_B), id);
        assertThat(bytes(meta.path("url").asText(), KEY_B).statusCode()).isEqualTo(404);
        assertUnsupported(delete("/v23.0/" + id, KEY_B), id);

        HttpResponse<String> gone = delete("/v23.0/" + id, KEY_A);
        assertThat(gone.statusCode()).as(gone.body()).isEqualTo(200);
        assertThat(Harness.json(gone).path("success").asBoolean()).isTrue();
        assertUnsupported(h.get("/v23.0/" + id, KEY_A), id);
    }

    @Test
    void mediaThatArrivesInAnInboundMessageIsItsReceiversToFetch() {
        HttpResponse<String> injected = Harness.send(HttpRequest.newBuilder(URI.create(h.emulator.baseUrl() + "/_emulator/inbound"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number_id\":\"" + A + "\",\"from\":\"15551230001\","
                        + "\"name\":\"Ann\",\"type\":\"image\",\"image\":{\"caption\":\"look\"}}")));
        assertThat(injected.statusCode()).as(injected.body()).isEqualTo(200);
        String id = Harness.json(injected).path("messages").path(0).path("image").path("id").asText();
        assertThat(id).isNotBlank();
        // the webhook is journaled and processed asynchronously: the id becomes A's once it is
        Harness.await("the inbound media id is A's", java.time.Duration.ofSeconds(30),
                () -> h.get("/v23.0/" + id, KEY_A).statusCode() == 200);
        JsonNode meta = Harness.json(h.get("/v23.0/" + id, KEY_A));
        assertThat(bytes(meta.path("url").asText(), KEY_A).statusCode()).isEqualTo(200);
        assertUnsupported(h.get("/v23.0/" + id, KEY_B), id);
    }

    @Test
    void readReceiptsAndTypingGoToMetaAtOnceAndAnswerLikeMeta() {
        String wamid = h.emulator.injectInbound(dev.switchboard.emulator.InboundMessage.text(A, "15551230002", "Bo", "hi"));
        HttpResponse<String> read = h.post("/v23.0/" + A + "/messages", KEY_A,
                "{\"messaging_product\":\"whatsapp\",\"status\":\"read\",\"message_id\":\"" + wamid + "\","
                        + "\"typing_indicator\":{\"type\":\"text\"}}");
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(Harness.json(read).path("success").asBoolean()).isTrue();
        assertThat(h.emulator.readReceipts(A)).anySatisfy(r -> assertThat(r.messageId()).isEqualTo(wamid));
        // Meta's own refusal comes back as Meta gave it; B cannot mark on A's number at all
        HttpResponse<String> unknown = h.post("/v23.0/" + A + "/messages", KEY_A,
                "{\"messaging_product\":\"whatsapp\",\"status\":\"read\",\"message_id\":\"wamid.nope\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(Harness.json(unknown).path("error").path("code").asInt()).isEqualTo(131009);
        HttpResponse<String> foreign = h.post("/v23.0/" + A + "/messages", KEY_B,
                "{\"messaging_product\":\"whatsapp\",\"status\":\"read\",\"message_id\":\"" + wamid + "\"}");
        assertThat(foreign.statusCode()).isBetween(400, 499);
    }

    @Test
    void templatesCreatedThroughSwitchboardCanBeSentOnceMetaApprovesThem() {
        HttpResponse<String> created = h.post("/v23.0/waba-" + A + "/message_templates", KEY_A,
                "{\"name\":\"order_ready\",\"language\":\"en_US\",\"category\":\"UTILITY\",\"components\":"
                        + "[{\"type\":\"BODY\",\"text\":\"Your order {{1}} is ready\",\"example\":{\"body_text\":[[\"42\"]]}}]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String send = "{\"messaging_product\":\"whatsapp\",\"to\":\"15550002222\",\"type\":\"template\",\"template\":"
                + "{\"name\":\"order_ready\",\"language\":{\"code\":\"en_US\"},\"components\":[{\"type\":\"body\","
                + "\"parameters\":[{\"type\":\"text\",\"text\":\"42\"}]}]}}";
        // the catalogue refreshes after the create: the send is validated against the new template
        Harness.await("the new template is in the catalogue", java.time.Duration.ofSeconds(30),
                () -> h.post("/v23.0/" + A + "/messages", KEY_A, send).statusCode() == 200);
        HttpResponse<String> listed = h.get("/v23.0/waba-" + A + "/message_templates?name=order_ready", KEY_A);
        assertThat(Harness.json(listed).path("data").findValuesAsText("name")).contains("order_ready");
        assertUnsupported(h.get("/v23.0/waba-" + A + "/message_templates", KEY_B), "waba-" + A);
        HttpResponse<String> deleted = delete("/v23.0/waba-" + A + "/message_templates?name=order_ready", KEY_A);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    }

    @Test
    void businessProfileAndRegistrationPassThrough() {
        HttpResponse<String> set = h.post("/v23.0/" + A + "/whatsapp_business_profile", KEY_A,
                "{\"messaging_product\":\"whatsapp\",\"about\":\"Fresh bread daily\"}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        JsonNode profile = Harness.json(h.get("/v23.0/" + A + "/whatsapp_business_profile?fields=about", KEY_A));
        assertThat(profile.path("data").path(0).path("about").asText()).isEqualTo("Fresh bread daily");
        assertThat(h.post("/v23.0/" + A + "/register", KEY_A, "{\"messaging_product\":\"whatsapp\",\"pin\":\"123456\"}")
                .statusCode()).isEqualTo(200);
        assertUnsupported(h.post("/v23.0/" + A + "/whatsapp_business_profile", KEY_B, "{\"about\":\"mine now\"}"), A);
        assertUnsupported(h.post("/v23.0/" + A + "/deregister", KEY_B, "{}"), A);
    }

    @Test
    void numberReadsPassThroughForTheOwnerOnly() {
        HttpResponse<String> own = h.get("/v23.0/" + A + "?fields=throughput,quality_rating", KEY_A);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(Harness.json(own).path("throughput").path("level").asText()).isNotBlank();
        assertUnsupported(h.get("/v23.0/" + B + "?fields=throughput", KEY_A), B);
        assertUnsupported(h.get("/v23.0/waba-" + B + "/phone_numbers", KEY_A), "waba-" + B);
        JsonNode numbers = Harness.json(h.get("/v23.0/waba-" + A + "/phone_numbers", KEY_A));
        assertThat(numbers.path("data").findValuesAsText("id")).containsExactly(A);
    }

    @Test
    void accessTokenWorksAsAQueryParameterLikeTheHeader() {
        HttpResponse<String> read = Harness.send(HttpRequest.newBuilder(
                URI.create(h.node.baseUrl() + "/v23.0/" + A + "?fields=quality_rating&access_token=" + KEY_A)).GET());
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(Harness.json(read).has("access_token")).isFalse();

        HttpResponse<String> sent = Harness.send(HttpRequest.newBuilder(
                URI.create(h.node.baseUrl() + "/v23.0/" + A + "/messages?access_token=" + KEY_A))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"messaging_product\":\"whatsapp\",\"to\":\"15550001111\","
                        + "\"type\":\"template\",\"template\":{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}}")));
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(Harness.json(sent).path("messages").path(0).path("id").asText()).isNotBlank();
    }

    @Test
    void withoutAValidTokenTheAnswerIsMetasAuthError() {
        HttpResponse<String> r = h.get("/v23.0/" + A, "not-a-key");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(Harness.json(r).path("error").path("code").asInt()).isEqualTo(190);
    }

    @Test
    void edgesSwitchboardDoesNotPassThroughAnswerLikeMeta() {
        assertUnsupported(h.get("/v23.0/" + A + "/assigned_users", KEY_A), A);
        assertUnsupported(delete("/v23.0/" + A, KEY_A), A);
        assertUnsupported(h.get("/v23.0/999999999", KEY_A), "999999999");
    }

    private static void assertUnsupported(HttpResponse<String> r, String id) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode e = Harness.json(r).path("error");
        assertThat(e.path("code").asInt()).isEqualTo(100);
        assertThat(e.path("error_subcode").asInt()).isEqualTo(33);
        assertThat(e.path("message").asText()).contains("'" + id + "'");
    }

    static HttpResponse<String> upload(String key, String number, byte[] file, String mime) {
        String boundary = "sbtest" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n" + mime + "\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\n"
                    + "Content-Type: " + mime + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(file);
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + "/v23.0/" + number + "/media"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    private static String alterSignature(String url) {
        int at = url.indexOf("signature=") + "signature=".length();
        char c = url.charAt(at);
        return url.substring(0, at) + (c == '0' ? '1' : '0') + url.substring(at + 1);
    }

    private static HttpResponse<String> delete(String path, String key) {
        return Harness.send(HttpRequest.newBuilder(URI.create(h.node.baseUrl() + path)).header("Authorization", "Bearer " + key).DELETE());
    }

    private static HttpResponse<byte[]> bytes(String url, String key) {
        try (var client = java.net.http.HttpClient.newHttpClient()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
            if (key != null) {
                b.header("Authorization", "Bearer " + key);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
