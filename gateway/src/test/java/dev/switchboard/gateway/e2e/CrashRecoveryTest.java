package dev.switchboard.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Durability by killing the process: a real gateway process is {@code kill -9}ed while clients
 * are sending and it is dispatching, then started again on the same database. Every message that
 * got a 2xx must survive, and none recorded as sent may reach Meta twice.
 */
class CrashRecoveryTest {
    private static final String KEY = "sk_test_crash";

    @TempDir
    Path dir;
    private TestDatabases.TestDb db;
    private Emulator emulator;
    private Process gateway;

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

    /**
     * Three {@code kill -9} while a mixed flood (utility on the NORMAL lane, marketing on LOW) is
     * being sent, with Meta's status webhooks on: every message that got a 2xx is sent in the
     * end, none fails, and none reaches Meta twice — messages in flight at a kill are resent only
     * when no status from Meta vouches for them (see {@code Outbound#reconcileInFlight}).
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void threeKillsUnderLoadLoseNothingAndSendNothingTwice(String engine) throws Exception {
        db = TestDatabases.forEngine(engine, dir);
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        emulator = Emulator.start(EmulatorConfig.builder().host("127.0.0.1").port(0).appSecret(Harness.APP_SECRET)
                .webhookUrl(base + "/webhooks/whatsapp")
                // Meta retries a webhook it could not deliver; here quickly, so the evidence lands within the grace
                .webhookBehaviour(dev.switchboard.emulator.WebhookBehaviour.builder()
                        .retryInitialDelay(Duration.ofMillis(200)).retryMaxDelay(Duration.ofSeconds(1)).build())
                .number(EmulatedNumber.builder("1101").displayPhoneNumber("15550001101").wabaId("waba-c").portfolioId("biz-c")
                        .accessToken("token-1101").ceilingMps(CEILING).build())
                .build());
        Path config = writeConfig(port);

        gateway = startGateway(config, "run0");
        List<String> accepted = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        Thread load = Thread.ofVirtual().start(() -> {
            for (int batch = 0; batch < 40 && !stop.get(); ) {
                String body = batch % 2 == 0 ? Harness.templateBatch("1101", 100, batch * 100, null, "hello_world", 0)
                        : marketingBatch(100, batch * 100);
                try {
                    HttpResponse<String> r = Harness.send(HttpRequest.newBuilder(URI.create(base + "/v1/messages"))
                            .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)));
                    if (r.statusCode() == 202) {
                        Harness.json(r).path("messages").forEach(m -> accepted.add(m.path("id").asText()));
                        batch++;
                        continue;
                    }
                } catch (RuntimeException e) {
                    // the process is gone: a request without a 2xx was never accepted; try again
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        int kills = 0;
        for (int k = 1; k <= 3; k++) {
            int before = emulator.acceptedMessages("1101").size();
            Harness.await("sending under way before kill " + k, Duration.ofSeconds(60),
                    () -> emulator.acceptedMessages("1101").size() > before + 300);
            gateway.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            gateway.waitFor();
            kills++;
            Set<String> stored = idsInState("'QUEUED','SENDING','SENT','DELIVERED','READ','FAILED'");
            assertThat(stored).as("every message that got a 2xx before kill %d is durable", k).containsAll(List.copyOf(accepted));
            gateway = startGateway(config, "run" + k);
        }
        load.join();
        assertThat(accepted).hasSize(4000);
        Harness.await("every accepted message sent after the restarts", Duration.ofSeconds(120),
                () -> idsInState("'SENT','DELIVERED','READ'").containsAll(accepted));

        Map<String, Integer> sends = SendPathTest.sendsPerMessage(emulator.acceptedMessages("1101"));
        assertThat(sends.keySet()).containsAll(accepted);
        List<String> twice = sends.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        System.out.printf("crash test (%s): %d accepted, %d kills, %d sent twice, %d resent without a duplicate%n", engine,
                accepted.size(), kills, twice.size(), count("SELECT COUNT(*) FROM messages WHERE attempts > 1"));
        assertThat(twice).as("messages that reached Meta twice").isEmpty();
        assertThat(idsInState("'FAILED'")).as("messages failed by the crashes").isEmpty();
    }

    private static final int CEILING = 400;

    /** Marketing templates (the LOW lane) to UK numbers, {@code n} recipients from {@code offset}. */
    private static String marketingBatch(int n, int offset) {
        StringBuilder sb = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? "," : "").append("{\"channel_id\":\"1101\",\"to\":\"44").append(7_000_000_000L + offset + i)
                    .append("\",\"type\":\"template\",\"template\":{\"name\":\"flash_sale\",\"language\":{\"code\":\"en_US\"},")
                    .append("\"components\":[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"Sale\"},")
                    .append("{\"type\":\"text\",\"text\":\"30%\"}]}]}}");
        }
        return sb.append("]}").toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void killMinusNineDuringAWebhookStormLosesNoAcknowledgedWebhook(String engine) throws Exception {
        db = TestDatabases.forEngine(engine, dir);
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        emulator = Emulator.start(EmulatorConfig.builder().host("127.0.0.1").port(0).appSecret(Harness.APP_SECRET)
                .number(EmulatedNumber.builder("1101").displayPhoneNumber("15550001101").wabaId("waba-c").portfolioId("biz-c")
                        .accessToken("token-1101").ceilingMps(200).build())
                .build());
        Path config = writeConfig(port);
        gateway = startGateway(config, "storm1");

        // 16 senders post signed inbound-message webhooks (3 messages per POST) as fast as acked
        Set<String> acked = Collections.synchronizedSet(new HashSet<>());
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            senders.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    List<String> wamids = new ArrayList<>();
                    StringBuilder msgs = new StringBuilder();
                    for (int i = 0; i < 3; i++) {
                        int n = next.incrementAndGet();
                        String w = "wamid.storm." + n;
                        wamids.add(w);
                        msgs.append(i == 0 ? "" : ",").append("{\"from\":\"1999").append(String.format("%07d", n))
                                .append("\",\"id\":\"").append(w).append("\",\"timestamp\":\"1750000000\",\"type\":\"text\",")
                                .append("\"text\":{\"body\":\"hi ").append(n).append("\"}}");
                    }
                    String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba-c\",\"changes\":[{"
                            + "\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{"
                            + "\"display_phone_number\":\"15550001101\",\"phone_number_id\":\"1101\"},\"messages\":[" + msgs + "]}}]}]}";
                    try {
                        HttpResponse<String> r = Harness.send(HttpRequest.newBuilder(URI.create(base + "/webhooks/whatsapp"))
                                .header("Content-Type", "application/json")
                                .header("X-Hub-Signature-256", "sha256=" + WebhookPathTest.sign(body, Harness.APP_SECRET))
                                .POST(HttpRequest.BodyPublishers.ofString(body)));
                        if (r.statusCode() == 200) {
                            acked.addAll(wamids);
                        }
                    } catch (RuntimeException e) {
                        // the process is gone: an unacknowledged webhook is Meta's to deliver again
                    }
                }
            }));
        }
        Harness.await("the storm is under way", Duration.ofSeconds(30), () -> acked.size() > 3000);
        gateway.destroyForcibly();
        gateway.waitFor();
        stop.set(true);
        for (Thread t : senders) {
            t.join();
        }
        Set<String> ackedAtKill = new HashSet<>(acked);
        gateway = startGateway(config, "storm2");
        Harness.await("every acknowledged webhook processed after the restart", Duration.ofSeconds(120),
                () -> count("SELECT COUNT(*) FROM webhook_journal WHERE processed=0") == 0
                        && strings("SELECT wamid FROM webhook_events WHERE kind='message'").containsAll(ackedAtKill));
        Set<String> events = strings("SELECT wamid FROM webhook_events WHERE kind='message'");
        assertThat(events).containsAll(ackedAtKill);
        assertThat(count("SELECT COUNT(*) FROM webhook_events WHERE kind='message'")).as("each message is one event")
                .isEqualTo(events.size());
        assertThat(count("SELECT COUNT(*) FROM service_windows WHERE channel_id='1101'")).isGreaterThanOrEqualTo(ackedAtKill.size());
        System.out.printf("webhook crash test (%s): %d inbound messages acknowledged before the kill, %d events after recovery%n",
                engine, ackedAtKill.size(), events.size());
    }

    private Path writeConfig(int port) throws IOException {
        SwitchboardConfig.Sending sending = new SwitchboardConfig.Sending(0, 0, 0, null, null, 0, 0, null, 0,
                Duration.ofSeconds(5), null, 0, null, null, null, null, null, null, null);
        SwitchboardConfig cfg = new SwitchboardConfig(
                new SwitchboardConfig.Http("127.0.0.1", port, 0, null), db.config(),
                new SwitchboardConfig.Security("crash-admin", TestDatabases.MASTER_KEY, dir.resolve("master.key").toString(), null),
                new SwitchboardConfig.Upstream(emulator.baseUrl(), "v23.0", Duration.ofSeconds(5), Duration.ofSeconds(2)),
                sending, new SwitchboardConfig.Webhooks(Harness.APP_SECRET, "v", 0), SwitchboardConfig.Emulator.defaults(),
                new SwitchboardConfig.Bootstrap(List.of(Harness.tenant("crash", KEY, new SwitchboardConfig.ChannelSpec("1101",
                        "15550001101", "waba-c", "biz-c", "token-1101", CEILING, "TIER_UNLIMITED")))), null,
                dev.switchboard.gateway.testing.TestNodes.archiveIn(dir));
        Path file = dir.resolve("gateway.json");
        ConfigLoader.mapper().writeValue(file.toFile(), cfg);
        return file;
    }

    private Process startGateway(Path config, String name) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", cp, "dev.switchboard.gateway.Main", "--config", config.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
        String health = "http://127.0.0.1:" + portOf(config) + "/health/ready";
        Harness.await("gateway " + name + " ready (log: " + dir.resolve(name + ".log") + ")", Duration.ofSeconds(60), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("gateway exited with " + p.exitValue() + "; see " + dir.resolve(name + ".log"));
            }
            try {
                return Harness.send(HttpRequest.newBuilder(URI.create(health)).GET()).statusCode() == 200;
            } catch (RuntimeException e) {
                return false;
            }
        });
        return p;
    }

    private static int portOf(Path config) throws IOException {
        JsonNode n = ConfigLoader.mapper().readTree(config.toFile());
        return n.path("http").path("port").asInt();
    }

    private Set<String> idsInState(String states) {
        return strings("SELECT id FROM messages WHERE state IN (" + states + ")");
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(db.config().url(), db.config().user() == null ? "" : db.config().user(),
                db.config().password() == null ? "" : db.config().password());
    }

    private Set<String> strings(String sql) {
        Set<String> out = new HashSet<>();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private long count(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
