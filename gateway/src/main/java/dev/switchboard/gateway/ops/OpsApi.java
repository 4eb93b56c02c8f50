package dev.switchboard.gateway.ops;

import dev.switchboard.gateway.store.Database;
import dev.switchboard.gateway.store.GroupCommitWriter;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * {@code /health/live} (the process answers), {@code /health/ready} (the database answers and
 * the writer is not drowning) and {@code /metrics} (Prometheus text format; behind a bearer
 * token when {@code security.metricsToken} is set, compared in constant time).
 */
public final class OpsApi implements HttpService {
    private final Database db;
    private final GroupCommitWriter writer;
    private final PrometheusMeterRegistry registry;
    private final byte[] metricsToken;
    private volatile boolean ready;
    private volatile boolean draining;

    /** {@code metricsToken}: null leaves {@code /metrics} open (a scraper on a private network). */
    public OpsApi(Database db, GroupCommitWriter writer, PrometheusMeterRegistry registry, String metricsToken) {
        this.db = db;
        this.writer = writer;
        this.registry = registry;
        this.metricsToken = metricsToken == null || metricsToken.isBlank() ? null
                : ("Bearer " + metricsToken).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public void markReady() {
        ready = true;
    }

    /** Shutting down: readiness answers 503 so load balancers stop sending; see {@link #drainingGate()}. */
    public void markDraining() {
        draining = true;
        ready = false;
    }

    /**
     * While draining, every request but health checks gets 503 with {@code Retry-After}: nothing
     * new is accepted while the node finishes what it holds (a client retries on another node).
     */
    public io.helidon.webserver.http.Filter drainingGate() {
        return (chain, req, res) -> {
            if (draining && !req.path().rawPath().startsWith("/health")) {
                res.header(HeaderNames.RETRY_AFTER, "5");
                problem(res, Status.SERVICE_UNAVAILABLE_503, "shutting_down", "This node is shutting down; nothing was accepted. Retry on another.");
                return;
            }
            chain.proceed();
        };
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health/live", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send("{\"status\":\"UP\"}");
        });
        rules.get("/health/ready", (req, res) -> {
            boolean dbUp = db.isHealthy();
            boolean up = ready && dbUp;
            res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send("{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"database\":\"" + (dbUp ? "UP" : "DOWN")
                    + "\",\"writer_queue\":" + writer.queued() + ",\"started\":" + ready + "}");
        });
        rules.get("/metrics", (req, res) -> {
            if (metricsToken != null && !java.security.MessageDigest.isEqual(metricsToken, req.headers()
                    .first(HeaderNames.AUTHORIZATION).orElse("").getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
                problem(res, Status.UNAUTHORIZED_401, "unauthorized", "/metrics needs the metrics token (security.metricsToken)");
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            res.send(registry.scrape());
        });
    }

    /** Problem JSON for the few answers of this low layer (it sits below the API's {@code HttpIo}); messages are fixed text. */
    private static void problem(io.helidon.webserver.http.ServerResponse res, Status status, String code, String detail) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/problem+json");
        res.send("{\"type\":\"https://switchboard.dev/problems/" + code + "\",\"title\":\"" + code.replace('_', ' ') + "\",\"status\":"
                + status.code() + ",\"code\":\"" + code + "\",\"detail\":\"" + detail + "\"}");
    }
}
