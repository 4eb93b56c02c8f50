package dev.switchboard.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.AppSecrets;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Set;

/**
 * Operator API under {@code /admin}, guarded by the configured admin token: tenants, their keys
 * and channels. Access tokens are accepted here and never returned.
 */
public final class AdminApi implements HttpService {
    private static final Set<String> TENANT_STATES = Set.of(Tenant.ACTIVE, Tenant.DISABLED);
    private static final Set<String> QUALITIES = Set.of("GREEN", "YELLOW", "RED", "UNKNOWN");
    private static final Set<String> CHANNEL_STATES = Set.of(Channel.ACTIVE, Channel.PAUSED, Channel.STOPPED, Channel.DISABLED);

    private final Tenancy tenancy;
    private final AppSecrets appSecrets;
    private final Outbound outbound;
    private final HttpIo io;
    private final AdminToken adminToken;

    public AdminApi(Tenancy tenancy, AppSecrets appSecrets, Outbound outbound, HttpIo io, String adminToken) {
        this.tenancy = tenancy;
        this.appSecrets = appSecrets;
        this.outbound = outbound;
        this.io = io;
        this.adminToken = new AdminToken(adminToken, io);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/tenants", (q, r) -> guard(q, r, this::createTenant))
                .get("/tenants", (q, r) -> guard(q, r, this::listTenants))
                .get("/tenants/{tenant}", (q, r) -> guard(q, r, this::getTenant))
                .patch("/tenants/{tenant}", (q, r) -> guard(q, r, this::updateTenant))
                .post("/tenants/{tenant}/keys", (q, r) -> guard(q, r, this::issueKey))
                .get("/tenants/{tenant}/keys", (q, r) -> guard(q, r, this::listKeys))
                .delete("/tenants/{tenant}/keys/{key}", (q, r) -> guard(q, r, this::revokeKey))
                .post("/tenants/{tenant}/channels", (q, r) -> guard(q, r, this::createChannel))
                .get("/tenants/{tenant}/channels", (q, r) -> guard(q, r, this::listChannels))
                .get("/channels/{channel}", (q, r) -> guard(q, r, this::getChannel))
                .patch("/channels/{channel}", (q, r) -> guard(q, r, this::updateChannel));
    }

    @FunctionalInterface
    private interface Handler {
        void handle(ServerRequest req, ServerResponse res);
    }

    private void guard(ServerRequest req, ServerResponse res, Handler h) {
        if (!adminToken.admits(req, res)) {
            return;
        }
        try {
            h.handle(req, res);
        } catch (Rejection r) {
            io.problem(res, r);
        } catch (Tenancy.NotFound e) {
            io.problem(res, 404, "not_found", e.getMessage());
        } catch (Tenancy.Conflict e) {
            io.problem(res, 409, "conflict", e.getMessage());
        }
    }

    private ObjectNode body(ServerRequest req) {
        return io.parseObject(io.body(req, 64 * 1024));
    }

    private void createTenant(ServerRequest req, ServerResponse res) {
        ObjectNode b = body(req);
        String name = AdminFields.required(b, "name", 200);
        Tenant t = tenancy.createTenant(AdminFields.tenantId(b, "id"), name,
                AdminFields.integer(b, "ingress_per_second", 1, 100_000, 1000),
                AdminFields.whole(b, "max_queued", 1, 1_000_000_000L, 2_000_000L));
        Tenancy.IssuedKey key = tenancy.issueKey(t.id(), "default", null);
        ObjectNode out = tenantJson(t);
        out.putObject("api_key").put("id", key.id()).put("key", key.key())
                .put("note", "shown once; store it now");
        io.send(res, 201, out);
    }

    private void listTenants(ServerRequest req, ServerResponse res) {
        ArrayNode arr = io.json().createArrayNode();
        tenancy.tenants().forEach(t -> arr.add(tenantJson(t)));
        io.send(res, 200, io.json().createObjectNode().set("data", arr));
    }

    private void getTenant(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("tenant");
        io.send(res, 200, tenantJson(tenancy.tenant(id).orElseThrow(() -> new Tenancy.NotFound("tenant " + id))));
    }

    private void updateTenant(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("tenant");
        ObjectNode b = body(req);
        String state = upper(AdminFields.text(b, "state", 16));
        if (state != null && !TENANT_STATES.contains(state)) {
            throw Rejection.invalid("state", "must be one of " + TENANT_STATES);
        }
        Tenant t = tenancy.updateTenant(id, AdminFields.text(b, "name", 200), state,
                AdminFields.integer(b, "ingress_per_second", 1, 100_000, null),
                AdminFields.whole(b, "max_queued", 1, 1_000_000_000L, null));
        io.send(res, 200, tenantJson(t));
    }

    private void issueKey(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("tenant");
        Tenancy.IssuedKey key = tenancy.issueKey(id, AdminFields.text(body(req), "name", 200), null);
        io.send(res, 201, io.json().createObjectNode().put("id", key.id()).put("key", key.key())
                .put("note", "shown once; store it now"));
    }

    private void listKeys(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("tenant");
        tenancy.tenant(id).orElseThrow(() -> new Tenancy.NotFound("tenant " + id));
        io.send(res, 200, io.json().createObjectNode().set("data", io.json().valueToTree(tenancy.keys(id))));
    }

    private void revokeKey(ServerRequest req, ServerResponse res) {
        String tenant = req.path().pathParameters().get("tenant");
        String key = req.path().pathParameters().get("key");
        if (!tenancy.revokeKey(tenant, key)) {
            throw new Tenancy.NotFound("key " + key);
        }
        io.send(res, 200, io.json().createObjectNode().put("id", key).put("state", "REVOKED"));
    }

    private void createChannel(ServerRequest req, ServerResponse res) {
        String tenant = req.path().pathParameters().get("tenant");
        ObjectNode b = body(req);
        Channel c = tenancy.createChannel(tenant, AdminFields.phoneNumberId(b, "phone_number_id"),
                AdminFields.text(b, "display_phone_number", 32), AdminFields.required(b, "waba_id", 64),
                AdminFields.text(b, "portfolio_id", 64), AdminFields.required(b, "access_token", 4096),
                AdminFields.integer(b, "ceiling_mps", 1, AdminFields.MAX_CEILING_MPS, 80), AdminFields.tier(b, "tier"));
        io.send(res, 201, channelJson(c));
    }

    private void listChannels(ServerRequest req, ServerResponse res) {
        String tenant = req.path().pathParameters().get("tenant");
        tenancy.tenant(tenant).orElseThrow(() -> new Tenancy.NotFound("tenant " + tenant));
        ArrayNode arr = io.json().createArrayNode();
        tenancy.channelsOf(tenant).forEach(c -> arr.add(channelJson(c)));
        io.send(res, 200, io.json().createObjectNode().set("data", arr));
    }

    private void getChannel(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("channel");
        io.send(res, 200, channelJson(tenancy.channel(id).orElseThrow(() -> new Tenancy.NotFound("channel " + id))));
    }

    private void updateChannel(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("channel");
        ObjectNode b = body(req);
        String state = upper(AdminFields.text(b, "state", 16));
        if (state != null && !CHANNEL_STATES.contains(state)) {
            throw Rejection.invalid("state", "must be one of " + CHANNEL_STATES);
        }
        tenancy.channel(id).orElseThrow(() -> new Tenancy.NotFound("channel " + id));
        appSecret(id, b);
        String quality = upper(AdminFields.text(b, "quality", 16));
        if (quality != null && !QUALITIES.contains(quality)) {
            throw Rejection.invalid("quality", "must be one of " + QUALITIES);
        }
        Channel c = tenancy.updateChannel(id, AdminFields.text(b, "access_token", 4096),
                AdminFields.integer(b, "ceiling_mps", 1, AdminFields.MAX_CEILING_MPS, null), AdminFields.tier(b, "tier"), quality,
                state, AdminFields.text(b, "reason", 500));
        io.send(res, 200, channelJson(c));
    }

    /**
     * {@code "app_secret": "<secret>"} gives the channel its Meta app's own webhook secret;
     * {@code "app_secret": null} returns it to the global one. Write-only: never shown again.
     */
    private void appSecret(String channelId, JsonNode b) {
        if (!b.has("app_secret")) {
            return;
        }
        JsonNode v = b.get("app_secret");
        if (v.isNull()) {
            appSecrets.remove(channelId);
        } else if (!v.isTextual() || v.asText().length() < 8 || v.asText().length() > 256) {
            throw Rejection.invalid("app_secret", "must be a string of 8 to 256 characters, or null for the global secret");
        } else {
            appSecrets.set(channelId, v.asText());
        }
    }

    private ObjectNode tenantJson(Tenant t) {
        return io.json().createObjectNode().put("id", t.id()).put("name", t.name()).put("state", t.state())
                .put("ingress_per_second", t.ingressPerSecond()).put("max_queued", t.maxQueued())
                .put("created_at", t.createdAt()).put("updated_at", t.updatedAt());
    }

    private ObjectNode channelJson(Channel c) {
        ObjectNode n = io.json().createObjectNode().put("phone_number_id", c.phoneNumberId()).put("tenant_id", c.tenantId())
                .put("display_phone_number", c.displayPhoneNumber()).put("waba_id", c.wabaId())
                .put("portfolio_id", c.portfolioId()).put("ceiling_mps", c.ceilingMps()).put("tier", c.tier())
                .put("quality", c.quality()).put("state", c.state()).put("breaker", outbound.breakerState(c.phoneNumberId()))
                .put("own_app_secret", appSecrets.has(c.phoneNumberId()));
        if (c.stateReason() != null) {
            n.put("state_reason", c.stateReason());
        }
        return n;
    }

    private static String upper(String s) {
        return s == null ? null : s.toUpperCase(java.util.Locale.ROOT);
    }
}
