package dev.switchboard.gateway.api;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The operator's bearer token, checked the same way by every {@code /admin} surface: no token
 * configured means no admin API (403), a wrong or missing one is a 401; compared in constant time.
 */
public final class AdminToken {
    private final byte[] token;
    private final HttpIo io;

    public AdminToken(String token, HttpIo io) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.io = io;
    }

    /** True when the request carries the admin token; otherwise the refusal has been answered. */
    public boolean admits(ServerRequest req, ServerResponse res) {
        if (token == null) {
            io.problem(res, 403, "admin_disabled", "The admin API is disabled: set security.adminToken (SWITCHBOARD_SECURITY_ADMIN_TOKEN)");
            return false;
        }
        byte[] given = HttpIo.bearer(req).orElse("").getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token)) {
            io.problem(res, 401, "unauthorized", "Missing or invalid admin token");
            return false;
        }
        return true;
    }
}
