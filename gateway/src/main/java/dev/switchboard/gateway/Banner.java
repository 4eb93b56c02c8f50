package dev.switchboard.gateway;

import dev.switchboard.gateway.config.SwitchboardConfig;

/** What the demo prints on start: where things are and one command that sends a message. */
final class Banner {
    private Banner() {}

    /** {@code demo}: the bundled demo, whose made-up secrets are shown; any other node never prints one. */
    static String text(SwitchboardConfig config, Node node, boolean demo) {
        String base = node.switchboard().baseUrl();
        SwitchboardConfig.TenantSpec tenant = config.bootstrap().tenants().isEmpty() ? null : config.bootstrap().tenants().get(0);
        String key = tenant == null ? "<create one with POST /admin/tenants>" : demo ? tenant.apiKey() : "<your tenant's API key>";
        String channel = tenant == null || tenant.channels().isEmpty() ? "<phone-number-id>" : tenant.channels().get(0).phoneNumberId();
        String version = config.upstream().apiVersion();
        StringBuilder sb = new StringBuilder();
        sb.append("\n  Switchboard is running.\n\n");
        sb.append("  Gateway           ").append(base).append('\n');
        sb.append("  Health            ").append(base).append("/health/ready\n");
        sb.append("  Metrics           ").append(base).append("/metrics\n");
        if (node.emulator() != null) {
            sb.append("  Cloud API emulator ").append(node.emulator().baseUrl()).append("  (stats: ")
                    .append(node.emulator().baseUrl()).append("/_emulator/stats)\n");
        }
        sb.append("  Admin token       ").append(demo ? config.security().adminToken() : "(from your configuration; not printed)")
                .append('\n');
        sb.append("  Demo API key      ").append(key).append("\n\n");
        sb.append("  Send a message (Cloud API format, Switchboard's base URL):\n\n");
        sb.append("    curl -s ").append(base).append('/').append(version).append('/').append(channel).append("/messages \\\n");
        sb.append("      -H 'Authorization: Bearer ").append(key).append("' -H 'Content-Type: application/json' \\\n");
        sb.append("      -d '{\"messaging_product\":\"whatsapp\",\"to\":\"15551234567\",\"type\":\"template\",")
                .append("\"template\":{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}}'\n\n");
        sb.append("  Then look it up:  curl -s ").append(base).append("/v1/messages/<id> -H 'Authorization: Bearer ")
                .append(key).append("'\n");
        return sb.toString();
    }
}
