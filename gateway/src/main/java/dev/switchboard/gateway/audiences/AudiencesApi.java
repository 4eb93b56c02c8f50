package dev.switchboard.gateway.audiences;

import dev.switchboard.gateway.ops.RequestDeadlines;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.api.TenantGuard;
import dev.switchboard.gateway.audience.Audience;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.store.Database;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

/**
 * A tenant's audiences under {@code /v1/audiences}, with the tenant's API key:
 * <pre>
 * POST   /v1/audiences                 {"name", "default_country"?, "contacts"?: [{"phone", …variables}]} → 201 audience
 * GET    /v1/audiences                 ?after=&amp;limit= → {"data": [audience], "paging"?: {"after"}}
 * GET    /v1/audiences/{id}            → audience, with its last import's report
 * DELETE /v1/audiences/{id}            → 204
 * POST   /v1/audiences/{id}/contacts   text/csv (?phone_column=) or application/json, streamed → import report
 * GET    /v1/audiences/{id}/contacts   ?after=&amp;limit= → {"data": [{"phone", "variables"}], "paging"?: {"after"}}
 * </pre>
 * An upload is read as it arrives (never buffered): its caps are {@code audiences.maxRows} and
 * {@code audiences.maxBytes}. An upload that stops early (a cap, a quote that never closes,
 * broken JSON, a cut connection) keeps what it read; its refusal carries the report under
 * {@code "report"}. The create call's body is parsed whole, so it is capped at
 * {@link #CREATE_BODY_BYTES}; larger lists go to {@code /contacts}.
 */
public final class AudiencesApi implements HttpService {
    /** The create call's body, parsed as a tree (about 50,000 contacts); uploads stream instead. */
    static final long CREATE_BODY_BYTES = 8L * 1024 * 1024;

    private final Audiences audiences;
    private final TenantGuard guard;
    private final HttpIo io;

    /** The API over a new {@link Audiences} module on {@code db} (see {@link Audiences#open}), which it closes when the server stops. */
    public static AudiencesApi of(Database db, GroupCommitWriter sharedWriter, Audience optOuts, SwitchboardConfig.Audiences limits,
                                  Tenancy tenancy, HttpIo io, Clock clock) {
        return new AudiencesApi(Audiences.open(db, sharedWriter, optOuts, limits, clock), tenancy, io);
    }

    public AudiencesApi(Audiences audiences, Tenancy tenancy, HttpIo io) {
        this.audiences = audiences;
        this.guard = new TenantGuard(tenancy, io);
        this.io = io;
    }

    /** The module behind this API (for the campaigns that read audiences, and for tests). */
    public Audiences audiences() {
        return audiences;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", guard.of(this::create))
                .get("/", guard.of(this::list))
                .get("/{id}", guard.of(this::get))
                .delete("/{id}", guard.of(this::delete))
                .post("/{id}/contacts", guard.of(this::upload))
                .get("/{id}/contacts", guard.of(this::contacts));
    }

    /** The node is stopping: the module's writer and purger go with the listener. */
    @Override
    public void afterStop() {
        audiences.close();
    }

    private void create(Tenant t, ServerRequest req, ServerResponse res) {
        ObjectNode body = io.parseObject(io.body(req, CREATE_BODY_BYTES));
        JsonNode contacts = body.get("contacts");
        if (contacts != null && !contacts.isNull() && !contacts.isArray()) {
            throw Rejection.invalid("contacts", "must be an array of objects with a phone");
        }
        JsonNode country = body.get("default_country");
        if (country != null && !country.isNull() && !country.isTextual()) {
            throw Rejection.invalid("default_country", "must be an ISO 3166 country code such as IN");
        }
        JsonNode name = body.get("name");
        AudienceInfo a = audiences.create(t.id(), name != null && name.isTextual() ? name.asText() : null,
                country == null || country.isNull() ? null : country.asText());
        if (contacts != null && contacts.isArray()) {
            try {
                audiences.importContacts(t.id(), a.id(), "json", JsonContacts.parsed(contacts));
            } catch (ImportRefused e) {
                refused(res, e);
                return;
            }
        }
        io.send(res, 201, audience(audiences.find(t.id(), a.id()).orElseThrow(() -> Audiences.notFound(a.id())), true));
    }

    private void list(Tenant t, ServerRequest req, ServerResponse res) {
        int limit = limit(req, 1000);
        List<AudienceInfo> page = audiences.list(t.id(), HttpIo.query(req, "after").orElse(null), limit);
        ObjectNode root = io.json().createObjectNode();
        ArrayNode data = root.putArray("data");
        page.forEach(a -> data.add(audience(a, false)));
        if (page.size() == limit) {
            root.putObject("paging").put("after", page.get(page.size() - 1).id());
        }
        io.send(res, 200, root);
    }

    private void get(Tenant t, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        io.send(res, 200, audience(audiences.find(t.id(), id).orElseThrow(() -> Audiences.notFound(id)), true));
    }

    private void delete(Tenant t, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!audiences.delete(t.id(), id)) {
            throw Audiences.notFound(id);
        }
        res.status(204).send();
    }

    private void upload(Tenant t, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        audiences.find(t.id(), id).orElseThrow(() -> Audiences.notFound(id));
        long maxBytes = audiences.limits().maxBytes();
        if (req.headers().contentLength().orElse(0) > maxBytes) {
            throw Rejection.tooLarge(maxBytes);
        }
        HttpMediaType type = req.headers().contentType().orElse(null);
        String subtype = type == null ? "" : type.subtype().toLowerCase(Locale.ROOT);
        BoundedInput in = new BoundedInput(RequestDeadlines.metered(req, req.content().inputStream()), maxBytes);
        ImportReport report;
        try {
            if (subtype.equals("csv") || subtype.equals("plain")) {
                report = audiences.importContacts(t.id(), id, "csv",
                        new CsvContacts(in, charset(type), HttpIo.query(req, "phone_column").orElse(null)));
            } else if (subtype.equals("json")) {
                report = audiences.importContacts(t.id(), id, "json", JsonContacts.streamed(io.json(), in));
            } else {
                throw new Rejection(415, "unsupported_media_type", 100, "Upload contacts as text/csv or application/json, not "
                        + (type == null ? "a body without Content-Type" : type.text()));
            }
        } catch (ImportRefused e) {
            refused(res, e);
            return;
        }
        io.send(res, 200, report.toJson(io.json()));
    }

    private void contacts(Tenant t, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        int limit = limit(req, 1000);
        String after = HttpIo.query(req, "after").map(p -> p.startsWith("+") ? p.substring(1) : p).orElse(null);
        List<Contact> page = audiences.page(t.id(), id, after, limit).orElseThrow(() -> Audiences.notFound(id));
        ObjectNode root = io.json().createObjectNode();
        ArrayNode data = root.putArray("data");
        for (Contact c : page) {
            ObjectNode n = data.addObject().put("phone", "+" + c.phone());
            ObjectNode vars = n.putObject("variables");
            c.variables().forEach(vars::put);
        }
        if (page.size() == limit) {
            root.putObject("paging").put("after", "+" + page.get(page.size() - 1).phone());
        }
        io.send(res, 200, root);
    }

    private ObjectNode audience(AudienceInfo a, boolean withReport) {
        ObjectNode n = io.json().createObjectNode().put("id", a.id()).put("name", a.name()).put("default_country", a.defaultCountry())
                .put("contacts", a.contacts()).put("created_at", a.createdAt()).put("updated_at", a.updatedAt());
        if (withReport) {
            n.set("last_import", a.lastImport() == null ? null : parseStored(a.lastImport()));
        }
        return n;
    }

    private JsonNode parseStored(String json) {
        try {
            return io.json().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Problem JSON for an import that stopped early, with what it did before under {@code "report"}. */
    private void refused(ServerResponse res, ImportRefused e) {
        Rejection r = e.refusal();
        ObjectNode p = io.json().createObjectNode().put("type", "https://switchboard.dev/problems/" + r.code())
                .put("title", r.code().replace('_', ' ')).put("status", r.httpStatus()).put("code", r.code())
                .put("detail", r.getMessage());
        p.set("report", e.report().toJson(io.json()));
        res.status(Status.create(r.httpStatus()));
        res.header(HeaderNames.CONTENT_TYPE, "application/problem+json");
        try {
            res.send(io.json().writeValueAsBytes(p));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static Charset charset(HttpMediaType type) {
        String name = type == null ? null : type.charset().orElse(null);
        if (name == null) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(name);
        } catch (IllegalArgumentException e) {
            throw new Rejection(415, "unsupported_charset", 100, "Unknown charset " + name + "; upload UTF-8");
        }
    }

    private static int limit(ServerRequest req, int max) {
        String v = HttpIo.query(req, "limit").orElse(null);
        if (v == null) {
            return Math.min(100, max);
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw Rejection.invalid("limit", "must be an integer from 1 to " + max);
    }
}
