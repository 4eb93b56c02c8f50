package dev.switchboard.gateway.delivery;

import dev.switchboard.gateway.api.AdminToken;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.tenancy.Tenancy;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

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
    private final AdminToken adminToken;

    public AdminDeliveryApi(Tenancy tenancy, Outbox outbox, HttpIo io, String adminToken) {
        this.tenancy = tenancy;
        this.api = new DeliveryApi(outbox, io);
        this.io = io;
        this.adminToken = new AdminToken(adminToken, io);
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
        if (!adminToken.admits(req, res)) {
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
