package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Templates listing, media, phone-number fields, throughput upgrade, faults and the control API. */
class EndpointsTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    private static EmulatorConfig.Builder base() {
        return EmulatorConfig.builder().seed(11L).enforceServiceWindow(false)
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1")
                        .portfolioId("biz-1").accessToken("token-1").build());
    }

    @Test
    void templateListPagesWithCursors() {
        EmulatorConfig.Builder b = base();
        for (int i = 0; i < 6; i++) {
            b.template(TemplateDef.builder("waba-1", "extra_" + i).category(TemplateDef.Category.MARKETING).body("Hi {{1}}").build());
        }
        try (Emulator emu = Emulator.start(b.build())) {
            Graph g = new Graph(emu);
            List<String> names = new ArrayList<>();
            String path = "/v23.0/waba-1/message_templates?limit=4";
            int pages = 0;
            while (true) {
                Graph.Response r = g.get(path, "token-1");
                assertThat(r.status()).isEqualTo(200);
                pages++;
                for (JsonNode t : r.json().path("data")) {
                    names.add(t.path("name").asText());
                    assertThat(SendApiTest.fieldNames(t)).contains("name", "language", "status", "category",
                            "parameter_format", "components", "id");
                }
                JsonNode cursors = r.json().path("paging").path("cursors");
                assertThat(cursors.path("before").asText()).isNotBlank();
                if (!r.json().path("paging").has("next")) {
                    break;
                }
                path = "/v23.0/waba-1/message_templates?limit=4&after=" + cursors.path("after").asText();
            }
            assertThat(pages).isEqualTo(3);
            assertThat(names).hasSize(10).doesNotHaveDuplicates()
                    .contains("hello_world", "otp_code", "order_update", "flash_sale", "extra_5");
            JsonNode otp = g.get("/v23.0/waba-1/message_templates?limit=100", "token-1").json().path("data").findParent("name");
            assertThat(otp).isNotNull();
            assertThat(g.get("/v23.0/waba-9/message_templates", "token-1").code()).isEqualTo(100);
            assertThat(g.get("/v23.0/waba-1/message_templates", "bad").code()).isEqualTo(190);
        }
    }

    @Test
    void mediaUploadThenMetadataThenDownload() throws Exception {
        try (Emulator emu = Emulator.start(base().build())) {
            byte[] file = "fake-jpeg-bytes".getBytes(StandardCharsets.UTF_8);
            String boundary = "----sb" + System.nanoTime();
            String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage/jpeg\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
                    + "Content-Type: image/jpeg\r\n\r\n";
            String tail = "\r\n--" + boundary + "--\r\n";
            byte[] body = concat(head.getBytes(StandardCharsets.UTF_8), file, tail.getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> up = Graph.CLIENT.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/v23.0/1001/media"))
                    .header("Authorization", "Bearer token-1")
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(up.statusCode()).isEqualTo(200);
            String id = Graph.MAPPER.readTree(up.body()).path("id").asText();
            assertThat(id).matches("\\d+");
            JsonNode meta = new Graph(emu).get("/v23.0/" + id, "token-1").json();
            assertThat(ShapeFixturesTest.shape(meta)).isEqualTo(ShapeFixturesTest.shape(ShapeFixturesTest.fixture("response_media.json")));
            assertThat(meta.path("messaging_product").asText()).isEqualTo("whatsapp");
            assertThat(meta.path("mime_type").asText()).isEqualTo("image/jpeg");
            assertThat(meta.path("file_size").asInt()).isEqualTo(file.length);
            assertThat(meta.path("id").asText()).isEqualTo(id);
            assertThat(meta.path("sha256").asText())
                    .isEqualTo(java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file)));
            HttpResponse<byte[]> dl = Graph.CLIENT.send(HttpRequest.newBuilder(URI.create(meta.path("url").asText()))
                    .header("Authorization", "Bearer token-1").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(dl.body()).isEqualTo(file);
            Graph.Response noFile = new Graph(emu).request("POST", "/v23.0/1001/media", "token-1", "{}");
            assertThat(noFile.code()).isEqualTo(100);
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void throughputUpgradeAnswers131057ThenRaisesCeilingAndNotifies() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver();
             Emulator emu = Emulator.start(base().webhookUrl(rx.url()).build())) {
            Graph g = new Graph(emu);
            assertThat(g.get("/v23.0/1001?fields=throughput", "token-1").json().path("throughput").path("level").asText())
                    .isEqualTo("STANDARD");
            Graph.Response up = g.request("POST", "/_emulator/numbers/1001/throughput-upgrade", null,
                    "{\"ceiling\":1000,\"window_ms\":300}");
            assertThat(up.status()).isEqualTo(200);
            Graph.Response during = g.send("1001", "token-1", Graph.template("15551234567", "hello_world"));
            assertThat(during.code()).isEqualTo(131057);
            assertThat(during.json().path("error").path("message").asText()).isEqualTo("(#131057) Account in maintenance mode");
            JsonNode change = rx.awaitChanges(AccountEvent.QUALITY, 1, WAIT).get(0);
            assertThat(change.path("value").path("event").asText()).isEqualTo("THROUGHPUT_UPGRADE");
            assertThat(change.path("value").path("display_phone_number").asText()).isEqualTo("15550001001");
            assertThat(g.send("1001", "token-1", Graph.template("15551234567", "hello_world")).status()).isEqualTo(200);
            JsonNode fields = g.get("/v23.0/1001?fields=throughput", "token-1").json();
            assertThat(fields.path("throughput").path("level").asText()).isEqualTo("HIGH");
            assertThat(fields.path("id").asText()).isEqualTo("1001");
            assertThat(emu.stats().number("1001").ceiling()).isEqualTo(1000);
            assertThat(emu.stats().number("1001").rejections(131057)).isEqualTo(1);
        }
    }

    @Test
    void serverErrorAndUnavailableFaultsAreSeededAndNeverAccept() {
        FaultConfig faults = FaultConfig.builder().serverErrorProbability(0.3).unavailableProbability(0.3).build();
        List<Integer> first = runFaults(faults);
        assertThat(first).contains(200, 500, 503);
        assertThat(runFaults(faults)).isEqualTo(first);
    }

    private List<Integer> runFaults(FaultConfig faults) {
        try (Emulator emu = Emulator.start(base().faults(faults).build())) {
            Graph g = new Graph(emu);
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Graph.Response r = g.send("1001", "token-1", Graph.template("1555700" + String.format("%04d", i), "hello_world"));
                statuses.add(r.status());
                if (r.status() == 500) {
                    assertThat(r.code()).isEqualTo(131000);
                    assertThat(r.json().path("error").path("message").asText()).isEqualTo("(#131000) Something went wrong");
                } else if (r.status() == 503) {
                    assertThat(r.code()).isEqualTo(131016);
                }
            }
            EmulatorStats.NumberStats s = emu.stats().number("1001");
            assertThat(s.accepted()).isEqualTo(statuses.stream().filter(x -> x == 200).count());
            assertThat(emu.acceptedMessages("1001")).hasSize((int) s.accepted());
            return statuses;
        }
    }

    @Test
    void hungRequestsAreHeldForTheConfiguredTime() throws Exception {
        try (Emulator emu = Emulator.start(base().build())) {
            Graph g = new Graph(emu);
            Graph.Response put = g.request("PUT", "/_emulator/faults", null, "{\"hangProbability\":1.0,\"hangDurationMs\":400}");
            assertThat(put.status()).isEqualTo(200);
            HttpRequest req = HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/v23.0/1001/messages"))
                    .timeout(Duration.ofMillis(150)).header("Authorization", "Bearer token-1")
                    .POST(HttpRequest.BodyPublishers.ofString(Graph.template("15551234567", "hello_world").toString())).build();
            long start = System.nanoTime();
            try {
                Graph.CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
                throw new AssertionError("expected a client timeout");
            } catch (java.net.http.HttpTimeoutException expected) {
                assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(140_000_000L);
            }
            emu.setFaults(FaultConfig.none());
            assertThat(g.send("1001", "token-1", Graph.template("15551234567", "hello_world")).status()).isEqualTo(200);
            assertThat(emu.stats().number("1001").accepted()).isEqualTo(1);
        }
    }

    @Test
    void rateLimitStormRejectsEverythingForItsDuration() throws Exception {
        try (Emulator emu = Emulator.start(base().rateLimitHttpStatus(429).build())) {
            Graph g = new Graph(emu);
            emu.rateLimitStorm("1001", Duration.ofMillis(300));
            for (int i = 0; i < 5; i++) {
                Graph.Response r = g.send("1001", "token-1", Graph.template("1555800000" + i, "hello_world"));
                assertThat(r.status()).isEqualTo(429);
                assertThat(r.code()).isEqualTo(130429);
            }
            Thread.sleep(320);
            assertThat(g.send("1001", "token-1", Graph.template("15558000009", "hello_world")).status()).isEqualTo(200);
            assertThat(emu.stats().number("1001").rejections(130429)).isEqualTo(5);
            assertThat(emu.stats().number("1001").breaches()).as("storms are not ceiling breaches").isZero();
            // storms can also be started by probability
            emu.setFaults(FaultConfig.builder().stormProbability(1.0).stormDuration(Duration.ofSeconds(5)).build());
            assertThat(g.send("1001", "token-1", Graph.template("15558000010", "hello_world")).code()).isEqualTo(130429);
            emu.setFaults(FaultConfig.none());
            assertThat(g.send("1001", "token-1", Graph.template("15558000011", "hello_world")).code()).isEqualTo(130429);
            emu.reset();
            assertThat(g.send("1001", "token-1", Graph.template("15558000012", "hello_world")).status()).isEqualTo(200);
        }
    }

    @Test
    void controlApiMessagesWebhookAndReset() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = Emulator.start(base().build())) {
            Graph g = new Graph(emu);
            assertThat(g.request("PUT", "/_emulator/webhook", null, "{\"url\":\"" + rx.url() + "\"}").json().path("url").asText())
                    .isEqualTo(rx.url());
            for (int i = 0; i < 3; i++) {
                g.send("1001", "token-1", Graph.template("1555900000" + i, "hello_world").put("biz_opaque_callback_data", "c" + i));
            }
            JsonNode msgs = g.get("/_emulator/messages?phone_number_id=1001&limit=2", null).json().path("data");
            assertThat(msgs).hasSize(2);
            assertThat(msgs.get(0).path("seq").asLong()).isEqualTo(2);
            assertThat(msgs.get(1).path("biz_opaque_callback_data").asText()).isEqualTo("c2");
            assertThat(msgs.get(1).path("template_name").asText()).isEqualTo("hello_world");
            assertThat(msgs.get(1).path("body").path("type").asText()).isEqualTo("template");
            rx.awaitStatuses(3, WAIT);
            assertThat(g.request("POST", "/_emulator/reset", null, null).status()).isEqualTo(200);
            assertThat(emu.acceptedMessages("1001")).isEmpty();
            assertThat(emu.stats().number("1001").accepted()).isZero();
            assertThat(g.get("/_emulator/health", null).json().path("status").asText()).isEqualTo("UP");
        }
    }

    @Test
    void acceptedLogIsBounded() {
        try (Emulator emu = Emulator.start(base().acceptedLogCapacity(3).build())) {
            Graph g = new Graph(emu);
            for (int i = 0; i < 5; i++) {
                g.send("1001", "token-1", Graph.template("1555910000" + i, "hello_world"));
            }
            assertThat(emu.acceptedMessages("1001")).extracting(AcceptedMessage::seq).containsExactly(3L, 4L, 5L);
            assertThat(emu.stats().number("1001").accepted()).isEqualTo(5);
        }
    }

    @Test
    void configIsReadFromJson() {
        String json = """
                {"host":"127.0.0.1","port":0,"appSecret":"abc","webhookUrl":null,"seed":5,
                 "enforceServiceWindow":false,"pairBurst":10,"pairRefillMs":1000,"rateLimitHttpStatus":429,
                 "defaultTier":"TIER_2K","portfolioTiers":{"biz-9":"TIER_100K"},
                 "numbers":[{"phoneNumberId":"9001","displayPhoneNumber":"15550009001","wabaId":"waba-9",
                             "portfolioId":"biz-9","accessToken":"tok-9","ceilingMps":250}],
                 "templates":[{"wabaId":"waba-9","name":"promo","language":"en_GB","category":"MARKETING",
                               "parameterFormat":"NAMED","body":"Hi {{name}}"}],
                 "undeliverable":["+15550009999"],
                 "webhook":{"sentDelayMs":1,"maxBatchSize":10,"lingerMs":5,"retryHorizonMs":60000,"readProbability":0.5},
                 "faults":{"serverErrorProbability":0.01,"hangDurationMs":1000}}""";
        EmulatorConfig c = EmulatorConfig.fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(c.appSecret()).isEqualTo("abc");
        assertThat(c.numbers()).singleElement().satisfies(n -> {
            assertThat(n.phoneNumberId()).isEqualTo("9001");
            assertThat(n.ceilingMps()).isEqualTo(250);
            assertThat(n.accessToken()).isEqualTo("tok-9");
        });
        assertThat(c.tierOf("biz-9")).isEqualTo(Tier.TIER_100K);
        assertThat(c.tierOf("other")).isEqualTo(Tier.TIER_2K);
        assertThat(c.undeliverable()).containsExactly("15550009999");
        assertThat(c.webhookBehaviour().maxBatchSize()).isEqualTo(10);
        assertThat(c.webhookBehaviour().readProbability()).isEqualTo(0.5);
        assertThat(c.faults().hangDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.rateLimitHttpStatus()).isEqualTo(429);
        try (Emulator emu = Emulator.start(c)) {
            Graph g = new Graph(emu);
            String send = """
                    {"messaging_product":"whatsapp","to":"15551230000","type":"template","template":{"name":"promo",
                     "language":{"code":"en_GB"},"components":[{"type":"body","parameters":[{"type":"text","parameter_name":"name","text":"Al"}]}]}}""";
            emu.setFaults(FaultConfig.none());
            assertThat(g.send("9001", "tok-9", send).status()).isEqualTo(200);
            assertThat(emu.stats().portfolio("biz-9").tierLimit()).isEqualTo(100_000);
        }
    }
}
