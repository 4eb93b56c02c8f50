package dev.switchboard.gateway;

import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.tenancy.Tenancy;

/** Creates the tenants, keys and channels declared in configuration when they do not exist yet. */
final class Bootstrap {
    private Bootstrap() {}

    static void apply(SwitchboardConfig.Bootstrap bootstrap, Tenancy tenancy) {
        for (SwitchboardConfig.TenantSpec t : bootstrap.tenants()) {
            if (tenancy.tenant(t.id()).isEmpty()) {
                tenancy.createTenant(t.id(), t.name() == null ? t.id() : t.name(),
                        t.ingressPerSecond() == null ? 10_000 : t.ingressPerSecond(),
                        t.maxQueued() == null ? 5_000_000 : t.maxQueued());
            }
            if (t.apiKey() != null && !tenancy.hasKeyHash(t.apiKey())) {
                tenancy.issueKey(t.id(), "bootstrap", t.apiKey());
            }
            for (SwitchboardConfig.ChannelSpec c : t.channels()) {
                if (tenancy.channel(c.phoneNumberId()).isEmpty()) {
                    tenancy.createChannel(t.id(), c.phoneNumberId(), c.displayPhoneNumber(), c.wabaId(), c.portfolioId(),
                            c.accessToken(), c.ceilingMps(), c.tier());
                }
            }
        }
    }
}
