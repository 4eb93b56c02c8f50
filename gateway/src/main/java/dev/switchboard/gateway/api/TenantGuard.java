package dev.switchboard.gateway.api;

import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The tenant-facing APIs' front door: resolves the bearer API key to its tenant (401 otherwise)
 * and turns a {@link Rejection} into problem JSON, so every handler behind it is tenant-scoped
 * and can simply throw.
 */
public final class TenantGuard {
    /** A handler that runs for an authenticated tenant. */
    @FunctionalInterface
    public interface TenantHandler {
        void handle(Tenant tenant, ServerRequest req, ServerResponse res);
    }

    private final Tenancy tenancy;
    private final HttpIo io;

    public TenantGuard(Tenancy tenancy, HttpIo io) {
        this.tenancy = tenancy;
        this.io = io;
    }

    public Handler of(TenantHandler h) {
        return (req, res) -> {
            try {
                Tenant t = HttpIo.bearer(req).flatMap(tenancy::authenticate).orElse(null);
                if (t == null) {
                    io.problem(res, 401, "unauthorized", "Missing or invalid API key (Authorization: Bearer <key>)");
                    return;
                }
                h.handle(t, req, res);
            } catch (Rejection r) {
                io.problem(res, r);
            }
        };
    }
}
