package dev.switchboard.gateway.delivery;

import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The tenant's own webhook endpoint and dead letters, under {@code /v1}, authenticated with the
 * tenant's API key. A key only ever reaches its own tenant's endpoint and dead letters.
 * <pre>
 * PUT    /v1/webhook-endpoint                          create or update (secret write-only; max_events_per_post
 *                                                      1 by default, as Meta, more to opt in to batches)
 * GET    /v1/webhook-endpoint                          configuration, pending and dead counts, breaker
 * DELETE /v1/webhook-endpoint                          remove; pending deliveries are discarded
 * GET    /v1/webhook-endpoint/dead-letters             ?limit=&amp;cursor=
 * POST   /v1/webhook-endpoint/dead-letters/replay      {"ids":[…]} or no body for all
 * DELETE /v1/webhook-endpoint/dead-letters/{id}
 * </pre>
 */
public final class TenantDeliveryApi implements HttpService {
    private final Tenancy tenancy;
    private final DeliveryApi api;
    private final HttpIo io;

    public TenantDeliveryApi(Tenancy tenancy, Outbox outbox, HttpIo io) {
        this.tenancy = tenancy;
        this.api = new DeliveryApi(outbox, io);
        this.io = io;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.put("/webhook-endpoint", (q, r) -> guarded(q, r, api::put))
                .get("/webhook-endpoint", (q, r) -> guarded(q, r, api::get))
                .delete("/webhook-endpoint", (q, r) -> guarded(q, r, api::delete))
                .get("/webhook-endpoint/dead-letters", (q, r) -> guarded(q, r, api::deadLetters))
                .post("/webhook-endpoint/dead-letters/replay", (q, r) -> guarded(q, r, api::replay))
                .delete("/webhook-endpoint/dead-letters/{id}", (q, r) -> guarded(q, r, api::discard));
    }

    @FunctionalInterface
    interface Handler {
        void handle(String tenantId, ServerRequest req, ServerResponse res);
    }

    private void guarded(ServerRequest req, ServerResponse res, Handler h) {
        Tenant t = HttpIo.bearer(req).flatMap(tenancy::authenticate).orElse(null);
        if (t == null) {
            io.problem(res, 401, "unauthorized", "Missing or invalid API key (Authorization: Bearer <key>)");
            return;
        }
        try {
            h.handle(t.id(), req, res);
        } catch (Rejection r) {
            io.problem(res, r);
        }
    }
}
