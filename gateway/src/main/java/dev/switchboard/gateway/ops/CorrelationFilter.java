package dev.switchboard.gateway.ops;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * Gives every request a correlation id — the caller's {@code X-Request-Id} if it sent a sane
 * one, else a fresh one — puts it in the logging context for the request's thread, and echoes
 * it in the response so a client can quote it in a support ticket.
 */
public final class CorrelationFilter implements Filter {
    public static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");

    /**
     * A fresh id for a request that brought none. It only has to be unique enough to find a
     * request in the logs, not unguessable: {@code UUID.randomUUID()} drew on the shared
     * {@code SecureRandom} for every request and showed in the profile.
     */
    static String newId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        return new UUID(r.nextLong(), r.nextLong()).toString();
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String id = req.headers().first(REQUEST_ID)
                .filter(v -> v.length() <= 64 && v.chars().allMatch(c -> c > 32 && c < 127))
                .orElseGet(CorrelationFilter::newId);
        MDC.put("correlation_id", id);
        MDC.put("http_path", req.path().rawPath());
        res.header(REQUEST_ID, id);
        try {
            chain.proceed();
        } finally {
            MDC.remove("correlation_id");
            MDC.remove("http_path");
        }
    }
}
