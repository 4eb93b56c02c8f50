package dev.switchboard.gateway.delivery;

import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.tenancy.Tenancy;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The operator's view of any tenant's webhook endpoint and dead letters, under
 * {@code /admin/tenants/{tenant}/webhook-endpoint}, guarded by the admin token: the same
 * operations as {@link TenantDeliveryApi}, for support and incident handling.
 */
public final class AdminDeliveryApi implements HttpService {
    private static final String BASE = "/tenants/{tenant}/webhook-endpoint";

    private final Tenancy tenancy;
    private final DeliveryApi api;
    private final HttpIo io;
    private final byte[] adminToken;

    public AdminDeliveryApi(Tenancy tenancy, Outbox outbox, HttpIo io, String adminToken) {
        this.tenancy = tenancy;
        this.api = new DeliveryApi(outbox, io);
        this.io = io;
        this.adminToken = adminToken == null ? null : adminToken.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.put(BASE, (q, r) -> guarded(q, r, api::put))
                .get(BASE, (q, r) -> guarded(q, r, api::get))
                .delete(BASE, (q, r) -> guarded(q, r, api::delete))
                .get(BASE + "/dead-letters", (q, r) -> guarded(q, r, api::deadLetters))
                .post(BASE + "/dead-letters/replay", (q, r) -> guarded(q, r, api::replay))
                .delete(BASE + "/dead-letters/{id}", (q, r) -> guarded(q, r, api::discard));
    }

    private void guarded(ServerRequest req, ServerResponse res, TenantDeliveryApi.Handler h) {
        if (adminToken == null) {
            io.problem(res, 403, "admin_disabled", "The admin API is disabled: set security.adminToken (SWITCHBOARD_SECURITY_ADMIN_TOKEN)");
            return;
        }
        byte[] given = HttpIo.bearer(req).orElse("").getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, adminToken)) {
            io.problem(res, 401, "unauthorized", "Missing or invalid admin token");
            return;
        }
        String tenantId = req.path().pathParameters().get("tenant");
        if (tenancy.tenant(tenantId).isEmpty()) {
            io.problem(res, 404, "not_found", "tenant " + tenantId + " not found");
            return;
        }
        try {
            h.handle(tenantId, req, res);
        } catch (Rejection r) {
            io.problem(res, r);
        }
    }
}
