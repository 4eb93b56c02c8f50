package dev.switchboard.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.Emulator;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.gateway.config.ConfigLoader;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A campaign survives {@code kill -9}: a gateway process is killed twice while the campaign is
 * expanding and sending, then started again on the same database. The campaign completes, each
 * recipient has exactly one message row and reached Meta once, and the counters are exact.
 */
class CampaignCrashTest {
    private static final String KEY = "sk_test_campaign_crash";
    private static final int RECIPIENTS = 4000;
    private static final Duration LONG = Duration.ofSeconds(180);

    @TempDir
    Path dir;
    private TestDatabases.TestDb db;
    private Emulator emulator;
    private Process gateway;
    private String base;

    @AfterEach
    void tearDown() {
        if (gateway != null) {
            gateway.destroyForcibly();
        }
        if (emulator != null) {
            emulator.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void killMinusNineMidCampaignResumesWithNobodyMessagedTwice(String engine) throws Exception {
        db = TestDatabases.forEngine(engine, dir);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        EmulatorConfig.Builder eb = EmulatorConfig.builder().host("127.0.0.1").port(0).appSecret(Harness.APP_SECRET)
                .webhookUrl(base + "/webhooks/whatsapp")
                .webhookBehaviour(dev.switchboard.emulator.WebhookBehaviour.builder()
                        .retryInitialDelay(Duration.ofMillis(200)).retryMaxDelay(Duration.ofSeconds(1)).build());
        for (String ch : List.of("8301", "8302")) {
            eb.number(EmulatedNumber.builder(ch).displayPhoneNumber("1555000" + ch).wabaId("waba-" + ch).portfolioId("biz-" + ch)
                    .accessToken("token-" + ch).ceilingMps(150).build());
        }
        emulator = Emulator.start(eb.build());
        Path config = writeConfig(port);
        gateway = startGateway(config, "run0");

        StringBuilder contacts = new StringBuilder();
        Set<String> phones = new HashSet<>();
        for (int i = 0; i < RECIPIENTS; i++) {
            String phone = "9198" + (20_000_000 + i);
            phones.add(phone);
            contacts.append(i == 0 ? "" : ",").append("{\"phone\":\"+").append(phone).append("\",\"name\":\"C").append(i).append("\"}");
        }
        JsonNode audience = post("/v1/audiences", "{\"name\":\"crash\",\"contacts\":[" + contacts + "]}", 201);
        assertThat(audience.path("contacts").asInt()).isEqualTo(RECIPIENTS);
        String id = post("/v1/campaigns", "{\"name\":\"survivor\",\"template\":{\"name\":\"order_update\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + audience.path("id").asText() + "\",\"channel_pool\":[\"8301\",\"8302\"],"
                + "\"parameters\":[{\"variable\":\"name\"},{\"text\":\"#5\"}]}", 201).path("id").asText();
        post("/v1/campaigns/" + id + ":start", "", 200);

        for (int k = 1; k <= 2; k++) {
            int before = received(phones).values().stream().mapToInt(Integer::intValue).sum();
            Harness.await("the campaign is sending before kill " + k, LONG,
                    () -> received(phones).values().stream().mapToInt(Integer::intValue).sum() > before + 600);
            gateway.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            gateway.waitFor();
            gateway = startGateway(config, "run" + k);
        }
        Harness.await("the campaign completes after the kills", LONG, () -> "completed".equals(stats(id).path("state").asText()),
                () -> stats(id).toString());
        Harness.await("every status has arrived", LONG, () -> stats(id).path("sent").asLong() == RECIPIENTS, () -> stats(id).toString());

        JsonNode s = stats(id);
        assertThat(s.path("targeted").asLong()).isEqualTo(RECIPIENTS);
        assertThat(s.path("expanded").asLong()).as("the cursor counted every contact once").isEqualTo(RECIPIENTS);
        assertThat(s.path("messages").asLong()).as("one message per recipient").isEqualTo(RECIPIENTS);
        assertThat(s.path("skipped").path("total").asLong()).isZero();
        assertThat(s.path("failed").path("total").asLong()).isZero();
        assertThat(count("SELECT COUNT(DISTINCT recipient) FROM messages WHERE campaign_id='" + id + "'")).isEqualTo(RECIPIENTS);
        Map<String, Integer> got = received(phones);
        assertThat(got.keySet()).isEqualTo(phones);
        List<String> twice = got.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertThat(twice).as("recipients who reached Meta twice").isEmpty();
    }

    private Map<String, Integer> received(Set<String> phones) {
        Map<String, Integer> out = new HashMap<>();
        for (String ch : List.of("8301", "8302")) {
            for (AcceptedMessage m : emulator.acceptedMessages(ch)) {
                if (phones.contains(m.to())) {
                    out.merge(m.to(), 1, Integer::sum);
                }
            }
        }
        return out;
    }

    private JsonNode post(String path, String body, int status) {
        HttpResponse<String> r = Harness.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return Harness.json(r);
    }

    private JsonNode stats(String id) {
        HttpResponse<String> r = Harness.send(HttpRequest.newBuilder(URI.create(base + "/v1/campaigns/" + id + "/stats"))
                .header("Authorization", "Bearer " + KEY).GET());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Harness.json(r);
    }

    private Path writeConfig(int port) throws IOException {
        SwitchboardConfig.Sending sending = new SwitchboardConfig.Sending(0, 0, 0, null, null, 0, 0, null, 0,
                Duration.ofSeconds(5), null, 0, null, null, null, null, null, null, null);
        List<SwitchboardConfig.ChannelSpec> channels = new ArrayList<>();
        for (String ch : List.of("8301", "8302")) {
            channels.add(new SwitchboardConfig.ChannelSpec(ch, "1555000" + ch, "waba-" + ch, "biz-" + ch, "token-" + ch, 150,
                    "TIER_UNLIMITED"));
        }
        SwitchboardConfig cfg = new SwitchboardConfig(
                new SwitchboardConfig.Http("127.0.0.1", port, 0, null), db.config(),
                new SwitchboardConfig.Security("crash-admin", TestDatabases.MASTER_KEY, dir.resolve("master.key").toString(), null),
                new SwitchboardConfig.Upstream(emulator.baseUrl(), "v23.0", Duration.ofSeconds(5), Duration.ofSeconds(2)),
                sending, new SwitchboardConfig.Webhooks(Harness.APP_SECRET, "v", 0), SwitchboardConfig.Emulator.defaults(),
                new SwitchboardConfig.Bootstrap(List.of(Harness.tenant("crash", KEY, channels.toArray(SwitchboardConfig.ChannelSpec[]::new)))),
                null, dev.switchboard.gateway.testing.TestNodes.archiveIn(dir));
        Path file = dir.resolve("gateway.json");
        ConfigLoader.mapper().writeValue(file.toFile(), cfg);
        return file;
    }

    private Process startGateway(Path config, String name) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", cp, "dev.switchboard.gateway.Main", "--config", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        Harness.await("gateway " + name + " ready (log: " + dir.resolve(name + ".log") + ")", Duration.ofSeconds(60), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("gateway exited with " + p.exitValue() + "; see " + dir.resolve(name + ".log"));
            }
            try {
                return Harness.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).GET()).statusCode() == 200;
            } catch (RuntimeException e) {
                return false;
            }
        });
        return p;
    }

    private long count(String sql) {
        try (Connection c = DriverManager.getConnection(db.config().url(), db.config().user() == null ? "" : db.config().user(),
                db.config().password() == null ? "" : db.config().password());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
