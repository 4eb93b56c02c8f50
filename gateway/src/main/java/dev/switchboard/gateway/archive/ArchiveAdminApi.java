package dev.switchboard.gateway.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.api.AdminToken;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archive's operator endpoints under {@code /admin} (admin token):
 *
 * <pre>
 * GET  /admin/archive            cursor, head, lag, last run
 * POST /admin/archive/flush      archive everything committed so far, retire, purge, compact; synchronously
 * POST /admin/analytics/sql      {"sql": "SELECT ...", "max_rows": 100}: one read-only query over the views
 *                                events and messages; {"columns": [...], "rows": [[...]], "truncated": false}
 * </pre>
 *
 * A refused or failing query is a 400 with a code ({@code read_only}, {@code multiple_statements},
 * {@code invalid_sql}, {@code query_timeout}, ...) and DuckDB's message, never a 500: the SQL is
 * the operator's, and so is the error.
 */
public final class ArchiveAdminApi implements HttpService {
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveAdminApi.class);
    private static final long MAX_BODY = 64 * 1024;

    private final Archiver archiver;
    private final ArchiveQueries queries;
    private final ArchiveLayout layout;
    private final SqlGate gate;
    private final JsonRows rows;
    private final int maxRows;
    private final HttpIo io;
    private final AdminToken adminToken;

    ArchiveAdminApi(Archiver archiver, ArchiveQueries queries, ArchiveLayout layout, int maxRows, HttpIo io, String adminToken) {
        this.archiver = archiver;
        this.queries = queries;
        this.layout = layout;
        this.gate = new SqlGate(io.json());
        this.rows = new JsonRows(io.json());
        this.maxRows = maxRows;
        this.io = io;
        this.adminToken = new AdminToken(adminToken, io);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/archive", (q, r) -> guard(q, r, this::status))
                .post("/archive/flush", (q, r) -> guard(q, r, this::flush))
                .post("/analytics/sql", (q, r) -> guard(q, r, this::sql));
    }

    @FunctionalInterface
    private interface Handler {
        void handle(ServerRequest req, ServerResponse res) throws SQLException, IOException;
    }

    /** The same rule as the other admin endpoints: no token configured, no admin API. */
    private void guard(ServerRequest req, ServerResponse res, Handler h) {
        if (!adminToken.admits(req, res)) {
            return;
        }
        if (archiver == null) {
            io.problem(res, 409, "archive_disabled", "The archive is disabled on this node (archive.enabled)");
            return;
        }
        try {
            h.handle(req, res);
        } catch (Rejection r) {
            io.problem(res, r);
        } catch (ArchiveIdentity.Mismatch e) {
            io.problem(res, 409, "archive_mismatch", e.getMessage());
        } catch (SQLException | IOException e) {
            LOG.error("archive operation failed", e);
            io.problem(res, 500, "archive_error", "The archive operation failed: " + SqlGate.firstLine(e.getMessage()));
        }
    }

    private void status(ServerRequest req, ServerResponse res) {
        Archiver.Status s = archiver.status();
        ObjectNode out = io.json().createObjectNode().put("directory", layout.root().toString()).put("cursor", s.cursor())
                .put("head", s.head()).put("lag", Math.max(0, s.head() - s.cursor()))
                .put("last_run_at", s.lastRunAt() == null ? null : s.lastRunAt().toString()).put("last_error", s.lastError());
        io.send(res, 200, out);
    }

    private void flush(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        Archiver.Report r = archiver.flush();
        if (!r.ran()) {
            io.problem(res, 409, "archive_locked", "Another node is archiving this database right now; retry shortly");
            return;
        }
        io.send(res, 200, io.json().createObjectNode().put("events_archived", r.eventsArchived())
                .put("messages_retired", r.messagesRetired()).put("files_swept", r.filesSwept())
                .put("days_compacted", r.daysCompacted()).put("cursor", r.cursor()));
    }

    private void sql(ServerRequest req, ServerResponse res) {
        ObjectNode body = io.parseObject(io.body(req, MAX_BODY));
        JsonNode sqlNode = body.get("sql");
        if (sqlNode == null || sqlNode.isNull()) {
            throw Rejection.missing("sql");
        }
        if (!sqlNode.isTextual()) {
            throw Rejection.invalid("sql", "must be a string");
        }
        int limit = maxRows;
        JsonNode max = body.get("max_rows");
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 1 || max.asInt() > maxRows) {
                throw Rejection.invalid("max_rows", "must be an integer from 1 to " + maxRows);
            }
            limit = max.asInt();
        }
        String sql = sqlNode.asText();
        int cap = limit;
        long started = System.nanoTime();
        JsonRows.Page page;
        try {
            page = queries.query((c, run) -> {
                gate.check(c, sql);
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    return run.execute(ps, rs -> rows.read(rs, cap));
                }
            });
        } catch (SqlGate.Refused e) {
            io.problem(res, 400, e.code(), e.getMessage());
            return;
        } catch (ArchiveQueries.TimedOut e) {
            io.problem(res, 400, "query_timeout", e.getMessage() + "; narrow it (a day range prunes whole partitions)");
            return;
        } catch (ArchiveQueries.Busy e) {
            io.problem(res, 503, "archive_busy", e.getMessage());
            return;
        } catch (SQLException e) {
            io.problem(res, 400, "invalid_sql", SqlGate.firstLine(e.getMessage()));
            return;
        }
        ObjectNode out = io.json().createObjectNode();
        out.set("columns", page.columns());
        out.set("rows", page.rows());
        out.put("row_count", page.rows().size()).put("truncated", page.truncated())
                .put("elapsed_ms", (System.nanoTime() - started) / 1_000_000);
        io.send(res, 200, out);
    }
}
