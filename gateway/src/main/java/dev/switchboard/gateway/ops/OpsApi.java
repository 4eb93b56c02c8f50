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
 * the writer is not drowning) and {@code /metrics} (Prometheus text format).
 */
public final class OpsApi implements HttpService {
    private final Database db;
    private final GroupCommitWriter writer;
    private final PrometheusMeterRegistry registry;
    private volatile boolean ready;

    public OpsApi(Database db, GroupCommitWriter writer, PrometheusMeterRegistry registry) {
        this.db = db;
        this.writer = writer;
        this.registry = registry;
    }

    public void markReady() {
        ready = true;
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
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            res.send(registry.scrape());
        });
    }
}
