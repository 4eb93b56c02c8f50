package dev.switchboard.gateway.campaigns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.api.TenantGuard;
import dev.switchboard.gateway.audience.Audience;
import dev.switchboard.gateway.audiences.Audiences;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.intake.Intake;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.intake.TemplateCatalog;
import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.messages.MessageStore;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.store.Database;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import dev.switchboard.gateway.webhooks.BillingListener;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tenant's campaigns under {@code /v1/campaigns}, with the tenant's API key:
 * <pre>
 * POST /v1/campaigns                  {"name", "template": {"name", "language"}, "audience_id",
 *                                      "parameters"?: [{"variable", "default"?} | {"text"}]
 *                                                   | {"header"?, "body"?, "buttons"?} (see TemplateMapping),
 *                                      "channel_id"? | "channel_pool"?, "lane"?: low, "start_at"?,
 *                                      "sending_window"?: {"time_zone", "from", "to", "days"?}, "max_per_second"?,
 *                                      "spend_cap"?: {"amount", "currency"}} → 201 draft
 * GET  /v1/campaigns                  ?after=&amp;limit= → {"data": [campaign], "paging"?: {"after"}}
 * GET  /v1/campaigns/{id}             → campaign
 * POST /v1/campaigns/{id}:start       (and :pause, :resume, :cancel) → campaign
 * POST /v1/campaigns/{id}/start       the same, for clients that cannot put ':' in a path
 * GET  /v1/campaigns/{id}/stats       → counts by outcome, current rate, spend, live estimate
 * GET  /v1/campaigns/{id}/estimate    → when it will be done, at what rate, what limits it, warnings
 * GET  /v1/campaigns/{id}/recipients  ?status=&amp;reason=&amp;error_code=&amp;after=&amp;limit= → each recipient's
 *                                      outcome; CSV (streamed, all of them) for Accept: text/csv or ?format=csv
 * </pre>
 * {@code ":start"} routes as part of the {@code {id}} segment (Helidon matches a template
 * parameter to a whole segment), so the POST on {@code /{id}} splits it at the last ':'.
 */
public final class CampaignsApi implements HttpService {
    private static final long BODY_BYTES = 64 * 1024;
    private static final java.util.regex.Pattern TEMPLATE_NAME = java.util.regex.Pattern.compile("[a-z0-9_]{1,512}");
    private static final java.util.regex.Pattern LANGUAGE = java.util.regex.Pattern.compile("[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?");

    private final Campaigns campaigns;
    private final Expander expander;
    private final PacingModule pace;
    private final TenantGuard guard;
    private final HttpIo io;
    private final CampaignRecipients recipients;

    private CampaignsApi(Campaigns campaigns, Expander expander, PacingModule pace, Tenancy tenancy, HttpIo io) {
        this.campaigns = campaigns;
        this.expander = expander;
        this.pace = pace;
        this.guard = new TenantGuard(tenancy, io);
        this.io = io;
        campaigns.onChange(expander::wake);
        RecipientStore recipientStore = new RecipientStore(campaigns.store().jdbc());
        this.recipients = new CampaignRecipients(campaigns, recipientStore, io);
        new CampaignSignals(campaigns, recipientStore, tenancy, campaigns.outbound()).listen();
    }

    /** The API over a new campaigns module; its expander starts with the server and stops with it. */
    public static CampaignsApi of(Database db, GroupCommitWriter writer, Audiences audiences, Audience optOuts, Intake intake,
                                  TemplateCatalog templates, MessageStore messages, Outbound outbound, CampaignHolds holds,
                                  Tenancy tenancy, HttpIo io, Clock clock, WindowGate windows, SwitchboardConfig.Pricing pricing,
                                  MeterRegistry registry) {
        Campaigns c = new Campaigns(new CampaignStore(new Jdbc(db.reads()), io.json()), writer, audiences, tenancy, templates,
                outbound, holds, clock);
        PacingModule pace = new PacingModule(new Jdbc(db.reads()), c, audiences, outbound, windows, pricing, registry, io.json(), clock);
        return new CampaignsApi(c, new Expander(c, audiences, optOuts, intake, tenancy, io.json(), clock, 500, 10_000, pace), pace,
                tenancy, io);
    }

    /** What counts campaigns' spend from status webhooks (for the webhook processor). */
    public BillingListener billing() {
        return pace.billing();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", guard.of(this::create))
                .get("/", guard.of(this::list))
                .get("/{id}", guard.of(this::get))
                .post("/{id}", guard.of(this::colonAction))
                .post("/{id}/{action}", guard.of(this::action))
                .get("/{id}/stats", guard.of(this::stats))
                .get("/{id}/recipients", guard.of(recipients::handle))
                .get("/{id}/estimate", guard.of(this::estimate));
    }

    @Override
    public void beforeStart() {
        expander.start();
    }

    @Override
    public void afterStop() {
        expander.close();
    }

    private void create(Tenant t, ServerRequest req, ServerResponse res) {
        ObjectNode b = io.parseObject(io.body(req, BODY_BYTES));
        String name = text(b, "name");
        if (name == null || name.isBlank() || name.length() > 200 || name.indexOf('\u0000') >= 0) {
            throw Rejection.invalid("name", "must be a non-empty string of at most 200 characters");
        }
        JsonNode template = b.path("template");
        String tName = text(template, "name");
        String tLang = text(template, "language");
        if (tName == null || tLang == null) {
            throw Rejection.invalid("template", "must be {\"name\": ..., \"language\": ...}");
        }
        if (!TEMPLATE_NAME.matcher(tName).matches()) {
            throw Rejection.invalid("template.name", "must be a template name as Meta writes it: lowercase letters, digits and _, at most 512");
        }
        if (!LANGUAGE.matcher(tLang).matches()) {
            throw Rejection.invalid("template.language", "must be a language code such as en_US or pt_BR (at most 16 characters)");
        }
        String audience = text(b, "audience_id");
        if (audience == null || audience.length() > 40) {
            throw Rejection.invalid("audience_id", "is required: the id of one of your audiences");
        }
        // HIGH is the OTPs' lane: a campaign there would queue ahead of them, the thing campaigns must never do
        Lane lane = b.hasNonNull("lane") ? Lane.parse(b.get("lane").asText()).filter(l -> l != Lane.HIGH)
                .orElseThrow(() -> Rejection.invalid("lane", "must be low (the default) or normal; high is kept for one-off sends such as OTPs"))
                : Lane.LOW;
        List<String> pool = null;
        if (b.hasNonNull("channel_pool")) {
            if (!b.get("channel_pool").isArray() || b.get("channel_pool").isEmpty()) {
                throw Rejection.invalid("channel_pool", "must be a non-empty array of channel ids");
            }
            pool = new ArrayList<>();
            for (JsonNode p : b.get("channel_pool")) {
                pool.add(p.asText());
            }
        }
        Pacing pacing = pace.parse(b);
        Campaign c = campaigns.create(t.id(), name.strip(), tName, tLang, audience, TemplateMapping.parse(b.get("parameters")), text(b, "channel_id"),
                pool, lane.name(), startAt(b.get("start_at")), pace.alongside(t.id(), pacing));
        io.send(res, 201, view(c));
    }

    private static Long startAt(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        try {
            return Instant.parse(n.asText()).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw Rejection.invalid("start_at", "must be an ISO-8601 instant such as 2026-12-24T09:00:00Z or epoch milliseconds");
        }
    }

    private void list(Tenant t, ServerRequest req, ServerResponse res) {
        int limit = limit(req);
        List<Campaign> page = campaigns.list(t.id(), HttpIo.query(req, "after").orElse(null), limit);
        ObjectNode root = io.json().createObjectNode();
        ArrayNode data = root.putArray("data");
        page.forEach(c -> data.add(view(c)));
        if (page.size() == limit) {
            root.putObject("paging").put("after", page.get(page.size() - 1).id());
        }
        io.send(res, 200, root);
    }

    private void get(Tenant t, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        io.send(res, 200, view(campaigns.find(t.id(), id).orElseThrow(() -> Campaigns.notFound(id))));
    }

    private void colonAction(Tenant t, ServerRequest req, ServerResponse res) {
        String target = req.path().pathParameters().get("id");
        int colon = target.lastIndexOf(':');
        if (colon < 0) {
            throw new Rejection(405, "method_not_allowed", 100, "POST a campaign action: /v1/campaigns/" + target + ":start (or :pause, :resume, :cancel)");
        }
        act(t, target.substring(0, colon), target.substring(colon + 1), res);
    }

    private void action(Tenant t, ServerRequest req, ServerResponse res) {
        act(t, req.path().pathParameters().get("id"), req.path().pathParameters().get("action"), res);
    }

    private void act(Tenant t, String id, String action, ServerResponse res) {
        Campaign c = switch (action.toLowerCase(Locale.ROOT)) {
            case "start" -> campaigns.start(t.id(), id);
            case "pause" -> campaigns.pause(t.id(), id);
            case "resume" -> campaigns.resume(t.id(), id);
            case "cancel" -> campaigns.cancel(t.id(), id);
            default -> {
                campaigns.find(t.id(), id).orElseThrow(() -> Campaigns.notFound(id));
                throw new Rejection(404, "not_found", 100, "No campaign action '" + action + "' (start, pause, resume, cancel)");
            }
        };
        io.send(res, 200, view(c));
    }

    private void stats(Tenant t, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Campaign c = campaigns.find(t.id(), id).orElseThrow(() -> Campaigns.notFound(id));
        CampaignStore store = campaigns.store();
        Map<String, Long> skips = store.skipCounts(c.id());
        long queued = 0, sending = 0, sent = 0, delivered = 0, read = 0, failed = 0, expired = 0, cancelled = 0;
        Map<String, Long> failures = new TreeMap<>();
        for (Object[] row : store.messageCounts(t.id(), c.id())) {
            long n = (Long) row[2];
            switch ((String) row[0]) {
                case "QUEUED", "ACCEPTED" -> queued += n;
                case "SENDING" -> sending += n;
                case "SENT" -> sent += n;
                case "DELIVERED" -> { sent += n; delivered += n; }
                case "READ" -> { sent += n; delivered += n; read += n; }
                case "FAILED" -> {
                    failed += n;
                    failures.merge(row[1] == null ? "unknown" : row[1].toString(), n, Long::sum);
                }
                case "EXPIRED" -> expired += n;
                case "CANCELLED" -> cancelled += n;
                default -> { }
            }
        }
        ObjectNode s = io.json().createObjectNode().put("id", c.id()).put("state", c.state().wire())
                .put("state_reason", c.stateReason()).put("targeted", c.targeted())
                .put("expanded", c.expanded()).put("audience_exhausted", c.exhausted());
        ObjectNode sk = s.putObject("skipped");
        sk.put("total", skips.values().stream().mapToLong(Long::longValue).sum());
        ObjectNode by = sk.putObject("by_reason");
        skips.forEach(by::put);
        s.put("messages", queued + sending + sent + failed + expired + cancelled).put("queued", queued).put("sending", sending)
                .put("sent", sent).put("delivered", delivered).put("read", read);
        ObjectNode f = s.putObject("failed");
        f.put("total", failed);
        ObjectNode fc = f.putObject("by_code");
        failures.forEach(fc::put);
        s.put("expired", expired).put("cancelled", cancelled);
        pace.stats(c, s);
        io.send(res, 200, s);
    }

    private void estimate(Tenant t, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        io.send(res, 200, pace.estimateJson(campaigns.find(t.id(), id).orElseThrow(() -> Campaigns.notFound(id))));
    }

    private ObjectNode view(Campaign c) {
        ObjectNode n = io.json().createObjectNode().put("id", c.id()).put("name", c.name()).put("state", c.state().wire())
                .put("state_reason", c.stateReason());
        n.putObject("template").put("name", c.templateName()).put("language", c.templateLanguage())
                .put("category", c.templateCategory());
        n.put("audience_id", c.audienceId());
        n.set("parameters", c.parameters().toJson(io.json()));
        n.put("channel_id", c.channelId());
        if (c.channelPool() != null) {
            ArrayNode pool = n.putArray("channel_pool");
            c.channelPool().forEach(pool::add);
        } else {
            n.putNull("channel_pool");
        }
        n.put("lane", c.lane().toLowerCase(Locale.ROOT));
        n.put("start_at", c.startAt() == null ? null : Instant.ofEpochMilli(c.startAt()).toString());
        n.put("targeted", c.targeted()).put("expanded", c.expanded());
        n.put("created_at", c.createdAt()).put("updated_at", c.updatedAt());
        pace.view(c, n);
        return n;
    }

    private static String text(JsonNode o, String f) {
        JsonNode v = o == null ? null : o.get(f);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static int limit(ServerRequest req) {
        String v = HttpIo.query(req, "limit").orElse(null);
        if (v == null) {
            return 100;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 1000) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw Rejection.invalid("limit", "must be an integer from 1 to 1000");
    }
}
