package dev.switchboard.gateway.templates;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.api.TenantGuard;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.intake.TemplateCatalog;
import dev.switchboard.gateway.intake.TemplateCatalog.TemplateInfo;
import dev.switchboard.gateway.intake.TemplateComponents;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tenant's templates under {@code /v1/templates}, with the tenant's API key: what the
 * catalogue knows of the WABAs of its channels, shaped for mapping audience columns to
 * parameters.
 * <pre>
 * GET  /v1/templates          ?status=&amp;name=&amp;category=&amp;language=&amp;after=&amp;limit= → {"data": [template], "paging"?: {"after"}}
 * GET  /v1/templates/{name}   → {"name", "translations": [template]}
 * POST /v1/templates/sync     → {"synced": [{"waba_id", "templates"}], "failed": [{"waba_id", "error"}]}
 * </pre>
 * A template: name, language, category, status, Meta's id, WABA, {@code parameter_format}, and
 * per component the parameters it takes (the header's format, the body's placeholders, each
 * button's type and whether a send must fill it). {@code name} filters by substring, as Meta's
 * own listing does; the others match exactly (case-insensitive).
 *
 * <p>A sync on request calls Meta, so a tenant may ask once per {@code manualSyncInterval}
 * (default 60 s; 429 with {@code Retry-After} otherwise), and each WABA's calls stay within the
 * catalogue's management-API budget. It lives in a package of its own, beside the catalogue in
 * {@code intake} that the send path reads, because it is a tenant-facing capability with its own
 * name, like {@code audiences} and {@code campaigns}.
 */
public final class TemplatesApi implements HttpService {
    private final TemplateCatalog catalog;
    private final Tenancy tenancy;
    private final TenantGuard guard;
    private final HttpIo io;
    private final Clock clock;
    private final long manualSyncMillis;
    private final Map<String, Long> lastManualSync = new ConcurrentHashMap<>();

    public TemplatesApi(TemplateCatalog catalog, Tenancy tenancy, HttpIo io, Duration manualSyncInterval, Clock clock) {
        this.catalog = catalog;
        this.tenancy = tenancy;
        this.guard = new TenantGuard(tenancy, io);
        this.io = io;
        this.clock = clock;
        this.manualSyncMillis = manualSyncInterval.toMillis();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", guard.of(this::list))
                .post("/sync", guard.of(this::sync))
                .get("/{name}", guard.of(this::translations));
    }

    private List<TemplateInfo> visible(Tenant t) {
        Set<String> wabas = new TreeSet<>();
        tenancy.channelsOf(t.id()).forEach(c -> wabas.add(c.wabaId()));
        return catalog.templatesOf(wabas);
    }

    private void list(Tenant t, ServerRequest req, ServerResponse res) {
        int limit = limit(req);
        String status = HttpIo.query(req, "status").orElse(null);
        String name = HttpIo.query(req, "name").orElse(null);
        String category = HttpIo.query(req, "category").orElse(null);
        String language = HttpIo.query(req, "language").orElse(null);
        String after = HttpIo.query(req, "after").map(TemplatesApi::decodeCursor).orElse(null);
        ObjectNode root = io.json().createObjectNode();
        ArrayNode data = root.putArray("data");
        String last = null;
        for (TemplateInfo i : visible(t)) {
            String cursor = i.name() + '\u0000' + i.language() + '\u0000' + i.wabaId();
            if ((after != null && cursor.compareTo(after) <= 0) || (status != null && !status.equalsIgnoreCase(i.status()))
                    || (name != null && !i.name().contains(name)) || (category != null && !category.equalsIgnoreCase(i.category()))
                    || (language != null && !language.equals(i.language()))) {
                continue;
            }
            if (data.size() == limit) {
                root.putObject("paging").put("after", encodeCursor(last));
                break;
            }
            data.add(view(i));
            last = cursor;
        }
        io.send(res, 200, root);
    }

    private void translations(Tenant t, ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        ObjectNode root = io.json().createObjectNode().put("name", name);
        ArrayNode out = root.putArray("translations");
        visible(t).stream().filter(i -> i.name().equals(name)).forEach(i -> out.add(view(i)));
        if (out.isEmpty()) {
            throw new Rejection(404, "not_found", 100, "No template named " + name + " in the catalogue of your WABAs"
                    + " (POST /v1/templates/sync reads them from Meta again)");
        }
        io.send(res, 200, root);
    }

    private void sync(Tenant t, ServerRequest req, ServerResponse res) {
        long now = clock.millis();
        long[] wait = new long[1];
        lastManualSync.compute(t.id(), (k, last) -> {
            if (last != null && now - last < manualSyncMillis) {
                wait[0] = last + manualSyncMillis - now;
                return last;
            }
            return now;
        });
        if (wait[0] > 0) {
            throw tooSoon(res, wait[0], "Templates were synced less than " + manualSyncMillis / 1000 + " s ago; sync again in "
                    + seconds(wait[0]) + " s");
        }
        List<TemplateCatalog.SyncResult> results = catalog.syncTenant(t.id());
        ObjectNode root = io.json().createObjectNode();
        ArrayNode synced = root.putArray("synced");
        ArrayNode failed = root.putArray("failed");
        long budgetRetry = 0;
        for (TemplateCatalog.SyncResult r : results) {
            if (r.ok()) {
                synced.addObject().put("waba_id", r.wabaId()).put("templates", r.templates());
            } else {
                failed.addObject().put("waba_id", r.wabaId()).put("error", r.error());
                budgetRetry = Math.max(budgetRetry, r.retryAt() - now);
            }
        }
        if (synced.isEmpty() && !failed.isEmpty()) {
            if (budgetRetry > 0) {
                throw tooSoon(res, budgetRetry, failed.get(0).path("error").asText() + "; sync again in " + seconds(budgetRetry) + " s");
            }
            throw new Rejection(502, "sync_failed", 2, "Meta's template list could not be read: " + failed.get(0).path("error").asText());
        }
        io.send(res, 200, root);
    }

    private static Rejection tooSoon(ServerResponse res, long waitMillis, String detail) {
        res.header(HeaderNames.RETRY_AFTER, Long.toString(seconds(waitMillis)));
        return new Rejection(429, "sync_rate_limited", 4, detail);
    }

    private static long seconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }

    private ObjectNode view(TemplateInfo i) {
        ObjectNode n = io.json().createObjectNode().put("name", i.name()).put("language", i.language())
                .put("category", i.category()).put("status", i.status()).put("id", i.id()).put("waba_id", i.wabaId())
                .put("parameter_format", i.parameterFormat().toLowerCase(Locale.ROOT));
        TemplateComponents c = i.components();
        ObjectNode comps = n.putObject("components");
        if (c.header() == null) {
            comps.putNull("header");
        } else {
            ObjectNode h = comps.putObject("header").put("format", c.header().format().toLowerCase(Locale.ROOT));
            ArrayNode hp = h.putArray("parameters");
            c.header().parameters().forEach(hp::add);
        }
        ArrayNode body = comps.putObject("body").putArray("parameters");
        c.body().forEach(body::add);
        ArrayNode buttons = comps.putArray("buttons");
        for (TemplateComponents.Button b : c.buttons()) {
            buttons.addObject().put("index", b.index()).put("type", b.type().toLowerCase(Locale.ROOT)).put("text", b.text())
                    .put("sub_type", b.subType()).put("parameter", b.need().name().toLowerCase(Locale.ROOT));
        }
        return n;
    }

    private static String encodeCursor(String cursor) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(cursor.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeCursor(String cursor) {
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw Rejection.invalid("after", "is not a cursor this API gave");
        }
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
