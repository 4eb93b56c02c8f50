package dev.switchboard.gateway.conformance;

import static java.util.Objects.requireNonNull;

import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.Emulator;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.emulator.Tier;
import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Switchboard node on SQLite talking over HTTP to its Cloud API emulator, both in this JVM,
 * with one tenant per client library: its own API key, phone number, WABA and webhook endpoint,
 * so the libraries' runs share nothing but the process. What a library run needs to reach it is
 * {@link #environment(Tenant)}.
 */
final class ConformanceNode implements AutoCloseable {
    static final String API_VERSION = "v23.0";
    private static final String APP_SECRET = "conformance-meta-app-secret";

    /** One library's tenant. {@code index} (1..99) keeps its users' numbers apart from the others'. */
    record Tenant(String library, int index) {
        Tenant {
            requireNonNull(library, "library");
            if (index < 1 || index > 99) {
                throw new IllegalArgumentException("index must be 1..99: " + index);
            }
        }

        String id() {
            return "conformance-" + index;
        }

        String apiKey() {
            return "sk_conformance_" + index + "_0123456789abcdef";
        }

        String phoneNumberId() {
            return String.valueOf(400_000_000_000_000L + index);
        }

        String displayPhoneNumber() {
            return "155540000" + String.format("%02d", index);
        }

        String wabaId() {
            return "waba-conformance-" + index;
        }

        String webhookSecret() {
            return "conformance-webhook-secret-" + index;
        }

        /** Indian mobile numbers, 91 98 II nnnnnn: valid E.164, not US (no marketing rule in the way). */
        String userPrefix() {
            return "9198" + String.format("%02d", index);
        }
    }

    private final Emulator emulator;
    private final Switchboard switchboard;

    private ConformanceNode(Emulator emulator, Switchboard switchboard) {
        this.emulator = emulator;
        this.switchboard = switchboard;
    }

    static ConformanceNode start(Path dir, List<Tenant> tenants) {
        EmulatorConfig.Builder eb = EmulatorConfig.builder().host("127.0.0.1").port(0).appSecret(APP_SECRET).seed(21L);
        List<SwitchboardConfig.TenantSpec> specs = new ArrayList<>();
        for (Tenant t : tenants) {
            String token = "meta-token-" + t.index();
            String portfolio = "biz-conformance-" + t.index();
            eb.number(EmulatedNumber.builder(t.phoneNumberId()).displayPhoneNumber(t.displayPhoneNumber()).wabaId(t.wabaId())
                    .portfolioId(portfolio).accessToken(token).ceilingMps(80).build());
            eb.portfolioTier(portfolio, Tier.TIER_UNLIMITED);
            specs.add(new SwitchboardConfig.TenantSpec(t.id(), "Conformance " + t.library(), t.apiKey(), List.of(
                    new SwitchboardConfig.ChannelSpec(t.phoneNumberId(), t.displayPhoneNumber(), t.wabaId(), portfolio, token, 80,
                            "TIER_UNLIMITED"))));
        }
        Emulator emulator = Emulator.start(eb.build());
        try {
            SwitchboardConfig config = new SwitchboardConfig(
                    new SwitchboardConfig.Http("127.0.0.1", 0, 0, null),
                    TestDatabases.sqlite(dir),
                    new SwitchboardConfig.Security("conformance-admin-token", null, dir.resolve("master.key").toString(), null),
                    new SwitchboardConfig.Upstream(emulator.baseUrl(), API_VERSION, Duration.ofSeconds(5), Duration.ofSeconds(2)),
                    SwitchboardConfig.Sending.defaults(),
                    new SwitchboardConfig.Webhooks(APP_SECRET, "conformance-verify-token", 0),
                    SwitchboardConfig.Emulator.defaults(),
                    new SwitchboardConfig.Bootstrap(specs),
                    // the libraries' receivers listen on 127.0.0.1
                    new SwitchboardConfig.Delivery(null, null, null, null, 0, 0, 0, null, null, true),
                    TestNodes.archiveIn(dir));
            Switchboard switchboard = Switchboard.start(config);
            emulator.setWebhookUrl(switchboard.baseUrl() + "/webhooks/whatsapp");
            return new ConformanceNode(emulator, switchboard);
        } catch (RuntimeException | Error e) {
            emulator.close();
            throw e;
        }
    }

    /** What a library run is told, as environment variables (see conformance/lib/harness.mjs). */
    Map<String, String> environment(Tenant t) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SB_BASE_URL", switchboard.baseUrl());
        env.put("SB_API_VERSION", API_VERSION);
        env.put("SB_TOKEN", t.apiKey());
        env.put("SB_PHONE_NUMBER_ID", t.phoneNumberId());
        env.put("SB_DISPLAY_PHONE_NUMBER", t.displayPhoneNumber());
        env.put("SB_WABA_ID", t.wabaId());
        env.put("SB_WEBHOOK_SECRET", t.webhookSecret());
        env.put("SB_USER_PREFIX", t.userPrefix());
        env.put("EMULATOR_URL", emulator.baseUrl());
        return env;
    }

    @Override
    public void close() {
        try {
            switchboard.close();
        } finally {
            emulator.close();
        }
    }
}
