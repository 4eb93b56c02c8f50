package dev.switchboard.emulator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.emulator.TemplateDef;
import dev.switchboard.emulator.core.EmulatorCore;
import dev.switchboard.emulator.core.GraphError;
import dev.switchboard.emulator.core.Json;
import dev.switchboard.emulator.core.NumberState;
import dev.switchboard.emulator.core.ReadMarker;
import dev.switchboard.emulator.core.ValidatedSend;
import dev.switchboard.emulator.faults.FaultInjector;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Graph API surface: send, templates, media, phone-number fields. Every failure leaves
 * through {@link GraphErrors} in Meta's shape; rejections of a known number are counted in its
 * stats by error code.
 */
public final class GraphApi {
    private final EmulatorCore core;
    private final Supplier<String> baseUrl;
    private final MediaApi media;
    private final NumbersApi numbers;
    private final ProfileApi profile;

    public GraphApi(EmulatorCore core, Supplier<String> baseUrl) {
        this.core = core;
        this.baseUrl = baseUrl;
        this.media = new MediaApi(core, baseUrl);
        this.numbers = new NumbersApi(core, baseUrl);
        this.profile = new ProfileApi(core, baseUrl);
    }

    public void register(HttpRouting.Builder r) {
        media.register(r);
        numbers.register(r);
        profile.register(r);
        r.post("/{version}/{id}/messages", this::send)
                .get("/{version}/{id}/message_templates", this::templates)
                .get("/{version}/{id}", Http.graph(this::getObject))
                .delete("/{version}/{id}", Http.graph(this::deleteObject))
                .any(Http.graph(GraphApi::unsupported));
    }

    /**
     * Graph's answer to any path or method the emulator does not serve: 400, GraphMethodException,
     * code 100, subcode 33, "Unsupported {method} request. Object with ID '…' does not exist…", the
     * id being the segment after the version. A client probing an edge the emulator lacks gets
     * Meta's answer, never a bare 404 or a 500.
     */
    private static void unsupported(ServerRequest req, ServerResponse res) {
        String[] segments = req.path().path().replaceAll("^/+|/+$", "").split("/+");
        String id = segments.length >= 2 ? segments[1] : segments[0];
        throw GraphError.unknownObject(id, req.prologue().method().text().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Every answer, success or error, leaves after the configured response latency. A number that
     * was deregistered answers 133010 to everything. A body with
     * {@code "status":"read"} is a read receipt ({@link ReadMarker}): checked after the token and
     * the number, never subject to faults or throughput, answered {@code {"success":true}}, and
     * not counted among the number's message rejections.
     */
    private void send(ServerRequest req, ServerResponse res) {
        String pnid = req.path().pathParameters().get("id");
        NumberState n = null;
        try {
            byte[] raw = Http.body(req);
            NumberState owned = Http.ownNumber(core, req, pnid, "post");
            if (!owned.registration().registered()) {
                throw GraphError.notRegistered();
            }
            JsonNode body = parsed(raw);
            if (ReadMarker.isReadReceipt(body)) {
                ReadMarker.mark(owned, body);
                core.responseDelay().pause();
                Http.success(res);
                return;
            }
            n = owned;
            injectFault(n);
            ValidatedSend send = core.validate(n, Http.json(raw));
            AcceptedMessage m = core.admit(n, send);
            core.responseDelay().pause();
            Http.send(res, 200, success(send, m));
        } catch (GraphError e) {
            if (n != null) {
                n.counters().rejected(e.code());
            }
            core.responseDelay().pause();
            Http.error(res, e);
        }
    }

    /** The body as JSON, or {@code null} when it is not JSON (reported after the fault draw, as before). */
    private static JsonNode parsed(byte[] raw) {
        try {
            return Http.json(raw);
        } catch (GraphError notJson) {
            return null;
        }
    }

    private void injectFault(NumberState n) {
        FaultInjector faults = core.faults();
        switch (faults.draw()) {
            case NONE -> { }
            case SERVER_ERROR -> throw GraphError.somethingWentWrong();
            case UNAVAILABLE -> throw GraphError.serviceUnavailable();
            case HANG -> {
                faults.hang(faults.config().hangDuration());
                throw GraphError.somethingWentWrong();
            }
            case STORM -> core.storm(n.id(), faults.config().stormDuration());
        }
    }

    private static ObjectNode success(ValidatedSend send, AcceptedMessage m) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("messaging_product", "whatsapp");
        ObjectNode contact = root.putArray("contacts").addObject();
        contact.put("input", send.input());
        if (send.waId() != null) {
            contact.put("wa_id", send.waId());
        } else {
            contact.put("user_id", send.recipientKey());
        }
        root.putArray("messages").addObject().put("id", m.wamid()).put("message_status", "accepted");
        return root;
    }

    private void templates(ServerRequest req, ServerResponse res) {
        String wabaId = req.path().pathParameters().get("id");
        try {
            String token = Http.bearer(req);
            if (token == null || !core.knownToken(token)) {
                throw GraphError.invalidToken();
            }
            if (!core.tokenForWaba(token, wabaId)) {
                throw GraphError.unknownObject(wabaId, "get");
            }
            List<TemplateDef> all = core.templates().list(wabaId);
            int limit = Math.max(1, Math.min(1000, Http.intParam(req, "limit", 25)));
            int start = req.query().first("after").map(c -> decodeCursor(c) + 1).orElse(0);
            int end = Math.min(all.size(), start + limit);
            ObjectNode root = Json.MAPPER.createObjectNode();
            ArrayNode data = root.putArray("data");
            for (int i = start; i < end; i++) {
                data.add(templateJson(all.get(i)));
            }
            ObjectNode paging = root.putObject("paging");
            if (end > start) {
                ObjectNode cursors = paging.putObject("cursors");
                cursors.put("before", cursor(start));
                cursors.put("after", cursor(end - 1));
                if (end < all.size()) {
                    paging.put("next", baseUrl.get() + req.path().path() + "?limit=" + limit + "&after=" + cursor(end - 1));
                }
            }
            Http.send(res, 200, root);
        } catch (GraphError e) {
            Http.error(res, e);
        }
    }

    static ObjectNode templateJson(TemplateDef t) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", t.name());
        o.put("parameter_format", t.parameterFormat().name());
        ArrayNode components = o.putArray("components");
        if (t.headerText() != null) {
            components.addObject().put("type", "HEADER").put("format", "TEXT").put("text", t.headerText());
        }
        ObjectNode body = components.addObject().put("type", "BODY").put("text", t.bodyText());
        List<String> params = t.bodyParameters();
        if (!params.isEmpty()) {
            ObjectNode example = body.putObject("example");
            if (t.parameterFormat() == TemplateDef.ParameterFormat.NAMED) {
                ArrayNode named = example.putArray("body_text_named_params");
                params.forEach(p -> named.addObject().put("param_name", p).put("example", "example_" + p));
            } else {
                ArrayNode row = example.putArray("body_text").addArray();
                params.forEach(p -> row.add("example_" + p));
            }
        }
        if (t.footerText() != null) {
            components.addObject().put("type", "FOOTER").put("text", t.footerText());
        }
        o.put("language", t.language());
        o.put("status", t.status().name());
        o.put("category", t.category().name());
        o.put("id", t.id());
        return o;
    }

    private static String cursor(int index) {
        return Base64.getEncoder().encodeToString(("idx:" + index).getBytes(StandardCharsets.UTF_8));
    }

    private static int decodeCursor(String c) {
        try {
            String s = new String(Base64.getDecoder().decode(c), StandardCharsets.UTF_8);
            return Integer.parseInt(s.substring(s.indexOf(':') + 1));
        } catch (RuntimeException e) {
            throw GraphError.invalidParameter("Invalid cursor: " + c);
        }
    }

    /** {@code GET /{version}/{id}}: a media object's metadata, or a phone number's fields. */
    private void getObject(ServerRequest req, ServerResponse res) {
        Http.token(core, req);
        if (media.isMedia(Http.id(req))) {
            media.get(req, res);
        } else {
            numbers.get(req, res);
        }
    }

    /** {@code DELETE /{version}/{id}}: only media objects can be deleted. */
    private void deleteObject(ServerRequest req, ServerResponse res) {
        Http.token(core, req);
        if (!media.isMedia(Http.id(req))) {
            throw GraphError.unknownObject(Http.id(req), "delete");
        }
        media.delete(req, res);
    }
}
