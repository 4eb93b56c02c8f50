package dev.switchboard.gateway.api;

import dev.switchboard.gateway.ops.RequestDeadlines;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.graph.GraphUpstream;
import dev.switchboard.gateway.graph.MediaLinks;
import dev.switchboard.gateway.graph.MediaOwners;
import dev.switchboard.gateway.intake.TemplateCatalog;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The rest of the Cloud API surface, beside sending: number and WABA reads, templates, business
 * profile, registration, settings and media — passed through to Meta with the token of the
 * number concerned, so an app written for Meta works unchanged and never holds Meta's token.
 *
 * <p>Scope: a tenant reaches only objects it owns — its own numbers, the WABAs of its numbers,
 * media it uploaded or received. Anything else, including another tenant's objects, is answered
 * exactly as Meta answers an object that does not exist or that the token may not see (400, code
 * 100, subcode 33), so the answer reveals nothing. Which edges pass through is a fixed list per
 * kind of object; everything else gets the same answer.
 *
 * <p>Media: the URL a tenant gets for a media id is Switchboard's own
 * ({@code /v1/media/{id}/content}), authorised by the tenant's key or, for five minutes, by its
 * signature ({@link MediaLinks}); the download streams from
 * Meta with the number's token. Template create and delete refresh the template catalogue so the
 * next send is validated against it.
 */
public final class GraphApi implements HttpService {
    private static final String VERSION = "/{version:v\\d+\\.\\d+}";
    private static final Set<String> NUMBER_GET = Set.of("", "whatsapp_business_profile", "settings");
    private static final Set<String> NUMBER_POST = Set.of("whatsapp_business_profile", "register", "deregister", "settings", "media");
    private static final Set<String> WABA_GET = Set.of("", "phone_numbers", "message_templates");
    private static final Set<String> WABA_POST = Set.of("message_templates");
    private static final Set<String> WABA_DELETE = Set.of("message_templates");

    private final Tenancy tenancy;
    private final GraphUpstream upstream;
    private final MediaOwners media;
    private final MediaLinks links;
    private final TemplateCatalog templates;
    private final HttpIo io;
    private final String apiVersion;
    private final long maxMediaBytes;

    public GraphApi(Tenancy tenancy, GraphUpstream upstream, MediaOwners media, MediaLinks links, TemplateCatalog templates,
                    HttpIo io, String apiVersion, long maxMediaBytes) {
        this.tenancy = tenancy;
        this.upstream = upstream;
        this.media = media;
        this.links = links;
        this.templates = templates;
        this.io = io;
        this.apiVersion = apiVersion;
        this.maxMediaBytes = maxMediaBytes;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(VERSION + "/{id}", (req, res) -> route(req, res, ""))
                .delete(VERSION + "/{id}", (req, res) -> route(req, res, ""))
                .get(VERSION + "/{id}/{edge}", (req, res) -> route(req, res, edge(req)))
                .post(VERSION + "/{id}/{edge}", (req, res) -> route(req, res, edge(req)))
                .delete(VERSION + "/{id}/{edge}", (req, res) -> route(req, res, edge(req)))
                .get("/v1/media/{id}/content", this::content);
    }

    private static String edge(ServerRequest req) {
        return req.path().pathParameters().get("edge");
    }

    /** The tenant behind a Graph-style call: its key as the Bearer token or, as Meta allows, {@code ?access_token=}. */
    static Optional<String> token(ServerRequest req) {
        return HttpIo.bearer(req).or(() -> HttpIo.query(req, "access_token"));
    }

    private void route(ServerRequest req, ServerResponse res, String edge) {
        Tenant tenant = token(req).flatMap(tenancy::authenticate).orElse(null);
        if (tenant == null) {
            io.metaError(res, 401, 190, null, "Invalid OAuth access token - Cannot parse access token", "OAuthException");
            return;
        }
        String method = req.prologue().method().text();
        String id = req.path().pathParameters().get("id");
        String version = req.path().pathParameters().get("version");
        try {
            Optional<Channel> number = tenancy.channelOf(tenant.id(), id);
            if (number.isPresent()) {
                if (allowed(method, edge, NUMBER_GET, NUMBER_POST, Set.of())) {
                    if (edge.equals("media")) {
                        upload(req, res, tenant, number.get(), version);
                    } else {
                        relay(req, res, method, version, path(id, edge), number.get());
                    }
                    return;
                }
            } else if (wabaChannel(tenant, id).isPresent()) {
                Channel any = wabaChannel(tenant, id).get();
                if (allowed(method, edge, WABA_GET, WABA_POST, WABA_DELETE)) {
                    int status = relay(req, res, method, version, path(id, edge), any);
                    if (edge.equals("message_templates") && !method.equals("GET") && status / 100 == 2) {
                        CompletableFuture.runAsync(() -> templates.sync(any));
                    }
                    return;
                }
            } else {
                Optional<MediaOwners.Owner> owner = media.owner(id).filter(o -> o.tenantId().equals(tenant.id()));
                Optional<Channel> of = owner.flatMap(o -> tenancy.channelOf(tenant.id(), o.phoneNumberId()));
                if (of.isPresent() && edge.isEmpty() && method.equals("GET")) {
                    retrieve(req, res, tenant, version, id, of.get());
                    return;
                }
                if (of.isPresent() && edge.isEmpty() && method.equals("DELETE")) {
                    if (relay(req, res, method, version, id, of.get()) / 100 == 2) {
                        media.forget(id);
                    }
                    return;
                }
            }
            unsupported(res, method, id);
        } catch (IOException e) {
            io.metaError(res, 503, 2, null, "Service temporarily unavailable: Meta could not be reached (" + e.getMessage() + ")",
                    "OAuthException");
        }
    }

    private Optional<Channel> wabaChannel(Tenant tenant, String wabaId) {
        return tenancy.channelsOf(tenant.id()).stream().filter(c -> wabaId.equals(c.wabaId())).findFirst();
    }

    private static boolean allowed(String method, String edge, Set<String> get, Set<String> post, Set<String> delete) {
        return switch (method) {
            case "GET" -> get.contains(edge);
            case "POST" -> post.contains(edge);
            case "DELETE" -> delete.contains(edge);
            default -> false;
        };
    }

    private static String path(String id, String edge) {
        return edge.isEmpty() ? id : id + "/" + edge;
    }

    /** Meta's answer for an object that does not exist or that this token may not see. */
    private void unsupported(ServerResponse res, String method, String id) {
        io.metaError(res, 400, 100, 33, "Unsupported " + method.toLowerCase(Locale.ROOT) + " request. Object with ID '" + id
                + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                "GraphMethodException");
    }

    /** Passes the request through with the number's token and relays Meta's answer; returns its status. */
    private int relay(ServerRequest req, ServerResponse res, String method, String version, String path, Channel c) throws IOException {
        boolean hasBody = !method.equals("GET") && (req.headers().contentLength().orElse(0L) > 0
                || req.headers().contains(HeaderNames.TRANSFER_ENCODING));
        GraphUpstream.Answer a = upstream.call(method, version, path, query(req), tenancy.accessToken(c),
                req.headers().contentType().map(t -> t.text()).orElse(null),
                hasBody ? () -> RequestDeadlines.metered(req, req.content().inputStream()) : null, req.headers().contentLength().orElse(-1L));
        stream(res, a);
        return a.status();
    }

    private static Map<String, String> query(ServerRequest req) {
        Map<String, String> q = new LinkedHashMap<>();
        for (String name : req.query().names()) {
            q.put(name, req.query().get(name));
        }
        return q;
    }

    /** An upload streams to Meta; the id it returns is remembered as this tenant's and this number's. */
    private void upload(ServerRequest req, ServerResponse res, Tenant tenant, Channel number, String version) throws IOException {
        if (req.headers().contentLength().orElse(0L) > maxMediaBytes) {
            io.metaError(res, 400, 131052, null, "Media upload error: the file exceeds " + maxMediaBytes + " bytes", "OAuthException");
            return;
        }
        GraphUpstream.Answer a = upstream.call("POST", version, number.phoneNumberId() + "/media", query(req),
                tenancy.accessToken(number), req.headers().contentType().map(t -> t.text()).orElse(null),
                () -> RequestDeadlines.metered(req, req.content().inputStream()), req.headers().contentLength().orElse(-1L));
        byte[] body = readAll(a);
        if (a.status() / 100 == 2) {
            JsonNode id = io.json().readTree(body).path("id");
            if (id.isTextual() || id.isNumber()) {
                media.remember(id.asText(), tenant.id(), number.phoneNumberId());
            }
        }
        send(res, a.status(), a.contentType(), body);
    }

    /** Meta's media record, with the download URL replaced by Switchboard's own. */
    private void retrieve(ServerRequest req, ServerResponse res, Tenant tenant, String version, String id, Channel number)
            throws IOException {
        GraphUpstream.Answer a = upstream.call("GET", version, id, query(req), tenancy.accessToken(number), null, null);
        byte[] body = readAll(a);
        if (a.status() / 100 == 2 && io.json().readTree(body) instanceof ObjectNode o && o.has("url")) {
            o.put("url", publicBase(req) + links.link(tenant.id(), id));
            io.send(res, a.status(), o);
            return;
        }
        send(res, a.status(), a.contentType(), body);
    }

    /**
     * {@code GET /v1/media/{id}/content}: the file itself, for the tenant that owns it — named by
     * its key, or by a signed link that has not expired ({@link MediaLinks}).
     */
    private void content(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Tenant tenant = token(req).flatMap(tenancy::authenticate)
                .or(() -> links.tenantOf(id, HttpIo.query(req, "tenant").orElse(null), HttpIo.query(req, "expires").orElse(null),
                        HttpIo.query(req, "signature").orElse(null)).flatMap(tenancy::tenant))
                .orElse(null);
        if (tenant == null) {
            io.problem(res, 401, "unauthorized", "Missing or invalid API key (Authorization: Bearer <key>), or an expired link");
            return;
        }
        Optional<Channel> number = media.owner(id).filter(o -> o.tenantId().equals(tenant.id()))
                .flatMap(o -> tenancy.channelOf(tenant.id(), o.phoneNumberId()));
        if (number.isEmpty()) {
            io.problem(res, 404, "not_found", "No media " + id);
            return;
        }
        try {
            String token = tenancy.accessToken(number.get());
            GraphUpstream.Answer meta = upstream.call("GET", apiVersion, id, Map.of(), token, null, null);
            byte[] body = readAll(meta);
            JsonNode url = meta.status() / 100 == 2 ? io.json().readTree(body).path("url") : null;
            if (url == null || !url.isTextual()) {
                io.problem(res, meta.status() == 404 ? 404 : 502, "media_unavailable", "Meta did not give a download URL for media " + id);
                return;
            }
            stream(res, upstream.download(URI.create(url.asText()), token));
        } catch (IOException | IllegalArgumentException e) {
            io.problem(res, 502, "upstream_unreachable", "Meta could not be reached for media " + id);
        }
    }

    private String publicBase(ServerRequest req) {
        var uri = req.requestedUri();
        return uri.scheme() + "://" + uri.authority();
    }

    private static byte[] readAll(GraphUpstream.Answer a) throws IOException {
        try (InputStream in = a.body()) {
            return in.readAllBytes();
        }
    }

    private static void send(ServerResponse res, int status, String contentType, byte[] body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.send(body);
    }

    private static void stream(ServerResponse res, GraphUpstream.Answer a) throws IOException {
        res.status(Status.create(a.status()));
        res.header(HeaderNames.CONTENT_TYPE, a.contentType());
        try (InputStream in = a.body(); OutputStream out = res.outputStream()) {
            in.transferTo(out);
        }
    }
}
