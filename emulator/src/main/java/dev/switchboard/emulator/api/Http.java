package dev.switchboard.emulator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.core.EmulatorCore;
import dev.switchboard.emulator.core.GraphError;
import dev.switchboard.emulator.core.Json;
import dev.switchboard.emulator.core.NumberState;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small request/response helpers shared by the handlers: body, token and ownership checks, answers. */
final class Http {
    private static final Logger LOG = LoggerFactory.getLogger(Http.class);

    private Http() {
    }

    /** A Graph handler: a {@link GraphError} becomes Meta's envelope, anything else Meta's code 1 (HTTP 500). */
    interface GraphHandler {
        void handle(ServerRequest req, ServerResponse res);
    }

    static Handler graph(GraphHandler h) {
        return (req, res) -> {
            try {
                h.handle(req, res);
            } catch (GraphError e) {
                error(res, e);
            } catch (RuntimeException e) {
                LOG.warn("unexpected failure on {} {}", req.prologue().method().text(), req.path().path(), e);
                error(res, new GraphError(500, 1, null, "OAuthException", "An unknown error has occurred.", null));
            }
        };
    }

    static byte[] body(ServerRequest req) {
        return req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
    }

    /** Parses JSON or throws Meta's 100 for an unparsable body. */
    static JsonNode json(byte[] body) {
        if (body.length == 0) {
            throw GraphError.invalidParameter("The request body is empty.");
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw GraphError.invalidParameter("The request body is empty.");
            }
            return n;
        } catch (IOException e) {
            throw GraphError.invalidParameter("The request body is not valid JSON.");
        }
    }

    /** The bearer token, from the Authorization header or Graph's {@code access_token} query parameter. */
    static String bearer(ServerRequest req) {
        String h = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
        if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String t = h.substring(7).trim();
            return t.isEmpty() ? null : t;
        }
        return req.query().first("access_token").orElse(null);
    }

    /** The caller's token; 190 when missing or unknown. */
    static String token(EmulatorCore core, ServerRequest req) {
        String token = bearer(req);
        if (token == null || !core.knownToken(token)) {
            throw GraphError.invalidToken();
        }
        return token;
    }

    /** A number the caller's token owns; otherwise Meta's "does not exist / missing permissions" (100, subcode 33). */
    static NumberState ownNumber(EmulatorCore core, ServerRequest req, String id, String method) {
        String token = token(core, req);
        NumberState n = core.number(id);
        if (n == null || !n.number().accessToken().equals(token)) {
            throw GraphError.unknownObject(id, method);
        }
        return n;
    }

    /** Checks the caller's token belongs to a number of the WABA. */
    static void ownWaba(EmulatorCore core, ServerRequest req, String wabaId, String method) {
        if (!core.tokenForWaba(token(core, req), wabaId)) {
            throw GraphError.unknownObject(wabaId, method);
        }
    }

    /** The {@code fields} query parameter as a list (empty when absent). */
    static List<String> fields(ServerRequest req) {
        List<String> out = new ArrayList<>();
        for (String f : req.query().first("fields").orElse("").split(",")) {
            if (!f.isBlank()) {
                out.add(f.trim());
            }
        }
        return out;
    }

    static String id(ServerRequest req) {
        return req.path().pathParameters().get("id");
    }

    static void success(ServerResponse res) {
        send(res, 200, Json.MAPPER.createObjectNode().put("success", true));
    }

    static void send(ServerResponse res, int status, Object body) {
        try {
            byte[] bytes = body instanceof byte[] b ? b : Json.MAPPER.writeValueAsBytes(body);
            res.status(status);
            res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=UTF-8");
            res.send(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void error(ServerResponse res, GraphError e) {
        if (e.code() == 190) {
            res.header("WWW-Authenticate", "OAuth \"Facebook Platform\" \"invalid_token\" \"" + e.getMessage() + "\"");
        }
        send(res, e.httpStatus(), GraphErrors.body(e));
    }

    static void plainError(ServerResponse res, int status, String message) {
        send(res, status, Json.MAPPER.createObjectNode().put("error", message));
    }

    static int intParam(ServerRequest req, String name, int def) {
        return req.query().first(name).map(v -> {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                return def;
            }
        }).orElse(def);
    }
}
