package dev.switchboard.bench.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * The two generated configuration files, in each program's own JSON format (the gateway's
 * {@code SwitchboardConfig}, the emulator's {@code EmulatorConfigJson}), written as plain JSON
 * trees so the benchmark depends on the formats, not on the config classes' constructors.
 */
final class Configs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Configs() {
    }

    /**
     * The emulator: every number at its ceiling, messaging-limit tier unlimited (the scenario is
     * about throughput, not tiers), the service window not enforced (OTPs are free-form texts to
     * fresh recipients), three statuses per send (sent, delivered, read), batched per number.
     */
    static ObjectNode emulator(int port, int gatewayPort, String appSecret, long latencyMs, long jitterMs, double hangShare,
                               List<Stack.Tenant> tenants, List<Stack.Template> templates) {
        ObjectNode root = JSON.createObjectNode();
        root.put("host", "127.0.0.1").put("port", port).put("appSecret", appSecret)
                .put("webhookUrl", "http://127.0.0.1:" + gatewayPort + "/webhooks/whatsapp")
                .put("enforceServiceWindow", false).put("seed", 42).put("defaultTier", "TIER_UNLIMITED")
                .put("responseLatencyMs", latencyMs).put("responseJitterMs", jitterMs);
        if (hangShare > 0) {
            root.putObject("faults").put("hangProbability", hangShare).put("hangDurationMs", 30_000);
        }
        ArrayNode numbers = root.putArray("numbers");
        for (Stack.Tenant t : tenants) {
            for (Stack.Number n : t.numbers()) {
                numbers.addObject().put("phoneNumberId", n.phoneNumberId()).put("displayPhoneNumber", n.displayPhoneNumber())
                        .put("wabaId", n.wabaId()).put("portfolioId", n.portfolioId()).put("accessToken", n.token())
                        .put("ceilingMps", n.ceilingMps());
            }
        }
        ArrayNode ts = root.putArray("templates");
        for (Stack.Template t : templates) {
            ts.addObject().put("wabaId", t.wabaId()).put("name", t.name()).put("language", "en_US")
                    .put("category", t.category()).put("status", "APPROVED").put("body", t.body());
        }
        root.putObject("webhook").put("sentDelayMs", 50).put("deliveredDelayMs", 200).put("readDelayMs", 500)
                .put("jitterMs", 20).put("readProbability", 1.0).put("maxBatchSize", 50).put("lingerMs", 20).put("maxInFlight", 16);
        return root;
    }

    /**
     * The gateway: its own emulator off, upstream the standalone emulator, the same app secret
     * for webhook signatures, a fresh database, tenants whose ingress limit stays out of the way.
     */
    static ObjectNode gateway(int port, int emulatorPort, String appSecret, GatewayDb db, Path dir, List<Stack.Tenant> tenants,
                              String requestTimeout) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode http = root.putObject("http").put("host", "127.0.0.1").put("port", port);
        if (requestTimeout != null) {
            http.put("requestTimeout", requestTimeout);
        }
        ObjectNode database = root.putObject("database").put("url", db.url());
        if (db.user() != null) {
            database.put("user", db.user()).put("password", db.password());
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        root.putObject("security").put("adminToken", "bench-admin-token").put("masterKey", Base64.getEncoder().encodeToString(key))
                .put("masterKeyFile", dir.resolve("master.key").toString());
        root.putObject("upstream").put("baseUrl", "http://127.0.0.1:" + emulatorPort).put("apiVersion", "v23.0");
        root.putObject("webhooks").put("appSecret", appSecret).put("verifyToken", "bench-verify-token");
        root.putObject("emulator").put("enabled", false);
        root.putObject("archive").put("directory", dir.resolve("archive").toString());
        ArrayNode ts = root.putObject("bootstrap").putArray("tenants");
        for (Stack.Tenant t : tenants) {
            ObjectNode tenant = ts.addObject().put("id", t.id()).put("name", t.id()).put("apiKey", t.apiKey())
                    .put("ingressPerSecond", 1_000_000).put("maxQueued", 10_000_000L);
            ArrayNode channels = tenant.putArray("channels");
            for (Stack.Number n : t.numbers()) {
                channels.addObject().put("phoneNumberId", n.phoneNumberId()).put("displayPhoneNumber", n.displayPhoneNumber())
                        .put("wabaId", n.wabaId()).put("portfolioId", n.portfolioId()).put("accessToken", n.token())
                        .put("ceilingMps", n.ceilingMps()).put("tier", "TIER_UNLIMITED");
            }
        }
        return root;
    }
}
