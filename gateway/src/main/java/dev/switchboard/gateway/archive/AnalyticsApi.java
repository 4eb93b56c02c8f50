package dev.switchboard.gateway.archive;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.archive.Analytics.FailureRow;
import dev.switchboard.gateway.archive.Analytics.Filters;
import dev.switchboard.gateway.archive.Analytics.GroupBy;
import dev.switchboard.gateway.archive.Analytics.RateRow;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /v1/analytics}, for tenants (API key): rates and failure codes computed from the
 * archive, always and only over the caller's own events.
 *
 * <pre>
 * GET /v1/analytics/rates?from=2026-11-01&amp;to=2026-11-30&amp;group_by=day|channel|campaign|template
 * GET /v1/analytics/failures?from=2026-11-01&amp;to=2026-11-30
 * </pre>
 * Both also take {@code channel_id}, {@code campaign_id} and {@code template_name} filters.
 * {@code from}/{@code to} are inclusive UTC dates (default: the last 30 days), at most
 * {@value #MAX_DAYS} days apart. See {@link Analytics} for what is counted.
 */
public final class AnalyticsApi implements HttpService {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsApi.class);
    static final int MAX_DAYS = 366;
    private static final int DEFAULT_DAYS = 30;

    private final Tenancy tenancy;
    private final ArchiveQueries queries;
    private final HttpIo io;
    private final Clock clock;

    AnalyticsApi(Tenancy tenancy, ArchiveQueries queries, HttpIo io, Clock clock) {
        this.tenancy = tenancy;
        this.queries = queries;
        this.io = io;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/rates", (req, res) -> guarded(req, res, this::rates))
                .get("/failures", (req, res) -> guarded(req, res, this::failures));
    }

    @FunctionalInterface
    private interface TenantHandler {
        void handle(Tenant tenant, ServerRequest req, ServerResponse res) throws SQLException, ArchiveQueries.Busy,
                ArchiveQueries.TimedOut;
    }

    private void guarded(ServerRequest req, ServerResponse res, TenantHandler h) {
        Tenant t = HttpIo.bearer(req).flatMap(tenancy::authenticate).orElse(null);
        if (t == null) {
            io.problem(res, 401, "unauthorized", "Missing or invalid API key (Authorization: Bearer <key>)");
            return;
        }
        if (queries == null) {
            io.problem(res, 409, "archive_disabled", "Analytics need the archive, which is disabled on this node (archive.enabled)");
            return;
        }
        try {
            h.handle(t, req, res);
        } catch (Rejection r) {
            io.problem(res, r);
        } catch (ArchiveQueries.Busy | ArchiveQueries.TimedOut e) {
            io.problem(res, 503, e instanceof ArchiveQueries.Busy ? "archive_busy" : "analytics_timeout", e.getMessage());
        } catch (SQLException e) {
            LOG.error("analytics query failed for tenant {}", t.id(), e);
            io.problem(res, 500, "archive_error", "The archive could not answer; the error is logged");
        }
    }

    private record Range(LocalDate from, LocalDate to) {}

    private void rates(Tenant tenant, ServerRequest req, ServerResponse res)
            throws SQLException, ArchiveQueries.Busy, ArchiveQueries.TimedOut {
        Range r = range(req);
        GroupBy groupBy = groupBy(req);
        Filters f = filters(req);
        List<RateRow> rows = queries.query((c, run) -> Analytics.rates(c, run, tenant.id(), r.from(), r.to(), groupBy, f));
        ObjectNode out = header(r);
        out.put("group_by", groupBy.param);
        ArrayNode data = out.putArray("data");
        long[] total = new long[5];
        for (RateRow row : rows) {
            ObjectNode n = data.addObject();
            n.put(groupBy.column, row.key());
            counts(n, row.messages(), row.sent(), row.delivered(), row.read(), row.failed());
            long[] v = {row.messages(), row.sent(), row.delivered(), row.read(), row.failed()};
            for (int i = 0; i < v.length; i++) {
                total[i] += v[i];
            }
        }
        counts(out.putObject("total"), total[0], total[1], total[2], total[3], total[4]);
        io.send(res, 200, out);
    }

    private void failures(Tenant tenant, ServerRequest req, ServerResponse res)
            throws SQLException, ArchiveQueries.Busy, ArchiveQueries.TimedOut {
        Range r = range(req);
        Filters f = filters(req);
        List<FailureRow> rows = queries.query((c, run) -> Analytics.failures(c, run, tenant.id(), r.from(), r.to(), f));
        ObjectNode out = header(r);
        ArrayNode data = out.putArray("data");
        long total = 0;
        for (FailureRow row : rows) {
            ObjectNode n = data.addObject();
            if (row.errorCode() == null) {
                n.putNull("error_code");
            } else {
                n.put("error_code", row.errorCode());
            }
            n.put("error_title", row.errorTitle());
            n.put("messages", row.messages());
            total += row.messages();
        }
        out.put("total_failed", total);
        io.send(res, 200, out);
    }

    private ObjectNode header(Range r) {
        return io.json().createObjectNode().put("from", r.from().toString()).put("to", r.to().toString());
    }

    private static void counts(ObjectNode n, long messages, long sent, long delivered, long read, long failed) {
        n.put("messages", messages).put("sent", sent).put("delivered", delivered).put("read", read).put("failed", failed);
        rate(n, "delivery_rate", delivered, messages);
        rate(n, "read_rate", read, delivered);
        rate(n, "failure_rate", failed, messages);
    }

    /** Four decimals; null when there is nothing to divide by (0/0 is not a 0 % rate). */
    private static void rate(ObjectNode n, String name, long part, long whole) {
        if (whole == 0) {
            n.putNull(name);
        } else {
            n.put(name, Math.round(part * 10_000.0 / whole) / 10_000.0);
        }
    }

    private Range range(ServerRequest req) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate to = date(req, "to").orElse(today);
        LocalDate from = date(req, "from").orElse(to.minusDays(DEFAULT_DAYS - 1));
        if (from.isAfter(to)) {
            throw Rejection.invalid("from", "must not be after to (" + from + " > " + to + ")");
        }
        if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
            throw new Rejection(400, "range_too_large", 100, "from and to may be at most " + MAX_DAYS + " days apart");
        }
        return new Range(from, to);
    }

    private static java.util.Optional<LocalDate> date(ServerRequest req, String name) {
        return HttpIo.query(req, name).map(v -> {
            LocalDate d;
            try {
                d = LocalDate.parse(v);
            } catch (DateTimeParseException e) {
                throw Rejection.invalid(name, "must be a date as YYYY-MM-DD, got '" + v + "'");
            }
            // LocalDate reaches year ±999,999,999, where epoch milliseconds overflow
            if (d.getYear() < 2000 || d.getYear() > 2199) {
                throw Rejection.invalid(name, "must be a date between 2000-01-01 and 2199-12-31, got '" + v + "'");
            }
            return d;
        });
    }

    private static GroupBy groupBy(ServerRequest req) {
        String v = HttpIo.query(req, "group_by").orElse("day").toLowerCase(Locale.ROOT);
        for (GroupBy g : GroupBy.values()) {
            if (g.param.equals(v)) {
                return g;
            }
        }
        throw Rejection.invalid("group_by", "must be one of day, channel, campaign, template");
    }

    private static Filters filters(ServerRequest req) {
        return new Filters(HttpIo.query(req, "channel_id").orElse(null), HttpIo.query(req, "campaign_id").orElse(null),
                HttpIo.query(req, "template_name").orElse(null));
    }
}
