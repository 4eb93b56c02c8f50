package dev.switchboard.gateway;

import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.Emulator;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.gateway.config.SwitchboardConfig;

/**
 * A Switchboard node plus, when {@code emulator.enabled}, the built-in Cloud API emulator in the
 * same process: one number per bootstrapped channel, its webhooks pointed back at the node.
 * This is what "run on embedded defaults" starts.
 */
public final class Node implements AutoCloseable {
    private final Emulator emulator;
    private final Switchboard switchboard;

    private Node(Emulator emulator, Switchboard switchboard) {
        this.emulator = emulator;
        this.switchboard = switchboard;
    }

    public static Node start(SwitchboardConfig config) {
        if (!config.emulator().enabled()) {
            return new Node(null, Switchboard.start(config));
        }
        EmulatorConfig.Builder eb = EmulatorConfig.builder()
                .host("127.0.0.1")
                .port(config.emulator().port())
                .appSecret(config.emulator().appSecret() == null ? "emulator-app-secret" : config.emulator().appSecret());
        for (SwitchboardConfig.TenantSpec t : config.bootstrap().tenants()) {
            for (SwitchboardConfig.ChannelSpec c : t.channels()) {
                eb.number(EmulatedNumber.builder(c.phoneNumberId())
                        .displayPhoneNumber(c.displayPhoneNumber() == null ? "1555" + c.phoneNumberId() : c.displayPhoneNumber())
                        .wabaId(c.wabaId())
                        .portfolioId(c.portfolioId() == null ? c.wabaId() : c.portfolioId())
                        .accessToken(c.accessToken())
                        .ceilingMps(c.ceilingMps() <= 0 ? 80 : c.ceilingMps())
                        .build());
            }
        }
        Emulator emulator = Emulator.start(eb.build());
        SwitchboardConfig.Upstream up = config.upstream();
        SwitchboardConfig withEmulator = new SwitchboardConfig(config.http(), config.database(), config.security(),
                new SwitchboardConfig.Upstream(emulator.baseUrl(), up.apiVersion(), up.requestTimeout(), up.connectTimeout()),
                config.sending(), config.webhooks(), config.emulator(), config.bootstrap(), config.delivery(), config.archive(),
                config.audiences(), config.templates()).withPricing(config.pricing());
        Switchboard sb;
        try {
            sb = Switchboard.start(withEmulator);
        } catch (RuntimeException e) {
            emulator.close();
            throw e;
        }
        emulator.setWebhookUrl(sb.baseUrl() + "/webhooks/whatsapp");
        return new Node(emulator, sb);
    }

    public Switchboard switchboard() {
        return switchboard;
    }

    /** The embedded emulator, or null when the node talks to a real upstream. */
    public Emulator emulator() {
        return emulator;
    }

    @Override
    public void close() {
        switchboard.close();
        if (emulator != null) {
            emulator.close();
        }
    }
}
