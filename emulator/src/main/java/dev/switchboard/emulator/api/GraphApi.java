package dev.switchboard.emulator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.AcceptedMessage;
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
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The Graph API surface. This class owns the send endpoint and the routing; templates, media,
 * phone numbers and the business profile have their own handler classes.
 *
 * <h2>Routing, and why there is a catch-all</h2>
 * {@code /{version}/{id}} is shared: a GET is a media object's metadata or a phone number's
 * fields, whichever the id names; a DELETE only exists for media. Every other path or method
 * falls through to one last route that answers as Graph does for anything it cannot serve:
 * 400, {@code GraphMethodException}, code 100, subcode 33, "Unsupported {method} request. Object
 * with ID '…' does not exist…". A client library probing an edge the emulator lacks thus gets
 * Meta's answer, never a bare 404 or a 500, and every failure leaves in Meta's envelope.
 *
 * <h2>The send endpoint</h2>
 * Order of checks: token (190) → the token owns the number (100/33) → the number is registered
 * (133010) → a {@code "status":"read"} body is a read receipt ({@link ReadMarker}: no faults, no
 * throughput, {@code {"success":true}}) → injected fault → validation → admission. Rejections of
 * messages are counted in the number's stats by error code; every answer of the endpoint leaves
 * after the configured response latency.
 */
public final class GraphApi {
    private final EmulatorCore core;
    private final MediaApi media;
    private final NumbersApi numbers;
    private final TemplatesApi templates;
    private final ProfileApi profile;

    public GraphApi(EmulatorCore core, Supplier<String> baseUrl) {
        this.core = core;
        this.media = new MediaApi(core, baseUrl);
        this.numbers = new NumbersApi(core, baseUrl);
        this.templates = new TemplatesApi(core, baseUrl);
        this.profile = new ProfileApi(core, baseUrl);
    }

    public void register(HttpRouting.Builder r) {
        r.post("/{version}/{id}/messages", this::send);
        templates.register(r);
        media.register(r);
        numbers.register(r);
        profile.register(r);
        r.get("/{version}/{id}", Http.graph(this::getObject))
                .delete("/{version}/{id}", Http.graph(this::deleteObject))
                .any(Http.graph(GraphApi::unsupported));
    }

    private void send(ServerRequest req, ServerResponse res) {
        NumberState counted = null;
        try {
            byte[] raw = Http.body(req);
            NumberState n = Http.ownNumber(core, req, Http.id(req), "post");
            if (!n.registration().registered()) {
                throw GraphError.notRegistered();
            }
            JsonNode body = parsed(raw);
            if (ReadMarker.isReadReceipt(body)) {
                ReadMarker.mark(n, body);
                core.responseDelay().pause();
                Http.success(res);
                return;
            }
            counted = n;
            injectFault(n);
            ValidatedSend send = core.validate(n, Http.json(raw));
            AcceptedMessage m = core.admit(n, send);
            core.responseDelay().pause();
            Http.send(res, 200, success(send, m));
        } catch (GraphError e) {
            if (counted != null) {
                counted.counters().rejected(e.code());
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

    /** Graph's answer to a path or method it does not serve; the object id is the segment after the version. */
    private static void unsupported(ServerRequest req, ServerResponse res) {
        String[] segments = req.path().path().replaceAll("^/+|/+$", "").split("/+");
        String id = segments.length >= 2 ? segments[1] : segments[0];
        throw GraphError.unknownObject(id, req.prologue().method().text().toLowerCase(Locale.ROOT));
    }
}
